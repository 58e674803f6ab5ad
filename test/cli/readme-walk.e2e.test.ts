/**
 * README's walk, run as written: the files and the commands are read out of README.md (the
 * blocks marked <!-- walk: ... -->), the stack is started as `npm start` starts it (examples
 * loaded; the timer off, so nothing rotates behind the walk's back), and every `npx kvrot` line
 * runs through kvrot's main in order, with the stack's ports in place of 7071, 7072 and 8443 and
 * `<ids>` replaced by the change request ids the command before printed. Each must end with exit
 * 0, or the code its comment names. The out-of-band change is made with the real SecretClient, and
 * the scan runs where a comment says the timer would.
 * No output may hold a secret value.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClientFactory } from '../../src/adapters/azure-clients.js';
import { startLocalApp, type RunningLocalApp } from '../../src/local/start.js';
import { captureLogs } from '../local/functions-host/capture-logger.js';
import { appModules } from '../functions/app-e2e-support.js';
import { runInProcess, type Run } from './cli-harness.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The fenced block right after each <!-- walk: ... --> marker. */
function walkBlocks(): { files: Map<string, string>; commands: string[] } {
  const files = new Map<string, string>();
  let commands: string[] = [];
  for (const match of readme.matchAll(/<!-- walk: (file (\S+)|commands) -->\n```\w*\n([\s\S]*?)```/g)) {
    if (match[2]) files.set(match[2], match[3]!);
    else commands = match[3]!.split('\n').filter((line) => line.trim() !== '');
  }
  return { files, commands };
}

/** A command line as a shell splits it: words, and double-quoted text as one word. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

let app: RunningLocalApp;
let dir = '';
const outputs: string[] = [];

beforeAll(async () => {
  app = await startLocalApp({ apiPort: 0, emulatorPort: 0, identityProviderPort: 0, azuritePorts: 'free', modules: appModules, runTimers: false, logger: captureLogs().logger });
  dir = mkdtempSync(join(tmpdir(), 'kvrot-walk-'));
  const emulatorPort = new URL(app.summary.vaults[0]!.url).port;
  for (const [name, text] of walkBlocks().files) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text.replaceAll('http://127.0.0.1:7071/api', app.summary.api).replaceAll('http://127.0.0.1:7072', app.summary.identityProvider).replaceAll(':8443', `:${emulatorPort}`));
  }
}, 120_000);

afterAll(async () => {
  await app?.stop();
});

describe("README's walk from a Secretfile to rotated secrets", () => {
  it('has the files and the commands it shows', () => {
    const { files, commands } = walkBlocks();
    expect([...files.keys()].sort()).toEqual(['Secretfile.yml', 'kvrot.config.json', 'vars/dev.yml', 'vars/production.yml', 'vars/staging.yml']);
    expect(commands.filter((line) => line.startsWith('npx kvrot ')).length).toBeGreaterThan(20);
    // Every line is a kvrot command or a comment saying what happens between them.
    for (const line of commands) expect(line).toMatch(/^(npx kvrot |# )/);
  });

  it(
    'runs every command in order, each ending as its comment says',
    async () => {
      const clients = createAzureClientFactory({ storage: { kind: 'local-connection-string', connectionString: process.env['AzureWebJobsStorage']! }, keyVaultEmulator: { caCertPath: app.summary.caCertPath, address: app.summary.host } });
      const handSet = `hand-set-${Date.now()}`;
      let previous: Run | undefined;
      for (const line of walkBlocks().commands) {
        if (line.startsWith('# ')) {
          if (line.includes('out of band')) {
            await clients.secretClient(app.summary.vaults.find((v) => v.name === 'kv-app-local')!.url).setSecret('dev-orders-api-key', handSet);
          } else {
            expect(line).toContain("the timer's scan");
            await app.functionsHost.invoke('scanDuePolicies');
            await app.functionsHost.queuesIdle();
          }
          continue;
        }
        const [command, comment = ''] = line.slice('npx kvrot '.length).split(/\s+#\s/);
        let argv = words(command!);
        if (argv.includes('<ids>')) {
          const ids = /kvrot approve ((?:[0-9a-f-]{36} ?)+)/.exec(previous!.stdout)?.[1]?.trim().split(' ') ?? JSON.parse(previous!.stdout).requests.map((r: { id: string }) => r.id);
          argv = argv.flatMap((word) => (word === '<ids>' ? ids : [word]));
        }
        const run = await runInProcess(argv, { cwd: dir, env: { NO_COLOR: '1' } });
        outputs.push(run.stdout, run.stderr);
        const expected = Number(/exit (\d)/.exec(comment)?.[1] ?? 0);
        expect({ line, code: run.code, stderr: run.stderr }).toEqual({ line, code: expected, stderr: expected === 0 ? '' : expect.any(String) });
        if (line.includes('approve') && line.includes('--as bob')) expect(run.stdout).toMatch(/executed/);
        // The command before an approval printed the ids to approve.
        if (!line.includes('approve')) previous = run;
        if (line.startsWith('npx kvrot status')) expect(run.stdout.match(/executed/g)?.length).toBe(2);
        if (comment.startsWith('no findings')) expect(run.stdout).toContain(' 0 findings: 0 high, 0 medium, 0 low');
      }
      // No output held a secret value: neither the hand-set one nor any the app wrote.
      const vault = (name: string) => clients.secretClient(app.summary.vaults.find((v) => v.name === name)!.url);
      const values = [handSet];
      for (const secret of ['dev-orders-api-key', 'dev-orders-db-password', 'stg-orders-api-key', 'stg-orders-db-password']) values.push((await vault('kv-app-local').getSecret(secret)).value!);
      for (const secret of ['prod-orders-api-key', 'prod-orders-db-password']) values.push((await vault('kv-shared-local').getSecret(secret)).value!);
      for (const output of outputs) for (const value of values) expect(output).not.toContain(value);
    },
    240_000,
  );
});
