/**
 * What a rotation with consumers costs, measured through the app as deployed on the local
 * stack (counting-stack.ts): scheduled rotations of policies with Redis consumers
 * (multi-password, on private redis-server nodes with a real ACL login), keyvault-replica
 * followers (each to a vault of its own) and event-grid-topic followers (each a topic stand-in
 * of its own). Each rotation is split into what it costs, as the cost report prices it:
 * - the pass: the scan's message to the end of the first rotateDuePolicy (with a drain: its wait);
 * - the drain checks: each later scan's message until the drain completes (multi-password waits
 *   for its grace period after the switch; the bench moves the emulator's clock, which is the
 *   app's, past the grace period in as many steps as the case has checks);
 * - its own SecretNewVersionCreated, and each replica's, delivered to the host's webhook as Event
 *   Grid delivers them (a deployment subscribes every governed vault, replicas included).
 * The scan's own execution and its read of the schedule index are the scan's, not the rotation's.
 */
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startRedisNode, type RunningRedisNode } from '../../src/local/redis-node.js';
import type { MeasuredFigures } from '../../src/core/reports/cost/cost-report.js';
import { rotationUnits, total } from '../../src/core/reports/cost/rotation-units.js';
import type { RotationPolicy } from '../../src/core/policy/policy.js';
import type { ProbedKind } from '../zero-lockout/prober.js';
import { startConsumerServer, STRATEGY_OF, type ConsumerServer } from '../zero-lockout/servers.js';
import { startCountingStack, type CountingStack, type PhaseCounts } from './counting-stack.js';

export interface ConsumerCase {
  name: string;
  /**
   * The consumers that hold the policy's login, with the strategy their kind uses (bench/zero-lockout's
   * servers: redis multi-password, postgresql and mariadb alternating-users); none: no strategy. More
   * than one only for redis: that many private nodes with the same login.
   */
  login?: { kind: ProbedKind; consumers: number };
  /** keyvault-replica followers, each to a replica vault of its own. */
  replicas: number;
  /** event-grid-topic followers, each a topic of its own. */
  topics: number;
  /** Scans after the switch that find the drain due, the last one completing it (a strategy that drains after its switch). */
  drainChecks: number;
}

/** Per rotation, averaged over the rotations measured. */
export interface ConsumerRotationCosts {
  case: ConsumerCase;
  rotations: number;
  /** The policy as stored, for the model's prediction. */
  policy: RotationPolicy;
  /** The steps the policy's rotation persists (GET /policies/{id}'s steps, claimed and completed included). */
  steps: string[];
  pass: RotationPart;
  drainChecks: RotationPart;
  ownWriteEvent: RotationPart;
  /** All replicas' SecretNewVersionCreated together. */
  replicaWriteEvents: RotationPart;
}

export interface RotationPart {
  /** Key Vault operations in the policy's own vault and in all replica vaults together. */
  keyVault: { primary: number; replicas: number };
  table: number;
  queue: number;
  executions: number;
  rotationEvents: number;
  followerEvents: number;
}

/**
 * The cases the consumer figures are fitted on, one unknown at a time, and the ones they are checked on:
 * a mix the fit never saw (a login with followers of both kinds and two drain checks), and another
 * strategy and kind (PostgreSQL, alternating-users, which drains before its switch) with a replica.
 */
export const FITTED_CASES: readonly ConsumerCase[] = [
  { name: 'topic', replicas: 0, topics: 1, drainChecks: 0 },
  { name: 'replica', replicas: 1, topics: 0, drainChecks: 0 },
  { name: 'redis', login: { kind: 'redis', consumers: 1 }, replicas: 0, topics: 0, drainChecks: 1 },
  { name: 'redis-2-consumers', login: { kind: 'redis', consumers: 2 }, replicas: 0, topics: 0, drainChecks: 1 },
  { name: 'redis-2-checks', login: { kind: 'redis', consumers: 1 }, replicas: 0, topics: 0, drainChecks: 2 },
];
export const CHECK_CASES: readonly ConsumerCase[] = [
  { name: 'redis-replicas-topics', login: { kind: 'redis', consumers: 1 }, replicas: 2, topics: 2, drainChecks: 2 },
  { name: 'postgresql-replica', login: { kind: 'postgresql', consumers: 1 }, replicas: 1, topics: 0, drainChecks: 0 },
];

/** A rotation's whole measured work: its pass, drain checks, own event and replicas' events. */
export function wholeRotation(result: ConsumerRotationCosts): RotationPart {
  return add(add(result.pass, result.drainChecks), add(result.ownWriteEvent, result.replicaWriteEvents));
}

export type ConsumerFigures = Pick<MeasuredFigures, 'tablePerAuditRecord' | 'tablePerStepSave' | 'tablePerDrainWait' | 'tablePerDrainRecheck' | 'queuePerDrainCheck' | 'executionsPerDrainCheck' | 'keyVaultPerStrategyRotation' | 'keyVaultPerAdminRead' | 'keyVaultPerDelivery' | 'keyVaultPerValueCarried' | 'replicaVaultPerCopy' | 'tablePerReplicaWriteEvent' | 'executionsPerReplicaWriteEvent' | 'rotationEventsPerRevoke' | 'eventsPerTopicFollower'>;

/**
 * The consumer figures from the fitted cases, each from the difference between two of them or
 * from one case less what the vault-only figures (`base`, the report's, which cost-unit-figures
 * keeps equal to unit-costs.ts' measurement) and the figures fitted before it explain.
 */
export function fitConsumerFigures(results: readonly ConsumerRotationCosts[], base: MeasuredFigures): ConsumerFigures {
  const whole = (name: string) => {
    const result = results.find((r) => r.case.name === name);
    if (!result) throw new Error(`the fit needs case '${name}', which was not measured`);
    return { result, part: wholeRotation(result), staged: result.steps.length - 2 };
  };
  const topic = whole('topic');
  const replica = whole('replica');
  const redis = whole('redis');
  const redis2 = whole('redis-2-consumers');
  const rechecked = whole('redis-2-checks');
  const vaultOnlyTable = base.tablePerRotation + base.tablePerOwnWriteEvent;
  const vaultOnlyKeyVault = base.keyVaultPerRotation + base.keyVaultPerOwnWriteEvent;
  // A second consumer adds its record at each step but the switch.
  const tablePerAuditRecord = (redis2.part.table - redis.part.table) / (redis.staged - 1);
  // topic: the switch's two records, the delivery's, the follower's; one step saved besides the switch.
  const tablePerStepSave = (topic.part.table - vaultOnlyTable - 4 * tablePerAuditRecord) / (topic.staged - 1);
  // redis: two records for the switch, one per other step, the consumer's at each of them; then the drain.
  const redisRecords = 2 + (redis.staged - 1) + (redis.staged - 1);
  const tablePerDrainWait = redis.part.table - vaultOnlyTable - redisRecords * tablePerAuditRecord - (redis.staged - 1) * tablePerStepSave;
  const keyVaultPerAdminRead = (redis2.part.keyVault.primary - redis.part.keyVault.primary) / 2;
  const keyVaultPerDelivery = topic.part.keyVault.primary - vaultOnlyKeyVault;
  return {
    tablePerAuditRecord,
    tablePerStepSave,
    tablePerDrainWait,
    tablePerDrainRecheck: rechecked.part.table - redis.part.table,
    queuePerDrainCheck: redis.part.queue - base.queuePerRotation,
    executionsPerDrainCheck: redis.part.executions - base.executionsPerRotation - base.executionsPerOwnWriteEvent,
    keyVaultPerStrategyRotation: redis.part.keyVault.primary - vaultOnlyKeyVault - 2 * keyVaultPerAdminRead,
    keyVaultPerAdminRead,
    keyVaultPerDelivery,
    keyVaultPerValueCarried: replica.part.keyVault.primary - vaultOnlyKeyVault - keyVaultPerDelivery,
    replicaVaultPerCopy: replica.part.keyVault.replicas,
    tablePerReplicaWriteEvent: replica.result.replicaWriteEvents.table,
    executionsPerReplicaWriteEvent: replica.result.replicaWriteEvents.executions,
    rotationEventsPerRevoke: redis.part.rotationEvents - base.rotationEventsPerRotation,
    eventsPerTopicFollower: topic.part.followerEvents,
  };
}

/**
 * What the cost report's model (rotationUnits with these figures) predicts for each measured
 * rotation and what it really did, wherever they differ, named: e.g. "postgresql-replica: Table
 * transactions: the model says 97, measured 95". Empty when the model explains every case.
 */
export function unexplained(results: readonly ConsumerRotationCosts[], figures: MeasuredFigures): string[] {
  const problems: string[] = [];
  for (const result of results) {
    const model = rotationUnits(result.policy, result.case.drainChecks, figures);
    const measured = wholeRotation(result);
    const compare: [string, number, number][] = [
      ["Key Vault operations in the policy's vault", total(model.keyVault), measured.keyVault.primary],
      ['Key Vault operations in replica vaults', total(model.replicaKeyVault), measured.keyVault.replicas],
      ['Table transactions', total(model.table), measured.table],
      ['Queue transactions', total(model.queue), measured.queue],
      ['executions', total(model.executions), measured.executions],
      ['rotation events', model.events.rotation + model.events.revoke, measured.rotationEvents],
      ['follower topic events', model.events.topics, measured.followerEvents],
    ];
    for (const [what, predicted, counted] of compare) if (predicted !== counted) problems.push(`${result.case.name}: ${what}: the model says ${predicted}, measured ${counted}`);
  }
  return problems;
}

const PRIMARY = 'kv-consumer-costs';
const replicaVault = (i: number) => `kv-replica-${i + 1}`;
const topicName = (i: number) => `evgt-follower-${i + 1}`;
const EVERY_MS = 30 * 86_400_000;
const GRACE_MS = 10 * 60_000;
/** DRAIN_CHECK_INTERVAL_SECONDS' default: a waiting rotation's next check is this far on. */
const DRAIN_CHECK_MS = 60_000;

const ZERO: RotationPart = { keyVault: { primary: 0, replicas: 0 }, table: 0, queue: 0, executions: 0, rotationEvents: 0, followerEvents: 0 };


/** A phase's counts in the report's terms, the scans' own work left out (scans: how many ran in it). */
function partOf(counts: PhaseCounts, scans: number): RotationPart {
  const { [PRIMARY]: primary = 0, ...replicas } = counts.keyVault;
  return {
    keyVault: { primary, replicas: total(replicas) },
    table: counts.table - counts.scanReads,
    queue: total({ ...counts.queue }),
    executions: total(counts.executions) - scans,
    rotationEvents: counts.rotationEvents,
    followerEvents: total(counts.followerEvents),
  };
}

function add(a: RotationPart, b: RotationPart): RotationPart {
  return {
    keyVault: { primary: a.keyVault.primary + b.keyVault.primary, replicas: a.keyVault.replicas + b.keyVault.replicas },
    table: a.table + b.table,
    queue: a.queue + b.queue,
    executions: a.executions + b.executions,
    rotationEvents: a.rotationEvents + b.rotationEvents,
    followerEvents: a.followerEvents + b.followerEvents,
  };
}

function divide(a: RotationPart, by: number): RotationPart {
  return {
    keyVault: { primary: a.keyVault.primary / by, replicas: a.keyVault.replicas / by },
    table: a.table / by,
    queue: a.queue / by,
    executions: a.executions / by,
    rotationEvents: a.rotationEvents / by,
    followerEvents: a.followerEvents / by,
  };
}

/** One login with the same password on every node, and the rotator's admin user with its own: what an application and the app have. */
async function redisLogin(nodes: readonly RunningRedisNode[]): Promise<{ login: string; admin: { username: string; password: string } }> {
  const suffix = randomBytes(4).toString('hex');
  const admin = { username: `uc_${suffix}_adm`, password: randomBytes(18).toString('base64url') };
  const login = `uc_${suffix}_app`;
  const password = randomBytes(18).toString('base64url');
  for (const node of nodes) {
    const root = new Redis({ host: node.host, port: node.port, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    try {
      await root.connect();
      await root.call('ACL', 'SETUSER', admin.username, 'on', `>${admin.password}`, '+acl|getuser', '+acl|setuser', '+acl|save', '+client|list', '+client|id', '+config|get');
      await root.call('ACL', 'SETUSER', login, 'on', `>${password}`, '~app:*', '+@read', '+ping');
    } finally {
      root.disconnect();
    }
  }
  return { login, admin };
}

async function latestVersion(stack: CountingStack, vault: string, secretName: string): Promise<string> {
  const secret = await stack.services.clients.secretClient(stack.vaultUrl(vault)).getSecret(secretName);
  return secret.properties.version!;
}

/**
 * Measures each case in turn on one stack (the app's services are built once a process). A
 * measured policy is deleted, and its schedule entry flushed by a scan nobody counts, before the
 * next case starts, so no other policy comes due while one is measured.
 */
export async function measureConsumerUnitCosts(cases: readonly ConsumerCase[], rotations: number): Promise<{ results: ConsumerRotationCosts[]; errors: string[] }> {
  for (const measured of cases) {
    if (measured.login && measured.login.kind !== 'redis' && measured.login.consumers !== 1) throw new Error(`case '${measured.name}': only redis consumers come more than one to a case`);
  }
  const stack = await startCountingStack({
    vaults: [PRIMARY, ...Array.from({ length: Math.max(0, ...cases.map((c) => c.replicas)) }, (_, i) => replicaVault(i))],
    followerTopics: Array.from({ length: Math.max(0, ...cases.map((c) => c.topics)) }, (_, i) => topicName(i)),
  });
  try {
    const results: ConsumerRotationCosts[] = [];
    for (const [index, measured] of cases.entries()) {
      const id = `consumer-cost-${index + 1}`;
      results.push(await measureCase(stack, id, measured, rotations));
      await stack.services.admin.delete(id, 'bench');
      await stack.admin.advanceClock(EVERY_MS + 60_000);
      await stack.scan();
    }
    return { results, errors: stack.errors };
  } finally {
    await stack.stop();
  }
}

async function measureCase(stack: CountingStack, id: string, measured: ConsumerCase, rotations: number): Promise<ConsumerRotationCosts> {
  const nodes: RunningRedisNode[] = [];
  let server: ConsumerServer | undefined;
  try {
    const consumers: Record<string, unknown>[] = [];
    let strategy: Record<string, unknown> | undefined;
    if (measured.login) {
      const adminSecretName = `${id}-admin`;
      const secrets = stack.services.clients.secretClient(stack.vaultUrl(PRIMARY));
      if (measured.login.kind === 'redis') {
        nodes.push(...(await Promise.all(Array.from({ length: measured.login.consumers }, () => startRedisNode()))));
        const { login, admin } = await redisLogin(nodes);
        await secrets.setSecret(adminSecretName, JSON.stringify(admin), { contentType: 'application/json' });
        nodes.forEach((node, i) => consumers.push({ kind: 'redis', name: `redis-${i + 1}`, host: node.host, port: node.port, login, tls: false, admin: { secretName: adminSecretName } }));
      } else {
        server = await startConsumerServer(measured.login.kind);
        await secrets.setSecret(adminSecretName, server.adminSecretValue.reveal(), { contentType: 'application/json' });
        consumers.push(server.consumer(`${measured.login.kind}-1`, adminSecretName));
      }
      strategy = { kind: STRATEGY_OF[measured.login.kind], gracePeriod: `${GRACE_MS / 60_000}m`, maxDrainWait: '1h' };
    }
    for (let i = 0; i < measured.replicas; i++) consumers.push({ kind: 'keyvault-replica', name: `replica-${i + 1}`, vaultUrl: stack.vaultUrl(replicaVault(i)) });
    for (let i = 0; i < measured.topics; i++) consumers.push({ kind: 'event-grid-topic', name: `topic-${i + 1}`, endpoint: stack.followerTopics[topicName(i)]!.endpoint });
    const { stored } = await stack.services.admin.put(
      id,
      {
        id,
        vaultUrl: stack.vaultUrl(PRIMARY),
        secretName: id,
        generator: { kind: 'random_password', length: 32 },
        rotation: { every: '30d', validFor: '365d' },
        ...(strategy ? { strategy } : { contentType: 'text/plain' }),
        ...(consumers.length > 0 ? { consumers } : {}),
        environment: 'bench',
        owner: 'bench',
      },
      'bench',
    );
    const drain = async (checks: number) => {
      for (let check = 0; check < checks; check++) {
        // Every check but the last finds the grace period still running; the last finds it over.
        await stack.admin.advanceClock(check < checks - 1 ? DRAIN_CHECK_MS + 1000 : GRACE_MS + DRAIN_CHECK_MS);
        await stack.scan();
      }
    };
    // Warm-up: the first rotation creates the secret (and the replicas'), and each client meets its first challenge.
    await stack.scan();
    await drain(measured.drainChecks > 0 ? 1 : 0);

    let pass = ZERO;
    let drainChecks = ZERO;
    let ownWriteEvent = ZERO;
    let replicaWriteEvents = ZERO;
    for (let rotation = 0; rotation < rotations; rotation++) {
      await stack.admin.advanceClock(EVERY_MS + 60_000);
      await stack.start();
      await stack.scan();
      pass = add(pass, partOf(await stack.finish(), 1));

      // The versions are read before counting starts: those reads are the bench's, not the app's.
      const written = await latestVersion(stack, PRIMARY, id);
      const replicated = await Promise.all(Array.from({ length: measured.replicas }, (_, i) => latestVersion(stack, replicaVault(i), id)));
      await stack.start();
      await stack.deliverNewVersion(PRIMARY, id, written);
      ownWriteEvent = add(ownWriteEvent, partOf(await stack.finish(), 0));

      await stack.start();
      for (const [i, version] of replicated.entries()) await stack.deliverNewVersion(replicaVault(i), id, version);
      replicaWriteEvents = add(replicaWriteEvents, partOf(await stack.finish(), 0));

      await stack.start();
      await drain(measured.drainChecks);
      drainChecks = add(drainChecks, partOf(await stack.finish(), measured.drainChecks));
    }
    const state = await stack.services.states.get(id);
    if (state?.state.active) throw new Error(`case '${measured.name}': rotation ${state.state.active.rotationId} is still at step '${state.state.active.step}' after its drain checks`);
    return {
      case: measured,
      rotations,
      policy: stored.policy,
      steps: stack.services.engine.stepsOf(stored.policy),
      pass: divide(pass, rotations),
      drainChecks: divide(drainChecks, rotations),
      ownWriteEvent: divide(ownWriteEvent, rotations),
      replicaWriteEvents: divide(replicaWriteEvents, rotations),
    };
  } finally {
    await Promise.all([...nodes.map((node) => node.stop()), server?.stop()]);
  }
}
