/**
 * NCRONTAB schedules as the Functions timer trigger reads them: six fields,
 * `{second} {minute} {hour} {day} {month} {day-of-week}`, each `*`, a value, a
 * range `a-b`, a step `*\/n`, `a-b/n` or `a/n`, or a comma list of those;
 * month and weekday names (JAN, MON) are accepted. As in NCrontab, a time must
 * match the day-of-month AND the day-of-week field. Times are UTC, the default
 * of Azure Functions (WEBSITE_TIME_ZONE is not honoured locally).
 */

export class NcrontabError extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(`invalid NCRONTAB expression '${expression}': ${message}`);
    this.name = 'NcrontabError';
  }
}

export interface NcrontabSchedule {
  readonly expression: string;
  /** The first matching whole second strictly after `after`, or undefined if none within 50 years. */
  next(after: Date): Date | undefined;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

const SEARCH_YEARS = 50;

function parseValue(expression: string, spec: FieldSpec, raw: string): number {
  const nameIndex = spec.names?.indexOf(raw.toUpperCase()) ?? -1;
  const value = nameIndex >= 0 ? nameIndex + spec.min : /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(value)) throw new NcrontabError(expression, `'${raw}' is not a valid ${spec.name}`);
  if (value < spec.min || value > spec.max) {
    throw new NcrontabError(expression, `${spec.name} ${raw} is outside ${spec.min}-${spec.max}`);
  }
  return value;
}

function parseField(expression: string, spec: FieldSpec, field: string): boolean[] {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  for (const item of field.split(',')) {
    const [rangePart = '', stepPart, extra] = item.split('/');
    if (extra !== undefined || rangePart === '') throw new NcrontabError(expression, `'${item}' is not a valid ${spec.name} item`);
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart) || Number(stepPart) === 0) throw new NcrontabError(expression, `step '${stepPart}' must be a positive whole number`);
      step = Number(stepPart);
    }
    let from: number;
    let to: number;
    if (rangePart === '*') {
      from = spec.min;
      to = spec.max;
    } else if (rangePart.includes('-')) {
      const [a = '', b = '', more] = rangePart.split('-');
      if (more !== undefined) throw new NcrontabError(expression, `'${rangePart}' is not a valid range`);
      from = parseValue(expression, spec, a);
      to = parseValue(expression, spec, b);
      if (from > to) throw new NcrontabError(expression, `range ${rangePart} runs backwards`);
    } else {
      from = parseValue(expression, spec, rangePart);
      // `a/n` means every n-th value from a to the end of the field.
      to = stepPart !== undefined ? spec.max : from;
    }
    for (let value = from; value <= to; value += step) allowed[value] = true;
  }
  return allowed;
}

export function parseNcrontab(expression: string): NcrontabSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new NcrontabError(expression, `expected six fields (second minute hour day month day-of-week), got ${fields.length}`);
  }
  const [seconds, minutes, hours, days, months, weekdays] = FIELDS.map((spec, i) => parseField(expression, spec, fields[i] ?? ''));
  if (!seconds || !minutes || !hours || !days || !months || !weekdays) throw new NcrontabError(expression, 'unparsable');

  return {
    expression,
    next(after: Date): Date | undefined {
      let t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
      const lastYear = t.getUTCFullYear() + SEARCH_YEARS;
      while (t.getUTCFullYear() <= lastYear) {
        const y = t.getUTCFullYear();
        const mo = t.getUTCMonth();
        const d = t.getUTCDate();
        const h = t.getUTCHours();
        const mi = t.getUTCMinutes();
        if (!months[mo + 1]) {
          t = new Date(Date.UTC(y, mo + 1, 1));
        } else if (!days[d] || !weekdays[t.getUTCDay()]) {
          t = new Date(Date.UTC(y, mo, d + 1));
        } else if (!hours[h]) {
          t = new Date(Date.UTC(y, mo, d, h + 1));
        } else if (!minutes[mi]) {
          t = new Date(Date.UTC(y, mo, d, h, mi + 1));
        } else {
          const s = seconds.indexOf(true, t.getUTCSeconds());
          if (s >= 0) return new Date(Date.UTC(y, mo, d, h, mi, s));
          t = new Date(Date.UTC(y, mo, d, h, mi + 1));
        }
      }
      return undefined;
    },
  };
}
