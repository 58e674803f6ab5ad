/**
 * Flat records (rotation state, audit records) as table columns: one column per
 * field so the tables stay readable in Storage Explorer, Dates as Edm.DateTime,
 * and nested values (the active rotation, trigger keys) as JSON in a `<field>Json`
 * column with their Dates tagged so they come back as Dates. Generic on purpose:
 * a field added to a port later is stored without touching this adapter.
 */
import { fitText } from '../../core/stored-text.js';

const SYSTEM_PROPERTIES = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp', 'odata.metadata']);
const JSON_SUFFIX = 'Json';
const DATE_TAG = '$date';

function stringifyWithDates(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, replaced: unknown) {
    // `replaced` is already the ISO string (Date.toJSON ran); the holder still has the Date.
    const original = this[key];
    return original instanceof Date ? { [DATE_TAG]: original.toISOString() } : replaced;
  });
}

function parseWithDates(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const tagged = value as Record<string, unknown>;
      const keys = Object.keys(tagged);
      if (keys.length === 1 && keys[0] === DATE_TAG && typeof tagged[DATE_TAG] === 'string') return new Date(tagged[DATE_TAG]);
    }
    return value;
  });
}

export function toColumns(record: object): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined || value === null) continue;
    if (value instanceof Date) columns[name] = value;
    else if (typeof value === 'object') columns[`${name}${JSON_SUFFIX}`] = stringifyWithDates(value);
    else if (typeof value === 'string') columns[name] = fitText(value);
    else columns[name] = value;
  }
  return columns;
}

export function fromColumns<T>(entity: Record<string, unknown>): T {
  const record: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entity)) {
    if (SYSTEM_PROPERTIES.has(name) || value === undefined || value === null) continue;
    if (name.endsWith(JSON_SUFFIX) && typeof value === 'string') record[name.slice(0, -JSON_SUFFIX.length)] = parseWithDates(value);
    else record[name] = value;
  }
  return record as T;
}
