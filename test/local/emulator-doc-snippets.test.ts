/**
 * docs/emulator.md shows how to read a secret from Node and with curl, and how to call the
 * admin API with curl. These run the doc's own snippets against a started emulator, so the
 * doc cannot drift from what works.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import * as keyVaultSecrets from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as azureClients from '../../src/adapters/azure-clients.js';
import { startKeyVaultEmulator, type RunningKeyVaultEmulator } from '../../src/local/keyvault-emulator/index.js';

const doc = readFileSync(new URL('../../docs/emulator.md', import.meta.url), 'utf8');
const run = promisify(execFile);

/** The first fenced block of `language` after `heading`. */
function snippetAfter(heading: string, language: string): string {
  const start = doc.indexOf(heading);
  if (start < 0) throw new Error(`docs/emulator.md has no '${heading}'`);
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(doc.slice(start));
  if (!match?.[1]) throw new Error(`no ${language} block after '${heading}'`);
  return match[1];
}

/** Runs an ES module snippet with its imports bound to modules this test loaded (the doc imports dist/, which tests do not build). */
async function runModuleSnippet(source: string, modules: Record<string, unknown>, argv: string[]): Promise<string[]> {
  const printed: string[] = [];
  const body = source.replace(/^import \{([^}]+)\} from '([^']+)';$/gm, (_line, names: string, specifier: string) => {
    if (!(specifier in modules)) throw new Error(`the snippet imports '${specifier}', which this test does not provide`);
    return `const {${names}} = __modules[${JSON.stringify(specifier)}];`;
  });
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
  await new AsyncFunction('__modules', 'process', 'console', body)(modules, { argv: ['node', 'read-secret.mjs', ...argv] }, { log: (line: string) => printed.push(line) });
  return printed;
}

describe('docs/emulator.md snippets, run against a started emulator', () => {
  let emulator: RunningKeyVaultEmulator;
  let vaultUrl: string;
  let version: string;

  beforeAll(async () => {
    emulator = await startKeyVaultEmulator({ vaults: ['kv-app-local'] });
    vaultUrl = emulator.vaults[0]!.url;
    const agent = azureClients.emulatorAgent({ caCertPath: emulator.caCertPath, address: '127.0.0.1' });
    const client = new keyVaultSecrets.SecretClient(vaultUrl, azureClients.localEmulatorCredential, { agent });
    version = (await client.setSecret('orders-api-key', 'x'.repeat(40))).properties.version!;
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  /** The doc's commands, with its CA path and port replaced by this emulator's. */
  function localised(script: string): string {
    return script.replace(/^CA=.*$/m, `CA='${emulator.caCertPath}'`).replaceAll(':8443', `:${emulator.port}`);
  }

  it('reads a secret from Node with emulatorAgent and localEmulatorCredential, printing what describes it and not the value', async () => {
    // Arrange
    const snippet = snippetAfter('### Reading a secret from a Node script', 'js');

    // Act
    const printed = await runModuleSnippet(
      snippet,
      { '@azure/keyvault-secrets': keyVaultSecrets, './dist/src/adapters/azure-clients.js': azureClients },
      [emulator.caCertPath, vaultUrl, 'orders-api-key'],
    );

    // Assert
    expect(snippet).toContain("emulatorAgent({ caCertPath, address: '127.0.0.1' })");
    expect(snippet).toContain('new SecretClient(vaultUrl, localEmulatorCredential, { agent })');
    expect(printed).toHaveLength(1);
    expect(JSON.parse(printed[0]!)).toEqual({ name: 'orders-api-key', version, expiresOn: undefined, length: 40 });
    expect(printed[0]).not.toContain('x'.repeat(40));
  });

  it('reads a secret with curl, trusting the CA with --cacert', async () => {
    // Arrange
    const script = snippetAfter('### With curl', 'sh');

    // Act
    const { stdout } = await run('sh', ['-c', `set -e\n${localised(script)}`]);

    // Assert
    expect(script).not.toMatch(/\s(-k|--insecure)\b/);
    expect(JSON.parse(stdout)).toMatchObject({ id: `${vaultUrl}/secrets/orders-api-key/${version}` });
  });

  it('calls the admin API with curl: reads the clock, advances it a day, reads counts and deliveries', async () => {
    // Arrange
    const script = snippetAfter('With curl, trust the emulator', 'sh');

    // Act
    const { stdout } = await run('sh', ['-c', `set -e\nCA=unset\n${localised(script)}`.replace(/^CA=unset$/m, `CA='${emulator.caCertPath}'`)]);

    // Assert
    const answers = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(answers).toHaveLength(4);
    expect(answers[0]).toMatchObject({ offsetMs: 0 });
    expect(answers[1]).toMatchObject({ offsetMs: 86_400_000 });
    expect(answers[2]).toHaveProperty('vaults.kv-app-local.operations');
    expect(answers[3]).toHaveProperty('deliveries');
  });
});
