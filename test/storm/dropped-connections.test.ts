/**
 * The connection drops at each Key Vault call of a rotation in turn: once (the SDK's
 * retry absorbs it) and on every attempt (the failure reaches the app), for a fresh
 * rotation and for one resumed after a failed write. Every case runs on its own
 * policy, all at once, so the whole matrix costs one SDK backoff.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretOperation } from '../../src/local/keyvault-emulator/index.js';
import { captureConsole, startAppStack, type AppStack, type ConsoleCapture } from '../support/app-stack.js';
import { createStormPolicies, expectConsistent, expectRecovery, rotate, STORM_SETTINGS, type StormPolicy } from './storm-support.js';

let stack: AppStack;
let logs: ConsoleCapture;

beforeAll(async () => {
  logs = captureConsole();
  stack = await startAppStack({ settings: STORM_SETTINGS });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  logs?.restore();
});

interface KeyVaultCall {
  operation: SecretOperation;
  method: string;
  /** The call's path for secret NAME. */
  pattern: (name: string) => string;
}

const GET_LATEST: KeyVaultCall = { operation: 'getSecret', method: 'GET', pattern: (name) => `^/secrets/${name}/?$` };
const LIST_VERSIONS: KeyVaultCall = { operation: 'listPropertiesOfSecretVersions', method: 'GET', pattern: (name) => `^/secrets/${name}/versions/?$` };
const WRITE: KeyVaultCall = { operation: 'setSecret', method: 'PUT', pattern: (name) => `^/secrets/${name}/?$` };

interface Flow {
  name: string;
  /** The Key Vault calls the flow makes, in order; checked against the emulator's counts. */
  calls: KeyVaultCall[];
  /** Brings the policy to where the flow starts; prepares run one at a time (they clear the emulator's faults). */
  prepare(policy: StormPolicy): Promise<void>;
  /** How long to wait after preparing. */
  settleInMs: number;
}

const FLOWS: Flow[] = [
  { name: 'a fresh HTTP rotation', calls: [GET_LATEST, WRITE], prepare: async () => undefined, settleInMs: 0 },
  {
    name: 'a rotation resumed after its write failed',
    calls: [LIST_VERSIONS, WRITE],
    async prepare(policy) {
      // The write fails on every attempt, so the rotation stays claimed and the next trigger resumes it.
      await stack.admin.injectFault({ method: 'PUT', pathPattern: WRITE.pattern(policy.secretName), status: 503, headers: { 'retry-after': '0' }, count: 10 });
      const failed = await rotate(stack, policy.id, 'the write will fail');
      expect(failed.status, failed.text.slice(0, 300)).toBeGreaterThanOrEqual(500);
      await stack.admin.clearFaults();
      const view = await stack.invoke({ method: 'GET', path: `/policies/${policy.id}` });
      expect(view.json.state.rotationInProgress, `${policy.id} should hold a rotation to resume`).not.toBeNull();
    },
    // The failed attempt released its lease; wait out the short lease in case it did not.
    settleInMs: 2_100,
  },
];

async function operationCounts(): Promise<Record<SecretOperation, number>> {
  return (await stack.admin.countsFor(new URL(stack.vaultUrl()).hostname.split('.')[0]!)).operations;
}

async function prepare(flow: Flow, policies: readonly StormPolicy[]): Promise<void> {
  for (const policy of policies) await flow.prepare(policy);
  await new Promise((resolve) => setTimeout(resolve, flow.settleInMs));
}

describe.each(FLOWS)('dropped connections in $name', (flow) => {
  it('makes the Key Vault calls this storm drops, in this order', async () => {
    // Arrange
    const [probe] = await createStormPolicies(stack, `probe${FLOWS.indexOf(flow)}`, 1);
    await prepare(flow, [probe!]);
    const before = await operationCounts();

    // Act
    const answer = await rotate(stack, probe!.id, 'probe');

    // Assert: if the flow gained or lost a call, the matrix below must follow.
    expect(answer.status, answer.text.slice(0, 300)).toBe(200);
    const after = await operationCounts();
    const made = Object.fromEntries(Object.entries(after).map(([op, n]) => [op, n - before[op as SecretOperation]]).filter(([, n]) => (n as number) > 0));
    const expected: Record<string, number> = {};
    for (const call of flow.calls) expected[call.operation] = (expected[call.operation] ?? 0) + 1;
    expect(made).toEqual(expected);
  }, 60_000);

  it('leaves state and audit consistent whichever call drops, once or on every attempt, and recovers', async () => {
    // Arrange: one policy per (call, variant).
    const cases = flow.calls.flatMap((call, index) => (['once', 'every attempt'] as const).map((variant) => ({ call, index, variant })));
    const policies = await createStormPolicies(stack, `drop${FLOWS.indexOf(flow)}`, cases.length);
    await prepare(flow, policies);
    for (const [i, c] of cases.entries()) {
      await stack.admin.injectFault({ method: c.call.method, pathPattern: c.call.pattern(policies[i]!.secretName), dropConnection: true, count: c.variant === 'once' ? 1 : 10 });
    }
    const faultsBefore = (await stack.admin.countsFor(new URL(stack.vaultUrl()).hostname.split('.')[0]!)).faults;

    // Act
    const answers = await Promise.all(policies.map((p, i) => rotate(stack, p.id, `drop call ${cases[i]!.index} ${cases[i]!.variant}`)));
    await stack.admin.clearFaults();

    // Assert
    const faults = (await stack.admin.countsFor(new URL(stack.vaultUrl()).hostname.split('.')[0]!)).faults - faultsBefore;
    expect(faults, 'some armed drop never happened: the flow no longer makes that call').toBeGreaterThanOrEqual(cases.length);
    for (const [i, c] of cases.entries()) {
      const answer = answers[i]!;
      const label = `call ${c.index} (${c.call.operation}) dropped ${c.variant}: ${answer.status} ${answer.text.slice(0, 200)}`;
      expect(answer.status, label).not.toBe(500);
      if (c.variant === 'once') expect(answer.status, `the SDK's retry should absorb one drop; ${label}`).toBe(200);
      else expect([502, 503], label).toContain(answer.status);
    }
    await expectConsistent(stack, policies, { settled: false });
    await expectRecovery(stack, policies);
  }, 120_000);
});
