/**
 * Generated bad inputs into two parsers added with the governance and scale work: the rotation
 * queue's message (whatever lands on the queue, as text, bytes or parsed JSON) and the local
 * identity provider's POST /token body. Each either accepts exactly a well-formed input or
 * refuses with its own error type, never anything else; and a refusal never quotes more than
 * a bounded excerpt of what it was given.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { POLICY_ID } from '../../src/core/policy/policy.js';
import { dueRotationMessage, parseDueRotationMessage } from '../../src/core/rotation/due-queue.js';
import { parseTokenRequest, SUB_PATTERN, TokenRequestError } from '../../src/local/identity-provider/token-request.js';
import { fuzzParameters, fuzzRuns } from '../support/fuzz-settings.js';
import { anyJson, hostileString, validPolicyId } from './arbitraries.js';
import { holds } from './harness.js';
import { PropertyBroken } from './properties.js';

const RUNS = fuzzRuns();
const ERROR_BOUND = 2048;

/** A message as the scan writes it, then mutated: a field dropped, replaced, or added. */
const queueMessage: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(validPolicyId, fc.date({ noInvalidDate: true, min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z') })).map(([policyId, dueAt]) => dueRotationMessage({ policyId, dueAt })),
  fc.record({ policyId: fc.oneof(validPolicyId, hostileString('policy-id'), anyJson), dueAt: fc.oneof(fc.constantFrom('2026-12-06T10:00:00Z', '2026-12-06', '2026-13-40T25:61:61Z', ''), hostileString('2026-12-06T10:00:00.000Z'), anyJson) }, { requiredKeys: [] }),
  fc.tuple(validPolicyId, fc.string({ maxLength: 20 }), anyJson).map(([policyId, key, value]) => ({ policyId, dueAt: '2026-12-06T10:00:00.000Z', [key]: value })),
  anyJson,
);
/** How the Functions library can hand a message over: parsed, as text, or as bytes. */
const delivered = fc.oneof(
  queueMessage,
  queueMessage.map((m) => JSON.stringify(m) ?? ''),
  queueMessage.map((m) => Buffer.from(JSON.stringify(m) ?? '', 'utf8')),
  fc.string({ maxLength: 3000 }),
);

describe('the rotation queue message', () => {
  it(`is a policy id and an instant, or a ValidationError: ${RUNS} generated deliveries`, async () => {
    await holds(
      fc.property(delivered, (message) => {
        let entry;
        try {
          entry = parseDueRotationMessage(message);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw new PropertyBroken(`threw ${String(error)} instead of a ValidationError`);
          if (JSON.stringify({ m: error.message, d: error.details }).length > ERROR_BOUND) throw new PropertyBroken('an unbounded refusal');
          return;
        }
        if (!POLICY_ID.test(entry.policyId) || Number.isNaN(entry.dueAt.getTime())) throw new PropertyBroken(`accepted ${JSON.stringify(entry)}`);
      }),
      fuzzParameters('due-rotation-message', RUNS),
    );
  });

  it('accepts what the scan writes, and refuses the same message with a stray field', () => {
    const written = dueRotationMessage({ policyId: 'orders-db', dueAt: new Date('2026-12-06T10:00:00.123Z') });
    expect(parseDueRotationMessage(JSON.stringify(written))).toEqual({ policyId: 'orders-db', dueAt: new Date('2026-12-06T10:00:00.123Z') });
    expect(() => parseDueRotationMessage({ ...written, value: 'x' })).toThrow(ValidationError);
  });
});

describe("the local identity provider's POST /token body", () => {
  const body: fc.Arbitrary<unknown> = fc.oneof(
    fc.record({ sub: fc.oneof(fc.stringMatching(SUB_PATTERN), hostileString('alice'), anyJson), roles: fc.oneof(fc.array(fc.oneof(fc.constantFrom('Rotation.Read', 'Audit.Read'), hostileString('Rotation.Read'), anyJson), { maxLength: 20 }), anyJson) }, { requiredKeys: [] }),
    fc.tuple(fc.stringMatching(SUB_PATTERN), fc.string({ maxLength: 20 }), anyJson).map(([sub, key, value]) => ({ sub, [key]: value })),
    anyJson,
  );

  it(`is a name and at most 16 printable roles, or a TokenRequestError: ${RUNS} generated bodies`, async () => {
    await holds(
      fc.property(body, (input) => {
        let request;
        try {
          request = parseTokenRequest(input);
        } catch (error) {
          if (!(error instanceof TokenRequestError)) throw new PropertyBroken(`threw ${String(error)} instead of a TokenRequestError`);
          if (error.message.length > ERROR_BOUND) throw new PropertyBroken('an unbounded refusal');
          return;
        }
        if (!SUB_PATTERN.test(request.sub) || request.roles.length > 16 || request.roles.some((role) => !/^[\x21-\x7e]{1,120}$/.test(role))) {
          throw new PropertyBroken(`accepted ${JSON.stringify(request)}`);
        }
      }),
      fuzzParameters('token-request-body', RUNS),
    );
  });
});
