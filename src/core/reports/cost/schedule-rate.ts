/**
 * How often an NCRONTAB schedule (six fields, seconds first, as the Functions timer reads
 * it) fires in an average month: counted exactly over four years (a leap cycle), so
 * "every 5 minutes" is 8,766 a month, not a rounded guess.
 */
const FIELDS = [
  { min: 0, max: 59 },
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
] as const;

function value(text: string, field: (typeof FIELDS)[number]): number {
  const named = 'names' in field ? field.names.indexOf(text.toUpperCase() as never) : -1;
  const number = named >= 0 ? named + field.min : Number(text);
  // NCRONTAB reads 7 as Sunday too.
  const normalised = field.max === 6 && number === 7 ? 0 : number;
  if (!Number.isInteger(normalised) || normalised < field.min || normalised > field.max) throw new RangeError(`'${text}' is out of range`);
  return normalised;
}

function expand(text: string, field: (typeof FIELDS)[number]): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new RangeError(`bad step in '${part}'`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [field.min, field.max];
    else if (range.includes('-')) [from, to] = range.split('-').map((t) => value(t, field)) as [number, number];
    else [from, to] = [value(range, field), stepText === undefined ? value(range, field) : field.max];
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** Executions in an average month (a year / 12). Throws RangeError for an expression it cannot read. */
export function executionsPerMonth(expression: string): number {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6) throw new RangeError('an NCRONTAB expression has six fields');
  const [seconds, minutes, hours, days, months, weekdays] = parts.map((part, index) => expand(part, FIELDS[index]!));
  const perDay = seconds!.size * minutes!.size * hours!.size;
  let matchingDays = 0;
  const start = Date.UTC(2024, 0, 1);
  const cycleDays = 4 * 365 + 1;
  for (let day = 0; day < cycleDays; day++) {
    const date = new Date(start + day * 86_400_000);
    if (months!.has(date.getUTCMonth() + 1) && days!.has(date.getUTCDate()) && weekdays!.has(date.getUTCDay())) matchingDays += 1;
  }
  return (matchingDays * perDay) / 48;
}
