/**
 * loadFleet against a fake API: the fleet is read from the list with its states, in one paged read
 * whatever the number of policies, and each policy's status is what its listed state and the
 * pending change requests say.
 */
import { describe, expect, it } from 'vitest';
import type { ChangeRequest, PolicyState, PolicyView } from '../../ui/src/model/types.js';
import { loadFleet, type PagedReader } from '../../ui/src/views/fleet.js';

const NOW = Date.now();

function aView(id: string, state: Partial<PolicyState> = {}): PolicyView {
  return {
    policy: { id, vaultUrl: 'https://kv-a.vault.azure.net', secretName: id, environment: 'development', owner: 'o', enabled: true, generator: { kind: 'uuid' }, rotation: { every: '90d', validFor: '120d' } },
    createdAt: new Date(NOW).toISOString(),
    updatedAt: new Date(NOW).toISOString(),
    etag: `etag-${id}`,
    state: { consecutiveFailures: 0, rotationInProgress: null, currentVersion: 'v1', nextDueAt: new Date(NOW + 60 * 86_400_000).toISOString(), ...state },
  };
}

/** The API's paged routes as the fleet may read them: the policies only with their states, and the pending change requests. */
class FakeApi implements PagedReader {
  readonly reads: string[] = [];

  constructor(
    private readonly views: PolicyView[],
    private readonly pending: ChangeRequest[],
  ) {}

  async all<T>(path: string): Promise<T[]> {
    this.reads.push(path);
    const url = new URL(path, 'https://dashboard.test');
    if (url.pathname === '/policies' && url.searchParams.get('include') === 'state') return structuredClone(this.views) as T[];
    if (url.pathname === '/change-requests') return structuredClone(this.pending) as T[];
    throw new Error(`${path} is not served: policies without their states cannot give a status`);
  }
}

describe('loadFleet', () => {
  it.each([[1], [30], [1500]])('reads %i policies and their states in one paged read of the list, none per policy', async (count) => {
    // Arrange
    const views = Array.from({ length: count }, (_, i) => aView(`p-${String(i).padStart(4, '0')}`));
    const api = new FakeApi(views, []);

    // Act
    const fleet = await loadFleet(api);

    // Assert
    expect(fleet.entries.map((entry) => entry.view)).toEqual(views);
    expect(api.reads.sort()).toEqual(['/change-requests?status=pending&pageSize=1000', '/policies?pageSize=1000&include=state']);
  });

  it('gives each policy the status its listed state and the pending change requests say', async () => {
    // Arrange
    const draining = { rotationId: 'r', status: 'waiting-for-drain', steps: ['claimed', 'switched', 'completed'], step: 'switched', startedAt: new Date(NOW).toISOString(), trigger: 'http', attempt: 1, consumers: [], drain: null };
    const api = new FakeApi(
      [
        aView('healthy'),
        aView('failing', { lastResult: 'failed', consecutiveFailures: 2, nextDueAt: new Date(NOW + 300_000).toISOString() }),
        aView('parked', { lastResult: 'failed', consecutiveFailures: 5, nextDueAt: undefined }),
        aView('draining', { rotationInProgress: draining as unknown as PolicyState['rotationInProgress'] }),
        aView('asked'),
        aView('never-rotated', { currentVersion: undefined, nextDueAt: undefined }),
      ],
      [{ policyId: 'asked', status: 'pending' } as ChangeRequest],
    );

    // Act
    const fleet = await loadFleet(api);

    // Assert
    expect(Object.fromEntries(fleet.entries.map((entry) => [entry.view.policy.id, entry.status]))).toEqual({
      healthy: 'healthy',
      failing: 'failing',
      parked: 'parked',
      draining: 'waiting-for-drain',
      asked: 'pending-approval',
      'never-rotated': 'due-soon',
    });
    expect(fleet.pending).toHaveLength(1);
  });
});
