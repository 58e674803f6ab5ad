/**
 * Fires timer-triggered functions on their NCRONTAB schedules. A timer never
 * overlaps itself: the next occurrence is computed only after the current run
 * has finished, so occurrences missed during a long run are skipped (the
 * real host behaves the same way for a single instance).
 */
import type { NcrontabSchedule } from './ncrontab.js';

/** The timer payload as the Functions host sends it; the library camel-cases it into `Timer`. */
export interface HostTimerInfo {
  Schedule: { AdjustForDST: boolean };
  ScheduleStatus: { Last: string; Next: string; LastUpdated: string };
  IsPastDue: boolean;
}

export interface TimerJob {
  functionName: string;
  schedule: NcrontabSchedule;
  runOnStartup: boolean;
  /** Runs one invocation; the host logs failures, so this never rejects. */
  run(info: HostTimerInfo): Promise<void>;
  /** Called when the schedule has no future occurrence. */
  onNeverDue(): void;
}

const MAX_TIMEOUT_MS = 2_147_483_647;
/** A run that starts this late after its occurrence is reported as past due. */
const PAST_DUE_AFTER_MS = 1_000;

export function timerInfo(due: Date, previousDue: Date | undefined, next: Date | undefined, now: Date): HostTimerInfo {
  return {
    Schedule: { AdjustForDST: true },
    ScheduleStatus: {
      Last: (previousDue ?? due).toISOString(),
      Next: (next ?? due).toISOString(),
      LastUpdated: now.toISOString(),
    },
    IsPastDue: now.getTime() - due.getTime() > PAST_DUE_AFTER_MS,
  };
}

export class TimerScheduler {
  readonly #jobs: readonly TimerJob[];
  readonly #handles = new Map<TimerJob, NodeJS.Timeout>();
  readonly #previousDue = new Map<TimerJob, Date>();
  #stopped = false;

  constructor(jobs: readonly TimerJob[]) {
    this.#jobs = jobs;
  }

  start(): void {
    for (const job of this.#jobs) {
      if (job.runOnStartup) void this.#fire(job, new Date());
      else this.#arm(job);
    }
  }

  /** Cancels pending occurrences; runs already started are the host's to wait for. */
  stop(): void {
    this.#stopped = true;
    for (const handle of this.#handles.values()) clearTimeout(handle);
    this.#handles.clear();
  }

  #arm(job: TimerJob): void {
    if (this.#stopped) return;
    const due = job.schedule.next(new Date());
    if (!due) {
      job.onNeverDue();
      return;
    }
    this.#wait(job, due);
  }

  #wait(job: TimerJob, due: Date): void {
    const delay = Math.min(Math.max(due.getTime() - Date.now(), 0), MAX_TIMEOUT_MS);
    this.#handles.set(
      job,
      setTimeout(() => {
        this.#handles.delete(job);
        // Long delays are chunked, and timers may wake a millisecond early.
        if (Date.now() < due.getTime()) this.#wait(job, due);
        else void this.#fire(job, due);
      }, delay),
    );
  }

  async #fire(job: TimerJob, due: Date): Promise<void> {
    if (this.#stopped) return;
    const info = timerInfo(due, this.#previousDue.get(job), job.schedule.next(due), new Date());
    this.#previousDue.set(job, due);
    await job.run(info);
    this.#arm(job);
  }
}
