import { describe, expect, it } from 'vitest';
import { describeError, NotFoundError, ValidationError } from '../../src/core/errors.js';

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

describe('ValidationError', () => {
  it('bounds and escapes its message and every detail, since both quote what the caller sent', () => {
    // Arrange
    const key = `${'k'.repeat(20_000)}\u202e`;

    // Act
    const error = new ValidationError(`invalid rotation policy: ${key}: unknown field`, [{ path: `tags.${key}`, message: `'${key}' is reserved` }]);

    // Assert
    expect(error.message.length).toBeLessThan(1_100);
    expect(error.details[0]!.path.length).toBeLessThan(600);
    expect(error.details[0]!.message.length).toBeLessThan(600);
    expect(`${error.message}${JSON.stringify(error.details)}`).not.toMatch(/\u202e/u);
  });

  it('keeps an ordinary message and details as they are', () => {
    const error = new ValidationError('the request body is invalid', [{ path: 'reason', message: 'must not be empty' }]);
    expect(error.message).toBe('the request body is invalid');
    expect(error.details).toEqual([{ path: 'reason', message: 'must not be empty' }]);
  });
});
