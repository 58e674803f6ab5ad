import { describe, expect, it } from 'vitest';
import { ConsumerCatalog } from '../../../src/core/consumers/consumer-port.js';
import { ValidationError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import { FakeKeyAccount } from '../../support/fakes/in-memory-issuer.js';
import { FakeServer, fakeDatabaseKind } from '../../support/fakes/in-memory-consumer.js';
import { aPolicyJson } from '../../support/policy-mother.js';
import { createStores, processOver } from './engine-fixture.js';
import { HTTP, TIMER } from './staged-fixture.js';

const GRACE_MS = 60 * 60_000;
const { contentType: _plain, ...base } = aPolicyJson({ id: 'orders-storage', secretName: 'orders-storage-key', rotation: { every: '30d', validFor: '60d' } });
const policyJson = {
  ...base,
  generator: { kind: 'issued' },
  strategy: { kind: 'issued-credential', gracePeriod: '1h', maxDrainWait: '1d' },
  consumers: [{ kind: 'fake-issuer', name: 'orders-account', account: 'storders' }],
};

async function world() {
  const stores = createStores();
  const account = new FakeKeyAccount();
  const app = processOver(stores, undefined, silentLogger, { consumerKinds: [account.kind()] });
  await app.admin.put('orders-storage', policyJson, 'test');
  const ref = { vaultUrl: base.vaultUrl as string, secretName: 'orders-storage-key' };
  const current = () => stores.secrets.valueOf(ref, stores.secrets.versions(ref).at(-1)!.version)!;
  return { stores, account, app, ref, current };
}

describe('issued-credential', () => {
  it('issues the key not in use, proves it, writes it, and revokes the replaced key only after the grace period', async () => {
    // Arrange
    const w = await world();
    const first = await w.app.engine.rotate('orders-storage', HTTP);
    const firstKey = w.current();

    // Act
    const second = await w.app.engine.rotate('orders-storage', HTTP);
    const secondKey = w.current();
    const firstStillWorksDuringGrace = w.account.accepts(firstKey);
    w.stores.clock.advance(GRACE_MS + 1000);
    const done = await w.app.engine.rotate('orders-storage', TIMER);

    // Assert
    expect(first.status).toBe('waiting-for-drain');
    expect(w.account.calls.slice(0, 2)).toEqual(['regenerate:key2', 'verify:key2']);
    expect(second).toMatchObject({ status: 'waiting-for-drain', rotationId: first.rotationId });
    expect(secondKey).toBe(firstKey);
    expect(firstStillWorksDuringGrace).toBe(true);
    expect(done).toMatchObject({ status: 'succeeded', rotationId: first.rotationId });
    // A first rotation cannot know what applications held before: nothing is revoked.
    expect(w.account.calls.filter((c) => c.startsWith('revoke'))).toEqual([]);
    expect((await w.stores.states.get('orders-storage'))!.state.currentLogin).toBe('key2');
  });

  it('the next rotation regenerates the other key, and its revoke makes the old key stop working', async () => {
    // Arrange
    const w = await world();
    await w.app.engine.rotate('orders-storage', HTTP);
    w.stores.clock.advance(GRACE_MS + 1000);
    await w.app.engine.rotate('orders-storage', TIMER);
    const oldKey = w.current();
    w.stores.clock.advance(31 * 24 * 3600_000);

    // Act
    const next = await w.app.engine.rotate('orders-storage', TIMER);
    const newKey = w.current();
    const oldWorksBeforeRevoke = w.account.accepts(oldKey);
    w.stores.clock.advance(GRACE_MS + 1000);
    const done = await w.app.engine.rotate('orders-storage', TIMER);

    // Assert
    expect(next.status).toBe('waiting-for-drain');
    expect(newKey).not.toBe(oldKey);
    expect(oldWorksBeforeRevoke).toBe(true);
    expect(done.status).toBe('succeeded');
    expect(w.account.accepts(oldKey)).toBe(false);
    expect(w.account.accepts(newKey)).toBe(true);
    expect(w.account.calls.slice(-3)).toEqual(['regenerate:key1', 'verify:key1', 'revoke:key2']);
    const versions = w.stores.secrets.versions(w.ref);
    expect(versions.map((v) => v.enabled)).toEqual([false, true]);
    const records = (await w.stores.audit.listForPolicy('orders-storage', { pageSize: 200 })).items;
    expect(JSON.stringify(records)).not.toContain(oldKey);
    expect(JSON.stringify(records)).not.toContain(newKey);
  });

  it('a credential that is refused is never written: the rotation fails, the vault keeps the key that works', async () => {
    // Arrange
    const w = await world();
    await w.app.engine.rotate('orders-storage', HTTP);
    w.stores.clock.advance(GRACE_MS + 1000);
    await w.app.engine.rotate('orders-storage', TIMER);
    const working = w.current();
    w.stores.clock.advance(31 * 24 * 3600_000);
    w.account.refuseVerifications = 1;

    // Act
    const failed = await w.app.engine.rotate('orders-storage', TIMER);

    // Assert
    expect(failed.status).toBe('failed');
    expect(w.current()).toBe(working);
    expect(w.account.accepts(working)).toBe(true);
    expect(w.stores.secrets.versions(w.ref)).toHaveLength(1);
  });
});

describe('a policy with an issuer', () => {
  const catalog = new ConsumerCatalog([new FakeKeyAccount().kind(), fakeDatabaseKind(new FakeServer({ now: () => new Date() }))]);

  it('is accepted with the issued generator and the issued-credential strategy', () => {
    expect(parsePolicy(policyJson, catalog).consumers).toEqual(policyJson.consumers);
  });

  it.each([
    ['a generated value', { generator: { kind: 'random_password', length: 32 } }, 'generator.kind'],
    ['another strategy', { strategy: { kind: 'multi-password', gracePeriod: '1h', maxDrainWait: '1d' } }, 'strategy'],
    ['no issuer', { consumers: undefined }, 'strategy.kind'],
    ['two issuers', { consumers: [...policyJson.consumers, { kind: 'fake-issuer', name: 'second', account: 'x' }] }, 'consumers.1.kind'],
  ])('refuses %s, naming the field', (_name, change, path) => {
    let details: unknown[] = [];
    try {
      parsePolicy({ ...policyJson, ...change }, catalog);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      details = (error as ValidationError).details;
    }
    expect(details).toContainEqual(expect.objectContaining({ path }));
  });
});
