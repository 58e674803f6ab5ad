/** The backoff between failed attempts: 1, 2, 4, 8… minutes, never more than an hour. */
import { describe, expect, it } from 'vitest';
import { retryDelayInMs } from '../../../src/core/rotation/retry-budget.js';

const MINUTE = 60_000;

describe('retryDelayInMs', () => {
  it.each([
    { failedAttempts: 1, minutes: 1 },
    { failedAttempts: 2, minutes: 2 },
    { failedAttempts: 3, minutes: 4 },
    { failedAttempts: 4, minutes: 8 },
    { failedAttempts: 5, minutes: 16 },
    { failedAttempts: 6, minutes: 32 },
    { failedAttempts: 7, minutes: 60 },
    { failedAttempts: 8, minutes: 60 },
    { failedAttempts: 50, minutes: 60 },
  ])('waits $minutes min after $failedAttempts failed attempts', ({ failedAttempts, minutes }) => {
    expect(retryDelayInMs(failedAttempts)).toBe(minutes * MINUTE);
  });

  it('never waits less than a minute, whatever count it is given', () => {
    expect(retryDelayInMs(0)).toBe(MINUTE);
    expect(retryDelayInMs(-3)).toBe(MINUTE);
  });
});
