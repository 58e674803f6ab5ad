/**
 * Key Vault answers 429 or 503 to everything, or only to writes, for a sustained
 * period while HTTP rotations and scans keep coming. In CI the storm lasts seconds and
 * its faults carry Retry-After: 0, so the SDK retries at once; STORM_LONG=1 (npm run
 * fuzz) runs it for minutes with bare 429s and 503s, as Key Vault sends them, through
 * the app's own backoff (1-16 s) and the SDK's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureConsole, startAppStack, type AppStack, type ConsoleCapture } from '../support/app-stack.js';
import { longStorms } from '../support/fuzz-settings.js';
import { createStormPolicies, during, expectConsistent, expectRecovery, rotate, STORM_SETTINGS, type StormPolicy } from './storm-support.js';

const LONG = longStorms();
const STORM_MS = LONG ? 180_000 : 3_000;
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

describe.each([
  { status: 429, scope: 'every call' },
  { status: 503, scope: 'every call' },
  { status: 429, scope: 'writes only' },
  { status: 503, scope: 'writes only' },
])('Key Vault answers $status to $scope for a sustained period', ({ status, scope }) => {
  let policies: StormPolicy[];

  it('leaves no half-changed credential, state and audit consistent, and recovers once it clears', async () => {
    // Arrange
    policies = await createStormPolicies(stack, `kv${status}${scope === 'writes only' ? 'w' : 'a'}`, 3);
    await stack.admin.injectFault({
      status,
      count: 1_000_000,
      ...(scope === 'writes only' ? { method: 'PUT' } : {}),
      pathPattern: `^/secrets/(${policies.map((p) => p.secretName).join('|')})(/|$)`,
      ...(LONG ? {} : { headers: { 'retry-after': '0' } }),
    });
    const unmapped: string[] = [];
    let refused = 0;

    // Act: rotations and scans keep coming while the storm lasts.
    const rounds = await during(STORM_MS, async (round) => {
      const answers = await Promise.all([...policies.map((p) => rotate(stack, p.id, `storm round ${round}`)), stack.scan().then(() => undefined)]);
      for (const answer of answers) {
        if (answer?.status === 500) unmapped.push(answer.text.slice(0, 200));
        if (answer && answer.status >= 500) refused++;
      }
    });
    await stack.admin.clearFaults();

    // Assert
    expect(rounds).toBeGreaterThan(0);
    expect(refused, 'the storm refused no rotation: the faults did not take').toBeGreaterThan(0);
    expect.soft(unmapped, 'an answer during the storm was an unmapped 500').toEqual([]);
    await expectConsistent(stack, policies, { settled: false });
    await expectRecovery(stack, policies);
  }, STORM_MS + 240_000);
});
