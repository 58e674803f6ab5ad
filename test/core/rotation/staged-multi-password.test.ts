import { describe, expect, it } from 'vitest';
import { CredentialRefusedError, type ConsumerKind } from '../../../src/core/consumers/consumer-port.js';
import { silentLogger } from '../../../src/core/logger.js';
import { CrashInjector } from '../../support/fakes/crash-injector.js';
import { auditActions, processOver } from './engine-fixture.js';
import { CACHE_LOGIN, GRACE_MS, HTTP, INITIAL_PASSWORD, currentCredential, stagedWorld } from './staged-fixture.js';

describe('multi-password', () => {
  it('accepts both passwords across the switch, removes the old one after the grace period, and retires its version', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'multi-password', seedVault: true });
    const seeded = world.stores.secrets.versions(world.ref)[0]!;

    // Act
    const switched = await world.app.engine.rotate('orders-db', HTTP);
    const newCredential = currentCredential(world.stores)!;
    const bothDuringGrace = [world.cache.accepts(CACHE_LOGIN, INITIAL_PASSWORD), world.cache.accepts(CACHE_LOGIN, newCredential.password)];
    world.stores.clock.advance(GRACE_MS + 1000);
    const done = await world.app.engine.rotate('orders-db', HTTP);

    // Assert
    expect(switched).toMatchObject({ status: 'waiting-for-drain', previousVersion: seeded.version, drain: { login: CACHE_LOGIN, sessions: 0 } });
    expect(switched.newVersion).toBeDefined();
    expect(bothDuringGrace).toEqual([true, true]);
    expect(done).toMatchObject({ status: 'succeeded', rotationId: switched.rotationId, newVersion: switched.newVersion });
    expect(world.cache.accepts(CACHE_LOGIN, INITIAL_PASSWORD)).toBe(false);
    expect(world.cache.accepts(CACHE_LOGIN, newCredential.password)).toBe(true);
    expect(world.stores.secrets.versions(world.ref).map((v) => v.enabled)).toEqual([false, true]);
    expect(newCredential).toMatchObject({ username: CACHE_LOGIN, host: '127.0.0.1', port: 6379 });
  });

  it("on a first rotation (an empty vault) keeps the login's own password working until the revoke after the drain", async () => {
    // Arrange: applications use a password set by hand; the vault holds nothing yet.
    const world = await stagedWorld({ strategy: 'multi-password', seedVault: false });

    // Act
    const switched = await world.app.engine.rotate('orders-db', HTTP);
    const duringGrace = [world.cache.accepts(CACHE_LOGIN, INITIAL_PASSWORD), world.cache.accepts(CACHE_LOGIN, currentCredential(world.stores)!.password)];
    world.stores.clock.advance(GRACE_MS + 1000);
    const done = await world.app.engine.rotate('orders-db', HTTP);

    // Assert
    expect(switched.status).toBe('waiting-for-drain');
    expect(duringGrace).toEqual([true, true]);
    expect(done.status).toBe('succeeded');
    expect(world.cache.accepts(CACHE_LOGIN, INITIAL_PASSWORD)).toBe(false);
    expect(world.cache.logins.get(CACHE_LOGIN)!.passwords).toEqual([currentCredential(world.stores)!.password]);
  });

  it('is held by a connection older than the switch-over, not by one opened after it', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'multi-password', seedVault: true });
    const old = world.cache.openSession(CACHE_LOGIN, '10.0.0.9', 'cache-client');
    world.stores.clock.advance(5_000);
    await world.app.engine.rotate('orders-db', HTTP);
    world.stores.clock.advance(5_000);
    world.cache.openSession(CACHE_LOGIN, '10.0.0.10', 'restarted-client');
    world.stores.clock.advance(GRACE_MS);

    // Act
    const held = await world.app.engine.rotate('orders-db', HTTP);
    const oldStillAccepted = world.cache.accepts(CACHE_LOGIN, INITIAL_PASSWORD);
    world.cache.closeSession(old);
    const done = await world.app.engine.rotate('orders-db', HTTP);

    // Assert
    expect(held).toMatchObject({ status: 'waiting-for-drain', drain: { sessions: 1 } });
    expect(held.reason).toContain('10.0.0.9 (cache-client)');
    expect(oldStillAccepted).toBe(true);
    expect(done.status).toBe('succeeded');
    expect(world.cache.accepts(CACHE_LOGIN, INITIAL_PASSWORD)).toBe(false);
  });

  it('rolls back the extra password when the new one cannot sign in, and writes nothing to the vault', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'multi-password', seedVault: true });
    const refusing: ConsumerKind = {
      ...(world.kinds[1] as unknown as ConsumerKind),
      verify: () => Promise.reject(new CredentialRefusedError('fake-cache: refused')),
    };
    const app = processOver(world.stores, new CrashInjector(undefined), silentLogger, { consumerKinds: [world.kinds[0] as unknown as ConsumerKind, refusing] });

    // Act
    const outcome = await app.engine.rotate('orders-db', HTTP);

    // Assert
    expect(outcome.status).toBe('failed');
    expect(world.cache.logins.get(CACHE_LOGIN)!.passwords).toEqual([INITIAL_PASSWORD]);
    expect(world.stores.secrets.versions(world.ref)).toHaveLength(1);
    expect(await auditActions(world.stores, 'orders-db')).toContain('rotation.rolled-back');
  });

  it('rolls back a prepare that failed half-way (one node changed, the next refused), before anything was persisted', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'multi-password', seedVault: true });
    const cacheKind = world.kinds[1] as unknown as ConsumerKind;
    let prepares = 0;
    const secondNodeDown: ConsumerKind = {
      ...cacheKind,
      async setAcceptedPasswords(spec, admin, login, passwords) {
        await cacheKind.setAcceptedPasswords!(spec, admin, login, passwords);
        // The first call is prepare: its first node took the change, its second did not answer. The rollback after it succeeds.
        if (prepares++ === 0) throw new Error('node 2 did not answer');
      },
    };
    const app = processOver(world.stores, new CrashInjector(undefined), silentLogger, { consumerKinds: [world.kinds[0] as unknown as ConsumerKind, secondNodeDown] });

    // Act
    const outcome = await app.engine.rotate('orders-db', HTTP);

    // Assert
    expect(outcome.status).toBe('failed');
    expect(world.cache.logins.get(CACHE_LOGIN)!.passwords).toEqual([INITIAL_PASSWORD]);
    expect(world.stores.secrets.versions(world.ref)).toHaveLength(1);
    expect(await auditActions(world.stores, 'orders-db')).toContain('rotation.rolled-back');
  });

  it('after one failed drain check, later checks continue the rotation: no new attempt, no resumed record each time', async () => {
    // Arrange: a connection older than the switch holds the drain; one session count fails.
    const world = await stagedWorld({ strategy: 'multi-password', seedVault: true });
    const cacheKind = world.kinds[1] as unknown as ConsumerKind;
    let sessionCalls = 0;
    const flaky: ConsumerKind = {
      ...cacheKind,
      async sessions(spec, admin, login) {
        if (sessionCalls++ === 1) throw new Error('CLIENT LIST timed out');
        return cacheKind.sessions(spec, admin, login);
      },
    };
    const app = processOver(world.stores, new CrashInjector(undefined), silentLogger, { consumerKinds: [world.kinds[0] as unknown as ConsumerKind, flaky] });
    world.cache.openSession(CACHE_LOGIN, '10.0.0.9', 'cache-client');
    world.stores.clock.advance(5_000);
    await app.engine.rotate('orders-db', HTTP);
    world.stores.clock.advance(GRACE_MS);

    // Act
    const failed = await app.engine.rotate('orders-db', HTTP);
    const checks = [];
    for (let i = 0; i < 4; i++) {
      world.stores.clock.advance(6 * 60_000);
      checks.push(await app.engine.rotate('orders-db', HTTP));
    }

    // Assert
    expect(failed.status).toBe('failed');
    expect(checks.map((c) => c.status)).toEqual(['waiting-for-drain', 'waiting-for-drain', 'waiting-for-drain', 'waiting-for-drain']);
    const actions = await auditActions(world.stores, 'orders-db');
    expect(actions.filter((a) => a === 'rotation.resumed')).toHaveLength(1);
    expect((await world.stores.states.get('orders-db'))!.state.active!.attempt).toBe(2);
  });

  it('replaces, not accumulates, the extra password of an attempt that died before the switch', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'multi-password', seedVault: true });
    // The process dies right after the consumer accepted both passwords.
    void world;
    const fresh = await stagedWorld({ strategy: 'multi-password', seedVault: true });
    const prepareCall = await callIndexOf(fresh, (calls) => calls.some((c) => c.startsWith('accept:')));

    // Act
    await expect(fresh.process(new CrashInjector(prepareCall, 'after')).engine.rotate('orders-db', HTTP)).rejects.toThrow('simulated crash');
    const afterCrash = [...fresh.cache.logins.get(CACHE_LOGIN)!.passwords];
    fresh.stores.clock.advance(6 * 60_000);
    const resumed = await fresh.app.engine.rotate('orders-db', HTTP);

    // Assert
    expect(afterCrash).toHaveLength(2);
    expect(resumed.status).toBe('waiting-for-drain');
    const passwords = fresh.cache.logins.get(CACHE_LOGIN)!.passwords;
    expect(passwords).toEqual([INITIAL_PASSWORD, currentCredential(fresh.stores)!.password]);
    expect(passwords).not.toContain(afterCrash[1]);
  });
});

/** The index of the first port call after which `reached` holds, found by replaying a rotation one call at a time. */
async function callIndexOf(_world: Awaited<ReturnType<typeof stagedWorld>>, reached: (calls: string[]) => boolean): Promise<number> {
  for (let index = 0; index < 200; index++) {
    const probe = await stagedWorld({ strategy: 'multi-password', seedVault: true });
    await probe.process(new CrashInjector(index, 'after')).engine.rotate('orders-db', HTTP).catch(() => undefined);
    if (reached(probe.cache.calls)) return index;
  }
  throw new Error('never reached');
}
