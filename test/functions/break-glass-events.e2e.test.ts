/**
 * Break-glass announced on the rotation events topic, end to end on the local stack (`npm start`'s
 * own Event Grid topic stand-in, reached by the real EventGridPublisherClient): a break-glass
 * rotation of an approved production policy publishes KeyVaultRotation.BreakGlassUsed, which the
 * topic records; when the topic refuses, the rotation still completes, is audited and left for
 * review, and the refused alert is logged at error as rotation.break-glass.alert-failed.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_GRID_ADMIN_PREFIX, EventGridTopicAdminClient, type CloudEvent } from '../../src/local/event-grid-topic/index.js';
import { captureConsole, type ConsoleCapture } from '../support/app-stack.js';
import { signInPeople, type SignedInPeople } from '../support/governance-people.js';
import { loggedEntries } from '../support/logged-entries.js';
import { startTestApp, versionsOf, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
let people: SignedInPeople;
let topic: EventGridTopicAdminClient;
let console_: ConsoleCapture;

beforeAll(async () => {
  console_ = captureConsole();
  t = await startTestApp();
  people = await signInPeople(t);
  // The stand-in's admin API is on the loopback address at the topic's port, trusting the stack's one CA.
  const port = new URL(t.app.summary.eventGridTopic).port;
  topic = new EventGridTopicAdminClient(`https://127.0.0.1:${port}${EVENT_GRID_ADMIN_PREFIX}`, readFileSync(t.app.summary.caCertPath, 'utf8'));
}, 60_000);

afterAll(async () => {
  console_?.restore();
  await t?.stop();
});

beforeEach(async () => {
  await topic.reset();
  console_.reset();
});

/** An approved production policy whose first version the scan has written. */
async function protectedSecret(id: string): Promise<string[]> {
  await people.approvedPolicy(id);
  await t.app.functionsHost.invoke('scanDuePolicies');
  await t.app.functionsHost.queuesIdle();
  const versions = await versionsOf(t.secrets(t.vault().url), id);
  expect(versions).toHaveLength(1);
  return versions;
}

async function breakGlassEvents(policyId: string): Promise<CloudEvent[]> {
  return (await topic.events()).map((r) => r.event).filter((e) => String(e['type']).endsWith('BreakGlassUsed') && e['subject'] === `/policies/${policyId}`);
}

async function valuesOf(id: string): Promise<string[]> {
  const client = t.secrets(t.vault().url);
  return Promise.all((await versionsOf(client, id)).map(async (version) => (await client.getSecret(id, { version })).value!));
}

describe('a break-glass rotation on the local stack', () => {
  it('publishes KeyVaultRotation.BreakGlassUsed to the topic, once, naming who and why and never the value; a refused attempt publishes nothing', async () => {
    // Arrange
    const id = 'glass-announced';
    const before = await protectedSecret(id);

    // Act + Assert: the twin, refused without the role: no rotation, no event
    const refused = await people.as('wanda', 'POST', `/policies/${id}/break-glass`, { justification: 'leak' });
    expect(refused.status, refused.text).toBe(403);
    expect(await versionsOf(t.secrets(t.vault().url), id)).toEqual(before);
    expect(await breakGlassEvents(id)).toEqual([]);

    // Act
    const broken = await people.as('oscar', 'POST', `/policies/${id}/break-glass`, { justification: 'credential pasted in a public channel' });

    // Assert
    expect(broken.status, broken.text).toBe(200);
    expect(broken.json).toMatchObject({ breakGlass: true, status: 'succeeded', review: { status: 'review', action: 'rotation.break-glass' } });
    const reviewId: string = broken.json.review.id;
    const events = await breakGlassEvents(id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'KeyVaultRotation.BreakGlassUsed', specversion: '1.0', id: `${reviewId}.BreakGlassUsed`, datacontenttype: 'application/json' });
    expect(events[0]!.data).toMatchObject({
      policyId: id,
      vaultUrl: t.vault().url,
      secretName: id,
      actor: 'oscar',
      rotationId: broken.json.rotationId,
      previousVersion: before[0],
      newVersion: broken.json.newVersion,
      reason: expect.stringContaining('credential pasted in a public channel'),
    });
    expect(String((events[0]!.data as { reason: string }).reason)).toContain(reviewId);
    expect(loggedEntries(console_.lines, 'rotation.break-glass.alert-failed', id)).toEqual([]);
    const published = JSON.stringify(await topic.events());
    for (const value of await valuesOf(id)) expect(published).not.toContain(value);
  });

  it('still rotates, audits and leaves for review when the topic refuses; the refused alert is logged at error', async () => {
    // Arrange: the topic refuses every publish (the rotation's own events and the alert)
    const id = 'glass-unannounced';
    const before = await protectedSecret(id);
    await topic.reset();
    await topic.injectFault({ operation: 'events.publish', status: 403, errorCode: 'Forbidden', count: 10 });

    // Act
    const broken = await people.as('oscar', 'POST', `/policies/${id}/break-glass`, { justification: 'pager says the key leaked' });

    // Assert: the rotation happened and is on record
    expect(broken.status, broken.text).toBe(200);
    expect(broken.json).toMatchObject({ breakGlass: true, status: 'succeeded', review: { status: 'review' } });
    const reviewId: string = broken.json.review.id;
    // Two versions written in one second have no order Key Vault can tell: compare them as a set.
    expect((await versionsOf(t.secrets(t.vault().url), id)).sort()).toEqual([...before, broken.json.newVersion].sort());
    expect((await people.auditOf(id)).find((r) => r.action === 'rotation.break-glass')).toMatchObject({ actor: 'oscar', actorId: people.oidOf('oscar'), reason: expect.stringContaining(reviewId) });
    expect((await people.as('reader', 'GET', `/change-requests/${reviewId}`)).json.status).toBe('review');

    // Assert: the topic received nothing, and the refusal is logged at error, naming the request and the status
    expect(await topic.events()).toEqual([]);
    expect((await topic.counts()).faults).toBeGreaterThan(0);
    const failed = loggedEntries(console_.lines, 'rotation.break-glass.alert-failed', id);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 'error', requestId: reviewId, action: 'rotation.break-glass', status: 'review', actorOid: people.oidOf('oscar') });
    expect(String(failed[0]!['error'])).toContain('403');
    const lines = console_.lines.join('\n');
    for (const value of await valuesOf(id)) expect(lines).not.toContain(value);
  });
});
