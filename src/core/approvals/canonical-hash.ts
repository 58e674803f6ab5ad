/**
 * Canonical JSON (object keys sorted by UTF-16 code units at every level, no
 * whitespace, undefined members left out as JSON.stringify does) and its SHA-256,
 * so that the same content hashes the same whatever order its keys were written in.
 */
import { createHash } from 'node:crypto';
import type { ChangeRequest } from './change-request.js';

export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(sortedKeys(value));
  // JSON.stringify answers undefined for undefined, functions and symbols; none of them is JSON.
  if (text === undefined) throw new TypeError('canonicalJson: the value is not JSON');
  return text;
}

function sortedKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortedKeys(item)));
  const members = Object.keys(value)
    .sort()
    .flatMap((key) => {
      const member = (value as Record<string, unknown>)[key];
      return member === undefined ? [] : [[key, sortedKeys(member)] as const];
    });
  // fromEntries makes own properties, so a member named __proto__ is kept as data, not taken as a prototype.
  return Object.fromEntries(members);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The fields a change request's hash binds: everything that decides what it does and for whom, nothing that changes as it is decided. */
export type HashedFields = Pick<ChangeRequest, 'id' | 'action' | 'policyId' | 'policyEtag' | 'body' | 'requester' | 'expiresAt'>;

export function changeRequestHash(request: HashedFields): string {
  return sha256Hex(
    canonicalJson({
      id: request.id,
      action: request.action,
      policyId: request.policyId,
      policyEtag: request.policyEtag,
      body: request.body,
      requester: { oid: request.requester.oid, displayName: request.requester.displayName },
      expiresAt: request.expiresAt,
    }),
  );
}
