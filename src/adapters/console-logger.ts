/**
 * Logger that writes one JSON object per line. The Functions host forwards
 * stdout and stderr to Application Insights as traces whose message is that
 * line; the failed-rotation alert parses it and compares the `event` field
 * exactly (infra/modules/failed-rotation-alert.bicep), so text inside other
 * fields cannot trip or mask it.
 */
import { logEntry, type LogLevel, type LogProperties, type Logger } from '../core/logger.js';

/** Where the lines go: console, or an InvocationContext, which has the same three methods. */
export interface LineSink {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export function formatLogLine(level: LogLevel, event: string, properties?: LogProperties): string {
  return JSON.stringify(logEntry(level, event, properties));
}

export function jsonLineLogger(sink: LineSink): Logger {
  return {
    info: (event, properties) => sink.info(formatLogLine('info', event, properties)),
    warn: (event, properties) => sink.warn(formatLogLine('warn', event, properties)),
    error: (event, properties) => sink.error(formatLogLine('error', event, properties)),
  };
}

export const consoleLogger: Logger = jsonLineLogger({
  info: (line) => console.info(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
});
