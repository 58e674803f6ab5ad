import { describe, expect, it } from 'vitest';
import { describeError, NotFoundError } from '../../src/core/errors.js';

describe('describeError', () => {
  it.each([
    ['a domain error', new NotFoundError(`policy '${'p'.repeat(1_000_000)}\n' not found`)],
    ['any other error', new Error(`socket hang up ${'x'.repeat(1_000_000)}\u202e`)],
  ])('bounds and escapes %s, as it goes to state, audit and logs', (_name, error) => {
    // Act
    const text = describeError(error);

    // Assert
    expect(text.length).toBeLessThan(1_100);
    expect(text).not.toMatch(/[\n\u202e]/u);
    expect(text).toMatch(/more characters\]$/);
  });
});
