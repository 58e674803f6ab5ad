/**
 * `npm run arm`: runs the ARM stand-in until SIGINT/SIGTERM. Its first stdout line is one
 * JSON object naming the base URL, host, CA certificate and admin URL, so scripts can read
 * it; anything for people goes to stderr.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ArmStandInOptions } from './options.js';
import { startArmStandIn } from './standin.js';

export const DEFAULT_CLI_STATE_DIR = '.local/arm';
/** Next to the emulator's 8443, so base URLs stay the same across runs. */
export const DEFAULT_CLI_PORT = 8444;

const USAGE = `Usage: npm run arm -- [options]
  --port N          HTTPS port (default ${DEFAULT_CLI_PORT}; 0 picks a free port)
  --host ADDRESS    address to listen on (default 127.0.0.1)
  --state-dir DIR   where ca.pem is written (default ${DEFAULT_CLI_STATE_DIR})
  --seed FILE       a JSON seed (subscriptions, resourceGroups, vaults, diagnosticSettings, roleDefinitions, roleAssignments) applied at start
  --help            this text`;

export class CliUsageError extends Error {}

export function parseCliOptions(argv: string[]): ArmStandInOptions & { help: boolean; seedFile?: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { port: { type: 'string' }, host: { type: 'string' }, 'state-dir': { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' } },
    }));
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  const port = values.port === undefined ? DEFAULT_CLI_PORT : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535) throw new CliUsageError(`--port must be an integer from 0 to 65535, not '${values.port}'`);
  return {
    help: values.help === true,
    port,
    stateDir: values['state-dir'] ?? DEFAULT_CLI_STATE_DIR,
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.seed !== undefined ? { seedFile: values.seed } : {}),
  };
}

export async function main(argv: string[]): Promise<void> {
  const { help, seedFile, ...options } = parseCliOptions(argv);
  if (help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const seed = seedFile ? (JSON.parse(await readFile(seedFile, 'utf8')) as ArmStandInOptions['seed']) : undefined;
  const arm = await startArmStandIn({ ...options, ...(seed ? { seed } : {}) });
  process.stdout.write(`${JSON.stringify({ baseUrl: arm.baseUrl, host: arm.host, caCertPath: arm.caCertPath, adminUrl: arm.adminUrl })}\n`);
  process.stderr.write(`ARM stand-in serving ${arm.baseUrl} (resolve management.azure.com to ${arm.host}); admin API ${arm.adminUrl}. Ctrl-C stops it.\n`);
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping the ARM stand-in\n`);
    arm.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof CliUsageError) process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    else process.stderr.write(`the ARM stand-in failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof CliUsageError ? 2 : 1);
  });
}
