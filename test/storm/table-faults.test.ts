/**
 * Table Storage fails under the app's real Table adapters: a proxy in front of Azurite
 * answers 500 and 503, holds requests until the connection drops (a timeout as the
 * client sees it), drops connections, and applies writes but loses the answer, at
 * seeded random while HTTP rotations and scans keep coming. CI storms last seconds;
 * STORM_LONG=1 runs each for minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureConsole, startAppStack, type AppStack, type ConsoleCapture } from '../support/app-stack.js';
import { fuzzSeed, longStorms } from '../support/fuzz-settings.js';
import type { TableFaultRule } from '../support/table-fault-proxy.js';
import { createStormPolicies, during, expectConsistent, expectRecovery, rotate, STORM_SETTINGS, type StormPolicy } from './storm-support.js';

const LONG = longStorms();
const STORM_MS = LONG ? 120_000 : 3_000;
let stack: AppStack;
let logs: ConsoleCapture;

beforeAll(async () => {
  logs = captureConsole();
  stack = await startAppStack({ settings: STORM_SETTINGS, proxySeed: fuzzSeed() });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  logs?.restore();
});

const STORMS: { name: string; rules: TableFaultRule[] }[] = [
  { name: '503 on half the state writes', rules: [{ pathPattern: 'rotationstates', writesOnly: true, status: 503, probability: 0.5 }] },
  { name: '500 on audit and schedule writes', rules: [{ pathPattern: 'rotation(audit|schedule)', writesOnly: true, status: 500, probability: 0.5 }] },
  { name: 'state writes applied but the answer lost', rules: [{ pathPattern: 'rotationstates', writesOnly: true, dropAfterForwarding: true, probability: 0.3 }] },
  {
    name: 'timeouts and dropped connections on any request',
    rules: [
      { holdInMs: 1_000, probability: 0.1 },
      { dropConnection: true, probability: 0.15 },
      { status: 503, probability: 0.15 },
    ],
  },
];

describe.each(STORMS)('Table Storage storm: $name', ({ name, rules }) => {
  let policies: StormPolicy[];

  it('leaves no half-changed credential, state and audit consistent, and recovers once it clears', async () => {
    // Arrange
    policies = await createStormPolicies(stack, `tb${STORMS.findIndex((s) => s.name === name)}`, 3);
    const faultsBefore = stack.tables.faults;
    for (const rule of rules) stack.tables.addRule(rule);
    const unmapped: string[] = [];

    // Act
    await during(STORM_MS, async (round) => {
      const answers = await Promise.all([...policies.map((p) => rotate(stack, p.id, `storm round ${round}`)), stack.scan().then(() => undefined, () => undefined)]);
      for (const answer of answers) if (answer?.status === 500) unmapped.push(answer.text.slice(0, 200));
    });
    stack.tables.clearRules();

    // Assert
    expect(stack.tables.faults - faultsBefore, 'the storm injected no fault').toBeGreaterThan(0);
    expect.soft(unmapped, 'an answer during the storm was an unmapped 500').toEqual([]);
    await expectConsistent(stack, policies, { settled: false });
    await expectRecovery(stack, policies);
  }, STORM_MS + 240_000);
});

describe('Table Storage goes down at each write of a rotation in turn', () => {
  it('leaves no half-changed credential whichever write fails first, state and audit consistent, and recovers', async () => {
    // Arrange: how many Table writes a clean rotation makes.
    const [probe] = await createStormPolicies(stack, 'tbprobe', 1);
    const writesBefore = stack.tables.writes;
    expect((await rotate(stack, probe!.id, 'probe')).status).toBe(200);
    const writesPerRotation = stack.tables.writes - writesBefore;
    expect(writesPerRotation).toBeGreaterThan(2);
    const policies = await createStormPolicies(stack, 'tbdown', writesPerRotation);
    const answers: number[] = [];

    // Act: for write k, every write from the k-th on fails (Retry-After: 0 lets the SDK retry at once) until the rotation returns.
    for (const [k, policy] of policies.entries()) {
      stack.tables.addRule({ writesOnly: true, skip: k, status: 503, headers: { 'retry-after': '0' } });
      answers.push((await rotate(stack, policy.id, `table down from write ${k}`)).status);
      stack.tables.clearRules();
    }

    // Assert
    expect(answers.filter((status) => status === 500), `answers: ${answers.join(', ')}`).toEqual([]);
    await expectConsistent(stack, policies, { settled: false });
    // A rotation whose failure could not be recorded keeps its lease until it expires.
    await new Promise((resolve) => setTimeout(resolve, Number(STORM_SETTINGS.ROTATION_LEASE_SECONDS) * 1000 + 100));
    await expectRecovery(stack, policies);
  }, 240_000);
});
