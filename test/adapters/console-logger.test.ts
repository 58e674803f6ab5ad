/** The app's JSON-line logger: the event name is its own field, and user text cannot forge a line or a field. */
import { describe, expect, it } from 'vitest';
import { jsonLineLogger } from '../../src/adapters/console-logger.js';
import { MAX_LOG_FIELD_CHARS } from '../../src/core/logger.js';

function capture() {
  const lines: string[] = [];
  const sink = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line), error: (line: string) => lines.push(line) };
  return { lines, logger: jsonLineLogger(sink) };
}

describe('jsonLineLogger', () => {
  it('writes the event name as its own field, whatever the user text says', () => {
    // Arrange
    const { lines, logger } = capture();

    // Act
    logger.info('rotation.started', { policyId: 'p1', reason: 'follow-up to rotation.failed alert' });

    // Assert
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', event: 'rotation.started', policyId: 'p1', reason: 'follow-up to rotation.failed alert' });
  });

  it('lets no property overwrite the level or the event', () => {
    const { lines, logger } = capture();
    logger.info('rotation.started', { event: 'rotation.failed', level: 'error' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', event: 'rotation.started' });
  });

  it('escapes control characters, bidi overrides and lone surrogates in every field', () => {
    const { lines, logger } = capture();
    logger.warn('event.ignored', { eventId: 'e1\n{"level":"error","event":"rotation.failed"}', version: 'abc\u202edef\ud800', where: 'a\u0085b' });
    const line = lines[0]!;
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
    expect(line.split('\n')).toHaveLength(1);
    const entry = JSON.parse(line) as Record<string, string>;
    expect(entry['eventId']).toBe('e1\\u000a{"level":"error","event":"rotation.failed"}');
    expect(entry['version']).toBe('abc\\u202edef\\ud800');
    expect(entry['where']).toBe('a\\u0085b');
  });

  it('truncates a long field with a marker', () => {
    const { lines, logger } = capture();
    logger.warn('event.ignored', { version: 'v'.repeat(10_000_000) });
    const entry = JSON.parse(lines[0]!) as Record<string, string>;
    expect(entry['version']!.length).toBeLessThan(MAX_LOG_FIELD_CHARS + 40);
    expect(entry['version']).toMatch(/…\[\d+ more characters\]$/);
    expect(lines[0]!.length).toBeLessThan(MAX_LOG_FIELD_CHARS + 200);
  });

  it('keeps numbers and booleans as they are, and leaves out undefined', () => {
    const { lines, logger } = capture();
    logger.error('rotation.failed', { attempts: 3, parked: false, missing: undefined });
    expect(JSON.parse(lines[0]!)).toEqual({ level: 'error', event: 'rotation.failed', attempts: 3, parked: false });
  });
});
