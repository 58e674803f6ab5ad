/**
 * Where generators get their randomness. Production draws bytes from
 * node:crypto; tests inject a seeded or scripted source to check the
 * algorithms deterministically.
 */
import { randomBytes } from 'node:crypto';

export interface RandomSource {
  /** A uniformly distributed integer in [0, maxExclusive). */
  randomInt(maxExclusive: number): number;
}

/** Returns `size` fresh random bytes. */
export type ByteSource = (size: number) => Uint8Array;

/** Alphabets and shuffles stay far below this; 4 bytes per draw keeps the arithmetic exact. */
export const MAX_RANDOM_RANGE = 2 ** 32;

/**
 * Uniform integers from random bytes by rejection sampling: a draw of k bytes
 * is kept only below the largest multiple of maxExclusive that fits in 256^k,
 * so `draw % maxExclusive` favours no value (no modulo bias).
 */
export function randomSourceFromBytes(bytes: ByteSource): RandomSource {
  return {
    randomInt(maxExclusive: number): number {
      if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > MAX_RANDOM_RANGE) {
        throw new RangeError(`randomInt needs an integer bound in [1, ${MAX_RANDOM_RANGE}], got ${maxExclusive}`);
      }
      if (maxExclusive === 1) return 0;
      const width = byteWidth(maxExclusive);
      const range = 256 ** width;
      const limit = range - (range % maxExclusive);
      for (;;) {
        const draw = bytes(width);
        let value = 0;
        for (let index = 0; index < width; index++) value = value * 256 + draw[index]!;
        if (value < limit) return value % maxExclusive;
      }
    },
  };
}

function byteWidth(maxExclusive: number): number {
  let width = 1;
  while (256 ** width < maxExclusive) width++;
  return width;
}

/**
 * Fetches bytes from `fill` in blocks and hands each byte out once. One
 * randomBytes call per draw costs about 2 µs; a block makes it ~40x cheaper
 * (node's own crypto.randomInt caches the same way).
 */
export function blockBytes(fill: ByteSource, blockSize = 1024): ByteSource {
  let block: Uint8Array = new Uint8Array(0);
  let offset = 0;
  return (size) => {
    if (offset + size > block.length) {
      block = fill(Math.max(blockSize, size));
      offset = 0;
    }
    const out = block.subarray(offset, offset + size);
    offset += size;
    return out;
  };
}

export const cryptoRandomSource: RandomSource = randomSourceFromBytes(blockBytes((size) => randomBytes(size)));

/** One element, uniformly. */
export function pick<T>(items: readonly T[], random: RandomSource): T {
  return items[random.randomInt(items.length)]!;
}

/** Fisher-Yates, in place: every permutation equally likely when the source is uniform. */
export function shuffle<T>(items: T[], random: RandomSource): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = random.randomInt(index + 1);
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}
