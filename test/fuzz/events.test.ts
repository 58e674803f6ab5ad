/**
 * Generated Event Grid payloads into the app's event function: in process for the
 * bulk (the registered handler, as the host calls it), and over HTTP to the local
 * host's Event Grid webhook for a smaller run, batches included. A handler that
 * throws makes the host answer 500 and Event Grid retry for 24 hours, so "never a
 * 5xx" here means the handler returns for every payload while storage and Key Vault are up.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { parseKeyVaultEvent } from '../../src/core/events/key-vault-event.js';
import { captureConsole, startAppStack, type AppStack, type ConsoleCapture } from '../support/app-stack.js';
import { fuzzAppRuns, fuzzHttpRuns, fuzzParameters, fuzzTimeoutInMs } from '../support/fuzz-settings.js';
import { jsonText, mutatedEvent } from './arbitraries.js';
import { createTargets, holds, writeCounts, type Targets } from './harness.js';
import { echoesBounded, hasUnsafeText, logLinesBounded, neverA5xx, PropertyBroken } from './properties.js';

let stack: AppStack;
let targets: Targets;
let logs: ConsoleCapture;
let templates: Record<string, unknown>[];
const RUNS = fuzzAppRuns();
const HTTP_RUNS = fuzzHttpRuns();

beforeAll(async () => {
  logs = captureConsole();
  stack = await startAppStack();
  targets = await createTargets(stack);
  const vault = stack.emulator.vaults[0]!;
  const client = stack.secrets(vault.url);
  const current = (await client.getSecret(targets.enabled)).properties;
  const unmanaged = (await client.setSecret('fuzz-unmanaged', 'not-a-real-secret')).properties;
  const event = (type: string, name: string, version: string, exp?: Date) => ({
    id: 'template',
    topic: vault.resourceId,
    subject: name,
    eventType: type,
    eventTime: new Date().toISOString(),
    data: { Id: `${vault.url}/secrets/${name}/${version}`, VaultName: vault.name, ObjectType: 'Secret', ObjectName: name, Version: version, NBF: null, EXP: exp ? Math.floor(exp.getTime() / 1000) : null },
    dataVersion: '1',
    metadataVersion: '1',
  });
  // Real events for the governed secret's current version, for an unmanaged secret, and for a version that does not exist.
  templates = [
    event('Microsoft.KeyVault.SecretNearExpiry', targets.enabled, current.version!, current.expiresOn),
    event('Microsoft.KeyVault.SecretExpired', targets.enabled, current.version!, current.expiresOn),
    event('Microsoft.KeyVault.SecretNewVersionCreated', targets.enabled, current.version!, current.expiresOn),
    event('Microsoft.KeyVault.SecretNewVersionCreated', targets.enabled, '00000000000000000000000000000000'),
    event('Microsoft.KeyVault.SecretNearExpiry', 'fuzz-unmanaged', unmanaged.version!),
    event('Microsoft.KeyVault.SecretNearExpiry', targets.disabled, '11111111111111111111111111111111'),
  ];
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  logs?.restore();
});

function eventsArbitrary() {
  return mutatedEvent(templates);
}

describe('Event Grid payloads to the event function, in process', () => {
  it(`returns for every payload, writes nothing for one it cannot read, and logs bounded single lines: ${RUNS} cases`, async () => {
    await holds(
      fc.asyncProperty(eventsArbitrary(), async (event) => {
        const payload = JSON.parse(jsonText(event) || 'null') as unknown;
        const before = await writeCounts(stack);
        logs.reset();
        const answer = await stack.invokeEvent(payload);
        const after = await writeCounts(stack);
        if (answer.threw) {
          const error = answer.error instanceof Error ? `${answer.error.name}: ${answer.error.message.slice(0, 300)}` : String(answer.error);
          throw new PropertyBroken(`the handler threw (the host would answer 500 and Event Grid retry for 24 h): ${error}`);
        }
        if (parseKeyVaultEvent(payload).kind === 'ignored' && (after.tableWrites !== before.tableWrites || after.keyVaultWrites !== before.keyVaultWrites)) {
          throw new PropertyBroken(`an event the app ignores wrote ${after.tableWrites - before.tableWrites} Table entities and ${after.keyVaultWrites - before.keyVaultWrites} versions`);
        }
        logLinesBounded(Math.max(logs.longestLine, ...answer.logs.map((l) => l.length)), 'the event function');
        const forged = answer.logs.find((line) => hasUnsafeText(line));
        if (forged) throw new PropertyBroken(`the event function logged control characters from the event, which can forge log lines: ${JSON.stringify(forged.slice(0, 160))} (issue 8 item 4)`);
      }),
      fuzzParameters('events-in-process', RUNS),
    );
  }, fuzzTimeoutInMs(RUNS));
});

describe('Event Grid deliveries to the local host webhook', () => {
  it(`answers no 5xx and a bounded body for every delivery, single events and batches: ${HTTP_RUNS} cases`, async () => {
    const delivery = fc.oneof(eventsArbitrary(), fc.array(eventsArbitrary(), { minLength: 1, maxLength: 4 }));
    await holds(
      fc.asyncProperty(delivery, async (events) => {
        const answer = await stack.deliver(jsonText(events));
        neverA5xx(answer);
        echoesBounded(answer);
      }),
      fuzzParameters('events-http', HTTP_RUNS),
    );
  }, fuzzTimeoutInMs(HTTP_RUNS, 200));
});
