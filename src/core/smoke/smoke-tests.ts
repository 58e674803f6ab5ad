/**
 * Smoke tests recorded by the API: kvrot smoke reports each one, the audit keeps every one
 * (environment.smoke-passed or environment.smoke-failed, who, the file's hash), and the store
 * keeps the latest per environment, which kvrot promote reads as its gate. The gate thus holds
 * wherever promote runs, and everyone with Rotation.Read sees what it stands on.
 */
import { actorFields, type RequestActor } from '../audit-fields.js';
import type { Clock } from '../clock.js';
import { NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AuditLog, SmokeTestRecord, SmokeTestStore } from '../ports.js';

/** What kvrot smoke reports: the rest (environment, time, who) the API adds. */
export type SmokeTestReport = Pick<SmokeTestRecord, 'passed' | 'fileHash' | 'policies' | 'checks'>;

export interface SmokeTestsDeps {
  store: SmokeTestStore;
  audit: AuditLog;
  clock: Clock;
  newId: () => string;
  logger: Logger;
}

/**
 * Bounds of a report: a smoke test runs a dry run per policy plus two checks (health, and the
 * file's), and a check's name is kvrot's words and a policy id. Kept so the latest record fits
 * one Table Storage entity (32K characters a column).
 */
export const MAX_SMOKE_POLICIES = 200;
export const MAX_SMOKE_CHECKS = MAX_SMOKE_POLICIES + 2;
export const MAX_SMOKE_CHECK_NAME_LENGTH = 100;

/** How many failed checks the audit record's reason names; the rest are counted. */
const NAMED_FAILURES = 5;

export class SmokeTests {
  readonly #deps: SmokeTestsDeps;

  constructor(deps: SmokeTestsDeps) {
    this.#deps = deps;
  }

  /**
   * Audits the smoke test, then makes it the environment's latest. The audit comes first: a
   * store that fails after it leaves the previous record as the latest, which promote reads as
   * it read it before, and the caller is told to try again.
   */
  async record(environment: string, report: SmokeTestReport, actor: RequestActor): Promise<SmokeTestRecord> {
    const record: SmokeTestRecord = { environment, at: this.#deps.clock.now(), ...report, by: { oid: actor.oid, name: actor.displayName } };
    const action = report.passed ? 'environment.smoke-passed' : 'environment.smoke-failed';
    await this.#deps.audit.append({ id: this.#deps.newId(), at: record.at, action, ...actorFields(actor), reason: reasonOf(record) });
    await this.#deps.store.save(record);
    this.#deps.logger.info(action, { environment, actor: actor.displayName, fileHash: record.fileHash ?? 'none', checks: record.checks.length });
    return record;
  }

  async latest(environment: string): Promise<SmokeTestRecord> {
    const record = await this.#deps.store.latest(environment);
    if (!record) throw new NotFoundError(`no smoke test of environment '${environment}' is recorded`);
    return record;
  }
}

/** The audit record's words: which environment, which file, which checks failed. Never a check's detail. */
function reasonOf(record: SmokeTestRecord): string {
  const failed = record.checks.filter((check) => !check.passed).map((check) => check.name);
  const named = failed.slice(0, NAMED_FAILURES).join('; ') + (failed.length > NAMED_FAILURES ? `; and ${failed.length - NAMED_FAILURES} more` : '');
  const file = record.fileHash ?? 'no Secretfile';
  const outcome = failed.length > 0 ? `${failed.length} of ${record.checks.length} checks failed: ${named}` : `${record.checks.length} checks passed`;
  return `smoke test of ${record.environment} (${file}): ${record.passed ? 'passed' : 'failed'}, ${outcome}`;
}
