/**
 * Where the audit query's index rows live. Each appended record is copied, whole, into one
 * row per index it belongs to, under the record's own RowKey (inverted time, so a partition
 * reads newest first and a from/to range is a RowKey range):
 *
 *   day:<inverted yyyymmdd>:<yyyy-mm-dd>   every record, one partition per UTC day
 *   actor:<oid, or system actor's name>    every record (actorKeyOf; actorhash:<sha-256> past 400 characters)
 *   action:<action>                        every record
 *   vault:<vault name>                     records with a vaultUrl, with or without a policy
 *   secret:<vault name>|<secret name>      records with a vaultUrl and a secretName (lower-case)
 *   result:<success|failure>               records whose action has a result (resultOf)
 *
 * The policy filter needs no index: a record's own partition is its policy id (audit-keys.ts).
 * Index partitions all hold a ':', which no policy id can, and do not start with '_' as the
 * vault and unmanaged record partitions do, so no listing of records ever reads an index row.
 *
 * The day is inverted so that a PartitionKey range over several days is read newest day
 * first: the service returns partitions in ascending key order, and within each the RowKeys
 * ascend, i.e. newest first; the readable date after it only decorates.
 */
import { createHash } from 'node:crypto';
import { actorKeyOf, auditVaultName, type AuditQuery } from '../../core/audit/audit-query.js';
import { resultOf } from '../../core/audit/audit-result.js';
import type { AuditRecord } from '../../core/ports.js';
import { MAX_TIME_IN_MS } from './audit-keys.js';

const DAY_MS = 86_400_000;
/** Past this, an actor's partition is named by its hash: keys hold at most 512 characters. */
const MAX_ACTOR_KEY_LENGTH = 400;

/** Index partitions a record is copied to. */
export function auditIndexPartitionsOf(record: AuditRecord): string[] {
  const partitions = [dayPartition(record.at.getTime()), actorPartition(actorKeyOf(record)), `action:${record.action}`];
  const vaultName = auditVaultName(record);
  if (vaultName !== undefined) {
    partitions.push(`vault:${vaultName}`);
    if (record.secretName !== undefined) partitions.push(secretPartition(vaultName, record.secretName));
  }
  const result = resultOf(record.action);
  if (result !== undefined) partitions.push(`result:${result}`);
  return partitions;
}

/**
 * The index a query reads: one partition, or the range of day partitions. The most selective
 * filter present wins, by a fixed order (the service keeps no statistics we could consult):
 * policy (a policy's history is its own partition), vault and secret (one secret's history),
 * a person or application (an oid), vault, action, a system actor (the scheduler acts on
 * every policy), result, and, with no filter but time, the days. The query's other filters
 * are applied to the index rows read, which are whole records.
 */
export type AuditIndex = (
  | { kind: 'partition'; partitionKey: string; /** the policy's own partition: records, not index rows */ records: boolean }
  | { kind: 'days' }
) & { /** the filters the index answers by itself; the others are applied to the rows read */ serves: readonly (keyof AuditQuery)[] };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function auditIndexFor(query: AuditQuery): AuditIndex {
  const partition = (partitionKey: string, ...serves: (keyof AuditQuery)[]): AuditIndex => ({ kind: 'partition', partitionKey, records: false, serves });
  const { policyId, vaultName, secretName, actor, action, result } = query;
  if (policyId !== undefined) return { kind: 'partition', partitionKey: policyId, records: true, serves: ['policyId'] };
  if (vaultName !== undefined && secretName !== undefined) return partition(secretPartition(vaultName, secretName), 'vaultName', 'secretName');
  if (actor !== undefined && GUID.test(actor)) return partition(actorPartition(actor), 'actor');
  if (vaultName !== undefined) return partition(`vault:${vaultName}`, 'vaultName');
  if (action !== undefined) return partition(`action:${action}`, 'action');
  if (actor !== undefined) return partition(actorPartition(actor), 'actor');
  if (result !== undefined) return partition(`result:${result}`, 'result');
  return { kind: 'days', serves: [] };
}

/** RowKeys of records stamped from `from` to `to` inclusive: [lower, upper). */
export function rowKeyRange(from: Date, to: Date): { lower: string; upper: string } {
  return { lower: invertedTime(to.getTime()), upper: invertedTime(from.getTime() - 1) };
}

/** Day partitions from `to`'s day back to `from`'s: [lower, upper). */
export function dayPartitionRange(from: Date, to: Date): { lower: string; upper: string } {
  return { lower: dayPrefix(to.getTime()), upper: `day:${pad(invertedDay(from.getTime()) + 1, 8)}` };
}

/** The day partition holding the row with this RowKey, without its decoration: a lower bound. */
export function dayPrefixOfRowKey(rowKey: string): string {
  return dayPrefix(MAX_TIME_IN_MS - Number(rowKey.slice(0, 16)));
}

function dayPartition(ms: number): string {
  return `${dayPrefix(ms)}:${new Date(ms).toISOString().slice(0, 10)}`;
}

function dayPrefix(ms: number): string {
  return `day:${pad(invertedDay(ms), 8)}`;
}

/** 99999999 - yyyymmdd: eight digits for every year from 1970 to 9999, descending with time. */
function invertedDay(ms: number): number {
  const date = new Date(Math.floor(ms / DAY_MS) * DAY_MS);
  return 99_999_999 - (date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate());
}

function invertedTime(ms: number): string {
  return pad(MAX_TIME_IN_MS - ms, 16);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function secretPartition(vaultName: string, secretName: string): string {
  return `secret:${vaultName.toLowerCase()}|${secretName.toLowerCase()}`;
}

/**
 * Key-safe and one-to-one: the characters Table Storage refuses in keys (and '%' itself) are
 * percent-escaped, lone surrogates too; a key still too long is named by its SHA-256, in a
 * partition family of its own so no escaped name can equal a hash.
 */
function actorPartition(actorKey: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = actorKey.replace(/[%/\\#?\u0000-\u001f\u007f-\u009f]|[\ud800-\udfff]/gu, (char) => {
    const code = char.charCodeAt(0);
    return code > 0xff ? `%u${code.toString(16).padStart(4, '0')}` : `%${code.toString(16).padStart(2, '0')}`;
  });
  if (escaped.length <= MAX_ACTOR_KEY_LENGTH) return `actor:${escaped}`;
  return `actorhash:${createHash('sha256').update(actorKey, 'utf8').digest('hex')}`;
}
