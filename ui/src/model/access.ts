/** The access review as the reports page sums it up, one line per vault. */

/** A vault of the access review, as much of it as the page sums up. */
export interface AccessVault {
  vault: string;
  assignments: { activeAs?: string }[];
  eligible?: unknown[];
  denyAssignments?: unknown[];
  pim?: string;
  denyAssignmentsStatus?: string;
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What each vault holds: standing and activated assignments told apart, PIM-eligible ones, deny assignments, and what could not be read. */
export function accessLine(v: AccessVault): string {
  const activated = v.assignments.filter((a) => a.activeAs === 'activation').length;
  const parts = [
    `${count(v.assignments.length, 'role assignment', 'role assignments')}${activated > 0 ? ` (${activated} activated through PIM)` : ''}`,
    v.pim === 'unavailable' ? 'PIM could not be read' : `${v.eligible?.length ?? 0} eligible through PIM`,
    v.denyAssignmentsStatus === 'unavailable' ? 'deny assignments could not be read' : count(v.denyAssignments?.length ?? 0, 'deny assignment', 'deny assignments'),
  ];
  return `${v.vault}: ${parts.join(', ')}`;
}
