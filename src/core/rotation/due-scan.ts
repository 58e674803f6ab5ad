/**
 * The timer's work: read the schedule index up to now (so the cost grows with what is due,
 * not with what is stored) and hand each due entry on. In the app that is the rotation queue,
 * one message per entry, so that every instance the platform scales out takes its share; each
 * message is then a DueRotation. Without a queue (the core's tests, in-process benches) the
 * scan rotates the entries itself, a few at a time. One failing entry never stops the rest.
 */
import type { Clock } from '../clock.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DueEntry, PolicyRepository, PolicyStateStore, ScheduleIndex } from '../ports.js';
import type { DueRotationQueue } from './due-queue.js';
import { DueRotation } from './due-rotation.js';
import type { RotationEngine } from './rotation-engine.js';

export interface ScanReport {
  examined: number;
  /** Entries handed to the rotation queue (each to be rotated by whichever instance takes it). */
  enqueued: number;
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
  /** Where due entries go. Absent: the scan rotates them itself. */
  queue?: DueRotationQueue;
  /** Entries handled (or messages sent) at once. Default 4 rotations, or 16 messages. */
  concurrency?: number;
}

export class DueScan {
  readonly #deps: DueScanDependencies;
  readonly #rotation: DueRotation;

  constructor(deps: DueScanDependencies) {
    this.#deps = deps;
    this.#rotation = new DueRotation(deps);
  }

  async run(): Promise<ScanReport> {
    const report: ScanReport = { examined: 0, enqueued: 0, rotated: 0, skipped: 0, inProgress: 0, waitingForDrain: 0, failed: 0, staleEntriesRemoved: 0 };
    const queue = this.#deps.queue;
    const handle = queue ? (entry: DueEntry) => this.#enqueue(queue, entry, report) : (entry: DueEntry) => this.#rotate(entry, report);
    const concurrency = this.#deps.concurrency ?? (queue ? 16 : 4);
    let batch: DueEntry[] = [];
    for await (const entry of this.#deps.schedule.listDue(this.#deps.clock.now())) {
      batch.push(entry);
      if (batch.length >= concurrency) {
        await Promise.all(batch.map(handle));
        batch = [];
      }
    }
    await Promise.all(batch.map(handle));
    this.#deps.logger.info('scan.finished', { ...report });
    return report;
  }

  async #enqueue(queue: DueRotationQueue, entry: DueEntry, report: ScanReport): Promise<void> {
    report.examined++;
    try {
      await queue.enqueue(entry);
      report.enqueued++;
    } catch (error) {
      // The entry stays in the index, so the next scan sends it again.
      report.failed++;
      this.#deps.logger.error('scan.enqueue-failed', { policyId: entry.policyId, error: describeError(error) });
    }
  }

  async #rotate(entry: DueEntry, report: ScanReport): Promise<void> {
    report.examined++;
    try {
      const result = await this.#rotation.rotate(entry);
      if (result === 'rotated') report.rotated++;
      else if (result === 'failed') report.failed++;
      else if (result === 'in-progress') report.inProgress++;
      else if (result === 'waiting-for-drain') report.waitingForDrain++;
      else if (result === 'stale') report.staleEntriesRemoved++;
      else report.skipped++;
    } catch (error) {
      report.failed++;
      this.#deps.logger.error('scan.policy-failed', { policyId: entry.policyId, error: describeError(error) });
    }
  }
}
