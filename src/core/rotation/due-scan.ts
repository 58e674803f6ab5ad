/**
 * The timer's work: read the schedule index up to now (so the cost grows with what
 * is due, not with what is stored), rotate what is due, finish what was left
 * half-done, and repair stale index entries. One failing policy never stops the rest.
 */
import type { Clock } from '../clock.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DueEntry, PolicyRepository, PolicyStateStore, ScheduleIndex } from '../ports.js';
import type { RotationEngine } from './rotation-engine.js';

export interface ScanReport {
  examined: number;
  rotated: number;
  skipped: number;
  inProgress: number;
  /** Rotations waiting for an old credential to drain, checked again by this scan. */
  waitingForDrain: number;
  failed: number;
  staleEntriesRemoved: number;
}

export interface DueScanDependencies {
  policies: PolicyRepository;
  states: PolicyStateStore;
  schedule: ScheduleIndex;
  engine: RotationEngine;
  clock: Clock;
  logger: Logger;
  /** Policies handled at once; Key Vault allows 300 creates per vault per 10 s. */
  concurrency?: number;
}

export class DueScan {
  readonly #deps: DueScanDependencies;

  constructor(deps: DueScanDependencies) {
    this.#deps = deps;
  }

  async run(): Promise<ScanReport> {
    const report: ScanReport = { examined: 0, rotated: 0, skipped: 0, inProgress: 0, waitingForDrain: 0, failed: 0, staleEntriesRemoved: 0 };
    const concurrency = this.#deps.concurrency ?? 4;
    let batch: DueEntry[] = [];
    for await (const entry of this.#deps.schedule.listDue(this.#deps.clock.now())) {
      batch.push(entry);
      if (batch.length >= concurrency) {
        await Promise.all(batch.map((e) => this.#handle(e, report)));
        batch = [];
      }
    }
    await Promise.all(batch.map((e) => this.#handle(e, report)));
    this.#deps.logger.info('scan.finished', { ...report });
    return report;
  }

  async #handle(entry: DueEntry, report: ScanReport): Promise<void> {
    report.examined++;
    try {
      const [stored, state] = await Promise.all([this.#deps.policies.get(entry.policyId), this.#deps.states.get(entry.policyId)]);
      const current = state?.state;
      const entryIsCurrent = current?.active !== undefined || current?.nextDueAt?.getTime() === entry.dueAt.getTime();
      // A disabled policy leaves the index until it is enabled again (the policy API re-adds it).
      if (!stored || !current || !entryIsCurrent || (!stored.policy.enabled && !current.active)) {
        await this.#deps.schedule.remove(entry);
        report.staleEntriesRemoved++;
        return;
      }
      const outcome = await this.#deps.engine.rotate(
        entry.policyId,
        { kind: 'timer', actor: 'scheduler', reason: 'scheduled scan' },
        { policy: stored.policy, state },
      );
      if (outcome.status === 'succeeded') report.rotated++;
      else if (outcome.status === 'failed') report.failed++;
      else if (outcome.status === 'in-progress') report.inProgress++;
      else if (outcome.status === 'waiting-for-drain') report.waitingForDrain++;
      else report.skipped++;
    } catch (error) {
      report.failed++;
      this.#deps.logger.error('scan.policy-failed', { policyId: entry.policyId, error: describeError(error) });
    }
  }
}
