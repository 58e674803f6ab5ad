import { describe, expect, it } from 'vitest';
import { NcrontabError, parseNcrontab } from '../../../src/local/functions-host/ncrontab.js';

describe('parseNcrontab', () => {
  it.each([
    // expression, after (UTC), expected next (UTC)
    ['* * * * * *', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:01.000Z'],
    ['* * * * * *', '2025-01-01T00:00:00.400Z', '2025-01-01T00:00:01.000Z'],
    ['*/15 * * * * *', '2025-01-01T00:00:14.000Z', '2025-01-01T00:00:15.000Z'],
    ['0 */5 * * * *', '2025-01-01T00:00:00.000Z', '2025-01-01T00:05:00.000Z'],
    ['0 */5 * * * *', '2025-01-01T00:58:30.000Z', '2025-01-01T01:00:00.000Z'],
    ['30 15 9 * * *', '2025-01-01T09:15:30.000Z', '2025-01-02T09:15:30.000Z'],
    ['0 0 3 * * *', '2025-12-31T04:00:00.000Z', '2026-01-01T03:00:00.000Z'],
    ['0 0 9-17 * * 1-5', '2025-01-03T17:00:00.000Z', '2025-01-06T09:00:00.000Z'],
    ['0 0 9 * * MON-FRI', '2025-01-04T00:00:00.000Z', '2025-01-06T09:00:00.000Z'],
    ['0 0 0 1 JAN,jul *', '2025-01-01T00:00:00.000Z', '2025-07-01T00:00:00.000Z'],
    ['0 0 0 29 2 *', '2025-03-01T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
    ['5,10,20-22 0 0 * * *', '2025-01-01T00:00:10.000Z', '2025-01-01T00:00:20.000Z'],
    ['0 10/20 * * * *', '2025-01-01T00:11:00.000Z', '2025-01-01T00:30:00.000Z'],
    ['0 0 0 1-10/3 * *', '2025-01-02T00:00:00.000Z', '2025-01-04T00:00:00.000Z'],
    // Day-of-month AND day-of-week, as NCrontab: the 13th that is a Friday.
    ['0 0 0 13 * 5', '2025-01-01T00:00:00.000Z', '2025-06-13T00:00:00.000Z'],
    ['  0  0  12  *  *  0  ', '2025-01-01T00:00:00.000Z', '2025-01-05T12:00:00.000Z'],
  ])('%s after %s is %s', (expression, after, expected) => {
    // Arrange
    const schedule = parseNcrontab(expression);

    // Act
    const next = schedule.next(new Date(after));

    // Assert
    expect(next?.toISOString()).toBe(expected);
  });

  it('returns undefined for a date that never comes', () => {
    // Arrange
    const schedule = parseNcrontab('0 0 0 31 2 *');

    // Act
    const next = schedule.next(new Date('2025-01-01T00:00:00Z'));

    // Assert
    expect(next).toBeUndefined();
  });

  it.each([
    ['0 */5 * * *', /six fields/],
    ['0 0 0 0 0 0 0', /six fields/],
    ['60 * * * * *', /second 60 is outside 0-59/],
    ['0 0 24 * * *', /hour 24 is outside 0-23/],
    ['0 0 0 0 * *', /day 0 is outside 1-31/],
    ['0 0 0 * 13 *', /month 13 is outside 1-12/],
    ['0 0 0 * * 7', /day-of-week 7 is outside 0-6/],
    ['*/0 * * * * *', /step '0'/],
    ['0 5-1 * * * *', /runs backwards/],
    ['0 a * * * *', /'a' is not a valid minute/],
    ['0 1-2-3 * * * *', /six fields|not a valid range/],
    ['0 1,,2 * * * *', /not a valid minute item/],
    ['00:05:00', /six fields/],
  ])('refuses %s', (expression, message) => {
    // Act
    const parse = (): unknown => parseNcrontab(expression);

    // Assert
    expect(parse).toThrow(NcrontabError);
    expect(parse).toThrow(message);
  });
});
