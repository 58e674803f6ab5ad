import type { Clock } from '../../../src/core/clock.js';

export class ManualClock implements Clock {
  #now: number;

  constructor(start = new Date('2026-11-23T12:00:00Z')) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}
