/**
 * The Key Vault emulator in its own process for the reports bench, so the bench's heap
 * figures are the reports' alone and not the emulator's 100,000 stored secrets. Prints one
 * JSON line (vaults, host, CA, admin URL) and runs until its stdin closes.
 * Creates are unthrottled (seeding is not what is measured); every other operation keeps
 * Key Vault's real limit of 4,000 per vault per 10 seconds.
 */
import { startKeyVaultEmulator } from '../../src/local/keyvault-emulator/index.js';

const vaults = (process.argv[2] ?? 'kv-bench-00').split(',');
const emulator = await startKeyVaultEmulator({ vaults, throttling: { createsPer10Seconds: 1_000_000_000, othersPer10Seconds: 4000 } });
process.stdout.write(`${JSON.stringify({ vaults: emulator.vaults, host: emulator.host, caCertPath: emulator.caCertPath, caCertPem: emulator.caCertPem, adminUrl: emulator.adminUrl })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void emulator.stop().then(() => process.exit(0));
});
