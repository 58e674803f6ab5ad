import { describe, expect, it } from 'vitest';
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../src/core/durations.js';
import { ValidationError } from '../../src/core/errors.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each([
    ['P90D', 90 * DAY],
    ['PT12H', 12 * HOUR],
    ['P2W', 14 * DAY],
    ['P1DT12H', DAY + 12 * HOUR],
    ['PT30M', 30 * MINUTE],
    ['PT45S', 45 * SECOND],
    ['P1DT2H3M4S', DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND],
    ['P1W2D', 9 * DAY],
    ['90d', 90 * DAY],
    ['12h', 12 * HOUR],
    ['2w', 14 * DAY],
    ['30m', 30 * MINUTE],
    ['45s', 45 * SECOND],
    ['1d12h', DAY + 12 * HOUR],
    ['1h30m', HOUR + 30 * MINUTE],
    ['  120d ', 120 * DAY],
    ['036500d', MAX_DURATION_MS],
  ])('reads %j as %i ms', (text, milliseconds) => {
    // Act
    const duration = parseDuration(text);

    // Assert
    expect(duration).toEqual({ text: text.trim(), milliseconds });
  });

  it.each([
    ['P3M', /months or years.*give days instead, e.g. P90D or 90d/],
    ['P1Y', /months or years/],
    ['P1Y2M10D', /months or years/],
    ['1y', /months or years/],
    ['6mo', /months or years/],
    ['3 months', /months or years/],
    ['1M', /months or years/],
    ['0d', /is zero: a rotation interval must be longer than zero/],
    ['P0D', /is zero/],
    ['PT0S', /is zero/],
    ['-90d', /is negative/],
    ['-P90D', /is negative/],
    ['', /a duration is required/],
    ['   ', /a duration is required/],
    ['90', /not recognised: use ISO 8601 \(P90D, PT12H, P2W, P1DT12H\) or shorthand \(90d, 12h, 2w, 30m, 45s, 1d12h\)/],
    ['d', /not recognised/],
    ['P', /not recognised/],
    ['PT', /not recognised/],
    ['P1DT', /not recognised/],
    ['PT1D', /not recognised/],
    ['P1.5D', /not recognised/],
    ['1.5d', /not recognised/],
    ['90 d', /not recognised/],
    ['90D', /not recognised/],
    ['12h1d', /not recognised/],
    ['ninety days', /not recognised/],
    ['36501d', /longer than 100 years/],
    ['9'.repeat(400) + 'd', /longer than 100 years/],
  ])('refuses %j, saying why', (text, message) => {
    // Act
    const attempt = (): unknown => parseDuration(text);

    // Assert
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(message);
  });
});

describe('formatDuration', () => {
  it.each([
    [90 * DAY, '90d'],
    [DAY + 12 * HOUR, '1d12h'],
    [30 * MINUTE, '30m'],
    [HOUR + 45 * SECOND, '1h45s'],
    [1500, '1s500ms'],
    [0, '0s'],
  ])('writes %i ms as %s', (milliseconds, text) => {
    expect(formatDuration(milliseconds)).toBe(text);
  });

  it.each(['90d', 'P1DT12H', 'PT30M', 'P2W', '1h45s'])('round-trips %s through parseDuration', (text) => {
    const { milliseconds } = parseDuration(text);
    expect(parseDuration(formatDuration(milliseconds)).milliseconds).toBe(milliseconds);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s', (milliseconds) => {
    expect(() => formatDuration(milliseconds)).toThrow(RangeError);
  });
});
