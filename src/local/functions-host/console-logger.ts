/**
 * A Logger for people watching a terminal: one line per entry on stderr, so
 * stdout stays free for what `npm start` prints for machines.
 */
import type { Logger, LogProperties } from '../../core/logger.js';

function line(level: string, message: string, properties: LogProperties | undefined): string {
  const { functionName, invocationId, stack, ...rest } = properties ?? {};
  const scope = functionName !== undefined ? ` [${String(functionName)}${invocationId !== undefined ? ` ${String(invocationId)}` : ''}]` : '';
  const extra = Object.entries(rest)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}`)
    .join('');
  const trace = typeof stack === 'string' ? `\n${stack}` : '';
  return `${new Date().toISOString()} ${level.padEnd(5)}${scope} ${message}${extra}${trace}\n`;
}

export function createConsoleLogger(stream: NodeJS.WritableStream = process.stderr): Logger {
  return {
    info: (message, properties) => void stream.write(line('info', message, properties)),
    warn: (message, properties) => void stream.write(line('warn', message, properties)),
    error: (message, properties) => void stream.write(line('error', message, properties)),
  };
}
