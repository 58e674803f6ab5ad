/**
 * Kills a staged rotation before and after every port call it makes (Key Vault, Table
 * Storage, audit, and the consumer itself), then lets later triggers finish it. At every
 * moment, including right after the crash, the credential the vault hands applications
 * must sign in: zero lockout is checked at each instant, not only at the end.
 */
import { describe, expect, it } from 'vitest';
import { CrashInjector, SimulatedCrash, type CrashMoment } from '../../support/fakes/crash-injector.js';
import { GRACE_MS, HTTP, INITIAL_PASSWORD, DB_LOGIN, CACHE_LOGIN, currentCredential, expectVaultCredentialWorks, stagedWorld, type StagedWorld } from './staged-fixture.js';
import { LEASE_MS } from './engine-fixture.js';

interface Scenario {
  name: string;
  setup(): Promise<StagedWorld>;
  /** The calls under test, with the crash injector in the process. */
  act(world: StagedWorld, injector: CrashInjector): Promise<void>;
  /** What must hold once the rotation has finished. */
  finished(world: StagedWorld, versionsBefore: number): void;
}

/** Drives the policy with fresh processes until the rotation under test has succeeded, checking zero lockout after each call. */
async function finish(world: StagedWorld, rotatedBefore: string | undefined): Promise<void> {
  for (let call = 0; call < 8; call++) {
    const { state } = (await world.stores.states.get('orders-db'))!;
    // The crash may have come after the rotation's last write: it is finished, and another trigger would start a new one.
    if (!state.active && state.lastResult === 'succeeded' && state.lastRotationId !== rotatedBefore) return;
    world.stores.clock.advance(LEASE_MS + 1000);
    const outcome = await world.app.engine.rotate('orders-db', HTTP);
    expectVaultCredentialWorks(world);
    if (outcome.status === 'succeeded') return;
    if (outcome.status === 'waiting-for-drain') world.stores.clock.advance(GRACE_MS);
  }
  throw new Error('the rotation did not finish after 8 triggers');
}

const scenarios: Scenario[] = [
  {
    name: 'alternating-users, second rotation (drain the first login, prepare, verify, switch, retire)',
    async setup() {
      const world = await stagedWorld({ strategy: 'alternating-users' });
      await world.app.engine.rotate('orders-db', HTTP);
      world.stores.clock.advance(GRACE_MS + 1000);
      return world;
    },
    async act(world, injector) {
      await world.process(injector).engine.rotate('orders-db', HTTP);
    },
    finished(world, versionsBefore) {
      const versions = world.stores.secrets.versions(world.ref);
      expect(versions).toHaveLength(versionsBefore + 1);
      expect(currentCredential(world.stores)!.username).toBe(DB_LOGIN);
      expect(world.database.accepts(DB_LOGIN, INITIAL_PASSWORD)).toBe(false);
      // The login applications left keeps working until the next rotation.
      const previous = JSON.parse(world.stores.secrets.valueOf(world.ref, versions.at(-2)!.version)!) as { username: string; password: string };
      expect(world.database.accepts(previous.username, previous.password)).toBe(true);
    },
  },
  {
    name: 'multi-password, whole rotation (prepare, verify, switch, drain, revoke)',
    async setup() {
      return stagedWorld({ strategy: 'multi-password', seedVault: true });
    },
    async act(world, injector) {
      const process = world.process(injector);
      await process.engine.rotate('orders-db', HTTP);
      world.stores.clock.advance(GRACE_MS + 1000);
      await process.engine.rotate('orders-db', HTTP);
    },
    finished(world, versionsBefore) {
      expect(world.stores.secrets.versions(world.ref)).toHaveLength(versionsBefore + 1);
      expect(world.cache.accepts(CACHE_LOGIN, INITIAL_PASSWORD)).toBe(false);
      expect(world.cache.logins.get(CACHE_LOGIN)!.passwords).toEqual([currentCredential(world.stores)!.password]);
      expect(world.stores.secrets.versions(world.ref)[0]!.enabled).toBe(false);
    },
  },
];

describe.each(scenarios)('staged rotation killed at any port call: $name', (scenario) => {
  it('finishes with exactly one new version, and the vault credential signs in at every instant', async () => {
    // Arrange: how many port calls the undisturbed rotation makes
    const counting = await scenario.setup();
    const counter = new CrashInjector(undefined);
    await scenario.act(counting, counter);
    expect(counter.calls).toBeGreaterThan(10);
    const cases: { at: number; moment: CrashMoment }[] = [];
    for (let at = 0; at < counter.calls; at++) cases.push({ at, moment: 'before' }, { at, moment: 'after' });
    let crashed = 0;

    for (const { at, moment } of cases) {
      const world = await scenario.setup();
      const versionsBefore = world.stores.secrets.versions(world.ref).length;
      const rotatedBefore = (await world.stores.states.get('orders-db'))?.state.lastRotationId;

      // Act
      const error = await scenario.act(world, new CrashInjector(at, moment)).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (error !== undefined && !(error instanceof SimulatedCrash)) throw error;
      if (error) crashed++;
      expectVaultCredentialWorks(world);
      await finish(world, rotatedBefore);

      // Assert
      try {
        scenario.finished(world, versionsBefore);
      } catch (failure) {
        throw new Error(`after a crash ${moment} port call ${at}: ${(failure as Error).message}`);
      }
    }
    // Every crash reached the caller but the two at the last call: removing a stale schedule entry is best effort, repaired by the scan.
    expect(crashed).toBe(cases.length - 2);
  });
});
