import { describe, expect, it } from 'vitest';
import { CliUsageError, DEFAULT_CLI_PORT, DEFAULT_CLI_STATE_DIR, parseCliOptions } from '../../../src/local/arm/cli.js';

describe('npm run arm -- options', () => {
  it('defaults to port 8444 and .local/arm, next to the emulator', () => {
    expect(parseCliOptions([])).toEqual({ help: false, port: DEFAULT_CLI_PORT, stateDir: DEFAULT_CLI_STATE_DIR });
    expect(DEFAULT_CLI_PORT).toBe(8444);
  });

  it('reads every flag', () => {
    expect(parseCliOptions(['--port', '0', '--host', '127.0.0.2', '--state-dir', '/tmp/arm', '--seed', 'seed.json'])).toEqual({ help: false, port: 0, host: '127.0.0.2', stateDir: '/tmp/arm', seedFile: 'seed.json' });
  });

  it.each([[['--port', '70000']], [['--port', 'x']], [['--vault', 'kv']], [['positional']]])('refuses %j as a usage error', (argv) => {
    expect(() => parseCliOptions(argv)).toThrow(CliUsageError);
  });
});
