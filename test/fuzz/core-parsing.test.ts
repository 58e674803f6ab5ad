/**
 * Generated bad inputs straight into the core's parsers: policy JSON (parsePolicy) and
 * Key Vault events (parseKeyVaultEvent). No stand-ins, so these run the most cases.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { parseKeyVaultEvent } from '../../src/core/events/key-vault-event.js';
import { loginConsumersOf, parsePolicy as parseWithCatalog } from '../../src/core/policy/policy.js';
import { isLoginKind } from '../../src/core/consumers/consumer-port.js';
import { consumerKinds } from '../../src/composition.js';
import { fuzzParameters, fuzzRuns, fuzzTimeoutInMs } from '../support/fuzz-settings.js';
import { anyJson, jsonText, mutatedEvent, mutatedPolicy, validPolicyId } from './arbitraries.js';
import { holds } from './harness.js';
import { ERROR_RESPONSE_BOUND, hasUnsafeText, PropertyBroken } from './properties.js';

const RUNS = fuzzRuns();
/** With the consumer kinds the app registers, so policies with consumers are parsed as the app parses them. */
const parsePolicy = (input: unknown) => parseWithCatalog(input, consumerKinds);
/** A loopback host, the only kind `tls: false` may reach. */
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;
const VAULT = 'https://kv-app-local.vault.azure.net';
/** Inputs as the HTTP layer hands them over: parsed from JSON text. */
const policyInput = fc.oneof(
  { weight: 9, arbitrary: mutatedPolicy(VAULT, validPolicyId).map((c) => JSON.parse(jsonText(c.body)) as unknown) },
  { weight: 1, arbitrary: anyJson.map((json) => JSON.parse(jsonText(json) || 'null') as unknown) },
);

function eventTemplate(type: string, version: string) {
  return {
    id: 'template',
    topic: '/subscriptions/00000000-0000-4000-8000-00000000cafe/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-app-local',
    subject: 'fuzz-target',
    eventType: type,
    eventTime: '2026-12-02T00:00:00.000Z',
    data: { Id: `${VAULT}/secrets/fuzz-target/${version}`, VaultName: 'kv-app-local', ObjectType: 'Secret', ObjectName: 'fuzz-target', Version: version, NBF: null, EXP: 1_800_000_000 },
    dataVersion: '1',
    metadataVersion: '1',
  };
}

describe('policy JSON (parsePolicy)', () => {
  it(`refuses with a ValidationError naming fields, in bounded text, or accepts a clean, normalised policy: ${RUNS} cases`, async () => {
    await holds(
      fc.property(policyInput, (input) => {
        let policy;
        try {
          policy = parsePolicy(input);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw new PropertyBroken(`threw ${error instanceof Error ? error.name : typeof error}, not a ValidationError: ${String(error).slice(0, 300)}`);
          if (error.details.length === 0 || error.details.some((d) => typeof d.path !== 'string')) throw new PropertyBroken('a refusal without details naming a field');
          const size = error.message.length + JSON.stringify(error.details).length;
          if (size > ERROR_RESPONSE_BOUND) throw new PropertyBroken(`a refusal of ${size} chars echoes the input (bound ${ERROR_RESPONSE_BOUND}): ${error.message.slice(0, 200)}`);
          return;
        }
        const again = parsePolicy(JSON.parse(JSON.stringify(policy)));
        if (JSON.stringify(again) !== JSON.stringify(policy)) throw new PropertyBroken('an accepted policy does not survive a second parse unchanged');
        const names = new Set<string>();
        for (const consumer of policy.consumers ?? []) {
          const network = consumer as unknown as { tls: boolean; host: string; name: string };
          if (network.tls === false && !LOOPBACK.test(network.host)) throw new PropertyBroken(`accepted tls: false to '${network.host}'`);
          if (names.has(network.name)) throw new PropertyBroken(`accepted two consumers named '${network.name}'`);
          names.add(network.name);
          const kind = consumerKinds.get(consumer.kind)!;
          if (!isLoginKind(kind)) continue;
          if (!policy.strategy || !kind.strategies.includes(policy.strategy.kind)) throw new PropertyBroken(`accepted ${consumer.kind} with strategy ${policy.strategy?.kind}`);
        }
        const issued = (policy.consumers ?? []).some((consumer) => consumerKinds.isIssuer(consumer));
        if ((policy.strategy === undefined) !== (loginConsumersOf(policy).length === 0 && !issued)) throw new PropertyBroken('accepted a strategy without consumers that hold a login or issue the credential, or such consumers without a strategy');
        for (const field of ['id', 'secretName', 'environment', 'owner'] as const) {
          if (hasUnsafeText(policy[field])) throw new PropertyBroken(`accepted ${field} with control characters, bidi overrides or lone surrogates: ${JSON.stringify(policy[field].slice(0, 80))} (issue 8 item 4)`);
        }
      }),
      fuzzParameters('policy-json', RUNS),
    );
  }, fuzzTimeoutInMs(RUNS, 5));
});

describe('Key Vault events (parseKeyVaultEvent)', () => {
  const templates = [
    eventTemplate('Microsoft.KeyVault.SecretNearExpiry', '0123456789abcdef0123456789abcdef'),
    eventTemplate('Microsoft.KeyVault.SecretExpired', '0123456789abcdef0123456789abcdef'),
    eventTemplate('Microsoft.KeyVault.SecretNewVersionCreated', 'fedcba9876543210fedcba9876543210'),
  ];
  const events = mutatedEvent(templates).map((event) => JSON.parse(jsonText(event) || 'null') as unknown);

  it(`never throws, reads only complete events, and says why it ignores one in bounded, single-line text: ${RUNS} cases`, async () => {
    await holds(
      fc.property(events, (raw) => {
        let parsed;
        try {
          parsed = parseKeyVaultEvent(raw);
        } catch (error) {
          throw new PropertyBroken(`threw ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : typeof error}`);
        }
        if (parsed.kind === 'secret') {
          const { vaultName, secretName, version } = parsed.event;
          for (const [name, value] of Object.entries({ vaultName, secretName, version })) {
            if (typeof value !== 'string' || value.trim() === '') throw new PropertyBroken(`a read event has an empty ${name}`);
          }
          if (vaultName !== vaultName.toLowerCase()) throw new PropertyBroken('a read event keeps an upper-case vault name');
          return;
        }
        if (parsed.reason.length > 1024) throw new PropertyBroken(`the reason for ignoring an event is ${parsed.reason.length} chars: it echoes the input unbounded (issue 8 item 7)`);
        if (hasUnsafeText(parsed.reason)) throw new PropertyBroken(`the reason for ignoring an event carries control characters into the log: ${JSON.stringify(parsed.reason.slice(0, 120))} (issue 8 item 4)`);
      }),
      fuzzParameters('event-parsing', RUNS),
    );
  }, fuzzTimeoutInMs(RUNS, 5));
});
