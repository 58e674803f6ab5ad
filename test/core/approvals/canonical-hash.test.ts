import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, changeRequestHash, sha256Hex, type HashedFields } from '../../../src/core/approvals/canonical-hash.js';
import { CHANGE_ACTIONS } from '../../../src/core/approvals/change-request.js';

/** The same value with every object's keys in another order (reversed, then rotated by `turn`). */
function reordered(value: unknown, turn: number): unknown {
  if (Array.isArray(value)) return value.map((item) => reordered(item, turn));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).reverse();
  const rotated = keys.length ? [...keys.slice(turn % keys.length), ...keys.slice(0, turn % keys.length)] : keys;
  return Object.fromEntries(rotated.map((key) => [key, reordered((value as Record<string, unknown>)[key], turn)]));
}

const hashedFields: fc.Arbitrary<HashedFields> = fc.record(
  {
    id: fc.uuid(),
    action: fc.constantFrom(...CHANGE_ACTIONS),
    policyId: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
    policyEtag: fc.string({ maxLength: 30 }),
    body: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 })),
    requester: fc.record({ oid: fc.uuid(), displayName: fc.string({ maxLength: 20 }) }),
    expiresAt: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
  },
  { requiredKeys: ['id', 'action', 'policyId', 'body', 'requester', 'expiresAt'] },
);

/** One change to one hashed field, always to a different value. */
const edits: Record<string, (fields: HashedFields) => HashedFields> = {
  id: (f) => ({ ...f, id: `${f.id}x` }),
  action: (f) => ({ ...f, action: f.action === 'policy.replace' ? 'policy.delete' : 'policy.replace' }),
  policyId: (f) => ({ ...f, policyId: `${f.policyId}x` }),
  policyEtag: (f) => ({ ...f, policyEtag: `${f.policyEtag ?? ''}x` }),
  'body: a new member': (f) => ({ ...f, body: { ...f.body, ['\u0000new']: 1 } }),
  'body: a member changed': (f) => ({ ...f, body: { ...f.body, enabled: f.body['enabled'] === false ? true : false } }),
  'requester.oid': (f) => ({ ...f, requester: { ...f.requester, oid: `${f.requester.oid}x` } }),
  'requester.displayName': (f) => ({ ...f, requester: { ...f.requester, displayName: `${f.requester.displayName}x` } }),
  'expiresAt: one millisecond later': (f) => ({ ...f, expiresAt: new Date(f.expiresAt.getTime() + 1) }),
};

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    // Act
    const text = canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: null }, u: undefined });

    // Assert
    expect(text).toBe('{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}');
  });

  it('keeps a member named __proto__ as data', () => {
    // Arrange
    const value = JSON.parse('{"z":1,"__proto__":{"polluted":true}}') as unknown;

    // Act
    const text = canonicalJson(value);

    // Assert
    expect(text).toBe('{"__proto__":{"polluted":true},"z":1}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('does not depend on the order keys were written in, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.nat(10), (value, turn) => {
        expect(canonicalJson(reordered(value, turn))).toBe(canonicalJson(value));
      }),
      { numRuns: 1000, seed: 10 },
    );
  });

  it('reads back as the value it was made from, with no whitespace between tokens', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(text).toBe(JSON.stringify(JSON.parse(text)));
      }),
      { numRuns: 1000, seed: 11 },
    );
  });
});

describe('changeRequestHash', () => {
  it('is the SHA-256, in hex, of the canonical JSON of the hashed fields', () => {
    // Arrange
    const fields: HashedFields = {
      id: 'cr-1',
      action: 'rotation.rotate',
      policyId: 'p1',
      policyEtag: 'W/"1"',
      body: { reason: 'leaked' },
      requester: { oid: 'o1', displayName: 'alice' },
      expiresAt: new Date('2026-11-24T12:00:00.000Z'),
    };

    // Act
    const hash = changeRequestHash(fields);

    // Assert
    const canonical = '{"action":"rotation.rotate","body":{"reason":"leaked"},"expiresAt":"2026-11-24T12:00:00.000Z","id":"cr-1","policyEtag":"W/\\"1\\"","policyId":"p1","requester":{"displayName":"alice","oid":"o1"}}';
    expect(hash).toBe(sha256Hex(canonical));
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('ignores fields that change as the request is decided (status, approvals)', () => {
    fc.assert(
      fc.property(hashedFields, (fields) => {
        const decided = { ...fields, status: 'executed', approvals: [{ oid: 'x' }], hash: 'whatever' };
        expect(changeRequestHash(decided)).toBe(changeRequestHash(fields));
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it('does not depend on the order of the body\'s keys', () => {
    fc.assert(
      fc.property(hashedFields, fc.nat(10), (fields, turn) => {
        expect(changeRequestHash({ ...fields, body: reordered(fields.body, turn) as HashedFields['body'] })).toBe(changeRequestHash(fields));
      }),
      { numRuns: 500, seed: 13 },
    );
  });

  it.each(Object.entries(edits))('changes when %s changes', (_field, edit) => {
    fc.assert(
      fc.property(hashedFields, (fields) => {
        expect(changeRequestHash(edit(fields))).not.toBe(changeRequestHash(fields));
      }),
      { numRuns: 300, seed: 14 },
    );
  });

  it('tells an absent policy ETag (a create) from an empty one', () => {
    // Arrange
    const { policyEtag: _none, ...create } = { id: 'c', action: 'policy.create' as const, policyId: 'p', policyEtag: '', body: {}, requester: { oid: 'o', displayName: 'd' }, expiresAt: new Date(0) };

    // Act
    const [absent, empty] = [changeRequestHash(create), changeRequestHash({ ...create, policyEtag: '' })];

    // Assert
    expect(absent).not.toBe(empty);
  });
});
