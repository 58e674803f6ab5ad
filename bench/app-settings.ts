/**
 * The app's settings for a bench that runs it in this process on the local stand-ins, and
 * their removal afterwards. The timer never fires by itself (the bench runs the scan when it
 * measures), and no HTTP route is called, so the auth settings only make a valid configuration.
 */
import { useLocalClock } from '../src/composition.js';
import type { RunningKeyVaultEmulator } from '../src/local/keyvault-emulator/options.js';

/** Sets the app's settings (and the emulator's clock as the app's) and returns what puts them back. */
export function useBenchAppSettings(storageConnectionString: string, emulator: RunningKeyVaultEmulator, extra: Record<string, string> = {}): () => void {
  const settings: Record<string, string> = {
    AzureWebJobsStorage: storageConnectionString,
    KEYVAULT_EMULATOR_CA_CERT_PATH: emulator.caCertPath,
    KEYVAULT_EMULATOR_ADDRESS: emulator.host,
    GOVERNED_VAULT_URLS: emulator.vaults.map((v) => new URL(v.url).origin).join(','),
    ROTATION_SCAN_SCHEDULE: '0 0 0 1 1 *',
    AUTH_TENANT_ID: 'bench',
    AUTH_AUDIENCES: 'api://kv-rotation-bench',
    AUTH_JWKS_URI: 'http://127.0.0.1:9/bench/keys',
    ...extra,
  };
  const previous = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  Object.assign(process.env, settings);
  useLocalClock(emulator.clock);
  return () => {
    useLocalClock(undefined);
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
