/**
 * The zero-lockout measurement: real servers, the real engine on Azurite and the Key Vault
 * emulator, rotations back to back with a seeded share of them killed mid-step and resumed,
 * and a prober per kind signing in with whatever the vault holds throughout. It counts what an
 * application would have suffered (failed logins), and proves each old credential is refused
 * once its turn has passed. Figures only; the test and the bench decide what to make of them.
 */
import { randomBytes } from 'node:crypto';
import type { SecretClient } from '@azure/keyvault-secrets';
import { createAzureClientFactory, type AzureClientFactory } from '../../src/adapters/azure-clients.js';
import { composeServices, consumerKinds as realKinds } from '../../src/composition.js';
import type { AppConfig } from '../../src/config.js';
import type { Clock } from '../../src/core/clock.js';
import { ConsumerCatalog, isLoginKind, type ConsumerKind, type StrategyKind } from '../../src/core/consumers/consumer-port.js';
import { RotationInProgressError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { SecretValue } from '../../src/core/secret-value.js';
import type { RotationEngine } from '../../src/core/rotation/rotation-engine.js';
import { startAzurite } from '../../src/local/azurite.js';
import { localAppConfig } from '../../src/local/local-app-config.js';
import { startKeyVaultEmulator } from '../../src/local/keyvault-emulator/index.js';
import { describeFault, FaultInjector, planFaults, revokingEarly } from './fault-injection.js';
import { parseProbeCredential, Prober, signIn, type ProbeCredential, type ProbedKind, type ProberFigures } from './prober.js';
import { startConsumerServer, type ConsumerServer } from './servers.js';

/** Azurite and a Key Vault emulator with throttling off: the figures are the app's, not the emulated limit's. */
export interface LocalStack {
  config: AppConfig;
  vaultUrl: string;
  clients: AzureClientFactory;
  stop(): Promise<void>;
}

export async function startLocalStack(): Promise<LocalStack> {
  const [azurite, emulator] = await Promise.all([startAzurite(), startKeyVaultEmulator({ throttling: { enabled: false } })]);
  const config = localAppConfig(
    { azuriteConnectionString: azurite.connectionString, emulatorCaCertPath: emulator.caCertPath, emulatorHost: emulator.host },
    // Every killed attempt counts against the budget; the measurement resumes them all.
    { maxAttempts: 100_000, drainCheckIntervalInMs: 250 },
  );
  return {
    config,
    vaultUrl: emulator.vaults[0]!.url,
    clients: createAzureClientFactory(config),
    stop: async () => {
      await Promise.all([azurite.stop(), emulator.stop()]);
    },
  };
}

export interface MeasureZeroLockoutOptions {
  /** Rotations per kind. */
  rotations: number;
  kinds: readonly ProbedKind[];
  /** Seeds the kill plan; the same seed kills the same rotations at the same points. */
  seed: number;
  /** The strategy's gracePeriod. Default '1s', the shortest a policy takes. */
  grace?: string;
  /** Share of rotations killed mid-step, 0 to 1. Default 0.5. */
  killRate?: number;
  probeIntervalInMs?: number;
  /**
   * The control: a naive rotation (see revokingEarly) on a clock that races ahead, so every grace
   * period is over at once and nothing waits for a drain. The prober must then see failed logins,
   * or it could not see them at all.
   */
  revokeEarly?: boolean;
  /** Stand-ins to run on; started (and stopped) here when absent. */
  stack?: LocalStack;
  onProgress?: (line: string) => void;
}

export interface RevocationFigures {
  /** Old credentials tried after their turn: two switches back (alternating-users) or the previous one (multi-password). */
  checked: number;
  /** Of those, still signed in. Goal 0. */
  stillAccepted: number;
  /** Tries that got no verdict (unreachable, timeout). */
  errors: number;
  errorSamples: string[];
  /** Their Key Vault versions, read back. */
  retiredVersionsChecked: number;
  /** Of those, still readable (not disabled). Goal 0. */
  retiredVersionsStillReadable: number;
}

export interface KindFigures {
  kind: ProbedKind;
  strategy: StrategyKind;
  /**
   * Before anything else: the prober's sign-in accepts the login's right password and is refused a
   * wrong one. A server that lets a wrong password in (trust auth) would make every figure below meaningless.
   */
  selfCheck: { rightPasswordAccepted: boolean; wrongPasswordRefused: boolean };
  /** Rotations that completed. */
  rotations: number;
  wallSeconds: number;
  killsPlanned: number;
  /** Kills that fired, by port call: `operation#occurrence before|after`. */
  kills: Record<string, number>;
  /** Rotations that failed at least once and were finished by a later call under the same rotation id. */
  resumedRotations: number;
  /** Resumed rotations that came back under another id (goal 0). */
  resumedUnderAnotherId: number;
  /** Failed attempts the plan did not cause, with the first reasons. */
  unplannedFailures: number;
  unplannedFailureSamples: string[];
  /** `waiting-for-drain` answers, and those where sessions of the old credential were still open. */
  drainWaits: number;
  drainWaitsWithSessions: number;
  probes: ProberFigures;
  revocation: RevocationFigures;
}

export interface ZeroLockoutFigures {
  seed: number;
  grace: string;
  killRate: number;
  revokeEarly: boolean;
  rotationsPerKind: number;
  wallSeconds: number;
  kinds: KindFigures[];
}

interface SwitchedVersion {
  version: string;
  credential: ProbeCredential;
}

const MAX_SAMPLES = 20;
/** A rotation that keeps failing for reasons of its own stops the run rather than spin. */
const MAX_UNPLANNED_FAILURES_PER_ROTATION = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A clock that moves 10 s forward at every reading: every grace period is over by the next step. */
function racingClock(): Clock {
  let ticks = 0;
  return { now: () => new Date(Date.now() + ++ticks * 10_000) };
}

export async function measureZeroLockout(options: MeasureZeroLockoutOptions): Promise<ZeroLockoutFigures> {
  const started = performance.now();
  const grace = options.grace ?? '1s';
  const killRate = options.killRate ?? 0.5;
  const revokeEarly = options.revokeEarly ?? false;
  const stack = options.stack ?? (await startLocalStack());
  const servers: ConsumerServer[] = [];
  try {
    servers.push(...(await Promise.all(options.kinds.map((kind) => startConsumerServer(kind)))));
    const injectors = new Map<string, FaultInjector>();
    const wrapped: ConsumerKind[] = [];
    for (const name of realKinds.kinds) {
      const kind = realKinds.get(name)!;
      // The zero-lockout measure probes logins; followers and issuers hold none.
      if (!isLoginKind(kind)) continue;
      const injector = new FaultInjector();
      injectors.set(name, injector);
      wrapped.push(injector.wrap(revokeEarly ? revokingEarly(kind) : kind));
    }
    const services = composeServices(stack.config, {
      tablePrefix: `zl${randomBytes(3).toString('hex')}`,
      logger: silentLogger,
      consumerKinds: new ConsumerCatalog(wrapped),
      ...(revokeEarly ? { clock: racingClock() } : {}),
    });
    await services.ready();
    const secrets = stack.clients.secretClient(stack.vaultUrl);

    const kinds = await Promise.all(
      servers.map(async (server, index) => {
        const id = `zl-${server.kind}-${randomBytes(3).toString('hex')}`;
        const adminSecretName = `${id}-admin`;
        await secrets.setSecret(adminSecretName, server.adminSecretValue.reveal(), { contentType: 'application/json' });
        await services.admin.put(
          id,
          {
            id,
            vaultUrl: stack.vaultUrl,
            secretName: id,
            generator: { kind: 'random_password', length: 32 },
            rotation: { every: '30d', validFor: '60d' },
            strategy: { kind: server.strategy, gracePeriod: grace, maxDrainWait: '1h' },
            consumers: [server.consumer(`${server.kind}-primary`, adminSecretName)],
            environment: 'bench',
            owner: 'zero-lockout',
          },
          'zero-lockout',
        );
        return runKind({
          server,
          engine: services.engine,
          policyId: id,
          secrets,
          injector: injectors.get(server.kind)!,
          plan: planFaults(server.strategy, options.rotations, options.seed + index, revokeEarly ? 0 : killRate),
          probeIntervalInMs: options.probeIntervalInMs ?? 10,
          onProgress: options.onProgress ?? (() => undefined),
        });
      }),
    );
    return {
      seed: options.seed,
      grace,
      killRate: revokeEarly ? 0 : killRate,
      revokeEarly,
      rotationsPerKind: options.rotations,
      wallSeconds: (performance.now() - started) / 1000,
      kinds,
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop().catch(() => undefined)));
    if (!options.stack) await stack.stop();
  }
}

/** A kind's figures while its rotations run; the prober's and the wall time come at the end. */
type RunningFigures = Omit<KindFigures, 'probes' | 'wallSeconds'>;

interface KindRun {
  server: ConsumerServer;
  engine: RotationEngine;
  policyId: string;
  secrets: SecretClient;
  injector: FaultInjector;
  plan: ReturnType<typeof planFaults>;
  probeIntervalInMs: number;
  onProgress: (line: string) => void;
}

async function runKind(run: KindRun): Promise<KindFigures> {
  const started = performance.now();
  const { server, engine, policyId, secrets, injector } = run;
  const figures: RunningFigures = {
    kind: server.kind,
    strategy: server.strategy,
    selfCheck: await selfCheck(server),
    rotations: 0,
    killsPlanned: run.plan.filter(Boolean).length,
    kills: {},
    resumedRotations: 0,
    resumedUnderAnotherId: 0,
    unplannedFailures: 0,
    unplannedFailureSamples: [],
    drainWaits: 0,
    drainWaitsWithSessions: 0,
    revocation: { checked: 0, stillAccepted: 0, errors: 0, errorSamples: [], retiredVersionsChecked: 0, retiredVersionsStillReadable: 0 },
  };
  const history: SwitchedVersion[] = [];
  let checks = Promise.resolve();
  const prober = new Prober({ kind: server.kind, secrets, secretName: policyId, intervalInMs: run.probeIntervalInMs });
  prober.start();
  try {
    for (let n = 1; n <= run.plan.length; n++) {
      injector.arm(run.plan[n - 1]);
      const completedVersion = await rotateToCompletion(run, n, figures);
      const fired = injector.fired;
      if (fired) figures.kills[describeFault(fired)] = (figures.kills[describeFault(fired)] ?? 0) + 1;
      figures.rotations += 1;
      const current = await readCurrent(secrets, policyId);
      if (current.version !== completedVersion) throw new Error(`${server.kind} rotation ${n} switched to version ${completedVersion}, but the vault's current version is ${current.version}`);
      history.push(current);
      // The old credential stays refused once its turn has passed, so it is tried off the rotations' path, in order.
      const old = history[history.length - (server.strategy === 'alternating-users' ? 3 : 2)];
      if (old) checks = checks.then(() => checkRevocation(server, secrets, policyId, old, figures.revocation));
      if (n % 50 === 0) run.onProgress(`${((performance.now() - started) / 1000).toFixed(1)}s ${server.kind}: ${n}/${run.plan.length} rotations, ${prober.figures().attempts} probes, ${prober.figures().failedLogins} failed logins`);
    }
    // The last version, too, is signed in with before the prober stops.
    const last = history.at(-1);
    if (last) await prober.waitForVersion(last.version, 10_000);
  } catch (error) {
    await Promise.all([prober.stop(), checks]);
    throw error;
  }
  const [probes] = await Promise.all([prober.stop(), checks]);
  return { ...figures, probes, wallSeconds: (performance.now() - started) / 1000 };
}

/**
 * Calls rotate until rotation `n` completes: again at once after a failure (the resume), at the
 * end of the grace period after a drain wait with nothing open, soon after one with sessions open.
 * Returns the version it switched to.
 */
async function rotateToCompletion(run: KindRun, n: number, figures: RunningFigures): Promise<string | undefined> {
  const trigger = { kind: 'http' as const, actor: 'zero-lockout', reason: `zero-lockout rotation ${n}` };
  let rotationId: string | undefined;
  let failed = 0;
  let unplanned = 0;
  for (;;) {
    let outcome;
    try {
      outcome = await run.engine.rotate(run.policyId, trigger);
    } catch (error) {
      if (!(error instanceof RotationInProgressError)) throw error;
      await sleep(20);
      continue;
    }
    if (outcome.status === 'succeeded') {
      if (failed > 0) {
        figures.resumedRotations += 1;
        if (outcome.rotationId !== rotationId) figures.resumedUnderAnotherId += 1;
      }
      return outcome.newVersion;
    }
    rotationId ??= outcome.rotationId;
    if (outcome.status === 'failed') {
      failed += 1;
      if (!outcome.reason.includes('InjectedFaultError')) {
        unplanned += 1;
        figures.unplannedFailures += 1;
        if (figures.unplannedFailureSamples.length < MAX_SAMPLES) figures.unplannedFailureSamples.push(`rotation ${n}: ${outcome.reason}`);
        if (unplanned > MAX_UNPLANNED_FAILURES_PER_ROTATION) throw new Error(`${run.server.kind} rotation ${n} keeps failing: ${outcome.reason}`);
        await sleep(100);
      }
      continue;
    }
    if (outcome.status === 'waiting-for-drain' && outcome.drain) {
      figures.drainWaits += 1;
      if (outcome.drain.sessions > 0) figures.drainWaitsWithSessions += 1;
      const now = Date.now();
      const graceEndsAt = Date.parse(outcome.drain.graceEndsAt);
      const until = outcome.drain.sessions === 0 && graceEndsAt > now ? graceEndsAt + 5 : now + 50;
      await sleep(Math.max(10, until - now));
      continue;
    }
    throw new Error(`${run.server.kind} rotation ${n} answered ${outcome.status}: ${outcome.reason}`);
  }
}

async function selfCheck(server: ConsumerServer): Promise<KindFigures['selfCheck']> {
  const right = await signIn(server.kind, server.initial);
  const wrong = await signIn(server.kind, { ...server.initial, password: SecretValue.of(`${server.initial.password.reveal()}-wrong`) });
  return { rightPasswordAccepted: right.outcome === 'accepted', wrongPasswordRefused: wrong.outcome === 'refused' };
}

async function readCurrent(secrets: SecretClient, name: string): Promise<SwitchedVersion> {
  const secret = await secrets.getSecret(name);
  const credential = parseProbeCredential(secret.value);
  if (!credential || !secret.properties.version) throw new Error(`the current version of '${name}' does not hold a JSON credential`);
  return { version: secret.properties.version, credential };
}

/**
 * Once a rotation has completed, the credential whose turn has passed must be refused and its
 * version disabled: for alternating-users the one two switches back (its login has just been
 * given the new password), for multi-password the previous one (revoked after the drain).
 */
async function checkRevocation(server: ConsumerServer, secrets: SecretClient, name: string, old: SwitchedVersion, figures: RevocationFigures): Promise<void> {
  figures.checked += 1;
  const result = await signIn(server.kind, old.credential);
  if (result.outcome === 'accepted') figures.stillAccepted += 1;
  if (result.outcome === 'error') noVerdict(figures, result.message);
  figures.retiredVersionsChecked += 1;
  try {
    await secrets.getSecret(name, { version: old.version });
    figures.retiredVersionsStillReadable += 1;
  } catch (error) {
    // Key Vault answers 403 (SecretDisabled) for a disabled version.
    if ((error as { statusCode?: number }).statusCode !== 403) noVerdict(figures, `reading version ${old.version} back: ${String(error)}`);
  }
}

function noVerdict(figures: RevocationFigures, message: string): void {
  figures.errors += 1;
  if (figures.errorSamples.length < MAX_SAMPLES) figures.errorSamples.push(message);
}
