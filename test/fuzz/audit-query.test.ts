/**
 * Generated query strings straight into the audit query's parser: each either parses into a
 * query the storage adapters can serve, or is refused with a ValidationError whose details
 * name parameters the string gave, in bounded text. Nothing else may come out.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { MAX_AUDIT_RANGE_DAYS, parseAuditQuery, type AuditQuery } from '../../src/core/audit/audit-query.js';
import { ValidationError } from '../../src/core/errors.js';
import { AUDIT_ACTIONS } from '../../src/core/ports.js';
import { boundText } from '../../src/core/untrusted-text.js';
import { fuzzParameters, fuzzRuns, fuzzTimeoutInMs } from '../support/fuzz-settings.js';
import { hostileString } from './arbitraries.js';
import { holds } from './harness.js';
import { ERROR_RESPONSE_BOUND, PropertyBroken } from './properties.js';

const RUNS = fuzzRuns();
const NOW = new Date('2026-04-10T12:00:00.000Z');
const DAY_MS = 86_400_000;
const NAMES = ['from', 'to', 'actor', 'action', 'policy', 'vault', 'secret', 'result', 'pageSize', 'continuationToken'] as const;

/** An instant near now, written the ways ISO 8601 allows and some it does not. */
const instant = fc
  .tuple(fc.integer({ min: -400 * DAY_MS, max: 30 * DAY_MS }), fc.constantFrom('Z', 'z', '+02:00', '-11:30', '+23:59', '+24:00', '', '+0200'), fc.constantFrom(0, 3, 6, 9))
  .map(([offset, zone, digits]) => {
    const iso = new Date(NOW.getTime() + offset).toISOString();
    const fraction = digits === 0 ? '' : `.${iso.slice(20, 23).padEnd(digits, '7')}`;
    return `${iso.slice(0, 19)}${fraction}${zone}`;
  });

const value = fc.oneof(
  { weight: 3, arbitrary: instant },
  { weight: 2, arbitrary: fc.constantFrom(...AUDIT_ACTIONS, 'success', 'failure', 'scheduler', 'kv-pay', 'db-pass', 'payments-db', '0A1B2C3D-0000-4000-8000-00000000A11C', '2026-02-30T00:00:00Z', '1969-12-31T23:59:59Z', '9999-12-31T23:59:59.999Z', '') },
  { weight: 3, arbitrary: hostileString('kv-pay') },
);

const name = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: hostileString('from') });

/** As percentEncode, at native speed for the megabyte values (lone surrogates become U+FFFD through UTF-8). */
function encode(text: string): string {
  return encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));
}

/** Query strings as a client writes them, and as a hostile one does (raw escapes, repeats, bare names). */
const queryString = fc.oneof(
  { weight: 8, arbitrary: fc.array(fc.tuple(name, value), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom('from', 'to=', '%FF=%', 'actor=%E0%A4%A', '&&=', 'vault=kv-pay', 'secret=x', 'action=rotation.failed&action=rotation.failed'), { maxLength: 4 }).map((parts) => parts.join('&')) },
);

function checkAccepted(query: AuditQuery): void {
  const from = query.from.getTime();
  const to = query.to.getTime();
  if (!(from >= 0 && from <= to)) throw new PropertyBroken(`accepted a range from ${query.from.toISOString()} to ${query.to.toISOString()}`);
  if (to - from > MAX_AUDIT_RANGE_DAYS * DAY_MS) throw new PropertyBroken(`accepted a range of ${(to - from) / DAY_MS} days`);
  if (query.action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(query.action)) throw new PropertyBroken(`accepted action ${query.action}`);
  if (query.secretName !== undefined && query.vaultName === undefined) throw new PropertyBroken('accepted a secret without its vault');
  for (const text of [query.actor, query.policyId, query.vaultName, query.secretName]) {
    // eslint-disable-next-line no-control-regex
    if (text !== undefined && (text === '' || /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/.test(text))) throw new PropertyBroken(`accepted ${JSON.stringify(text)}`);
  }
  for (const text of [query.vaultName, query.secretName]) {
    if (text !== undefined && text !== text.toLowerCase()) throw new PropertyBroken(`kept ${text} in its case`);
  }
}

describe('audit query parameters (parseAuditQuery)', () => {
  it(`parse into a servable query or are refused naming parameters they gave, in bounded text: ${RUNS} cases`, async () => {
    await holds(
      fc.property(queryString, (text) => {
        const parameters = new URLSearchParams(text);
        // As a refusal shows them: escaped and bounded like every detail path.
        const given = new Set([...parameters.keys()].map((key) => boundText(key, 512)));
        let query: AuditQuery;
        try {
          query = parseAuditQuery(parameters, NOW);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw new PropertyBroken(`threw ${error instanceof Error ? error.name : typeof error}, not a ValidationError: ${String(error).slice(0, 300)}`);
          if (error.details.length === 0) throw new PropertyBroken('a refusal without details');
          for (const detail of error.details) {
            // '' is the count of problems left out past the first ones.
            if (detail.path !== '' && !given.has(detail.path)) {
              throw new PropertyBroken(`a refusal names '${detail.path.slice(0, 80)}', which the query did not give`);
            }
          }
          const size = error.message.length + JSON.stringify(error.details).length;
          if (size > ERROR_RESPONSE_BOUND) throw new PropertyBroken(`a refusal of ${size} chars echoes the input (bound ${ERROR_RESPONSE_BOUND})`);
          return;
        }
        checkAccepted(query);
      }),
      fuzzParameters('audit-query', RUNS),
    );
  }, fuzzTimeoutInMs(RUNS, 5));
});
