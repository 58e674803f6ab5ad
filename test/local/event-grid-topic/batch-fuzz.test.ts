/**
 * Generated publish bodies into the Event Grid topic stand-in: near-valid CloudEvents batches
 * with one attribute made wrong at a time, arbitrary JSON and text, under each content type.
 * The property: the parser accepts (every event with specversion 1.0 and non-empty id, source
 * and type) or refuses with a 400 naming the problem; over HTTPS the topic answers 200 and
 * records exactly the batch, or 400 and records nothing, never a 5xx.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from 'node:https';
import { standInAgent } from '../../../src/adapters/stand-in-agent.js';
import { EVENT_GRID_HOST_SUFFIX, EventGridTopicAdminClient, parseCloudEvents, startEventGridTopic, TopicError, type RunningEventGridTopic } from '../../../src/local/event-grid-topic/index.js';
import { fuzzHttpRuns, fuzzParameters, fuzzRuns, fuzzTimeoutInMs } from '../../support/fuzz-settings.js';
import { rawRequest } from '../graph/support.js';

const anything = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));
const maybe = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: anything });

const event = fc.record(
  {
    specversion: maybe(fc.constantFrom('1.0', '1.0', '0.3', '1')),
    id: maybe(fc.string({ minLength: 1, maxLength: 20 })),
    source: maybe(fc.constantFrom('/rotation/policies/orders-db', 'urn:x', '')),
    type: maybe(fc.constantFrom('KeyVaultRotation.RotationStarted', 'KeyVaultRotation.RotationFailed')),
    time: maybe(fc.oneof(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('2030-01-01T00:00:00+01:00', 'now', '2030-01-01'))),
    subject: maybe(fc.string({ maxLength: 20 })),
    datacontenttype: maybe(fc.constant('application/json')),
    data: maybe(fc.jsonValue({ maxDepth: 2 })),
    data_base64: maybe(fc.constantFrom('AAEC', 'not base64!')),
    tenant: maybe(fc.string({ maxLength: 10 })),
    Upper: anything,
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  { weight: 5, arbitrary: fc.array(event, { maxLength: 4 }).map((events) => JSON.stringify(events)) },
  { weight: 1, arbitrary: event.map((single) => JSON.stringify(single)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
);
const contentType = fc.constantFrom('application/cloudevents-batch+json; charset=utf-8', 'application/cloudevents+json', 'application/json', 'text/plain', '');

describe('the Event Grid topic stand-in, generated', () => {
  it('reads a body into CloudEvents 1.0 events, or refuses it with 400', () => {
    fc.assert(
      fc.property(body, contentType, (raw, type) => {
        try {
          const events = parseCloudEvents(raw, type);
          expect(events.length).toBeGreaterThan(0);
          for (const parsed of events) {
            expect(parsed['specversion']).toBe('1.0');
            for (const name of ['id', 'source', 'type']) expect((parsed[name] as string).trim().length).toBeGreaterThan(0);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(TopicError);
          expect((error as TopicError).status).toBe(400);
        }
      }),
      fuzzParameters('event-grid-batch', fuzzRuns() / 2),
    );
  });

  describe('over HTTPS', () => {
    let topic: RunningEventGridTopic;
    let admin: EventGridTopicAdminClient;
    let agent: Agent;

    beforeAll(async () => {
      topic = await startEventGridTopic();
      admin = new EventGridTopicAdminClient(topic.adminUrl, topic.caCertPem);
      agent = standInAgent({ caCertPath: topic.caCertPath, address: topic.host }, (hostname) => hostname.endsWith(EVENT_GRID_HOST_SUFFIX));
    });

    afterAll(async () => {
      await topic?.stop();
    });

    it(
      'answers 200 and records the batch, or 400 and records nothing, never a 5xx',
      async () => {
        await fc.assert(
          fc.asyncProperty(body, contentType, async (raw, type) => {
            await admin.clearEvents();
            const answer = await rawRequest(agent, `${topic.endpoint}?api-version=2018-01-01`, { method: 'POST', headers: { 'aeg-sas-key': topic.keys.key1, ...(type ? { 'content-type': type } : {}) }, body: raw });
            expect([200, 400]).toContain(answer.status);
            const recorded = await admin.events();
            if (answer.status === 200) expect(recorded.map((r) => r.event)).toEqual(parseCloudEvents(raw, type));
            else {
              expect(JSON.parse(answer.bodyAsText!).error).toMatchObject({ code: 'BadRequest', details: [{ code: expect.any(String) }] });
              expect(recorded).toEqual([]);
            }
          }),
          fuzzParameters('event-grid-http', fuzzHttpRuns() * 2),
        );
      },
      fuzzTimeoutInMs(fuzzHttpRuns() * 2),
    );
  });
});
