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
