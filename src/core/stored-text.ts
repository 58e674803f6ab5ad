/**
 * How long a text field of a stored record may be: Table Storage holds at most 32K characters
 * per string property, and a long diagnostic is cut, never refused. Core owns the bound because
 * a record written to two stores (the audit's table and its write-once archive) must be the same
 * record in both, so it is cut once, before either write.
 */
export const MAX_STORED_TEXT_LENGTH = 8000;

export function fitText(text: string): string;
export function fitText(text: string | undefined): string | undefined;
export function fitText(text: string | undefined): string | undefined {
  if (text === undefined || text.length <= MAX_STORED_TEXT_LENGTH) return text;
  return `${text.slice(0, MAX_STORED_TEXT_LENGTH - 1)}…`;
}

/** The record with each top-level text field cut to the stored length; the same object when none is longer. */
export function withFittedText<T extends object>(record: T): T {
  const long = Object.entries(record).filter(([, value]) => typeof value === 'string' && value.length > MAX_STORED_TEXT_LENGTH);
  if (long.length === 0) return record;
  return { ...record, ...Object.fromEntries(long.map(([name, value]) => [name, fitText(value as string)])) };
}
