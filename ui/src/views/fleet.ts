/**
 * Every policy with its state and status, and the change requests waiting: what the overview and
 * the policies table show. The list carries each policy's state (include=state), so the fleet costs
 * one call per 1,000 policies, not one per policy.
 */
import { statusOf, type PolicyStatus } from '../model/status.js';
import type { ChangeRequest, PolicyView } from '../model/types.js';

export interface FleetEntry {
  view: PolicyView;
  status: PolicyStatus;
}

export interface Fleet {
  entries: FleetEntry[];
  pending: ChangeRequest[];
  loadedAt: Date;
}

/** What the fleet needs of the API (Api.all): every page of a paged route, and nothing per policy. */
export interface PagedReader {
  all<T>(path: string): Promise<T[]>;
}

export async function loadFleet(api: PagedReader): Promise<Fleet> {
  const [views, pending] = await Promise.all([api.all<PolicyView>('/policies?pageSize=1000&include=state'), api.all<ChangeRequest>('/change-requests?status=pending&pageSize=1000')]);
  const now = new Date();
  return { entries: views.map((view) => ({ view, status: statusOf(view, pending, now) })), pending, loadedAt: now };
}
