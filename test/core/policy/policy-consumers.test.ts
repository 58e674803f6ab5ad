import { describe, expect, it } from 'vitest';
import { consumerKinds } from '../../../src/composition.js';
import { ValidationError } from '../../../src/core/errors.js';
import { parsePolicy, policyWarnings } from '../../../src/core/policy/policy.js';
import { aPolicyJson } from '../../support/policy-mother.js';

const postgres = { kind: 'postgresql', name: 'orders-primary', host: 'orders.postgres.database.azure.com', port: 5432, database: 'orders', login: 'orders_app', tls: true, admin: { secretName: 'orders-db-admin' } };
const redis = { kind: 'redis', name: 'orders-cache', host: 'orders.redis.cache.windows.net', port: 6380, login: 'orders_cache', tls: true, admin: { secretName: 'orders-cache-admin' } };

function withConsumers(overrides: Record<string, unknown> = {}) {
  const { contentType: _plain, ...base } = aPolicyJson({ id: 'orders-db', secretName: 'orders-db-credentials', rotation: { every: '30d', validFor: '60d' } });
  return { ...base, strategy: { kind: 'alternating-users', gracePeriod: '1h', maxDrainWait: '24h' }, consumers: [postgres], ...overrides };
}

function refusal(input: unknown): ValidationError {
  try {
    parsePolicy(input, consumerKinds);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('the policy was accepted');
}

describe('policies with consumers', () => {
  it('accepts the documented shape, with defaults for port and tls', () => {
    // Act
    const policy = parsePolicy(withConsumers({ consumers: [{ ...postgres, port: undefined, tls: undefined }] }), consumerKinds);

    // Assert
    expect(policy.strategy).toEqual({ kind: 'alternating-users', gracePeriod: '1h', maxDrainWait: '24h' });
    expect(policy.consumers).toEqual([{ ...postgres, port: 5432, tls: true }]);
    expect(policyWarnings(policy)).toEqual([]);
  });

  it('refuses consumers where this deployment knows no kinds', () => {
    expect(() => parsePolicy(withConsumers())).toThrow(ValidationError);
  });

  it.each([
    { what: 'an unknown kind', input: withConsumers({ consumers: [{ ...postgres, kind: 'oracle' }] }), path: 'consumers.0.kind', says: "unknown consumer kind 'oracle'" },
    { what: 'a missing kind', input: withConsumers({ consumers: [{ ...postgres, kind: undefined }] }), path: 'consumers.0.kind', says: 'is required' },
    { what: 'two consumers with one name', input: withConsumers({ consumers: [postgres, { ...postgres, host: 'replica.example.com' }] }), path: 'consumers.1.name', says: 'unique' },
    { what: 'a strategy the kind cannot do safely', input: withConsumers({ strategy: { kind: 'multi-password', gracePeriod: '1h', maxDrainWait: '1h' } }), path: 'consumers.0.kind', says: 'cannot do multi-password' },
    { what: 'alternating users on Redis', input: withConsumers({ consumers: [redis] }), path: 'consumers.0.kind', says: 'cannot do alternating-users' },
    { what: 'a grace period longer than every', input: withConsumers({ strategy: { kind: 'alternating-users', gracePeriod: '31d', maxDrainWait: '1h' } }), path: 'strategy.gracePeriod', says: 'must not be longer than rotation.every' },
    { what: 'grace plus drain wait past every', input: withConsumers({ strategy: { kind: 'alternating-users', gracePeriod: '20d', maxDrainWait: '11d' } }), path: 'strategy.maxDrainWait', says: 'must fit within rotation.every' },
    { what: 'tls: false to a host on a network', input: withConsumers({ consumers: [{ ...postgres, tls: false }] }), path: 'consumers.0.tls', says: 'only to a loopback host' },
    { what: 'consumers without a strategy', input: withConsumers({ strategy: undefined }), path: 'strategy', says: 'is required with consumers' },
    { what: 'a strategy without consumers', input: withConsumers({ consumers: undefined }), path: 'strategy', says: 'needs consumers' },
    { what: 'an empty consumer list', input: withConsumers({ consumers: [], strategy: undefined }), path: 'consumers', says: 'cannot be empty' },
    { what: 'a template generator', input: withConsumers({ generator: { kind: 'template', fields: { password: { kind: 'random_password', length: 32 } } } }), path: 'generator.kind', says: 'random_password or random_string' },
    { what: 'a plain-text content type', input: withConsumers({ contentType: 'text/plain' }), path: 'contentType', says: 'application/json' },
    { what: 'two logins for one secret', input: withConsumers({ consumers: [postgres, { ...postgres, name: 'replica', login: 'other_app' }] }), path: 'consumers.1.login', says: 'holds one username' },
    { what: 'the rotated secret as its own admin', input: withConsumers({ consumers: [{ ...postgres, admin: { secretName: 'orders-db-credentials' } }] }), path: 'consumers.0.admin.secretName', says: 'cannot be the secret this policy rotates' },
    { what: 'a login written as SQL', input: withConsumers({ consumers: [{ ...postgres, login: 'app"; DROP ROLE admin; --' }] }), path: 'consumers.0.login', says: 'letters, digits and underscores' },
    { what: 'a login too long for its pair', input: withConsumers({ consumers: [{ ...postgres, login: 'a'.repeat(56) }] }), path: 'consumers.0.login', says: '1-55' },
    { what: 'a second-login suffix that is not an identifier', input: withConsumers({ strategy: { kind: 'alternating-users', gracePeriod: '1h', maxDrainWait: '1h', secondLoginSuffix: '-b' } }), path: 'strategy.secondLoginSuffix', says: 'letters, digits or underscores' },
    { what: 'a port out of range', input: withConsumers({ consumers: [{ ...postgres, port: 70000 }] }), path: 'consumers.0.port', says: '1-65535' },
    { what: 'an admin given as a password', input: withConsumers({ consumers: [{ ...postgres, admin: { username: 'admin', password: 'hunter2' } }] }), path: 'consumers.0.admin', says: 'secretName' },
    { what: 'an unknown consumer field', input: withConsumers({ consumers: [{ ...postgres, sslmode: 'disable' }] }), path: 'consumers.0.sslmode', says: 'not a known field' },
    { what: 'an unknown strategy', input: withConsumers({ strategy: { kind: 'single-user', gracePeriod: '1h', maxDrainWait: '1h' } }), path: 'strategy.kind', says: 'must be one of' },
  ])('refuses $what, naming $path', ({ input, path, says }) => {
    // Act
    const error = refusal(input);

    // Assert
    const detail = error.details.find((d) => d.path === path);
    expect(detail, JSON.stringify(error.details)).toBeDefined();
    expect(detail!.message).toContain(says);
  });

  it('never repeats an admin password someone put in the policy', () => {
    const error = refusal(withConsumers({ consumers: [{ ...postgres, admin: { username: 'admin', password: 'hunter2-do-not-echo' } }] }));
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('hunter2-do-not-echo');
  });

  it('allows tls: false to loopback, and a grace period of a second with a warning', () => {
    // Act
    const policy = parsePolicy(
      withConsumers({ consumers: [{ ...postgres, host: '127.0.0.1', tls: false }], strategy: { kind: 'alternating-users', gracePeriod: 'PT1S', maxDrainWait: '1s' } }),
      consumerKinds,
    );

    // Assert
    expect(policy.strategy!.gracePeriod).toBe('PT1S');
    expect(policyWarnings(policy)).toEqual([expect.stringContaining('under a minute')]);
  });

  it('accepts Redis with multi-password and its other nodes, and Entra sign-in for the admin', () => {
    const policy = parsePolicy(
      withConsumers({
        strategy: { kind: 'multi-password', gracePeriod: '1h', maxDrainWait: '1h' },
        consumers: [{ ...redis, admin: { entra: true, username: 'id-kvrot' }, nodes: [{ host: 'replica-1.internal', port: 6380 }] }],
      }),
      consumerKinds,
    );
    expect(policy.consumers![0]).toMatchObject({ kind: 'redis', nodes: [{ host: 'replica-1.internal', port: 6380 }], admin: { entra: true } });
  });
});
