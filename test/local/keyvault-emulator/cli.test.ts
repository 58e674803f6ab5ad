/**
 * `npm run emulator` as a script sees it: compiled JavaScript run by node, one JSON line
 * first on stdout, and a real SecretClient that knows nothing but that line.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { emulatorAgent, localEmulatorCredential } from '../../../src/adapters/azure-clients.js';
import { EmulatorAdminClient } from '../../../src/local/keyvault-emulator/index.js';
import { startWebhook, type Webhook } from './support.js';

const ROOT = resolve(import.meta.dirname, '../../..');
/** A private build, so this test neither needs nor disturbs dist/ (and others' files mid-change cannot break it). */
const OUT_DIR = join(ROOT, '.local', 'test-build', 'keyvault-emulator-cli');
const CLI = join(OUT_DIR, 'src', 'local', 'keyvault-emulator', 'cli.js');

interface Spawned {
  child: ChildProcessWithoutNullStreams;
  firstLine: Promise<string>;
  exit: Promise<number | null>;
  stderr: () => string;
}

const children: Spawned[] = [];
let stateDir: string;

function run(args: string[]): Spawned {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  const firstLine = new Promise<string>((resolveLine, reject) => {
    lines.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`cli exited ${code} before printing: ${stderr}`)));
  });
  // Not every test reads the line; its rejection must not go unhandled.
  firstLine.catch(() => undefined);
  const exit = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const spawned = { child, firstLine, exit, stderr: () => stderr };
  children.push(spawned);
  return spawned;
}

beforeAll(async () => {
  await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      join(ROOT, 'src', 'local', 'keyvault-emulator', 'cli.ts'),
      '--outDir', OUT_DIR, '--rootDir', ROOT,
      '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2023',
      '--strict', '--skipLibCheck', '--types', 'node', '--verbatimModuleSyntax',
    ],
    { cwd: ROOT },
  );
  stateDir = await mkdtemp(join(tmpdir(), 'kv-emulator-cli-'));
});

afterEach(async () => {
  for (const spawned of children.splice(0)) {
    if (spawned.child.exitCode === null) spawned.child.kill('SIGKILL');
    await spawned.exit;
  }
});

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('the emulator cli', () => {
  it('prints one JSON line a SecretClient can use, serves every --vault, and stops cleanly on SIGTERM', async () => {
    // Arrange
    const spawned = run(['--port', '0', '--vault', 'kv-cli-one', '--vault', 'kv-cli-two', '--state-dir', stateDir]);
    const line = JSON.parse(await spawned.firstLine) as { vaults: Array<{ name: string; url: string }>; host: string; caCertPath: string; adminUrl: string };
    const agent = emulatorAgent({ caCertPath: line.caCertPath, address: line.host });

    // Act
    const clientsByVault = line.vaults.map((vault) => new SecretClient(vault.url, localEmulatorCredential, { agent }));
    await clientsByVault[0]?.setSecret('from-the-cli-test', 'one');
    await clientsByVault[1]?.setSecret('from-the-cli-test', 'two');
    const values = await Promise.all(clientsByVault.map(async (client) => (await client.getSecret('from-the-cli-test')).value));
    const counts = await new EmulatorAdminClient(line.adminUrl, readFileSync(line.caCertPath, 'utf8')).counts();
    agent.destroy();
    spawned.child.kill('SIGTERM');

    // Assert
    expect(Object.keys(line)).toEqual(['vaults', 'host', 'caCertPath', 'adminUrl']);
    expect(line.vaults.map((v) => v.name)).toEqual(['kv-cli-one', 'kv-cli-two']);
    expect(line.vaults[0]?.url).toMatch(/^https:\/\/kv-cli-one\.vault\.azure\.net:\d+$/);
    expect(line.host).toBe('127.0.0.1');
    expect(line.caCertPath).toBe(join(stateDir, 'ca.pem'));
    expect(line.adminUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/_emulator$/);
    expect(values).toEqual(['one', 'two']);
    expect(counts['kv-cli-one']?.operations.setSecret).toBe(1);
    expect(await spawned.exit).toBe(0);
    expect(existsSync(line.caCertPath)).toBe(true);
  });

  it('subscribes --event-endpoint and honours --no-throttling', async () => {
    // Arrange
    const webhook: Webhook = await startWebhook();
    const spawned = run(['--port', '0', '--vault', 'kv-cli-events', '--state-dir', stateDir, '--event-endpoint', webhook.url, '--no-throttling']);
    const line = JSON.parse(await spawned.firstLine) as { vaults: Array<{ url: string }>; caCertPath: string; adminUrl: string };
    const agent = emulatorAgent({ caCertPath: line.caCertPath, address: '127.0.0.1' });
    const admin = new EmulatorAdminClient(line.adminUrl, readFileSync(line.caCertPath, 'utf8'));
    const client = new SecretClient(line.vaults[0]?.url ?? '', localEmulatorCredential, { agent });

    // Act
    await Promise.all(Array.from({ length: 301 }, (_, i) => client.setSecret(`s-${i}`, 'v')));
    await admin.waitForDeliveriesIdle();
    const counts = await admin.countsFor('kv-cli-events');
    agent.destroy();
    spawned.child.kill('SIGINT');

    // Assert
    expect(counts.throttled).toBe(0);
    expect(counts.operations.setSecret).toBe(301);
    expect(webhook.events().length).toBe(301);
    expect(await spawned.exit).toBe(0);
    await webhook.close();
  });

  it.each([
    [['--port', '0', '--colour', 'blue'], "Unknown option '--colour'"],
    [['--port', '70000'], '--port must be an integer from 0 to 65535'],
  ])('refuses %j with its usage and exit code 2', async (args, message) => {
    // Act
    const spawned = run(args);

    // Assert
    expect(await spawned.exit).toBe(2);
    expect(spawned.stderr()).toContain(message);
    expect(spawned.stderr()).toContain('Usage: npm run emulator');
  });
});
