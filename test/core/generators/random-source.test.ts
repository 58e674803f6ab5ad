import { describe, expect, it } from 'vitest';
import {
  blockBytes,
  cryptoRandomSource,
  MAX_RANDOM_RANGE,
  randomSourceFromBytes,
  shuffle,
} from '../../../src/core/generators/random-source.js';
import { scriptedBytes, scriptedInts, seededRandom } from './seeded-random.js';
import { chiSquare, chiSquareBound } from './statistics.js';

describe('randomSourceFromBytes (the index sampler)', () => {
  it.each([2, 3, 10, 62, 94, 100, 255, 256])('maps the 256 one-byte draws onto [0, %i) with no value favoured', (bound) => {
    // Arrange: a draw at or above the largest multiple of `bound` below 256 must be rejected.
    const limit = 256 - (256 % bound);
    const counts = new Array<number>(bound).fill(0);
    const rejected: number[] = [];

    // Act: feed every possible byte once, followed by a 0 that only a rejection consumes.
    for (let byte = 0; byte < 256; byte++) {
      const source = scriptedBytes([byte, 0]);
      const value = randomSourceFromBytes(source).randomInt(bound);
      if (source.consumed() === 2) rejected.push(byte);
      else counts[value]! += 1;
    }

    // Assert: exactly the tail is rejected, and every value is reached by limit / bound bytes.
    expect(rejected).toEqual(Array.from({ length: 256 - limit }, (_, index) => limit + index));
    expect(new Set(counts)).toEqual(new Set([limit / bound]));
  });

  it('rejects a byte in the biased tail and draws again', () => {
    // Arrange: for bound 3 the accepted bytes are 0..254; 255 would favour 0.
    const source = scriptedBytes([255, 255, 7]);

    // Act
    const value = randomSourceFromBytes(source).randomInt(3);

    // Assert
    expect(value).toBe(7 % 3);
    expect(source.consumed()).toBe(3);
  });

  it('uses two bytes for bounds above 256, big-endian, with the same rejection rule', () => {
    // Arrange: 65536 % 1000 = 536, so the limit is 65000; 0xFDE8 = 65000 is rejected, 0x0102 = 258 accepted.
    const source = scriptedBytes([0xfd, 0xe8, 0x01, 0x02]);

    // Act
    const value = randomSourceFromBytes(source).randomInt(1000);

    // Assert
    expect(value).toBe(258);
    expect(source.consumed()).toBe(4);
  });

  it('answers 0 for a bound of 1 without consuming randomness', () => {
    const source = scriptedBytes([]);
    expect(randomSourceFromBytes(source).randomInt(1)).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN, MAX_RANDOM_RANGE + 1])('refuses the bound %s', (bound) => {
    expect(() => cryptoRandomSource.randomInt(bound)).toThrow(RangeError);
  });

  it('stays in range over the full 4-byte width', () => {
    const value = cryptoRandomSource.randomInt(MAX_RANDOM_RANGE);
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThan(MAX_RANDOM_RANGE);
  });

  it('spreads crypto draws evenly (loose chi-square bound, 100k draws over 62 values)', () => {
    // Arrange
    const bound = 62;
    const draws = 100_000;
    const observed = new Map<string, number>();

    // Act
    for (let index = 0; index < draws; index++) {
      const key = String(cryptoRandomSource.randomInt(bound));
      observed.set(key, (observed.get(key) ?? 0) + 1);
    }

    // Assert
    const expected = new Map(Array.from({ length: bound }, (_, value) => [String(value), draws / bound]));
    expect(chiSquare(observed, expected)).toBeLessThan(chiSquareBound(bound - 1));
  });

  it('has a chi-square check sharp enough to catch modulo bias (byte % 62 fails it)', () => {
    // Arrange: the naive sampler this module avoids, fed the same seeded bytes.
    const bytes = seededRandom('modulo-bias');
    const bound = 62;
    const draws = 100_000;
    const observed = new Map<string, number>();

    // Act
    for (let index = 0; index < draws; index++) {
      const key = String(bytes.randomInt(256) % bound);
      observed.set(key, (observed.get(key) ?? 0) + 1);
    }

    // Assert
    const expected = new Map(Array.from({ length: bound }, (_, value) => [String(value), draws / bound]));
    expect(chiSquare(observed, expected)).toBeGreaterThan(chiSquareBound(bound - 1));
  });
});

describe('shuffle (Fisher-Yates)', () => {
  it('produces each of the 24 orders of 4 items exactly once over all 24 draw sequences', () => {
    // Arrange: the draws are j in [0, i] for i = 3, 2, 1.
    const orders = new Set<string>();

    // Act
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 3; b++) {
        for (let c = 0; c < 2; c++) {
          orders.add(shuffle(['w', 'x', 'y', 'z'], scriptedInts([a, b, c])).join(''));
        }
      }
    }

    // Assert
    expect(orders.size).toBe(24);
  });

  it('asks for bounds n, n-1, ..., 2', () => {
    const random = scriptedInts([0, 0, 0, 0]);
    shuffle([1, 2, 3, 4, 5], random);
    expect(random.bounds).toEqual([5, 4, 3, 2]);
  });

  it('keeps the same elements', () => {
    const items = Array.from({ length: 50 }, (_, index) => index);
    expect([...shuffle([...items], cryptoRandomSource)].sort((a, b) => a - b)).toEqual(items);
  });
});

describe('blockBytes', () => {
  it('hands out each fetched byte exactly once, in order, across block boundaries', () => {
    // Arrange: a counting source, fetched in blocks of 4.
    let next = 0;
    const fetches: number[] = [];
    const source = blockBytes((size) => {
      fetches.push(size);
      return Uint8Array.from({ length: size }, () => next++);
    }, 4);

    // Act
    const drawn = [source(3), source(2), source(1), source(6)].flatMap((bytes) => [...bytes]);

    // Assert: no byte is repeated or skipped except the unused tail of a block.
    expect(drawn).toEqual([0, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13]);
    expect(fetches).toEqual([4, 4, 6]);
  });
});
