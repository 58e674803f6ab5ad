/** How parsePolicy refuses: one detail per problem at its own path, and a message that names the first and counts the rest. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import { aPolicyJson } from '../../support/policy-mother.js';

function refusal(input: unknown): ValidationError {
  try {
    parsePolicy(input);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected parsePolicy to refuse');
}

describe('parsePolicy refusals', () => {
  it('name the one problem, without counting others', () => {
    const error = refusal(aPolicyJson({ owner: '   ' }));
    expect(error.message).toBe('invalid rotation policy: owner: cannot be empty');
    expect(error.details).toEqual([{ path: 'owner', message: 'cannot be empty' }]);
  });

  it('name the first of several problems and count the rest', () => {
    const error = refusal(aPolicyJson({ owner: '', environment: '', tags: { 'managed-by': 'me' } }));
    expect(error.details.map((detail) => detail.path)).toEqual(['environment', 'owner', 'tags.managed-by']);
    expect(error.message).toBe(`invalid rotation policy: environment: cannot be empty (and 2 more)`);
  });

  it('say "(policy)" when the problem is the whole body', () => {
    const error = refusal('not an object');
    expect(error.message).toMatch(/^invalid rotation policy: \(policy\): /);
    expect(error.details[0]!.path).toBe('');
  });

  it.each([
    { field: 'environment', value: ' production ', kept: 'production' },
    { field: 'owner', value: '\tteam-payments\n', kept: 'team-payments' },
  ])('trim $field before keeping it', ({ field, value, kept }) => {
    expect(parsePolicy(aPolicyJson({ [field]: value }))[field as 'owner']).toBe(kept);
  });

  it.each([
    { field: 'environment', value: 'e'.repeat(65), message: 'must be at most 64 characters' },
    { field: 'environment', value: ' \t ', message: 'cannot be empty' },
    { field: 'owner', value: 'o'.repeat(129), message: 'must be at most 128 characters' },
    { field: 'contentType', value: '', message: 'cannot be empty; leave it out instead' },
    { field: 'contentType', value: 't'.repeat(256), message: 'must be at most 255 characters: Key Vault refuses longer content types' },
  ])('refuse $field of $value.length characters: "$message"', ({ field, value, message }) => {
    expect(refusal(aPolicyJson({ [field]: value })).details).toEqual([{ path: field, message }]);
  });

  it('accept environment and owner at their longest', () => {
    const policy = parsePolicy(aPolicyJson({ environment: 'e'.repeat(64), owner: 'o'.repeat(128), contentType: 't'.repeat(255) }));
    expect([policy.environment.length, policy.owner.length, policy.contentType!.length]).toEqual([64, 128, 255]);
  });

  it.each([
    { tags: { '': 'x' }, path: 'tags.', message: 'a tag name cannot be empty' },
    { tags: { ['n'.repeat(257)]: 'x' }, path: `tags.${'n'.repeat(257)}`, message: 'a tag name has at most 256 characters in Key Vault; this one has 257' },
    { tags: { team: 'v'.repeat(257) }, path: 'tags.team', message: 'a tag value has at most 256 characters in Key Vault; this one has 257' },
    { tags: { 'Rotation-Id': 'x' }, path: 'tags.Rotation-Id', message: "'Rotation-Id' is reserved: this app writes it to mark the versions it creates" },
  ])('refuse tag $path: "$message"', ({ tags, path, message }) => {
    expect(refusal(aPolicyJson({ tags })).details).toEqual([{ path, message }]);
  });

  it('accept a tag name and value of 256 characters', () => {
    const tags = { ['n'.repeat(256)]: 'v'.repeat(256) };
    expect(parsePolicy(aPolicyJson({ tags })).tags).toEqual(tags);
  });

  it.each([
    { vaultUrl: 'http://kv-payments.vault.azure.net', path: 'vaultUrl' },
    { secretName: 'has_underscore', path: 'secretName' },
    { rotation: { every: 'soon', validFor: '120d' }, path: 'rotation.every' },
    { rotation: { every: '90d', validFor: '120 days' }, path: 'rotation.validFor' },
  ])('refuse an unreadable $path with its own message, and nothing else', ({ path, ...override }) => {
    const { details } = refusal(aPolicyJson(override as never));
    expect(details).toHaveLength(1);
    expect(details[0]).toEqual({ path, message: expect.any(String) });
    expect(details[0]!.message.length).toBeGreaterThan(10);
  });
});
