/**
 * Structured logging as a port. Each entry is an event name (a fixed dotted
 * identifier such as 'rotation.failed', never built from input) and properties
 * that name vaults, secrets, versions and rotation ids: never a value or a
 * connection string. Alerts match the event name exactly, so user text in a
 * property (a rotate reason, an event id) can never raise or hide one.
 */
import { boundText } from './untrusted-text.js';

export type LogProperties = Record<string, string | number | boolean | undefined>;

export interface Logger {
  info(event: string, properties?: LogProperties): void;
  warn(event: string, properties?: LogProperties): void;
  error(event: string, properties?: LogProperties): void;
}

export type LogLevel = 'info' | 'warn' | 'error';

/** Longer string fields are cut with a marker: a 20 MB event field must not become a 20 MB log line. */
export const MAX_LOG_FIELD_CHARS = 1024;

export type LogEntry = { level: LogLevel; event: string } & Record<string, string | number | boolean>;

/**
 * The entry a log sink writes: level and event first and never overwritten by a
 * property, every string escaped (no control or bidi character reaches a log)
 * and bounded, undefined properties left out.
 */
export function logEntry(level: LogLevel, event: string, properties: LogProperties = {}): LogEntry {
  const entry: LogEntry = { level, event: boundText(event, MAX_LOG_FIELD_CHARS) };
  for (const [key, value] of Object.entries(properties)) {
    if (value === undefined || key === 'level' || key === 'event') continue;
    entry[boundText(key, 64)] = typeof value === 'string' ? boundText(value, MAX_LOG_FIELD_CHARS) : value;
  }
  return entry;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
