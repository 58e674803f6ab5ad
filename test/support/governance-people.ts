/**
 * The people of the two-person approval suites on the local stack, each signed in at the local
 * identity provider with only the app roles their job needs, and the steps those suites share:
 * call the API as someone, create a production (protected) policy the way a deployment does,
 * approve by two, and list every change request whatever its status.
 */
import { expect } from 'vitest';
import type { AppRole } from '../../src/core/auth/caller.js';
import { CHANGE_REQUEST_STATUSES } from '../../src/core/approvals/change-request.js';
import type { RotationPolicyInput } from '../../src/core/policy/policy.js';
import { oidFor } from '../../src/local/identity-provider/index.js';
import type { ApiResponse, RunningTestApp } from '../functions/app-e2e-support.js';
import { aPolicyJson } from './policy-mother.js';
import { bearer } from './test-tokens.js';

export const GOVERNANCE_PEOPLE = {
  // A writer who also approves: the role is there, so a refusal of her own approval is the rule, not a missing role.
  wanda: ['Policy.Write', 'Rotation.Approve', 'Rotation.Read'],
  alice: ['Rotation.Approve'],
  bob: ['Rotation.Approve'],
  oscar: ['Rotation.BreakGlass'],
  reader: ['Rotation.Read'],
} as const satisfies Record<string, readonly AppRole[]>;

export type Person = keyof typeof GOVERNANCE_PEOPLE;

export interface SignedInPeople {
  as(person: Person, method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** The person's stable oid, as the local identity provider derives it from the name. */
  oidOf(person: Person): string;
  /** A production policy body on the app's first vault whose secret has the policy's name. */
  productionPolicy(id: string, overrides?: Partial<RotationPolicyInput>): RotationPolicyInput;
  /** Requested by wanda, approved by alice and bob: how a protected policy comes to exist. Answers the policy's ETag. */
  approvedPolicy(id: string, overrides?: Partial<RotationPolicyInput>): Promise<string>;
  /** alice then bob approve; answers bob's (the executing) approval. */
  approveByTwo(changeRequestId: string): Promise<ApiResponse>;
  /** The ids of every change request the app holds, in any status. */
  everyChangeRequestId(): Promise<string[]>;
  /** The policy's audit records, newest first, as a reader sees them (they outlive the policy). */
  auditOf(policyId: string): Promise<AuditItem[]>;
}

export interface AuditItem {
  action: string;
  actor: string;
  actorId: string;
  reason?: string;
  correlationId?: string;
  trigger?: string;
  previousVersion?: string;
  newVersion?: string;
}

export async function signInPeople(t: RunningTestApp): Promise<SignedInPeople> {
  const tokens = Object.fromEntries(await Promise.all(Object.entries(GOVERNANCE_PEOPLE).map(async ([person, roles]) => [person, await t.tokenFor(person, roles)] as const)));
  const as = (person: Person, method: string, path: string, body?: unknown) => t.call(method, path, body, { authorization: bearer(tokens[person]!) });
  const productionPolicy = (id: string, overrides: Partial<RotationPolicyInput> = {}) => aPolicyJson({ id, secretName: id, vaultUrl: t.vault().url, environment: 'production', ...overrides });

  async function approveByTwo(changeRequestId: string): Promise<ApiResponse> {
    const first = await as('alice', 'POST', `/change-requests/${changeRequestId}/approve`, { comment: 'checked' });
    expect(first.status, first.text).toBe(200);
    return as('bob', 'POST', `/change-requests/${changeRequestId}/approve`, { comment: 'checked' });
  }

  return {
    as,
    oidOf: (person) => oidFor(t.app.identityProvider.tenantId, person),
    productionPolicy,
    approveByTwo,
    async approvedPolicy(id, overrides) {
      const requested = await as('wanda', 'PUT', `/policies/${id}`, productionPolicy(id, overrides));
      expect(requested.status, requested.text).toBe(202);
      const executed = await approveByTwo(requested.json.changeRequestId);
      expect(executed.json.status, executed.text).toBe('executed');
      return (await as('reader', 'GET', `/policies/${id}`)).headers.get('etag')!;
    },
    async auditOf(policyId) {
      const history = await as('reader', 'GET', `/policies/${policyId}/rotations?pageSize=100`);
      expect(history.status, history.text).toBe(200);
      return history.json.items;
    },
    async everyChangeRequestId() {
      const pages = await Promise.all(CHANGE_REQUEST_STATUSES.map((status) => as('reader', 'GET', `/change-requests?status=${status}&pageSize=1000`)));
      return pages.flatMap((page) => {
        expect(page.status, page.text).toBe(200);
        return (page.json.items as { id: string }[]).map((r) => r.id);
      });
    },
  };
}
