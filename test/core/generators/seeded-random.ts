/**
 * Deterministic randomness for tests: an AES-256-CTR keystream keyed by a seed,
 * fed through the production sampler. Same seed, same draws, on every machine.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { blockBytes, randomSourceFromBytes, type ByteSource, type RandomSource } from '../../../src/core/generators/random-source.js';

export function seededBytes(seed: string): ByteSource {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return blockBytes((size) => cipher.update(Buffer.alloc(size)));
}

export function seededRandom(seed: string): RandomSource {
  return randomSourceFromBytes(seededBytes(seed));
}

/** Plays back the given bytes in order and fails the test if the sampler asks for more. */
export function scriptedBytes(bytes: number[]): ByteSource & { consumed: () => number } {
  let offset = 0;
  const source = (size: number): Uint8Array => {
    if (offset + size > bytes.length) throw new Error(`scripted source exhausted: asked for ${size} more after ${offset}`);
    const out = Uint8Array.from(bytes.slice(offset, offset + size));
    offset += size;
    return out;
  };
  return Object.assign(source, { consumed: () => offset });
}

/** Answers randomInt with the given values in order, checking each is within the bound asked for. */
export function scriptedInts(values: number[]): RandomSource & { bounds: number[] } {
  const bounds: number[] = [];
  let index = 0;
  return {
    bounds,
    randomInt(maxExclusive: number): number {
      const value = values[index++];
      if (value === undefined) throw new Error('scripted ints exhausted');
      if (value >= maxExclusive) throw new Error(`scripted value ${value} is outside [0, ${maxExclusive})`);
      bounds.push(maxExclusive);
      return value;
    },
  };
}
