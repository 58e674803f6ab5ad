/**
 * A Logger for people watching a terminal: one line per entry on stderr, so
 * stdout stays free for what `npm start` prints for machines. Messages carry
 * what callers sent (an event id, a URL): control and bidi characters are
 * escaped and every field is bounded, so no input can forge or flood a line.
 */
import { MAX_LOG_FIELD_CHARS, type Logger, type LogProperties } from '../../core/logger.js';
import { boundText } from '../../core/untrusted-text.js';

const MAX_STACK_LINES = 30;

const field = (value: unknown): string => boundText(String(value), MAX_LOG_FIELD_CHARS);

/** Every stack line indented, so a message inside the stack cannot pass for an entry of its own. */
function stackLines(stack: string): string {
  const lines = stack.split(/\r\n|\r|\n/);
  const kept = lines.slice(0, MAX_STACK_LINES).map((line) => `    ${field(line.trimStart())}`);
  if (lines.length > MAX_STACK_LINES) kept.push(`    …[${lines.length - MAX_STACK_LINES} more lines]`);
  return `\n${kept.join('\n')}`;
}

function line(level: string, message: string, properties: LogProperties | undefined): string {
  const { functionName, invocationId, stack, ...rest } = properties ?? {};
  const scope = functionName !== undefined ? ` [${field(functionName)}${invocationId !== undefined ? ` ${field(invocationId)}` : ''}]` : '';
  const extra = Object.entries(rest)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      const text = field(value);
      return ` ${boundText(key, 64)}=${typeof value === 'string' && /\s/.test(text) ? JSON.stringify(text) : text}`;
    })
    .join('');
  const trace = typeof stack === 'string' ? stackLines(stack) : '';
  return `${new Date().toISOString()} ${level.padEnd(5)}${scope} ${field(message)}${extra}${trace}\n`;
}

export function createConsoleLogger(stream: NodeJS.WritableStream = process.stderr): Logger {
  return {
    info: (message, properties) => void stream.write(line('info', message, properties)),
    warn: (message, properties) => void stream.write(line('warn', message, properties)),
    error: (message, properties) => void stream.write(line('error', message, properties)),
  };
}
