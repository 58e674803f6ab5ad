/**
 * What every fault storm ends with. After the storm: no half-changed credential (the
 * state's current version is Key Vault's latest, or a rotation is still active and
 * the next trigger completes it), state and audit agree with Key Vault (every
 * succeeded record names a version that exists and carries its rotation id; no
 * rotation id made two versions), and once the fault clears the next trigger succeeds.
 */
import { expect } from 'vitest';
import { MANAGED_TAGS } from '../../src/core/policy/policy.js';
import type { AppStack } from '../support/app-stack.js';
import { aPolicyJson } from '../support/policy-mother.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

export interface StormPolicy {
  id: string;
  secretName: string;
}

export interface RotationRecord {
  action: string;
  rotationId?: string;
  newVersion?: string;
  previousVersion?: string;
}

export interface PolicySnapshot {
  currentVersion?: string;
  activeRotationId?: string;
  latestVersion?: string;
  /** Key Vault versions by the rotation id tag this app writes. */
  versionsByRotation: Map<string, string[]>;
  versions: Set<string>;
  history: RotationRecord[];
}

/** Creates governed policies through the API and rotates each once, so each has a current version. */
export async function createStormPolicies(stack: AppStack, prefix: string, count: number): Promise<StormPolicy[]> {
  const policies: StormPolicy[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`;
    const created = await stack.invoke({
      method: 'PUT',
      path: `/policies/${id}`,
      headers: JSON_HEADERS,
      body: JSON.stringify(aPolicyJson({ id, secretName: id, vaultUrl: stack.vaultUrl() })),
    });
    expect(created.status, `creating ${id}: ${created.text.slice(0, 300)}`).toBe(201);
    policies.push({ id, secretName: id });
  }
  await Promise.all(policies.map(async (p) => expect((await rotate(stack, p.id, 'storm set-up')).status).toBe(200)));
  return policies;
}

export async function rotate(stack: AppStack, id: string, reason: string) {
  return stack.invoke({ method: 'POST', path: `/policies/${id}/rotate`, headers: JSON_HEADERS, body: JSON.stringify({ reason }) });
}

export async function snapshot(stack: AppStack, policy: StormPolicy): Promise<PolicySnapshot> {
  const view = await stack.invoke({ method: 'GET', path: `/policies/${policy.id}` });
  expect(view.status, `reading ${policy.id}: ${view.text.slice(0, 300)}`).toBe(200);
  const history: RotationRecord[] = [];
  let token: string | undefined;
  do {
    const page = await stack.invoke({ method: 'GET', path: `/policies/${policy.id}/rotations?pageSize=100${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}` });
    expect(page.status, `reading the history of ${policy.id}: ${page.text.slice(0, 300)}`).toBe(200);
    history.push(...(page.json.items as RotationRecord[]));
    token = page.json.continuationToken as string | undefined;
  } while (token);

  const client = stack.secrets(stack.vaultUrl());
  const versionsByRotation = new Map<string, string[]>();
  const versions = new Set<string>();
  let latest: { version: string; created: number } | undefined;
  for await (const properties of client.listPropertiesOfSecretVersions(policy.secretName)) {
    versions.add(properties.version!);
    const rotationId = properties.tags?.[MANAGED_TAGS.rotationId];
    if (rotationId) versionsByRotation.set(rotationId, [...(versionsByRotation.get(rotationId) ?? []), properties.version!]);
    const created = properties.createdOn?.getTime() ?? 0;
    if (!latest || created >= latest.created) latest = { version: properties.version!, created };
  }
  const latestVersion = (await client.getSecret(policy.secretName)).properties.version;
  return {
    currentVersion: view.json.state.currentVersion as string | undefined,
    activeRotationId: (view.json.state.rotationInProgress?.rotationId as string | undefined) ?? undefined,
    ...(latestVersion ? { latestVersion } : {}),
    versionsByRotation,
    versions,
    history,
  };
}

/**
 * State, audit and Key Vault agree. With `settled`, no rotation may still be active
 * (after recovery); without, an active rotation is allowed if the version it may have
 * written is the only one carrying its id.
 */
export async function expectConsistent(stack: AppStack, policies: readonly StormPolicy[], options: { settled: boolean }): Promise<void> {
  for (const policy of policies) {
    const s = await snapshot(stack, policy);
    const where = `policy ${policy.id}`;
    if (s.activeRotationId === undefined || options.settled) {
      expect(s.activeRotationId, `${where}: a rotation is still active after recovery`).toBeUndefined();
      expect(s.currentVersion, `${where}: half-changed credential: the state's current version is not Key Vault's latest`).toBe(s.latestVersion);
    }
    for (const [rotationId, versions] of s.versionsByRotation) {
      expect(versions, `${where}: rotation ${rotationId} wrote ${versions.length} versions`).toHaveLength(1);
    }
    const succeeded = s.history.filter((r) => r.action === 'rotation.succeeded');
    const succeededIds = succeeded.map((r) => r.rotationId);
    expect(new Set(succeededIds).size, `${where}: a rotation id is recorded as succeeded twice`).toBe(succeededIds.length);
    for (const record of succeeded) {
      expect(record.newVersion && s.versions.has(record.newVersion), `${where}: succeeded rotation ${record.rotationId} names version ${record.newVersion}, which Key Vault does not have`).toBe(true);
      expect(s.versionsByRotation.get(record.rotationId!), `${where}: succeeded rotation ${record.rotationId}'s version does not carry its rotation id`).toEqual([record.newVersion]);
    }
    // Every version this app wrote belongs to a succeeded rotation, or to the one still active.
    for (const rotationId of s.versionsByRotation.keys()) {
      const accounted = succeededIds.includes(rotationId) || rotationId === s.activeRotationId;
      expect(accounted, `${where}: Key Vault holds a version of rotation ${rotationId}, which neither succeeded in the audit nor is active`).toBe(true);
    }
  }
}

/** Once the fault clears, the next trigger succeeds: an active rotation is finished, otherwise a new one runs. */
export async function expectRecovery(stack: AppStack, policies: readonly StormPolicy[]): Promise<void> {
  for (const policy of policies) {
    let answer = await rotate(stack, policy.id, 'after the storm');
    // A lease taken during the storm may still run for a moment; the next trigger after it succeeds.
    for (let i = 0; answer.status === 409 && i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = await rotate(stack, policy.id, 'after the storm');
    }
    expect(answer.status, `${policy.id} after the storm: ${answer.text.slice(0, 300)}`).toBe(200);
    expect(answer.json.status, `${policy.id} after the storm`).toBe('succeeded');
  }
  await expectConsistent(stack, policies, { settled: true });
}

/** Runs `round` until `durationInMs` has passed, at least once; returns how many rounds ran. */
export async function during(durationInMs: number, round: (index: number) => Promise<void>): Promise<number> {
  const deadline = Date.now() + durationInMs;
  let rounds = 0;
  do {
    await round(rounds);
    rounds++;
  } while (Date.now() < deadline);
  return rounds;
}

export const STORM_SETTINGS = {
  // Short leases let triggers during the storm take over rotations whose holder is stuck in retries.
  ROTATION_LEASE_SECONDS: '2',
  ROTATION_MAX_ATTEMPTS: '5',
};
