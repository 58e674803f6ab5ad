/**
 * The app as `npm start` runs it, for the fan-out benches: Azurite, a Key Vault emulator with
 * four vaults and Key Vault's real throttling, and the local functions host running the app's
 * deployed bundle (package.json main), whose timer fans out to the rotation queue and whose
 * queue poller rotates. The app runs on the emulator's clock, as under npm start. Its JSON log
 * lines are counted by event instead of printed.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAzureClientFactory, type AzureClientFactory } from '../../src/adapters/azure-clients.js';
import { createTableAdapters, tableNames } from '../../src/adapters/tables/index.js';
import { useBenchAppSettings } from '../app-settings.js';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { startAzurite } from '../../src/local/azurite.js';
import { findFunctionModules, startFunctionsHost, type RunningFunctionsHost } from '../../src/local/functions-host/index.js';
import { EmulatorAdminClient, startKeyVaultEmulator } from '../../src/local/keyvault-emulator/index.js';
import type { RunningKeyVaultEmulator } from '../../src/local/keyvault-emulator/options.js';

export const BENCH_VAULTS = ['kv-bench-1', 'kv-bench-2', 'kv-bench-3', 'kv-bench-4'];

export interface FanOutStack {
  config: AppConfig;
  clients: AzureClientFactory;
  tables: ReturnType<typeof createTableAdapters>;
  host: RunningFunctionsHost;
  emulator: RunningKeyVaultEmulator;
  admin: EmulatorAdminClient;
  /** Log lines the app wrote since the last reset, by event. */
  events: Map<string, number>;
  /** Empties the app's tables (Azurite scans its in-memory tables on every read, so each run starts from none). */
  emptyTables(): Promise<void>;
  /** CPU seconds used so far by Azurite's process and by this one (the host, the app and the emulator). */
  cpuSeconds(): { azurite: number; app: number };
  stop(): Promise<void>;
}

/** utime + stime of a process, from /proc (Linux); NaN elsewhere. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

const appDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export async function startFanOutStack(): Promise<FanOutStack> {
  const [azurite, emulator] = await Promise.all([startAzurite(), startKeyVaultEmulator({ vaults: BENCH_VAULTS, expiryCheckIntervalInMs: 100 })]);
  const restoreSettings = useBenchAppSettings(azurite.connectionString, emulator);

  const events = new Map<string, number>();
  const original = { info: console.info, warn: console.warn, error: console.error };
  const count = (...args: unknown[]): void => {
    const event = /"event":"([^"]+)"/.exec(String(args[0]))?.[1];
    if (event) events.set(event, (events.get(event) ?? 0) + 1);
  };
  console.info = count;
  console.warn = count;
  console.error = count;

  const config = loadConfig(process.env);
  const clients = createAzureClientFactory(config);
  const tables = createTableAdapters(clients);
  await tables.ensureTables();
  const host = await startFunctionsHost({ modules: await findFunctionModules(appDirectory), port: 0, runTimers: false, logger: silentLogger, appDirectory });
  return {
    config,
    clients,
    tables,
    host,
    emulator,
    admin: new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem),
    events,
    async emptyTables() {
      for (const name of Object.values(tableNames())) {
        const table = clients.tableClient(name);
        await table.deleteTable();
        // Azurite may still be removing the old one for a moment.
        for (let attempt = 0; ; attempt++) {
          try {
            await table.createTable();
            break;
          } catch (error) {
            if (attempt > 50) throw error;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      }
    },
    cpuSeconds() {
      const own = process.cpuUsage();
      return { azurite: processCpuSeconds(azurite.pid), app: (own.user + own.system) / 1e6 };
    },
    async stop() {
      await host.stop();
      await Promise.all([emulator.stop(), azurite.stop()]);
      restoreSettings();
      Object.assign(console, original);
    },
  };
}
