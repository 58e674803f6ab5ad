/** The access review's one line per vault on the reports page. */
import { describe, expect, it } from 'vitest';
import { accessLine } from '../../ui/src/model/access.js';

describe('accessLine', () => {
  it('counts assignments, says how many PIM activated, and counts eligible and deny assignments', () => {
    const line = accessLine({ vault: 'kv-a', assignments: [{ activeAs: 'standing' }, { activeAs: 'activation' }, {}], eligible: [{}, {}], pim: 'read', denyAssignments: [{}], denyAssignmentsStatus: 'read' });
    expect(line).toBe('kv-a: 3 role assignments (1 activated through PIM), 2 eligible through PIM, 1 deny assignment');
  });

  it('says what could not be read instead of counting nothing (refusal twin: never a silent 0)', () => {
    const line = accessLine({ vault: 'kv-b', assignments: [{}], eligible: [], pim: 'unavailable', denyAssignments: [], denyAssignmentsStatus: 'unavailable' });
    expect(line).toBe('kv-b: 1 role assignment, PIM could not be read, deny assignments could not be read');
    expect(line).not.toContain('0 eligible');
  });
});
