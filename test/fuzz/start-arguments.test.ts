/**
 * `npm start`'s arguments, generated: every argv either gives ports from 0 to 65535 or is
 * refused with a StartUsageError that shows the usage and quotes the input bounded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStartArguments, StartUsageError } from '../../src/local/start.js';
import { fuzzRuns, fuzzSeed } from '../support/fuzz-settings.js';

const flag = fc.constantFrom('--api-port', '--emulator-port', '--help', '--api-port=', '--emulator-port=', '-h', '--', '--unknown');
const value = fc.oneof(
  fc.integer({ min: -70_000, max: 70_000 }).map(String),
  fc.constantFrom('', ' ', '0x1F', '1e3', '8443\n', '7071\u202e', '-1', '65536', '00080'),
  fc.string({ maxLength: 20 }),
  fc.string({ minLength: 5_000, maxLength: 20_000 }),
);
const argv = fc.array(fc.oneof(flag, value, fc.tuple(flag, value).map(([f, v]) => `${f}=${v}`)), { maxLength: 6 });

describe('npm start arguments (generated)', () => {
  it(`accept ports from 0 to 65535 or refuse with the usage, bounded: ${fuzzRuns()} cases`, () => {
    fc.assert(
      fc.property(argv, (args) => {
        let parsed: ReturnType<typeof parseStartArguments>;
        try {
          parsed = parseStartArguments(args);
        } catch (error) {
          expect(error).toBeInstanceOf(StartUsageError);
          expect((error as Error).message).toContain('--api-port');
          expect((error as Error).message.length).toBeLessThan(2_000);
          expect((error as Error).message).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202a-\u202e]/);
          return;
        }
        for (const port of [parsed.apiPort, parsed.emulatorPort]) {
          if (port !== undefined) expect(Number.isInteger(port) && port >= 0 && port <= 65535).toBe(true);
        }
      }),
      { seed: fuzzSeed(), numRuns: fuzzRuns() },
    );
  });

  it('refuses a port out of range and accepts one in range (the twin of the property above)', () => {
    expect(() => parseStartArguments(['--api-port', '65536'])).toThrow(StartUsageError);
    expect(parseStartArguments(['--api-port', '65535'])).toMatchObject({ apiPort: 65535 });
  });
});
