import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { ConsumerCatalog } from '../../../src/core/consumers/consumer-port.js';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import { silentLogger } from '../../../src/core/logger.js';
import { FakeFollowers } from '../../support/fakes/in-memory-follower.js';
import { FakeServer, fakeDatabaseKind } from '../../support/fakes/in-memory-consumer.js';
import { aPolicyJson } from '../../support/policy-mother.js';
import { createStores, processOver } from './engine-fixture.js';
import { CACHE_LOGIN, GRACE_MS, HTTP, INITIAL_PASSWORD, TIMER, currentCredential, policyJsonFor, stagedWorld } from './staged-fixture.js';

const replica = { kind: 'fake-follower', name: 'dr-replica', endpoint: 'kv-orders-dr' };
const hook = { kind: 'fake-follower', name: 'billing-hook', endpoint: 'https://billing.example.com/hooks' };

async function vaultOnlyWorld() {
  const stores = createStores();
  const followers = new FakeFollowers();
  const app = processOver(stores, undefined, silentLogger, { consumerKinds: [followers.kind()] });
  const json = aPolicyJson({ id: 'orders-api-key', consumers: [replica, hook] as never });
  await app.admin.put('orders-api-key', json, 'test');
  const ref = { vaultUrl: json.vaultUrl as string, secretName: json.secretName as string };
  return { stores, followers, app, ref };
}

describe('followers', () => {
  it('are told of the version after the switch, each confirmed and audited by name, without the value', async () => {
    // Arrange
    const world = await vaultOnlyWorld();
    world.followers.readingValues.add('dr-replica');

    // Act
    const outcome = await world.app.engine.rotate('orders-api-key', HTTP);

    // Assert
    expect(outcome.status).toBe('succeeded');
    const latest = world.stores.secrets.versions(world.ref).at(-1)!;
    expect(world.followers.deliveries.map((d) => [d.name, d.version, d.rotationId])).toEqual([
      ['dr-replica', latest.version, outcome.rotationId],
      ['billing-hook', latest.version, outcome.rotationId],
    ]);
    expect(world.followers.deliveries[0]!.tags['rotation-id']).toBe(outcome.rotationId);
    expect(world.followers.deliveries[0]!.value).toBe(world.stores.secrets.valueOf(world.ref, latest.version));
    const page = await world.stores.audit.listForPolicy('orders-api-key', { pageSize: 100 });
    const delivered = page.items.filter((r) => r.step === 'delivered' && r.action === 'rotation.step-finished');
    expect(delivered.map((r) => r.consumer).sort()).toEqual(['billing-hook', 'dr-replica']);
    expect(delivered.every((r) => r.login === undefined)).toBe(true);
    const value = world.stores.secrets.valueOf(world.ref, latest.version)!;
    expect(JSON.stringify(page.items)).not.toContain(value);
  });

  it('without followers, a policy runs its strategy as written: no delivered step in the plan or the audit', async () => {
    // Arrange
    const stores = createStores();
    const app = processOver(stores, undefined, silentLogger, { consumerKinds: [new FakeFollowers().kind()] });
    await app.admin.put('plain', aPolicyJson({ id: 'plain' }), 'test');

    // Act
    const plan = await app.engine.plan('plain', HTTP);
    const outcome = await app.engine.rotate('plain', HTTP);

    // Assert
    expect(plan.steps).toBeUndefined();
    expect(outcome.status).toBe('succeeded');
    expect((await stores.audit.listForPolicy('plain', { pageSize: 100 })).items.some((r) => r.step === 'delivered')).toBe(false);
  });

  it('a follower that refuses fails the rotation after the switch: the others are told, the new version stays, and a retry delivers it', async () => {
    // Arrange
    const world = await vaultOnlyWorld();
    world.followers.refusing.add('billing-hook');

    // Act
    const failed = await world.app.engine.rotate('orders-api-key', HTTP);
    const stateAfterFailure = (await world.stores.states.get('orders-api-key'))!.state;
    const written = world.stores.secrets.versions(world.ref).at(-1)!.version;
    world.followers.refusing.clear();
    world.stores.clock.advance(10 * 60_000);
    const resumed = await world.app.engine.rotate('orders-api-key', TIMER);

    // Assert
    expect(failed.status).toBe('failed');
    expect(failed.reason).toContain('billing-hook (fake-follower)');
    expect(failed.reason).toContain('https://billing.example.com/hooks answered 503');
    expect(stateAfterFailure.active).toMatchObject({ step: 'switched', newVersion: written });
    expect(stateAfterFailure.consecutiveFailures).toBe(1);
    expect(world.stores.secrets.versions(world.ref)).toHaveLength(1);
    expect(resumed).toMatchObject({ status: 'succeeded', rotationId: failed.rotationId });
    expect(world.followers.deliveries.filter((d) => d.name === 'billing-hook').map((d) => d.version)).toEqual([written]);
    expect(world.followers.deliveries.filter((d) => d.name === 'dr-replica').map((d) => d.version)).toEqual([written, written]);
    expect(world.stores.secrets.versions(world.ref)).toHaveLength(1);
  });

  it('multi-password: the old password is not revoked while a follower has not confirmed, and is once it has', async () => {
    // Arrange
    const followers = new FakeFollowers();
    const base = await stagedWorld({ strategy: 'multi-password', seedVault: true });
    const withFollowers = processOver(base.stores, undefined, silentLogger, { consumerKinds: [...base.kinds, followers.kind()] });
    const json = policyJsonFor({ strategy: 'multi-password' });
    await withFollowers.admin.put('orders-db', { ...json, consumers: [...json.consumers, hook] }, 'test');
    followers.refusing.add('billing-hook');

    // Act
    const failed = await withFollowers.engine.rotate('orders-db', HTTP);
    const newPassword = currentCredential(base.stores)!.password;
    const oldStillWorks = base.cache.accepts(CACHE_LOGIN, INITIAL_PASSWORD);
    followers.refusing.clear();
    base.stores.clock.advance(GRACE_MS + 60_000);
    const done = await withFollowers.engine.rotate('orders-db', TIMER);

    // Assert
    expect(failed.status).toBe('failed');
    expect(base.cache.accepts(CACHE_LOGIN, newPassword)).toBe(true);
    expect(oldStillWorks).toBe(true);
    expect(done).toMatchObject({ status: 'succeeded', rotationId: failed.rotationId });
    expect(base.cache.accepts(CACHE_LOGIN, INITIAL_PASSWORD)).toBe(false);
    expect(base.cache.accepts(CACHE_LOGIN, newPassword)).toBe(true);
    const plan = await withFollowers.engine.plan('orders-db', HTTP);
    expect(plan.steps).toEqual(['claimed', 'prepared', 'verified', 'switched', 'delivered', 'drained', 'revoked', 'completed']);
  });
});

describe('a policy with followers', () => {
  const catalog = new ConsumerCatalog([new FakeFollowers().kind(), fakeDatabaseKind(new FakeServer({ now: () => new Date() }))]);

  it('needs no strategy when it has no consumer that holds a login', () => {
    const policy = parsePolicy(aPolicyJson({ consumers: [replica] as never }), catalog);
    expect(policy.consumers).toEqual([replica]);
  });

  it('refuses a strategy with only followers, naming the field', () => {
    const attempt = () => parsePolicy(aPolicyJson({ consumers: [replica] as never, strategy: { kind: 'multi-password', gracePeriod: '1h', maxDrainWait: '1d' } }), catalog);
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).details).toContainEqual(expect.objectContaining({ path: 'strategy' }));
    }
  });

  it('refuses a follower named like another consumer, and a follower with a login field', () => {
    const json = policyJsonFor({ strategy: 'alternating-users' });
    const clash = { ...hook, name: json.consumers[0]!.name };
    const { contentType: _c, ...base } = json as typeof json & { contentType?: string };
    expect(() => parsePolicy({ ...base, consumers: [...json.consumers, clash] }, catalog)).toThrow(/names must be unique/);
    expect(() => parsePolicy(aPolicyJson({ consumers: [{ ...replica, login: 'x' }] as never }), catalog)).toThrow(ValidationError);
  });
});
