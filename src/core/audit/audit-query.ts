/**
 * The audit query (GET /api/audit): its filters, the parser that turns query parameters into
 * them (every refusal names its parameter), and the one predicate both storage adapters
 * apply, so the Table adapter and its in-memory twin agree on what matches.
 */
import { DAY_MS } from '../durations.js';
import { ValidationError, type ErrorDetail } from '../errors.js';
import { secretNameProblem, vaultNameProblem } from '../names.js';
import { AUDIT_ACTIONS, type AuditAction, type AuditRecord } from '../ports.js';
import { quote, unsafeCharacterProblem } from '../untrusted-text.js';
import { AUDIT_RESULTS, resultOf, type AuditResult } from './audit-result.js';

/** Records from `from` to `to`, both inclusive, matching every filter present. */
export interface AuditQuery {
  from: Date;
  to: Date;
  /** An oid (lower-case) matched against actorId, or a system actor's name matched against actor when actorId is absent: see actorKeyOf. */
  actor?: string;
  action?: AuditAction;
  policyId?: string;
  /** Lower-case: the first label of the record's vaultUrl, with or without a policy. */
  vaultName?: string;
  /** Lower-case (Key Vault names are case-insensitive); only with vaultName. */
  secretName?: string;
  /** See resultOf; records with no result never match. */
  result?: AuditResult;
}

export const DEFAULT_AUDIT_RANGE_DAYS = 7;
/** A year and a day: a leap year's whole range, and the time index is read per day partition. */
export const MAX_AUDIT_RANGE_DAYS = 366;
/** Past this, an actor is not a name a person or the system was given. */
const MAX_ACTOR_LENGTH = 256;
/** Records carry times from 1970 (the row key's inverted clock starts there) to year 9999. */
const EARLIEST_MS = 0;
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const FILTERS = ['from', 'to', 'actor', 'action', 'policy', 'vault', 'secret', 'result'] as const;
type FilterName = (typeof FILTERS)[number];
/** Read by pageOptionsOf, not here; allowed so they are not refused as unknown. */
const PAGING = ['pageSize', 'continuationToken'] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const POLICY_ID = /^[a-z][a-z0-9-]{0,62}$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/i;

/** Who a record names for the actor filter: the oid when the request had one, else the system actor's name. */
export function actorKeyOf(record: Pick<AuditRecord, 'actor' | 'actorId'>): string {
  const key = record.actorId ?? record.actor;
  return GUID.test(key) ? key.toLowerCase() : key;
}

/** The vault a record names (the first label of its vaultUrl's host), lower-case, or undefined. */
export function auditVaultName(record: Pick<AuditRecord, 'vaultUrl'>): string | undefined {
  if (record.vaultUrl === undefined) return undefined;
  try {
    return new URL(record.vaultUrl).hostname.split('.')[0]?.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

export function matchesAuditQuery(record: AuditRecord, query: AuditQuery): boolean {
  const at = record.at.getTime();
  return (
    at >= query.from.getTime() &&
    at <= query.to.getTime() &&
    (query.actor === undefined || actorKeyOf(record) === query.actor) &&
    (query.action === undefined || record.action === query.action) &&
    (query.policyId === undefined || record.policyId === query.policyId) &&
    (query.vaultName === undefined || auditVaultName(record) === query.vaultName) &&
    (query.secretName === undefined || record.secretName?.toLowerCase() === query.secretName) &&
    (query.result === undefined || resultOf(record.action) === query.result)
  );
}

/** An ISO 8601 instant with a date, a time and a zone (Z or ±hh:mm); a bare date would leave its zone and its end of day to guess. */
export function parseInstant(text: string): Date | string {
  const parts = INSTANT.exec(text);
  if (!parts) return `${quote(text)} is not an ISO 8601 instant such as 2026-04-01T00:00:00Z (date, time and Z or an offset)`;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(parts[i] ?? '0')) as [number, number, number, number, number, number];
  const millis = Number((parts[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const offsetSign = parts[9] === '-' ? -1 : 1;
  const [offsetHours, offsetMinutes] = [Number(parts[10] ?? '0'), Number(parts[11] ?? '0')];
  const calendar = new Date(Date.UTC(2000, month - 1, day));
  const validDate = month >= 1 && month <= 12 && day >= 1 && calendar.getUTCMonth() === month - 1 && (month !== 2 || day <= 28 || isLeap(year));
  if (!validDate || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return `${quote(text)} is not a valid date and time`;
  if (year < 1970) return `${quote(text)} is before 1970`;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const ms = local - offsetSign * (offsetHours * 60 + offsetMinutes) * 60_000;
  if (ms < EARLIEST_MS || ms > LATEST_MS) return `${quote(text)} is outside 1970-9999`;
  return new Date(ms);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * The query GET /api/audit asks for. `parameters` are the request's query parameters (a
 * URLSearchParams is one); `now` ends the default range. Unknown or repeated parameters are
 * refused rather than ignored: a misspelt filter would otherwise widen an audit query
 * silently. Throws ValidationError with one detail per bad parameter, its path the parameter's name.
 */
export function parseAuditQuery(parameters: Iterable<[string, string]>, now: Date): AuditQuery {
  return parseParameters(parameters, now, FILTERS, 'the audit query');
}

/** The time range alone (from, to) and paging, for routes that read a window of the trail: same defaults, limits and refusals as the audit query. */
export const AUDIT_WINDOW_PARAMETERS = ['from', 'to'] as const satisfies readonly FilterName[];

/**
 * The window GET /api/audit/verify checks: `from` and `to` as parseAuditQuery reads them
 * (default the last 7 days, at most 366), plus paging; any filter is refused as unknown.
 */
export function parseAuditWindow(parameters: Iterable<[string, string]>, now: Date): AuditWindow {
  const { from, to } = parseParameters(parameters, now, AUDIT_WINDOW_PARAMETERS, 'the audit verification');
  return { from, to };
}

export interface AuditWindow {
  from: Date;
  to: Date;
}

function parseParameters(parameters: Iterable<[string, string]>, now: Date, filters: readonly FilterName[], what: string): AuditQuery {
  const problems: ErrorDetail[] = [];
  const given = new Map<FilterName, string>();
  const seen = new Set<string>();
  const known: ReadonlySet<string> = new Set([...filters, ...PAGING]);
  for (const [name, value] of parameters) {
    if (!known.has(name)) {
      problems.push({ path: name, message: `not a parameter of ${what}; use ${[...filters, ...PAGING].join(', ')}` });
    } else if (seen.has(name)) {
      if (!problems.some((p) => p.path === name)) problems.push({ path: name, message: 'given more than once; give each parameter once' });
    } else if ((filters as readonly string[]).includes(name)) {
      if (value === '') problems.push({ path: name, message: 'is empty; leave the parameter out to not filter by it' });
      else given.set(name as FilterName, value);
    }
    seen.add(name);
  }

  const query: Partial<AuditQuery> = {};
  const instant = (name: 'from' | 'to'): Date | undefined => {
    const text = given.get(name);
    if (text === undefined) return undefined;
    const parsed = parseInstant(text);
    if (typeof parsed === 'string') {
      problems.push({ path: name, message: parsed });
      return undefined;
    }
    return parsed;
  };
  const from = instant('from');
  const to = instant('to');

  const actor = given.get('actor');
  if (actor !== undefined) {
    const unsafe = unsafeCharacterProblem(actor);
    if (unsafe) problems.push({ path: 'actor', message: unsafe });
    else if (actor.length > MAX_ACTOR_LENGTH) problems.push({ path: 'actor', message: `has ${actor.length} characters; an oid or a system actor's name has at most ${MAX_ACTOR_LENGTH}` });
    else query.actor = GUID.test(actor) ? actor.toLowerCase() : actor;
  }

  const action = given.get('action');
  if (action !== undefined) {
    if ((AUDIT_ACTIONS as readonly string[]).includes(action)) query.action = action as AuditAction;
    else problems.push({ path: 'action', message: `${quote(action)} is not an audit action; actions are named as records name them, e.g. rotation.failed, policy.replaced, change-request.approved` });
  }

  const policy = given.get('policy');
  if (policy !== undefined) {
    if (POLICY_ID.test(policy)) query.policyId = policy;
    else problems.push({ path: 'policy', message: `${quote(policy)} is not a policy id (1-63 lower-case letters, digits and hyphens, starting with a letter)` });
  }

  const vault = given.get('vault');
  if (vault !== undefined) {
    const problem = vaultNameProblem(vault);
    if (problem) problems.push({ path: 'vault', message: problem });
    else query.vaultName = vault.toLowerCase();
  }

  const secret = given.get('secret');
  if (secret !== undefined) {
    const problem = secretNameProblem(secret);
    // A secret name is unique only within its vault, and the index is kept per vault and secret.
    if (problem) problems.push({ path: 'secret', message: problem });
    else if (vault === undefined) problems.push({ path: 'secret', message: 'needs vault too: a secret name is unique only within its vault' });
    else query.secretName = secret.toLowerCase();
  }

  const result = given.get('result');
  if (result !== undefined) {
    if ((AUDIT_RESULTS as readonly string[]).includes(result)) query.result = result as AuditResult;
    else problems.push({ path: 'result', message: `${quote(result)} is not a result; use success or failure` });
  }

  if (given.has('from') === (from !== undefined) && given.has('to') === (to !== undefined)) {
    const end = to ?? now;
    const start = from ?? new Date(end.getTime() - DEFAULT_AUDIT_RANGE_DAYS * DAY_MS);
    if (start.getTime() > end.getTime()) {
      problems.push({ path: 'from', message: `is after ${to ? 'to' : `to (default: now, ${now.toISOString()})`}` });
    } else if (end.getTime() - start.getTime() > MAX_AUDIT_RANGE_DAYS * DAY_MS) {
      problems.push({ path: 'from', message: `is more than ${MAX_AUDIT_RANGE_DAYS} days before ${to ? 'to' : 'now'}; query a year at a time` });
    } else {
      query.from = start.getTime() < EARLIEST_MS ? new Date(EARLIEST_MS) : start;
      query.to = end;
    }
  }

  if (problems.length > 0) {
    throw new ValidationError(`${what} is invalid: ${problems.map((p) => p.path).join(', ')}`, problems);
  }
  return query as AuditQuery;
}
