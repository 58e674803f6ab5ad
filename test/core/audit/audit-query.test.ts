import { describe, expect, it } from 'vitest';
import { actorKeyOf, matchesAuditQuery, parseAuditQuery } from '../../../src/core/audit/audit-query.js';
import { resultOf } from '../../../src/core/audit/audit-result.js';
import { ValidationError } from '../../../src/core/errors.js';
import { AUDIT_ACTIONS } from '../../../src/core/ports.js';
import { anAuditRecord } from '../../support/contract/fixtures.js';

const NOW = new Date('2026-04-10T12:00:00.000Z');
const DAY_MS = 86_400_000;
const OID = '0A1B2C3D-0000-4000-8000-00000000A11C';

function parse(query: string) {
  return parseAuditQuery(new URLSearchParams(query), NOW);
}

function refusal(query: string): ValidationError {
  try {
    parse(query);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`'${query}' was accepted`);
}

describe('parseAuditQuery', () => {
  it('defaults to the last 7 days, ending now', () => {
    // Act
    const query = parse('');

    // Assert
    expect(query).toEqual({ from: new Date(NOW.getTime() - 7 * DAY_MS), to: NOW });
  });

  it('reads every filter, normalising what is case-insensitive', () => {
    // Act
    const query = parse(`from=2026-04-01T00:00:00Z&to=2026-04-02T23:59:59.999Z&actor=${OID}&action=rotation.failed&policy=payments-db&vault=KV-Pay&secret=Db-Pass&result=failure&pageSize=10`);

    // Assert
    expect(query).toEqual({
      from: new Date('2026-04-01T00:00:00.000Z'),
      to: new Date('2026-04-02T23:59:59.999Z'),
      actor: OID.toLowerCase(),
      action: 'rotation.failed',
      policyId: 'payments-db',
      vaultName: 'kv-pay',
      secretName: 'db-pass',
      result: 'failure',
    });
  });

  it.each([
    ['2026-04-01T02:00:00+02:00', '2026-04-01T00:00:00.000Z'],
    ['2026-03-31T19:30-04:30', '2026-04-01T00:00:00.000Z'],
    ['2026-04-01t00:00:00.123456789z', '2026-04-01T00:00:00.123Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('reads the instant %s as %s', (text, iso) => {
    // Act
    const query = parse(`from=${encodeURIComponent(text)}&to=${encodeURIComponent(text)}`);

    // Assert
    expect(query.from.toISOString()).toBe(iso);
  });

  it('ends a range given only its start now, and starts one given only its end 7 days before', () => {
    // Act
    const onlyFrom = parse('from=2026-04-09T00:00:00Z');
    const onlyTo = parse('to=2026-03-01T00:00:00Z');

    // Assert
    expect(onlyFrom.to).toEqual(NOW);
    expect(onlyTo.from).toEqual(new Date('2026-02-22T00:00:00.000Z'));
  });

  it.each([
    ['from=2026-04-01', 'from'],
    ['from=yesterday', 'from'],
    ['to=2026-04-01T00:00:00', 'to'],
    ['to=2026-13-01T00:00:00Z', 'to'],
    ['to=2025-02-29T00:00:00Z', 'to'],
    ['to=2026-04-31T00:00:00Z', 'to'],
    ['to=2026-04-01T24:00:00Z', 'to'],
    ['from=1969-12-31T23:59:59Z&to=1970-01-02T00:00:00Z', 'from'],
    ['from=2026-04-02T00:00:00Z&to=2026-04-01T00:00:00Z', 'from'],
    ['from=2026-04-11T00:00:00Z', 'from'],
    ['from=2025-01-01T00:00:00Z&to=2026-04-01T00:00:00Z', 'from'],
    ['actor=a%0Ab', 'actor'],
    [`actor=${'x'.repeat(257)}`, 'actor'],
    ['action=rotation.exploded', 'action'],
    ['action=ROTATION.FAILED', 'action'],
    ['policy=Payments', 'policy'],
    ['vault=kv', 'vault'],
    ['vault=kv-pay&secret=db_pass', 'secret'],
    ['secret=db-pass', 'secret'],
    ['result=ok', 'result'],
    ['actor=', 'actor'],
    ['policy=a&policy=b', 'policy'],
    ['acter=scheduler', 'acter'],
    ['__proto__=1', '__proto__'],
  ])('refuses %s naming %s', (query, parameter) => {
    // Act
    const error = refusal(query);

    // Assert
    expect(error.details.map((d) => d.path)).toEqual([parameter]);
  });

  it('names every bad parameter at once', () => {
    // Act
    const error = refusal('from=soon&action=nope&result=maybe');

    // Assert
    expect(error.details.map((d) => d.path)).toEqual(['from', 'action', 'result']);
  });

  it('accepts exactly 366 days and refuses one millisecond more', () => {
    // Act
    const year = parse('from=2025-04-01T00:00:00Z&to=2026-04-02T00:00:00Z');
    const more = refusal('from=2025-04-01T00:00:00Z&to=2026-04-02T00:00:00.001Z');

    // Assert
    expect(year.to.getTime() - year.from.getTime()).toBe(366 * DAY_MS);
    expect(more.details[0]?.path).toBe('from');
  });
});

describe('actorKeyOf', () => {
  it.each([
    ['a person, by oid in lower case', { actor: 'Alice', actorId: OID }, OID.toLowerCase()],
    ['a system actor, by name', { actor: 'scheduler' }, 'scheduler'],
    ['an older record that named a principal only', { actor: 'alice@contoso.com' }, 'alice@contoso.com'],
  ])('names %s', (_case, record, key) => {
    expect(actorKeyOf(record)).toBe(key);
  });
});

describe('matchesAuditQuery', () => {
  const record = anAuditRecord({ at: new Date('2026-04-01T00:00:00.000Z'), actor: 'Alice', actorId: OID.toLowerCase(), action: 'rotation.failed' });
  const range = { from: new Date('2026-04-01T00:00:00.000Z'), to: new Date('2026-04-01T00:00:00.000Z') };

  it.each([
    ['the range, both ends inclusive', {}, true],
    ['its vault, whatever the case of its URL', { vaultName: 'kv-payments-prod' }, true],
    ['another vault', { vaultName: 'kv-other' }, false],
    ['its secret, in lower case', { vaultName: 'kv-payments-prod', secretName: 'payments-db-password' }, true],
    ['its result', { result: 'failure' as const }, true],
    ['the other result', { result: 'success' as const }, false],
    ['its display name as actor', { actor: 'Alice' }, false],
  ])('matches %s: %s', (_case, filters, expected) => {
    expect(matchesAuditQuery(record, { ...range, ...filters })).toBe(expected);
  });
});

describe('resultOf', () => {
  it('calls failures what the brief calls failures, and leaves steps and observations without a result', () => {
    // Act
    const failures = AUDIT_ACTIONS.filter((action) => resultOf(action) === 'failure');
    const none = AUDIT_ACTIONS.filter((action) => resultOf(action) === undefined);

    // Assert
    expect(failures).toEqual(['rotation.failed', 'rotation.abandoned', 'rotation.rolled-back', 'change-request.failed', 'environment.smoke-failed']);
    expect(none).toEqual(expect.arrayContaining(['rotation.step-started', 'rotation.step-finished', 'secret.unmanaged-event', 'rotation.dry-run']));
    expect(resultOf('rotation.succeeded')).toBe('success');
    expect(resultOf('change-request.executed')).toBe('success');
    expect(resultOf('environment.smoke-passed')).toBe('success');
  });
});
