/**
 * Logger that writes one JSON line per entry. The Functions host forwards stdout
 * and stderr to Application Insights as traces, where the failed-rotation alert
 * queries for the message 'rotation.failed'.
 */
import type { LogProperties, Logger } from '../core/logger.js';

function line(level: string, message: string, properties?: LogProperties): string {
  return JSON.stringify({ level, message, ...properties });
}

export const consoleLogger: Logger = {
  info: (message, properties) => console.info(line('info', message, properties)),
  warn: (message, properties) => console.warn(line('warn', message, properties)),
  error: (message, properties) => console.error(line('error', message, properties)),
};
