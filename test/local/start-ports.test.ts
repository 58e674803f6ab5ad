/**
 * `npm start` on a machine where its fixed ports are taken: it says which port, what
 * wanted it and how to choose another, instead of a raw EADDRINUSE stack.
 */
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStartError, parseStartArguments, startFailureMessage, startLocalApp, StartUsageError } from '../../src/local/start.js';
import { captureLogs } from './functions-host/capture-logger.js';

const localApp = fileURLToPath(new URL('./functions-host/fixtures/local-app.ts', import.meta.url));

async function holdAPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('npm start with a port in use', () => {
  let held: { server: Server; port: number };

  beforeAll(async () => {
    held = await holdAPort();
  });

  afterAll(async () => {
    await new Promise((resolve) => held.server.close(resolve));
  });

  it.each([
    ['emulatorPort', 'the Key Vault emulator', '--emulator-port'],
    ['apiPort', 'the functions host (the API)', '--api-port'],
  ] as const)('%s: names the port, what wanted it and the flag that picks another, without a stack', async (option, what, flag) => {
    // Arrange
    const envBefore = process.env['AzureWebJobsStorage'];
    const ports = { apiPort: 0, emulatorPort: 0, identityProviderPort: 0, [option]: held.port };

    // Act
    const failure = await startLocalApp({ ...ports, azuritePorts: 'free', modules: [localApp], runTimers: false, examplesPath: false, logger: captureLogs().logger }).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assert
    expect(failure).toBeInstanceOf(LocalStartError);
    const printed = startFailureMessage(failure);
    expect(printed).toBe(
      `npm start failed: port ${held.port} is in use, so ${what} cannot listen on it (another npm start or npm run emulator?). Stop what holds it, or choose another port: npm start -- ${flag} ${held.port + 1} (0 picks a free one)`,
    );
    expect(printed).not.toContain('EADDRINUSE');
    expect(process.env['AzureWebJobsStorage']).toBe(envBefore);
  });

  it('prints anything it cannot explain with its stack', () => {
    // Act
    const printed = startFailureMessage(new Error('surprise'));

    // Assert
    expect(printed).toMatch(/^npm start failed: Error: surprise\n\s+at /);
  });
});

describe('parseStartArguments', () => {
  it.each([
    [[], { help: false }],
    [['--api-port', '7072'], { help: false, apiPort: 7072 }],
    [['--emulator-port', '0', '--api-port', '0'], { help: false, apiPort: 0, emulatorPort: 0 }],
    [['--emulator-port=8444'], { help: false, emulatorPort: 8444 }],
    [['--help'], { help: true }],
  ])('%j -> %j', (argv, expected) => {
    // Act / Assert
    expect(parseStartArguments(argv)).toEqual(expected);
  });

  it.each([[['--api-port', 'abc']], [['--emulator-port', '70000']], [['--emulator-port', '-1']], [['--port', '1']], [['extra']]])('refuses %j with the usage', (argv) => {
    // Act / Assert
    expect(() => parseStartArguments(argv)).toThrow(StartUsageError);
    expect(() => parseStartArguments(argv)).toThrow(/Usage: npm start -- \[options\]/);
  });
});
