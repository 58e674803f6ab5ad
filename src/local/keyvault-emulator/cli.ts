/**
 * `npm run emulator`: runs the Key Vault emulator until SIGINT/SIGTERM. Its first
 * stdout line is one JSON object naming the vaults, host, CA certificate and admin URL,
 * so scripts can read it; anything for people goes to stderr.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startKeyVaultEmulator } from './emulator.js';
import type { KeyVaultEmulatorOptions } from './options.js';

/** Where the app's local settings expect the CA (KEYVAULT_EMULATOR_CA_CERT_PATH's example). */
export const DEFAULT_CLI_STATE_DIR = '.local/keyvault-emulator';
/** A fixed port keeps vault URLs (and so policies and settings that name them) stable across runs; `npm start` uses it too. */
export const DEFAULT_CLI_PORT = 8443;

const USAGE = `Usage: npm run emulator -- [options]
  --port N              HTTPS port (default ${DEFAULT_CLI_PORT}; 0 picks a free port)
  --host ADDRESS        address to listen on (default 127.0.0.1)
  --vault NAME          a vault to emulate; repeat for several (default kv-app-local, kv-shared-local)
  --state-dir DIR       where ca.pem is written (default ${DEFAULT_CLI_STATE_DIR})
  --no-throttling       never answer 429
  --event-endpoint URL  subscribe this webhook to every secret event; repeatable
  --help                this text`;

export class CliUsageError extends Error {}

export function parseCliOptions(argv: string[]): KeyVaultEmulatorOptions & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        vault: { type: 'string', multiple: true },
        'state-dir': { type: 'string' },
        'no-throttling': { type: 'boolean' },
        'event-endpoint': { type: 'string', multiple: true },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  const port = values.port === undefined ? DEFAULT_CLI_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliUsageError(`--port must be an integer from 0 to 65535, not '${values.port}'`);
  return {
    help: values.help === true,
    port,
    stateDir: values['state-dir'] ?? DEFAULT_CLI_STATE_DIR,
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.vault !== undefined ? { vaults: values.vault } : {}),
    ...(values['no-throttling'] ? { throttling: { enabled: false } } : {}),
    ...(values['event-endpoint'] ? { eventSubscriptions: values['event-endpoint'].map((endpoint) => ({ endpoint })) } : {}),
  };
}

export async function main(argv: string[]): Promise<void> {
  const { help, ...options } = parseCliOptions(argv);
  if (help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const emulator = await startKeyVaultEmulator(options);
  const line = {
    vaults: emulator.vaults.map(({ name, url }) => ({ name, url })),
    host: emulator.host,
    caCertPath: emulator.caCertPath,
    adminUrl: emulator.adminUrl,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  process.stderr.write(`Key Vault emulator serving ${line.vaults.map((v) => v.url).join(', ')}; admin API ${line.adminUrl}. Ctrl-C stops it.\n`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping the Key Vault emulator\n`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stop failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof CliUsageError) process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    else process.stderr.write(`the Key Vault emulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof CliUsageError ? 2 : 1);
  });
}
