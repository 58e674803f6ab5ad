/**
 * Rotation policies in Table Storage, with the rule "one secret, one policy"
 * enforced by a secondary index.
 *
 * Layout: one partition 'policy' holds both the policies (RowKey 'p:<id>') and the
 * index (RowKey 's:<vault name>:<secret name>', lower-cased because Key Vault names
 * are case-insensitive, pointing at the governing policy id). Keeping both in one
 * partition lets every write change a policy and its index entries in one atomic
 * entity-group transaction, so a crash cannot leave them half-written. Policy writes
 * are rare (a partition serves about 2,000 entities/s), and 100,000 policies plus
 * their index entries fit one partition comfortably. A policy id is prefixed so that
 * no id can collide with an index row key.
 *
 * An index entry can still disagree with the policies if someone edits the table by
 * hand: readers verify the policy it points at, and the next write for that secret
 * takes a stale entry over (conditionally, on the entry's ETag).
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { systemClock, type Clock } from '../../core/clock.js';
import { ConcurrencyConflictError, NotFoundError } from '../../core/errors.js';
import type { Page, PageOptions, PolicyRepository, StoredPolicy } from '../../core/ports.js';
import type { RotationPolicy } from '../../core/policy/policy.js';
import { ignoreReads, type EntitiesReadListener, type TableReadOperation } from './read-meter.js';
import { createTableIfMissing, mapTableError, statusOf } from './table-errors.js';
import { assertKeyPart, vaultNameOf } from './table-keys.js';
import { readPage } from './table-paging.js';

const PARTITION = 'policy';
const POLICY_ROW_PREFIX = 'p:';
/** The first string after every 'p:...' key (';' follows ':'), to range-scan policies only. */
const POLICY_ROW_END = 'p;';
const SECRET_ROW_PREFIX = 's:';

// Type aliases, not interfaces: the SDK's TableEntity needs an implicit index signature.
export type PolicyEntity = {
  partitionKey: string;
  rowKey: string;
  policyId: string;
  /** The policy as given; the columns below exist for queries and for people reading the table. */
  policyJson: string;
  vaultName: string;
  secretName: string;
  environment: string;
  owner: string;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
};

export type SecretIndexEntity = {
  partitionKey: string;
  rowKey: string;
  policyId: string;
  vaultName: string;
  secretName: string;
};

type Versioned<T> = T & { etag: string };

interface SecretKey {
  vaultName: string;
  secretName: string;
  rowKey: string;
}

export interface TablePolicyRepositoryOptions {
  clock?: Clock;
  onEntitiesRead?: EntitiesReadListener;
  /** Rounds of read-then-transact before giving up on a write that keeps racing. */
  maxAttempts?: number;
}

function policyRowKey(id: string): string {
  assertKeyPart(id, 'policy id');
  return `${POLICY_ROW_PREFIX}${id}`;
}

function secretKey(vaultName: string, secretName: string): SecretKey {
  const vault = vaultName.toLowerCase();
  const secret = secretName.toLowerCase();
  assertKeyPart(vault, 'vaultName');
  assertKeyPart(secret, 'secretName');
  // ':' cannot appear in vault or secret names, so the key is unambiguous.
  return { vaultName: vault, secretName: secret, rowKey: `${SECRET_ROW_PREFIX}${vault}:${secret}` };
}

function secretKeyOf(policy: RotationPolicy): SecretKey {
  return secretKey(vaultNameOf(policy.vaultUrl), policy.secretName);
}

function toStored(entity: Versioned<PolicyEntity>): StoredPolicy {
  // Not re-validated: stored policies were valid when written, and a stricter schema
  // later must not make existing policies unreadable.
  return {
    policy: JSON.parse(entity.policyJson) as RotationPolicy,
    createdAt: new Date(entity.createdAt),
    updatedAt: new Date(entity.updatedAt),
    etag: entity.etag,
  };
}

function policyEntity(policy: RotationPolicy, createdAt: Date, updatedAt: Date): PolicyEntity {
  return {
    partitionKey: PARTITION,
    rowKey: policyRowKey(policy.id),
    policyId: policy.id,
    policyJson: JSON.stringify(policy),
    vaultName: secretKeyOf(policy).vaultName,
    secretName: policy.secretName,
    environment: policy.environment,
    owner: policy.owner,
    enabled: policy.enabled,
    createdAt,
    updatedAt,
  };
}

function secretIndexEntity(policyId: string, key: SecretKey): SecretIndexEntity {
  return { partitionKey: PARTITION, rowKey: key.rowKey, policyId, vaultName: key.vaultName, secretName: key.secretName };
}

/**
 * The two rows put() creates for a new policy (the policy and its secret's index entry), both
 * in one partition: for seeding many policies in transactions of 100 rows instead of one put each.
 */
export function newPolicyRows(policy: RotationPolicy, at: Date): [PolicyEntity, SecretIndexEntity] {
  return [policyEntity(policy, at, at), secretIndexEntity(policy.id, secretKeyOf(policy))];
}

function governs(entity: PolicyEntity, key: SecretKey): boolean {
  return secretKeyOf(JSON.parse(entity.policyJson) as RotationPolicy).rowKey === key.rowKey;
}

export class TablePolicyRepository implements PolicyRepository {
  readonly #table: TableClient;
  readonly #clock: Clock;
  readonly #onRead: EntitiesReadListener;
  readonly #maxAttempts: number;

  constructor(table: TableClient, options: TablePolicyRepositoryOptions = {}) {
    this.#table = table;
    this.#clock = options.clock ?? systemClock;
    this.#onRead = options.onEntitiesRead ?? ignoreReads;
    this.#maxAttempts = options.maxAttempts ?? 5;
  }

  createIfMissing(): Promise<void> {
    return createTableIfMissing(this.#table);
  }

  async get(id: string): Promise<StoredPolicy | undefined> {
    const entity = await this.#read<PolicyEntity>(policyRowKey(id), 'policies.get');
    return entity && toStored(entity);
  }

  async findBySecret(vaultName: string, secretName: string): Promise<StoredPolicy | undefined> {
    const key = secretKey(vaultName, secretName);
    const index = await this.#read<SecretIndexEntity>(key.rowKey, 'policies.findBySecret');
    if (!index) return undefined;
    const entity = await this.#read<PolicyEntity>(policyRowKey(index.policyId), 'policies.findBySecret');
    return entity && governs(entity, key) ? toStored(entity) : undefined;
  }

  async put(policy: RotationPolicy, expectedEtag?: string): Promise<StoredPolicy> {
    const rowKey = policyRowKey(policy.id);
    const target = secretKeyOf(policy);
    for (let attempt = 1; ; attempt++) {
      const current = await this.#read<PolicyEntity>(rowKey, 'policies.put');
      if (expectedEtag === undefined && current) throw new ConcurrencyConflictError(`policy '${policy.id}' already exists`);
      if (expectedEtag !== undefined && !current) throw new NotFoundError(`policy '${policy.id}' does not exist`);
      if (current && expectedEtag !== '*' && current.etag !== expectedEtag) {
        throw new ConcurrencyConflictError(`policy '${policy.id}' was changed since it was read (stale ETag)`);
      }

      const actions: TransactionAction[] = await this.#claim(policy.id, target);
      if (current) {
        const previous = secretKeyOf(JSON.parse(current.policyJson) as RotationPolicy);
        if (previous.rowKey !== target.rowKey) actions.push(...(await this.#release(policy.id, previous, 'policies.put')));
      }
      const now = this.#clock.now();
      const createdAt = current ? new Date(current.createdAt) : now;
      const entity = policyEntity(policy, createdAt, now);
      // Conditional on the ETag just read, so a '*' replace is still one consistent read-modify-write.
      const write: TransactionAction = current ? ['update', entity, 'Replace', { etag: current.etag }] : ['create', entity];
      actions.push(write);

      try {
        const response = await this.#table.submitTransaction(actions);
        const etag = response.subResponses[actions.length - 1]?.etag?.trim() ?? (await this.#read<PolicyEntity>(rowKey, 'policies.put'))?.etag;
        if (!etag) throw new ConcurrencyConflictError(`policy '${policy.id}' was deleted while it was being written`);
        return { policy: structuredClone(policy), createdAt, updatedAt: now, etag };
      } catch (error) {
        const status = statusOf(error);
        if (status !== 404 && status !== 409 && status !== 412) throw mapTableError(error, `put policy '${policy.id}'`);
        // Someone wrote the policy or the index between our reads and the transaction: look again.
        if (attempt >= this.#maxAttempts) {
          throw new ConcurrencyConflictError(`policy '${policy.id}' kept changing while it was being written; try again`, { cause: error });
        }
      }
    }
  }

  async delete(id: string): Promise<boolean> {
    const rowKey = policyRowKey(id);
    for (let attempt = 1; ; attempt++) {
      const current = await this.#read<PolicyEntity>(rowKey, 'policies.delete');
      if (!current) return false;
      const actions: TransactionAction[] = [['delete', { partitionKey: PARTITION, rowKey }]];
      actions.push(...(await this.#release(id, secretKeyOf(JSON.parse(current.policyJson) as RotationPolicy), 'policies.delete')));
      try {
        await this.#table.submitTransaction(actions);
        return true;
      } catch (error) {
        // A transaction cannot make a delete conditional; a 404 means a concurrent write moved
        // or removed the policy or its index entry, so read again.
        if (statusOf(error) !== 404) throw mapTableError(error, `delete policy '${id}'`);
        if (attempt >= this.#maxAttempts) {
          throw new ConcurrencyConflictError(`policy '${id}' kept changing while it was being deleted; try again`, { cause: error });
        }
      }
    }
  }

  async list(options: PageOptions = {}): Promise<Page<StoredPolicy>> {
    return readPage<PolicyEntity, StoredPolicy>({
      table: this.#table,
      filter: odata`PartitionKey eq ${PARTITION} and RowKey ge ${POLICY_ROW_PREFIX} and RowKey lt ${POLICY_ROW_END}`,
      pageSize: options.pageSize,
      continuationToken: options.continuationToken,
      map: (entity) => toStored(entity),
      operation: 'policies.list',
      onRead: this.#onRead,
    });
  }

  /** The index action that makes `policyId` the governor of `key`; throws when another policy governs it. */
  async #claim(policyId: string, key: SecretKey): Promise<TransactionAction[]> {
    const index = await this.#read<SecretIndexEntity>(key.rowKey, 'policies.put');
    const entry = secretIndexEntity(policyId, key);
    if (!index) return [['create', entry]];
    if (index.policyId !== policyId) {
      const governor = await this.#read<PolicyEntity>(policyRowKey(index.policyId), 'policies.put');
      if (governor && governs(governor, key)) {
        throw new ConcurrencyConflictError(
          `secret '${key.secretName}' in vault '${key.vaultName}' is already governed by policy '${index.policyId}'`,
        );
      }
    }
    // Rewritten on the ETag we read even when it already points at us: the transaction then fails
    // if anyone re-pointed the entry meanwhile, instead of both writers believing they won.
    return [['update', entry, 'Replace', { etag: index.etag }]];
  }

  /** The index action that drops `policyId`'s claim on `key`, if it still holds one. */
  async #release(policyId: string, key: SecretKey, operation: TableReadOperation): Promise<TransactionAction[]> {
    const index = await this.#read<SecretIndexEntity>(key.rowKey, operation);
    return index?.policyId === policyId ? [['delete', { partitionKey: PARTITION, rowKey: key.rowKey }]] : [];
  }

  async #read<T extends object>(rowKey: string, operation: TableReadOperation): Promise<Versioned<T> | undefined> {
    try {
      const entity = await this.#table.getEntity<T>(PARTITION, rowKey);
      this.#onRead(operation, 1);
      return entity as Versioned<T>;
    } catch (error) {
      if (statusOf(error) === 404) {
        this.#onRead(operation, 0);
        return undefined;
      }
      throw mapTableError(error, `read '${rowKey}' from table '${this.#table.tableName}'`);
    }
  }
}
