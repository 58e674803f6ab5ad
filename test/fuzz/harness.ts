/**
 * What the fuzz suites share: the app on its own stand-ins with a few governed
 * policies to aim at, the routes the app registers (so a route added later is
 * fuzzed without touching these suites), write counts from the Table proxy and the
 * emulator, and one check that applies every property to an answer.
 */
import { Agent, request } from 'node:https';
import fc from 'fast-check';
import type { VaultCounts } from '../../src/local/keyvault-emulator/index.js';
import type { AppAnswer, AppRequest, AppStack } from '../support/app-stack.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { percentEncode } from './arbitraries.js';
import { describeInput, echoesBounded, every400NamesAField, neverA5xx, noWriteOnRefusal, type WriteCounts } from './properties.js';

export const KEY_VAULT_WRITES = ['setSecret', 'updateSecretProperties', 'deleteSecret', 'recoverDeletedSecret', 'purgeDeletedSecret', 'restoreSecretBackup'] as const;

export interface RouteInfo {
  name: string;
  template: string;
  methods: string[];
}

/** The HTTP routes the app registered, as the host lists them. */
export function routesOf(stack: AppStack): RouteInfo[] {
  return stack.host.functions
    .filter((f) => f.trigger === 'httpTrigger' && f.route !== undefined)
    .map((f) => ({ name: f.name, template: f.route!, methods: f.methods ?? ['GET', 'POST', 'PUT', 'DELETE'] }));
}

/** A value each route parameter accepts, so that only the generated part of a request is wrong: a vault this app governs, else a policy id. */
export function validParam(stack: AppStack, name: string, policyId: string): string {
  return /vault/i.test(name) ? stack.emulator.vaults[0]!.name : policyId;
}

/** Segments a hostile client can send that no encoder produces. */
export const RAW_SEGMENTS = ['%FF', '%', '%2F', '..', '.', '%2e%2e', 'a%00b', '%E0%A4%A', '%C0%AF', 'a%2Fb'] as const;

/** The route with its parameters filled in, e.g. policies/{id}/rotate → /policies/a%0Ab/rotate; `raw` values are not encoded. */
export function fillRoute(template: string, value: (name: string) => string, options: { raw?: boolean } = {}): string {
  return `/${template.replace(/\{\*?([A-Za-z0-9_]+)(?::[^}]*)?\??\}/g, (_m, name: string) => (options.raw ? value(name) : percentEncode(value(name))))}`;
}

/**
 * The emulator's counts over one kept-alive TLS connection: the admin client opens a
 * new one per call, which would cost more than the case it measures.
 */
const countAgents = new WeakMap<AppStack, Agent>();

async function emulatorCounts(stack: AppStack): Promise<Record<string, VaultCounts>> {
  let agent = countAgents.get(stack);
  if (!agent) {
    agent = new Agent({ keepAlive: true, ca: stack.emulator.caCertPem });
    countAgents.set(stack, agent);
  }
  const url = new URL(`${stack.emulator.adminUrl.replace(/\/$/, '')}/counts`);
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return (JSON.parse(text) as { vaults: Record<string, VaultCounts> }).vaults;
}

export async function writeCounts(stack: AppStack): Promise<WriteCounts> {
  const counts = await emulatorCounts(stack);
  let keyVaultWrites = 0;
  for (const vault of Object.values(counts)) for (const op of KEY_VAULT_WRITES) keyVaultWrites += vault.operations[op];
  return { tableWrites: stack.tables.writes, keyVaultWrites };
}

/** Key Vault write counts after the last case: nothing else writes between sequential cases, so it is the next case's "before". */
const lastCounts = new WeakMap<AppStack, WriteCounts>();

/** Sends one request and holds the answer to every property. Key Vault counts are read only when `keyVault` says the route may reach it. */
export async function checkRequest(stack: AppStack, request: AppRequest, options: { inProcess: boolean; keyVault: boolean }): Promise<AppAnswer> {
  const tableWrites = stack.tables.writes;
  const keyVaultWrites = options.keyVault ? (lastCounts.get(stack) ?? (await writeCounts(stack))).keyVaultWrites : 0;
  const answer = options.inProcess ? await stack.invoke(request) : await stack.call(request);
  let after: WriteCounts = { tableWrites: stack.tables.writes, keyVaultWrites: 0 };
  if (options.keyVault) {
    after = await writeCounts(stack);
    lastCounts.set(stack, after);
  } else {
    lastCounts.delete(stack);
  }
  neverA5xx(answer);
  every400NamesAField(answer);
  echoesBounded(answer);
  noWriteOnRefusal(answer, { tableWrites, keyVaultWrites }, after);
  return answer;
}

export interface Targets {
  /** An enabled policy whose secret exists. */
  enabled: string;
  /** A disabled policy. */
  disabled: string;
}

/** Two governed policies to aim at, created through the API itself. */
export async function createTargets(stack: AppStack): Promise<Targets> {
  const vaultUrl = stack.vaultUrl();
  const targets = { enabled: 'fuzz-target', disabled: 'fuzz-disabled' };
  for (const [id, enabled] of [
    [targets.enabled, true],
    [targets.disabled, false],
  ] as const) {
    const answer = await stack.invoke({
      method: 'PUT',
      path: `/policies/${id}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(aPolicyJson({ id, secretName: id, vaultUrl, enabled })),
    });
    if (answer.status !== 201 && answer.status !== 200) throw new Error(`could not create ${id}: ${answer.status} ${answer.text.slice(0, 500)}`);
  }
  const rotated = await stack.invoke({ method: 'POST', path: `/policies/${targets.enabled}/rotate`, headers: { 'content-type': 'application/json' }, body: '{"reason":"fuzz set-up"}' });
  if (rotated.status !== 200) throw new Error(`could not rotate ${targets.enabled}: ${rotated.status} ${rotated.text.slice(0, 500)}`);
  return targets;
}

/**
 * fc.assert, with a report that stays readable when a counterexample holds megabytes:
 * the failure, the shrunk input cut to 200 characters, and how to replay it.
 */
export async function holds<Ts extends [unknown, ...unknown[]]>(property: fc.IAsyncProperty<Ts> | fc.IProperty<Ts>, parameters: fc.Parameters<Ts>): Promise<void> {
  const details = await fc.check(property as fc.IAsyncProperty<Ts>, parameters);
  if (!details.failed) return;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const input = (details.counterexample ?? []).map(describeInput).join(', ');
  throw new Error(
    `property failed after ${details.numRuns} run(s) and ${details.numShrinks} shrink(s): ${error.slice(0, 1000)}\n` +
      `  shrunk input: ${input}\n` +
      `  replay: seed ${details.seed}, path "${details.counterexamplePath ?? ''}" (FUZZ_SEED sets the run's seed)`,
  );
}
