import { describe, expect, it } from 'vitest';
import { auditActions } from './engine-fixture.js';
import { DB_LOGIN, GRACE_MS, HTTP, INITIAL_PASSWORD, TIMER, currentCredential, expectVaultCredentialWorks, stagedWorld } from './staged-fixture.js';

const SECOND_LOGIN = `${DB_LOGIN}_b`;

describe('alternating-users', () => {
  it('starts on the second login, created like the first, and leaves the first as it was', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users' });

    // Act
    const outcome = await world.app.engine.rotate('orders-db', HTTP);

    // Assert
    expect(outcome.status).toBe('succeeded');
    const credential = currentCredential(world.stores)!;
    expect(credential).toMatchObject({ username: SECOND_LOGIN, host: '127.0.0.1', port: 5432, database: 'orders' });
    expect(world.database.accepts(SECOND_LOGIN, credential.password)).toBe(true);
    expect(world.database.logins.get(SECOND_LOGIN)!.roles).toEqual(world.database.logins.get(DB_LOGIN)!.roles);
    expect(world.database.accepts(DB_LOGIN, INITIAL_PASSWORD)).toBe(true);
    expect(world.stores.secrets.versions(world.ref).at(-1)!.contentType).toBe('application/json');
    expect((await world.stores.states.get('orders-db'))!.state.currentLogin).toBe(SECOND_LOGIN);
  });

  it('alternates, keeps the previous login working until the next rotation, and retires the version whose password it replaced', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users' });
    const first = await world.app.engine.rotate('orders-db', HTTP);
    const firstCredential = currentCredential(world.stores)!;

    // Act: within the grace period nothing may change the login applications just left
    const tooSoon = await world.app.engine.rotate('orders-db', HTTP);
    world.stores.clock.advance(GRACE_MS + 1000);
    const second = await world.app.engine.rotate('orders-db', HTTP);
    const secondCredential = currentCredential(world.stores)!;
    world.stores.clock.advance(GRACE_MS + 1000);
    const third = await world.app.engine.rotate('orders-db', HTTP);
    const thirdCredential = currentCredential(world.stores)!;

    // Assert
    expect(tooSoon).toMatchObject({ status: 'waiting-for-drain', rotationId: second.rotationId, drain: { login: DB_LOGIN, sessions: 0 } });
    expect(second).toMatchObject({ status: 'succeeded', previousVersion: first.newVersion });
    expect(secondCredential.username).toBe(DB_LOGIN);
    expect(world.database.accepts(DB_LOGIN, INITIAL_PASSWORD)).toBe(false);
    expect(world.database.accepts(SECOND_LOGIN, firstCredential.password)).toBe(false);
    expect(world.database.accepts(DB_LOGIN, secondCredential.password)).toBe(true);
    expect(thirdCredential.username).toBe(SECOND_LOGIN);
    expect(world.database.accepts(SECOND_LOGIN, thirdCredential.password)).toBe(true);
    const versions = world.stores.secrets.versions(world.ref);
    expect(versions.map((v) => v.enabled)).toEqual([false, true, true]);
    expect(versions[0]!.version).toBe(first.newVersion);
    expect(third.status).toBe('succeeded');
  });

  it('waits while the idle login has sessions, audits the wait once, and goes on once they end', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users' });
    await world.app.engine.rotate('orders-db', HTTP);
    world.stores.clock.advance(GRACE_MS + 1000);
    const straggler = world.database.openSession(DB_LOGIN, '10.0.0.4', 'orders-api');

    // Act
    const waiting = await world.app.engine.rotate('orders-db', HTTP);
    const sessionChecks = world.database.calls.filter((call) => call.startsWith('sessions:')).length;
    const timerTooEarly = await world.app.engine.rotate('orders-db', TIMER);
    const checksAfterEarlyTimer = world.database.calls.filter((call) => call.startsWith('sessions:')).length;
    world.stores.clock.advance(60_000);
    const stillWaiting = await world.app.engine.rotate('orders-db', TIMER);
    world.database.closeSession(straggler);
    world.stores.clock.advance(60_000);
    const done = await world.app.engine.rotate('orders-db', TIMER);

    // Assert
    expect(waiting).toMatchObject({ status: 'waiting-for-drain', drain: { login: DB_LOGIN, sessions: 1 } });
    expect(waiting.reason).toContain('10.0.0.4 (orders-api)');
    expect(timerTooEarly.status).toBe('waiting-for-drain');
    expect(checksAfterEarlyTimer).toBe(sessionChecks);
    expect(stillWaiting.status).toBe('waiting-for-drain');
    expect(done).toMatchObject({ status: 'succeeded', rotationId: waiting.rotationId });
    const actions = await auditActions(world.stores, 'orders-db');
    expect(actions.filter((a) => a === 'rotation.waiting-for-drain')).toHaveLength(1);
    expect(actions).not.toContain('rotation.resumed');
    expect(currentCredential(world.stores)!.username).toBe(DB_LOGIN);
  });

  it('shows the drain in the state: login, sessions, since when, and the next check', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users' });
    await world.app.engine.rotate('orders-db', HTTP);
    world.stores.clock.advance(GRACE_MS + 1000);
    world.database.openSession(DB_LOGIN);

    // Act
    await world.app.engine.rotate('orders-db', HTTP);
    const { state } = (await world.stores.states.get('orders-db'))!;

    // Assert
    expect(state.active).toMatchObject({
      step: 'claimed',
      logins: { current: SECOND_LOGIN, target: DB_LOGIN },
      consumers: { 'orders-primary': { status: 'draining', login: DB_LOGIN, sessions: 1 } },
      drain: { login: DB_LOGIN, sessions: 1, waitingSince: world.stores.clock.now() },
    });
    expect(state.active!.leaseExpiresAt.getTime()).toBeLessThanOrEqual(world.stores.clock.now().getTime());
    expect(state.nextDueAt).toEqual(state.active!.drain!.nextCheckAt);
  });

  it('fails loudly past maxDrainWait, naming who holds sessions, and forces nothing', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users', maxDrainWait: '10m' });
    await world.app.engine.rotate('orders-db', HTTP);
    world.stores.clock.advance(GRACE_MS + 1000);
    const straggler = world.database.openSession(DB_LOGIN, '10.1.2.3', 'legacy-batch');
    await world.app.engine.rotate('orders-db', HTTP);

    // Act
    world.stores.clock.advance(11 * 60_000);
    const failed = await world.app.engine.rotate('orders-db', HTTP);
    world.database.closeSession(straggler);
    const retried = await world.app.engine.rotate('orders-db', HTTP);

    // Assert
    expect(failed.status).toBe('failed');
    expect(failed.reason).toContain('10.1.2.3 (legacy-batch)');
    expect(failed.reason).toContain('maxDrainWait 10m');
    expect(world.database.calls.filter((call) => call === `replace:${DB_LOGIN}`)).toHaveLength(1);
    expect(retried).toMatchObject({ status: 'succeeded', rotationId: failed.rotationId });
    expect(world.database.accepts(DB_LOGIN, INITIAL_PASSWORD)).toBe(false);
  });

  it('refuses a vault credential for a login outside the pair, changing nothing', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users', seedVault: true });
    const { SecretValue } = await import('../../../src/core/secret-value.js');
    await world.stores.secrets.write(world.ref, SecretValue.of(JSON.stringify({ username: 'someone_else', password: 'x' })), { expiresOn: new Date('2027-01-01T00:00:00Z'), tags: {} });

    // Act
    const outcome = await world.app.engine.rotate('orders-db', HTTP);

    // Assert
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain("'someone_else'");
    expect(world.database.calls.some((call) => call.startsWith('replace:'))).toBe(false);
  });

  it('refuses a current value that is not a JSON credential, without quoting it', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users' });
    const { SecretValue } = await import('../../../src/core/secret-value.js');
    await world.stores.secrets.write(world.ref, SecretValue.of('plain-password-from-before'), { expiresOn: new Date('2027-01-01T00:00:00Z'), tags: {} });

    // Act
    const outcome = await world.app.engine.rotate('orders-db', HTTP);

    // Assert
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain('does not hold a JSON credential');
    expect(outcome.reason).not.toContain('plain-password-from-before');
    expect(world.stores.secrets.versions(world.ref)).toHaveLength(1);
  });

  it('fails without changing anything when the admin secret is missing, and says which', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users' });
    const policy = { ...world.policyJson, consumers: [{ ...world.policyJson.consumers[0]!, admin: { secretName: 'no-such-admin' } }] };
    await world.app.admin.put('orders-db', policy, 'test');

    // Act
    const outcome = await world.app.engine.rotate('orders-db', HTTP);

    // Assert
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain("'no-such-admin'");
    expect(world.stores.secrets.versions(world.ref)).toHaveLength(0);
    expectVaultCredentialWorks(world);
  });

  it('audits every step with its consumer and login, never a value', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users' });

    // Act
    await world.app.engine.rotate('orders-db', HTTP);
    const records = (await world.stores.audit.listForPolicy('orders-db', { pageSize: 100 })).items;
    const credential = currentCredential(world.stores)!;

    // Assert
    const steps = records.filter((r) => r.action === 'rotation.step-started').map((r) => r.step).reverse();
    expect(steps).toEqual(['drained', 'prepared', 'verified', 'switched', 'revoked']);
    const perConsumer = records.filter((r) => r.action === 'rotation.step-finished' && r.consumer === 'orders-primary');
    expect(perConsumer.map((r) => [r.step, r.login]).reverse()).toEqual([
      ['drained', SECOND_LOGIN],
      ['prepared', SECOND_LOGIN],
      ['verified', SECOND_LOGIN],
    ]);
    expect(JSON.stringify(records)).not.toContain(credential.password);
  });

  it('plans without contacting any consumer: the steps in order and whom they would change', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users' });

    // Act
    const plan = await world.app.engine.plan('orders-db', HTTP);

    // Assert
    expect(plan).toMatchObject({
      wouldRotate: true,
      strategy: 'alternating-users',
      steps: ['claimed', 'drained', 'prepared', 'verified', 'switched', 'revoked', 'completed'],
      consumers: [{ name: 'orders-primary', kind: 'fake-db', login: DB_LOGIN }],
      contentType: 'application/json',
    });
    expect(world.database.calls).toEqual([]);
  });

  it('signs the admin in with an Entra token for the kind\'s own scope when the policy says entra', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users' });
    const scopes: string[] = [];
    world.database.entraTokens.set('id-kvrot', 'token-for-ossrdbms');
    const { RotationEngine } = await import('../../../src/core/rotation/rotation-engine.js');
    const { ConsumerCatalog } = await import('../../../src/core/consumers/consumer-port.js');
    const { SecretValue } = await import('../../../src/core/secret-value.js');
    const { silentLogger } = await import('../../../src/core/logger.js');
    const { randomUUID } = await import('node:crypto');
    const engine = new RotationEngine({
      ...world.stores,
      clock: world.stores.clock,
      logger: silentLogger,
      newId: randomUUID,
      leaseDurationInMs: 300_000,
      maxAttempts: 3,
      minRotationIntervalInMs: 3_600_000,
      idempotency: { keysKept: 10, retentionInMs: 86_400_000 },
      consumerKinds: new ConsumerCatalog(world.kinds as never),
      accessTokens: {
        getToken: (scope) => {
          scopes.push(scope);
          return Promise.resolve(SecretValue.of(scope === 'https://ossrdbms-aad.database.windows.net/.default' ? 'token-for-ossrdbms' : 'wrong-audience'));
        },
      },
    });
    await world.app.admin.put('orders-db', { ...world.policyJson, consumers: [{ ...world.policyJson.consumers[0]!, admin: { entra: true, username: 'id-kvrot' } }] }, 'test');

    // Act
    const outcome = await engine.rotate('orders-db', HTTP);

    // Assert
    expect(outcome.status).toBe('succeeded');
    expect(new Set(scopes)).toEqual(new Set(['https://ossrdbms-aad.database.windows.net/.default']));
    expect(world.database.calls).toContain(`replace:${SECOND_LOGIN}`);
  });

  it('fails loudly, changing nothing, when an Entra admin is asked of a deployment with no token source', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users' });
    await world.app.admin.put('orders-db', { ...world.policyJson, consumers: [{ ...world.policyJson.consumers[0]!, admin: { entra: true, username: 'id-kvrot' } }] }, 'test');

    // Act
    const outcome = await world.app.engine.rotate('orders-db', HTTP);

    // Assert
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain('no Entra ID token source');
    expect(world.stores.secrets.versions(world.ref)).toHaveLength(0);
  });

  it('accepts a grace period of a second, and says in the answer why that is for tests only', async () => {
    // Arrange
    const world = await stagedWorld({ strategy: 'alternating-users' });
    const quick = { ...world.policyJson, strategy: { ...world.policyJson.strategy, gracePeriod: '1s' } };

    // Act
    const answer = await world.app.admin.put('orders-db', quick, 'test');
    const calm = await world.app.admin.put('orders-db', world.policyJson, 'test');

    // Assert
    expect(answer.warnings).toEqual([expect.stringContaining('under a minute')]);
    expect(calm.warnings).toBeUndefined();
  });
});
