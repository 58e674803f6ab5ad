/**
 * Policies with downstream consumers, end to end through the HTTP API of the local stack
 * (functions host, Azurite, Key Vault emulator) against real servers: a password-checking
 * PostgreSQL, the machine's MariaDB and a private Redis node. A prober reads the secret with the
 * real SecretClient and signs in with the real driver throughout; sessions are held open with the
 * real drivers to make the engine wait, and to make it give up.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProbeCredential, Prober, PROBED_KINDS, signIn, type ProbeCredential, type ProbedKind } from '../../bench/zero-lockout/prober.js';
import { startConsumerServer, type ConsumerServer, type HeldSession } from '../../bench/zero-lockout/servers.js';
import { SecretValue } from '../../src/core/secret-value.js';
import { startTestApp, versionsOf, type ApiResponse, type RunningTestApp } from './app-e2e-support.js';

/** How the local host hands settings to the app: process.env, read once when the app's services are first built. */
const SETTINGS = { ROTATION_MAX_ATTEMPTS: '50', DRAIN_CHECK_INTERVAL_SECONDS: '1' };
const SECOND_LOGIN_SUFFIX = '_b';

let t: RunningTestApp;
const savedSettings = new Map<string, string | undefined>();

beforeAll(async () => {
  for (const [name, value] of Object.entries(SETTINGS)) {
    savedSettings.set(name, process.env[name]);
    process.env[name] = value;
  }
  t = await startTestApp();
});

afterAll(async () => {
  await t?.stop();
  for (const [name, value] of savedSettings) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const uniqueId = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

function policyBody(id: string, consumers: unknown[], overrides: Record<string, unknown> = {}, strategy: Record<string, unknown> = {}) {
  return {
    id,
    vaultUrl: t.vault().url,
    secretName: id,
    generator: { kind: 'random_password', length: 32 },
    rotation: { every: '30d', validFor: '60d' },
    strategy: { kind: 'alternating-users', gracePeriod: '1s', maxDrainWait: '1h', ...strategy },
    consumers,
    environment: 'test',
    owner: 'team-consumers',
    ...overrides,
  };
}

const rotate = (id: string, reason = 'consumers end to end') => t.call('POST', `/policies/${id}/rotate`, { reason });
const getPolicy = (id: string) => t.call('GET', `/policies/${id}`);

/**
 * POSTs rotate until the rotation completes. Each 202 must be a drain wait with its rotation id;
 * `onWaiting` looks at it (and at GET) while the rotation is in progress. Returns the 200 and the
 * 202s seen on the way.
 */
async function rotateToCompletion(id: string, onWaiting: (answer: ApiResponse) => Promise<void> = async () => undefined): Promise<{ done: ApiResponse; waits: ApiResponse[] }> {
  const waits: ApiResponse[] = [];
  for (let call = 0; call < 100; call++) {
    const answer = await rotate(id);
    if (answer.status !== 202) {
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json.status).toBe('succeeded');
      for (const wait of waits) expect(wait.json.rotationId).toBe(answer.json.rotationId);
      return { done: answer, waits };
    }
    expect(answer.json).toMatchObject({ status: 'waiting-for-drain', rotationId: expect.any(String), drain: { login: expect.any(String), sessions: expect.any(Number) } });
    waits.push(answer);
    await onWaiting(answer);
    const graceEndsAt = Date.parse(answer.json.drain.graceEndsAt);
    await sleep(answer.json.drain.sessions === 0 && graceEndsAt > Date.now() ? graceEndsAt - Date.now() + 20 : 200);
  }
  throw new Error(`rotation of ${id} did not complete`);
}

async function currentCredential(id: string): Promise<{ version: string; credential: ProbeCredential }> {
  const secret = await t.secrets(t.vault().url).getSecret(id);
  const credential = parseProbeCredential(secret.value);
  if (!credential) throw new Error(`${id} does not hold a JSON credential`);
  return { version: secret.properties.version!, credential };
}

async function versionReadable(id: string, version: string): Promise<boolean> {
  try {
    await t.secrets(t.vault().url).getSecret(id, { version });
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 403) return false;
    throw error;
  }
}

describe.each(PROBED_KINDS)('a %s consumer', (kind: ProbedKind) => {
  let server: ConsumerServer;
  const id = uniqueId(`consumers-${kind}`);
  const adminSecretName = `${id}-admin`;
  /** Every version a rotation switched to, in order. */
  const switched: { version: string; credential: ProbeCredential }[] = [];
  const body = (strategy: Record<string, unknown> = {}) => policyBody(id, [server.consumer(`${kind}-primary`, adminSecretName)], {}, { kind: server.strategy, ...strategy });
  const secondLogin = () => `${server.login}${SECOND_LOGIN_SUFFIX}`;
  /** alternating-users: the login applications left at the last switch; multi-password: the one login. */
  const idleCredential = () => (server.strategy === 'alternating-users' ? switched.at(-2)! : switched.at(-1)!).credential;

  beforeAll(async () => {
    server = await startConsumerServer(kind);
    // Nothing below means anything against a server that lets a wrong password in (trust auth).
    const wrong = await signIn(kind, { ...server.initial, password: SecretValue.of(`${server.initial.password.reveal()}x`) });
    if (wrong.outcome !== 'refused') throw new Error(`the ${kind} server did not refuse a wrong password (${wrong.outcome}): it does not check passwords`);
    // The rotator's own credential: a secret in the policy's vault, JSON {"username","password"}.
    await t.secrets(t.vault().url).setSecret(adminSecretName, server.adminSecretValue.reveal(), { contentType: 'application/json' });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a wrong password: the server checks passwords, so a sign-in proves something', async () => {
    // Act
    const right = await signIn(kind, server.initial);
    const wrong = await signIn(kind, { ...server.initial, password: SecretValue.of(`${server.initial.password.reveal()}x`) });

    // Assert
    expect(right).toEqual({ outcome: 'accepted' });
    expect(wrong.outcome).toBe('refused');
  });

  it('PUT creates the policy with its consumer (201)', async () => {
    // Act
    const created = await t.call('PUT', `/policies/${id}`, body());

    // Assert
    expect(created.status, created.text).toBe(201);
    expect(created.json.policy.consumers).toEqual([expect.objectContaining({ kind, name: `${kind}-primary`, login: server.login })]);
    expect(created.json.policy.strategy).toMatchObject({ kind: server.strategy, gracePeriod: '1s' });
  });

  it('rotates three times with a prober signing in all along: no failed login, and GET shows the login in use, and the rotation in progress whenever it waits', async () => {
    // Arrange
    const prober = new Prober({ kind, secrets: t.secrets(t.vault().url), secretName: id });
    prober.start();
    const expectedLogins = server.strategy === 'alternating-users' ? [secondLogin(), server.login, secondLogin()] : [server.login, server.login, server.login];

    // Act
    for (const expectedLogin of expectedLogins) {
      const { done } = await rotateToCompletion(id, async (waiting) => {
        const view = await getPolicy(id);
        expect(view.json.state.rotationInProgress).toMatchObject({
          rotationId: waiting.json.rotationId,
          status: 'waiting-for-drain',
          step: expect.any(String),
          consumers: [expect.objectContaining({ name: `${kind}-primary`, status: expect.any(String), login: waiting.json.drain.login })],
          drain: expect.objectContaining({ login: waiting.json.drain.login }),
        });
      });
      const view = await getPolicy(id);
      expect(view.json.state).toMatchObject({ currentLogin: expectedLogin, currentVersion: done.json.newVersion, rotationInProgress: null, lastResult: 'succeeded' });
      switched.push(await currentCredential(id));
      expect(switched.at(-1)!.credential.username).toBe(expectedLogin);
    }
    await prober.waitForVersion(switched.at(-1)!.version, 10_000);
    const probes = await prober.stop();

    // Assert
    expect(probes.failedLogins, JSON.stringify(probes.failures)).toBe(0);
    expect(probes.signInErrors, JSON.stringify(probes.signInErrorSamples)).toBe(0);
    expect(probes.attempts).toBeGreaterThan(0);
    expect(probes.successes).toBe(probes.attempts);
    expect(probes.versionsSeen).toBe(3);
    // Each wait for the grace period was shown in progress by GET, asserted as it was seen. Whether the second and
    // third rotations wait at all depends on how long this loop takes against a 1 s grace (a loaded machine can take
    // longer), so the waits are not counted: the held-session test below makes a rotation wait for certain.
  });

  it('refuses the credential whose turn has passed, and its version is disabled', async () => {
    // Arrange: alternating-users revokes two switches back (its login got the new password); multi-password the previous one
    const revoked = server.strategy === 'alternating-users' ? [switched[0]!] : [switched[0]!, switched[1]!];
    const stillValid = server.strategy === 'alternating-users' ? [switched[1]!, switched[2]!] : [switched[2]!];

    // Act & Assert
    for (const old of revoked) {
      expect((await signIn(kind, old.credential)).outcome, `version ${old.version}`).toBe('refused');
      expect(await versionReadable(id, old.version)).toBe(false);
    }
    for (const valid of stillValid) expect(await signIn(kind, valid.credential)).toEqual({ outcome: 'accepted' });
  });

  it('waits (202 waiting-for-drain, with its rotation id) while a session of the old credential is open, shows it in GET, and completes once it closes', async () => {
    // Arrange: the previous rotation's grace is over; an application holds a session with the credential this rotation must retire
    await sleep(1_100);
    const held: HeldSession = await server.holdSession(idleCredential());
    let waitedOnSessions: ApiResponse | undefined;
    let view: ApiResponse | undefined;

    // Act
    try {
      for (let call = 0; call < 20 && !waitedOnSessions; call++) {
        const answer = await rotate(id, 'held session');
        expect(answer.status, answer.text).toBe(202);
        expect(answer.json).toMatchObject({ status: 'waiting-for-drain', rotationId: expect.any(String) });
        if (answer.json.drain.sessions > 0 && Date.parse(answer.json.drain.graceEndsAt) <= Date.now()) {
          waitedOnSessions = answer;
          view = await getPolicy(id);
        } else {
          await sleep(300);
        }
      }
    } finally {
      await held.close();
    }
    const { done } = await rotateToCompletion(id);
    switched.push(await currentCredential(id));

    // Assert
    expect(waitedOnSessions, 'a 202 naming the held session').toBeDefined();
    expect(view!.json.state.rotationInProgress).toMatchObject({
      rotationId: waitedOnSessions!.json.rotationId,
      status: 'waiting-for-drain',
      drain: { sessions: expect.any(Number), clients: expect.any(Array) },
      consumers: [expect.objectContaining({ status: 'draining', sessions: expect.any(Number) })],
    });
    const { drain } = view!.json.state.rotationInProgress;
    expect(drain.sessions).toBeGreaterThan(0);
    expect(drain.clients.join(', ')).toContain(held.client);
    // DRAIN_CHECK_INTERVAL_SECONDS reached the app: a drain held up by sessions is looked at again 1 s later.
    expect(Date.parse(drain.nextCheckAt) - Date.parse(drain.checkedAt)).toBe(1_000);
    expect(done.json.rotationId).toBe(waitedOnSessions!.json.rotationId);
  });

  it('fails loudly past maxDrainWait while a session stays open (502, rotation.failed naming the client), revokes nothing, and finishes once it closes', async () => {
    // Arrange: a drain may wait 1 s at most; the previous rotation's grace is over; an application holds on
    const tight = await t.call('PUT', `/policies/${id}`, body({ maxDrainWait: '1s' }));
    expect(tight.status, tight.text).toBe(200);
    await sleep(1_100);
    const before = await currentCredential(id);
    const heldCredential = idleCredential();
    const held = await server.holdSession(heldCredential);
    let failed: ApiResponse | undefined;
    const answers: number[] = [];

    // Act: the first check after the grace starts the clock on the drain; a later one gives up
    try {
      for (let call = 0; call < 20 && !failed; call++) {
        const answer = await rotate(id, 'held past maxDrainWait');
        answers.push(answer.status);
        if (answer.status === 502) failed = answer;
        else await sleep(600);
      }

      // Assert: loud, named, and nothing revoked while the session lasts
      expect(failed, `answers: ${answers.join(', ')}`).toBeDefined();
      expect(failed!.json).toMatchObject({ error: { code: 'RotationFailed' }, rotationId: expect.any(String), parked: false });
      expect(failed!.json.error.message).toMatch(/DrainTimedOut/);
      expect(failed!.json.error.message).toContain(held.client);
      const audit = await t.call('GET', `/policies/${id}/rotations`);
      const record = audit.json.items.find((item: { action: string; rotationId?: string }) => item.action === 'rotation.failed' && item.rotationId === failed!.json.rotationId);
      expect(record?.error).toMatch(/^DrainTimedOut/);
      expect(record?.error).toContain(held.client);
      expect(await signIn(kind, heldCredential)).toEqual({ outcome: 'accepted' });
      expect(await signIn(kind, before.credential)).toEqual({ outcome: 'accepted' });
      if (server.strategy === 'alternating-users') {
        // Nothing was prepared: Key Vault's current version is the one from before.
        expect((await currentCredential(id)).version).toBe(before.version);
      } else {
        // The switch happened before the drain; the old version is not retired while the old password lives.
        expect(await versionReadable(id, before.version)).toBe(true);
      }
    } finally {
      await held.close();
    }

    // Act: the session is gone; the next trigger resumes the failed rotation under its id
    const relaxed = await t.call('PUT', `/policies/${id}`, body());
    expect(relaxed.status, relaxed.text).toBe(200);
    const { done } = await rotateToCompletion(id);

    // Assert: the held credential's turn has now passed (its login was given the new password, or its password removed)
    expect(done.json.rotationId).toBe(failed!.json.rotationId);
    expect((await signIn(kind, heldCredential)).outcome).toBe('refused');
  });
});

describe('bad consumer input', () => {
  const postgres = (overrides: Record<string, unknown> = {}) => ({
    kind: 'postgresql',
    name: 'orders-primary',
    host: '127.0.0.1',
    port: 5432,
    database: 'orders',
    login: 'orders_app',
    tls: false,
    admin: { secretName: 'orders-db-admin' },
    ...overrides,
  });
  const redis = { kind: 'redis', name: 'cache', host: '127.0.0.1', port: 6379, login: 'app', tls: false, admin: { secretName: 'cache-admin' } };

  it.each([
    { case: 'an unknown kind', consumers: [postgres({ kind: 'oracle' })], strategy: {}, rotation: undefined, field: 'consumers.0.kind' },
    { case: 'two consumers with one name', consumers: [postgres(), postgres({ port: 5433 })], strategy: {}, rotation: undefined, field: 'consumers.1.name' },
    { case: 'tls: false to a host reached over a network', consumers: [postgres({ host: 'orders.postgres.database.azure.com' })], strategy: {}, rotation: undefined, field: 'consumers.0.tls' },
    { case: 'a strategy PostgreSQL cannot do', consumers: [postgres()], strategy: { kind: 'multi-password' }, rotation: undefined, field: 'consumers.0.kind' },
    { case: 'a strategy Redis cannot do', consumers: [redis], strategy: { kind: 'alternating-users' }, rotation: undefined, field: 'consumers.0.kind' },
    { case: 'a gracePeriod longer than every', consumers: [postgres()], strategy: { gracePeriod: '2d' }, rotation: { every: '1d', validFor: '60d' }, field: 'strategy.gracePeriod' },
  ])('$case answers 400 naming $field, and writes nothing', async ({ consumers, strategy, rotation, field }) => {
    // Arrange
    const id = uniqueId('bad-consumer');

    // Act
    const answer = await t.call('PUT', `/policies/${id}`, policyBody(id, consumers, rotation ? { rotation } : {}, strategy));

    // Assert
    expect(answer.status, answer.text).toBe(400);
    expect(answer.json.error.details.map((detail: { path: string }) => detail.path)).toContain(field);
    expect((await getPolicy(id)).status).toBe(404);
    expect(await versionsOf(t.secrets(t.vault().url), id)).toEqual([]);
  });
});
