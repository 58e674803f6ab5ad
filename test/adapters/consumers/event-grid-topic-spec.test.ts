/**
 * Generated event-grid-topic specs into parsePolicy with the app's own catalog: accepted with an
 * https endpoint on an Event Grid topic host and its /api/events path (the only place the app's
 * Event Grid token may go), or refused with a ValidationError naming the field, in bounded text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consumerKinds } from '../../../src/composition.js';
import { ValidationError } from '../../../src/core/errors.js';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import { fuzzParameters, fuzzRuns, fuzzTimeoutInMs } from '../../support/fuzz-settings.js';
import { aPolicyJson } from '../../support/policy-mother.js';
import { holds } from '../../fuzz/harness.js';
import { ERROR_RESPONSE_BOUND, PropertyBroken } from '../../fuzz/properties.js';

const RUNS = fuzzRuns();
const GOOD = ['https://evgt-kvrot.westeurope-1.eventgrid.azure.net/api/events', 'https://EVGT-Billing.northeurope-1.EventGrid.Azure.net/api/events', 'https://evgt-local.westeurope-1.eventgrid.azure.net:8446/api/events'];

const endpoints = fc.oneof(
  fc.constantFrom(...GOOD),
  fc.constantFrom(
    'http://evgt-kvrot.westeurope-1.eventgrid.azure.net/api/events',
    'https://evgt-kvrot.westeurope-1.eventgrid.azure.net/',
    'https://evgt-kvrot.westeurope-1.eventgrid.azure.net/api/events?api-version=2018-01-01',
    'https://user:pw@evgt-kvrot.westeurope-1.eventgrid.azure.net/api/events',
    'https://evgt-kvrot.westeurope-1.eventgrid.azure.net.evil.example/api/events',
    'https://eventgrid.azure.net/api/events',
    'https://a.b.westeurope-1.eventgrid.azure.net/api/events',
    'https://hooks.example.com/api/events',
    'https://169.254.169.254/api/events',
    'evgt-kvrot',
    '',
  ),
  fc.string({ maxLength: 200 }),
  fc.webUrl().map((url) => `${url}/api/events`),
  fc.anything().filter((value) => typeof value !== 'string'),
);

const plausible = fc.record({ kind: fc.constant('event-grid-topic'), name: fc.constantFrom('billing-topic', 'ops'), endpoint: fc.constantFrom(...GOOD) });
const FIELDS = {
  kind: fc.constantFrom('event-grid', 'EVENT-GRID-TOPIC', ''),
  name: fc.oneof(fc.constantFrom('Ops', '1ops', 'a'.repeat(64), ''), fc.string({ maxLength: 80 })),
  endpoint: endpoints,
  login: fc.constant('app'),
  admin: fc.constant({ secretName: 'admin' }),
  includeValue: fc.constant(true),
} as const;

const specs = fc
  .tuple(plausible, fc.constantFrom('none', 'change', 'drop'), fc.constantFrom(...(Object.keys(FIELDS) as (keyof typeof FIELDS)[])))
  .chain(([base, how, field]) => {
    if (how === 'none') return fc.constant<Record<string, unknown>>(base);
    if (how === 'drop') return fc.constant(Object.fromEntries(Object.entries(base).filter(([key]) => key !== field)));
    return (FIELDS[field] as fc.Arbitrary<unknown>).map((value) => ({ ...base, [field]: value }));
  });

function checkRefusal(error: unknown): void {
  if (!(error instanceof ValidationError)) throw new PropertyBroken(`threw ${error instanceof Error ? error.name : typeof error}, not a ValidationError: ${String(error).slice(0, 300)}`);
  if (!error.details.some((detail) => detail.path.startsWith('consumers'))) throw new PropertyBroken('a topic refused without naming consumers');
  const size = error.message.length + JSON.stringify(error.details).length;
  if (size > ERROR_RESPONSE_BOUND) throw new PropertyBroken(`a refusal of ${size} chars echoes the input (bound ${ERROR_RESPONSE_BOUND})`);
}

describe('event-grid-topic specs', () => {
  it(`through parsePolicy with the app's catalog: an Event Grid topic endpoint, or refused naming the field: ${RUNS} cases`, async () => {
    let accepted = 0;
    await holds(
      fc.property(specs, (spec) => {
        let policy;
        try {
          policy = parsePolicy({ ...aPolicyJson(), consumers: [spec] }, consumerKinds);
        } catch (error) {
          checkRefusal(error);
          return;
        }
        const topic = policy.consumers![0] as unknown as Record<string, unknown>;
        const url = new URL(String(topic['endpoint']));
        if (url.protocol !== 'https:' || !url.hostname.endsWith('.eventgrid.azure.net') || url.hostname.split('.').length !== 5 || url.pathname !== '/api/events' || url.search || url.username) {
          throw new PropertyBroken(`accepted an endpoint that is not an Event Grid topic's: ${String(topic['endpoint']).slice(0, 120)}`);
        }
        if (Object.keys(topic).some((key) => !['kind', 'name', 'endpoint'].includes(key))) throw new PropertyBroken('accepted a field the kind does not have');
        accepted += 1;
      }),
      fuzzParameters('event-grid-topic-parse', RUNS),
    );
    expect(accepted).toBeGreaterThan(RUNS > 100 ? 10 : 0);
  }, fuzzTimeoutInMs(RUNS, 5));

  it.each([
    ['http://evgt-kvrot.westeurope-1.eventgrid.azure.net/api/events', 'https'],
    ['https://hooks.example.com/api/events', 'Event Grid topic endpoint'],
    ['https://evgt-kvrot.westeurope-1.eventgrid.azure.net/', '/api/events'],
  ])('refuses %s naming consumers.0.endpoint', (endpoint, why) => {
    // Act
    const parse = () => parsePolicy({ ...aPolicyJson(), consumers: [{ kind: 'event-grid-topic', name: 'ops', endpoint }] }, consumerKinds);

    // Assert
    expect(parse).toThrow(ValidationError);
    try {
      parse();
    } catch (error) {
      expect((error as ValidationError).details).toEqual([expect.objectContaining({ path: 'consumers.0.endpoint', message: expect.stringContaining(why) })]);
    }
  });
});
