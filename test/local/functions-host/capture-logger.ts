/** A Logger that keeps entries so tests can wait for what functions log through their InvocationContext. */
import type { Logger, LogProperties } from '../../../src/core/logger.js';

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  properties: LogProperties;
}

export interface CapturedLogs {
  logger: Logger;
  entries: LogEntry[];
  /** Resolves with the first entry that matches, polling until `timeoutInMs`. */
  waitFor(predicate: (entry: LogEntry) => boolean, timeoutInMs?: number): Promise<LogEntry>;
}

export function captureLogs(): CapturedLogs {
  const entries: LogEntry[] = [];
  const push = (level: LogEntry['level']) => (message: string, properties: LogProperties = {}) => void entries.push({ level, message, properties });
  return {
    logger: { info: push('info'), warn: push('warn'), error: push('error') },
    entries,
    async waitFor(predicate, timeoutInMs = 10_000) {
      const deadline = Date.now() + timeoutInMs;
      for (;;) {
        const found = entries.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching log entry; got:\n${entries.map((e) => `${e.level} ${e.message}`).join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
