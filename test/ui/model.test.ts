/** The dashboard's pure parts: a policy's status, the diff an approver reads, CSV downloads. */
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../ui/src/model/csv.js';
import { diffValues, policyDiff } from '../../ui/src/model/diff.js';
import { countByStatus, statusOf, vaultName } from '../../ui/src/model/status.js';
import type { ChangeRequest, PolicyState, PolicyView } from '../../ui/src/model/types.js';

const NOW = new Date('2026-12-06T12:00:00Z');

function aView(state: Partial<PolicyState> = {}, enabled = true): PolicyView {
  return {
    policy: { id: 'p', vaultUrl: 'https://kv-a.vault.azure.net', secretName: 's', environment: 'production', owner: 'o', enabled, generator: { kind: 'uuid' }, rotation: { every: '90d', validFor: '120d' } },
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    etag: 'e',
    state: { consecutiveFailures: 0, rotationInProgress: null, currentVersion: 'v1', nextDueAt: '2027-02-01T00:00:00Z', ...state },
  };
}

const running = (status: 'running' | 'waiting-for-drain' | 'failed-will-retry') => ({ rotationId: 'r', status, steps: ['claimed', 'switched', 'completed'], step: 'claimed', startedAt: NOW.toISOString(), trigger: 'http', attempt: 1, consumers: [], drain: null });

describe('statusOf', () => {
  it.each([
    ['healthy', aView()],
    ['disabled', aView({}, false)],
    ['due-soon', aView({ nextDueAt: '2026-12-10T00:00:00Z' })],
    ['due-soon', aView({ currentVersion: undefined })],
    ['failing', aView({ lastResult: 'failed', consecutiveFailures: 2, nextDueAt: '2026-12-06T12:05:00Z' })],
    ['parked', aView({ lastResult: 'failed', consecutiveFailures: 5, nextDueAt: undefined })],
    ['waiting-for-drain', aView({ rotationInProgress: running('waiting-for-drain') })],
    ['rotating', aView({ rotationInProgress: running('running') })],
  ] as const)('%s', (expected, view) => {
    expect(statusOf(view, [], NOW)).toBe(expected);
  });

  it('is pending approval while a change request for it is pending', () => {
    const pending = [{ policyId: 'p', status: 'pending' } as ChangeRequest];
    expect(statusOf(aView(), pending, NOW)).toBe('pending-approval');
    expect(countByStatus(['healthy', 'healthy', 'parked'])).toMatchObject({ healthy: 2, parked: 1, failing: 0 });
    expect(vaultName('https://kv-payments.vault.azure.net:8443')).toBe('kv-payments');
  });
});

describe('policyDiff', () => {
  it('names every leaf that changes, is added or removed, and nothing else', () => {
    const before = { id: 'p', rotation: { every: '90d', validFor: '120d' }, tags: { a: '1', b: '2' }, owner: 'x' };
    const after = { id: 'p', rotation: { every: '30d', validFor: '120d' }, tags: { a: '1', c: '3' }, owner: 'x', contentType: 'text/plain' };
    expect(policyDiff(before, after)).toEqual([
      { path: 'contentType', kind: 'added', after: 'text/plain' },
      { path: 'rotation.every', kind: 'changed', before: '90d', after: '30d' },
      { path: 'tags.b', kind: 'removed', before: '2' },
      { path: 'tags.c', kind: 'added', after: '3' },
    ]);
  });

  it('reads enabled as true when a body leaves it out, as the API does; a create adds everything, a delete removes everything', () => {
    expect(policyDiff({ id: 'p', enabled: true }, { id: 'p' })).toEqual([]);
    expect(policyDiff({ id: 'p' }, { id: 'p', enabled: false })).toEqual([{ path: 'enabled', kind: 'changed', before: true, after: false }]);
    expect(policyDiff(undefined, { id: 'p' })).toEqual([{ path: '', kind: 'added', after: { enabled: true, id: 'p' } }]);
    expect(diffValues([1, 2], [1])).toEqual([{ path: '1', kind: 'removed', before: 2 }]);
  });
});

describe('toCsv', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(toCsv([{ a: 'plain', b: 'with, comma', c: '=HYPERLINK("x")', d: null, e: { n: 1 } }])).toBe(
      'a,b,c,d,e\r\nplain,"with, comma","\'=HYPERLINK(""x"")",,"{""n"":1}"\r\n',
    );
    expect(toCsv([{ x: '-1' }, { x: 'line\nbreak' }], ['x'])).toBe('x\r\n"\'-1"\r\n"line\nbreak"\r\n');
  });
});
