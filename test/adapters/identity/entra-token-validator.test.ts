/**
 * EntraTokenValidator against the local identity provider over HTTP, with jose doing the work:
 * what a valid token yields, every way a token is refused and the reason given, and how the
 * JWKS is fetched (once, again for an unknown kid after the cooldown, stale when unreachable).
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  EntraTokenValidator,
  MAX_TOKEN_CHARS,
  parseBearer,
  TOKEN_REFUSALS,
  type EntraTokenValidatorOptions,
} from '../../../src/adapters/identity/entra-token-validator.js';
import { TransientDependencyError, UnauthenticatedError } from '../../../src/core/errors.js';
import {
  hmacWithPublicKey,
  mintWithForeignKey,
  oversizedToken,
  unsignedToken,
  withTamperedClaims,
} from '../../../src/local/identity-provider/hostile-tokens.js';
import { LOCAL_TENANT_ID, oidFor, startIdentityProvider, type MintRequest, type RunningIdentityProvider } from '../../../src/local/identity-provider/index.js';
import { fuzzParameters } from '../../support/fuzz-settings.js';

const OTHER_TENANT = '11111111-2222-4333-8444-555555555555';
const REFUSALS: readonly string[] = Object.values(TOKEN_REFUSALS);

let provider: RunningIdentityProvider;

beforeAll(async () => {
  provider = await startIdentityProvider();
});

afterAll(async () => {
  await provider.stop();
});

afterEach(() => {
  vi.useRealTimers();
});

function validatorFor(idp: RunningIdentityProvider, options: Partial<EntraTokenValidatorOptions> = {}): EntraTokenValidator {
  return new EntraTokenValidator({ tenantId: idp.tenantId, audiences: [idp.audience], issuers: [idp.issuer], jwksUri: idp.jwksUri, ...options });
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('the token was accepted'),
    (error: unknown) => error,
  );
}

/** Time as jose reads it (Date), moved by hand; timers and sockets keep real time. */
function freezeTime(): { advanceBy(ms: number): void } {
  vi.useFakeTimers({ toFake: ['Date'] });
  return { advanceBy: (ms) => vi.setSystemTime(Date.now() + ms) };
}

const now = (): number => Math.floor(Date.now() / 1000);

describe('a valid token', () => {
  it('yields the caller: oid, display name, user, and the app roles it carries (unknown roles ignored)', async () => {
    // Arrange
    const validator = validatorFor(provider);
    const token = await provider.mintToken({ sub: 'alice', roles: ['Rotation.Read', 'Policy.Write', 'Not.An.AppRole'] });

    // Act
    const caller = await validator.validate(token);

    // Assert
    expect(caller).toEqual({
      oid: oidFor(provider.tenantId, 'alice'),
      displayName: 'alice',
      kind: 'user',
      roles: new Set(['Rotation.Read', 'Policy.Write']),
      tenantId: provider.tenantId,
    });
  });

  it.each<[string, MintRequest, { kind: 'user' | 'application'; displayName: string }]>([
    ['a v1 user token: upn first', { sub: 'alice', upn: 'alice@contoso.example', scp: 'user_impersonation' }, { kind: 'user', displayName: 'alice@contoso.example' }],
    ['a user with a scope and only a name', { sub: 'alice', preferred_username: undefined, name: 'Alice A.', scp: 'access_as_user' }, { kind: 'user', displayName: 'Alice A.' }],
    ['an application marked idtyp=app', { sub: 'svc', preferred_username: undefined, name: undefined, idtyp: 'app', azp: 'c0ffee00-0000-4000-8000-000000000001' }, { kind: 'application', displayName: 'c0ffee00-0000-4000-8000-000000000001' }],
    ['client credentials without idtyp: no scope, no sign-in name (v1 appid)', { sub: 'svc', preferred_username: undefined, name: undefined, appid: 'app-one' }, { kind: 'application', displayName: 'app-one' }],
    ['an application with nothing to name it but its oid', { sub: 'svc', preferred_username: undefined, name: undefined }, { kind: 'application', displayName: oidFor(LOCAL_TENANT_ID, 'svc') }],
  ])('tells users from applications: %s', async (_case, request, expected) => {
    // Arrange
    const validator = validatorFor(provider);

    // Act
    const caller = await validator.validate(await provider.mintToken(request));

    // Assert
    expect({ kind: caller.kind, displayName: caller.displayName }).toEqual(expected);
  });

  it('escapes and bounds a display name, which people choose', async () => {
    // Arrange
    const validator = validatorFor(provider);
    const token = await provider.mintToken({ sub: 'alice', preferred_username: undefined, name: `Mallory\n2026-12-02 INFO forged\u202e${'x'.repeat(1000)}` });

    // Act
    const caller = await validator.validate(token);

    // Assert
    expect(caller.displayName).toMatch(/^Mallory\\u000a2026-12-02 INFO forged\\u202ex+…\[\d+ more characters\]$/);
    expect(caller.displayName.length).toBeLessThan(300);
  });

  it('accepts an issuer and an audience from its lists', async () => {
    // Arrange
    const validator = validatorFor(provider, {
      audiences: ['00000000-aaaa-4bbb-8ccc-000000000000', provider.audience],
      issuers: [`https://sts.windows.net/${provider.tenantId}/`, provider.issuer],
    });

    // Act
    const caller = await validator.validate(await provider.mintToken({ sub: 'alice', aud: '00000000-aaaa-4bbb-8ccc-000000000000' }));

    // Assert
    expect(caller.oid).toBe(oidFor(provider.tenantId, 'alice'));
  });
});

describe('parseBearer', () => {
  it.each(['Bearer abc.def.ghi', 'bearer abc.def.ghi', 'BEARER   abc.def.ghi'])('takes the token of %j', (header) => {
    expect(parseBearer(header)).toBe('abc.def.ghi');
  });

  it.each<[string, string | null]>([
    ['no header', null],
    ['an empty header', ''],
    ['the scheme alone', 'Bearer'],
    ['the scheme and a space', 'Bearer '],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['no space after the scheme', 'Bearerabc.def.ghi'],
    ['two tokens', 'Bearer abc.def.ghi abc.def.ghi'],
    ['a comma list', 'Bearer abc,def'],
    ['a trailing line feed', 'Bearer abc.def.ghi\n'],
    ['a token over 16 KB', `Bearer ${'a'.repeat(MAX_TOKEN_CHARS + 1)}`],
    ['a 20 MB header', `Bearer ${'a'.repeat(20 * 1024 * 1024)}`],
  ])('refuses %s', (_case, header) => {
    expect(() => parseBearer(header)).toThrow(new UnauthenticatedError(TOKEN_REFUSALS.header));
  });

  it('returns a bounded b64token taken from the header, or refuses with the one message, for any header', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.tuple(fc.constantFrom('Bearer ', 'bearer  ', 'BeArEr ', 'Bearer\t', 'Bearer'), fc.string({ unit: 'grapheme-ascii', maxLength: 200 })).map(([s, t]) => s + t),
          fc.integer({ min: MAX_TOKEN_CHARS - 2, max: MAX_TOKEN_CHARS + 2 }).map((n) => `Bearer ${'A'.repeat(n)}`),
        ),
        (header) => {
          try {
            const token = parseBearer(header);
            expect(header.endsWith(token)).toBe(true);
            expect(token).toMatch(/^[A-Za-z0-9\-._~+/]+=*$/);
            expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_CHARS);
          } catch (error) {
            expect(error).toBeInstanceOf(UnauthenticatedError);
            expect((error as Error).message).toBe(TOKEN_REFUSALS.header);
          }
        },
      ),
      fuzzParameters('parseBearer', 2000),
    );
  });
});

describe('a refused token', () => {
  const hostile: [string, () => Promise<string> | string, string][] = [
    ['expired beyond the tolerance', () => provider.mintToken({ sub: 'alice', iat: now() - 4000, nbf: now() - 4000, exp: now() - 301 - 5 }), TOKEN_REFUSALS.expired],
    ['not yet valid beyond the tolerance', () => provider.mintToken({ sub: 'alice', nbf: now() + 301 + 5 }), TOKEN_REFUSALS.notYetValid],
    ['issued in the future beyond the tolerance', () => provider.mintToken({ sub: 'alice', iat: now() + 301 + 5 }), TOKEN_REFUSALS.issuedInFuture],
    ['older than any token Entra issues', () => provider.mintToken({ sub: 'alice', iat: now() - 40 * 3600 }), TOKEN_REFUSALS.expired],
    ['for another audience', () => provider.mintToken({ sub: 'alice', aud: 'api://another-api' }), TOKEN_REFUSALS.audience],
    ['for no audience', () => provider.mintToken({ sub: 'alice', aud: undefined }), TOKEN_REFUSALS.missingClaim],
    ['from Entra, which this deployment does not trust', () => provider.mintToken({ sub: 'alice', iss: `https://login.microsoftonline.com/${provider.tenantId}/v2.0` }), TOKEN_REFUSALS.issuer],
    ['from an issuer that differs by a trailing slash', () => provider.mintToken({ sub: 'alice', iss: `${provider.issuer}/` }), TOKEN_REFUSALS.issuer],
    ['from another tenant', () => provider.mintToken({ sub: 'alice', tid: OTHER_TENANT }), TOKEN_REFUSALS.tenant],
    ['without a tid', () => provider.mintToken({ sub: 'alice', tid: undefined }), TOKEN_REFUSALS.missingClaim],
    ['without an oid', () => provider.mintToken({ sub: 'alice', oid: undefined }), TOKEN_REFUSALS.missingClaim],
    ['with an oid that is not a GUID', () => provider.mintToken({ sub: 'alice', oid: 'alice' }), TOKEN_REFUSALS.oid],
    ['without an exp', () => provider.mintToken({ sub: 'alice', exp: undefined }), TOKEN_REFUSALS.missingClaim],
    ['without an iat', () => provider.mintToken({ sub: 'alice', iat: undefined }), TOKEN_REFUSALS.missingClaim],
    ['with an exp that is not a number', () => provider.mintToken({ sub: 'alice', exp: 'tomorrow' }), TOKEN_REFUSALS.badClaim],
    ['signed by another key under the same kid', () => mintWithForeignKey(provider, { sub: 'alice' }, { kid: 'same' }), TOKEN_REFUSALS.signature],
    ['with its roles raised after signing', async () => withTamperedClaims(await provider.mintToken({ sub: 'alice', roles: ['Rotation.Read'] }), { roles: ['Rotation.BreakGlass'] }), TOKEN_REFUSALS.signature],
    ['signed with alg none', () => unsignedToken(provider, { sub: 'alice', roles: ['Rotation.BreakGlass'] }), TOKEN_REFUSALS.algorithm],
    ['signed HS256 with the public key as the secret', () => hmacWithPublicKey(provider, { sub: 'alice', roles: ['Rotation.BreakGlass'] }), TOKEN_REFUSALS.algorithm],
    ['carrying a 20 KB claim', () => oversizedToken(provider, { sub: 'alice' }), TOKEN_REFUSALS.tooLarge],
    ['not a JWT at all', () => 'not-a-token', TOKEN_REFUSALS.malformed],
    ['with a header that is not JSON', () => `${Buffer.from('{"alg":').toString('base64url')}.e30.c2ln`, TOKEN_REFUSALS.malformed],
  ];

  it.each(hostile)('is refused when %s, with a reason and never the token', async (_case, mint, reason) => {
    // Arrange
    const validator = validatorFor(provider);
    const token = await mint();

    // Act
    const error = await refusal(validator.validate(token));

    // Assert
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({ message: reason, code: 'Unauthenticated', retryable: false });
    expect((error as Error).cause).toBeUndefined();
    expect(JSON.stringify(error)).not.toContain(token.slice(0, 40));
  });

  it.each([
    ['expired 250 s ago', { exp: () => now() - 250 }],
    ['valid from 250 s from now', { nbf: () => now() + 250 }],
    ['issued 250 s from now', { iat: () => now() + 250 }],
  ])('is accepted within the 300 s tolerance: %s', async (_case, claim) => {
    // Arrange
    const validator = validatorFor(provider);
    const overrides = Object.fromEntries(Object.entries(claim).map(([name, value]) => [name, value()]));

    // Act
    const caller = await validator.validate(await provider.mintToken({ sub: 'alice', iat: now() - 600, ...overrides }));

    // Assert
    expect(caller.displayName).toBe('alice');
  });

  it('is refused within 300 s when the tolerance is 0', async () => {
    // Arrange
    const validator = validatorFor(provider, { clockToleranceSeconds: 0 });

    // Act
    const error = await refusal(validator.validate(await provider.mintToken({ sub: 'alice', iat: now() - 600, exp: now() - 5 })));

    // Assert
    expect(error).toMatchObject({ message: TOKEN_REFUSALS.expired });
  });

  it('is refused, whatever the string, with one of the fixed reasons and never echoed', async () => {
    // Arrange
    const validator = validatorFor(provider);
    await validator.validate(await provider.mintToken({ sub: 'alice' }));
    const segment = fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => Buffer.from(s).toString('base64url'));
    const json = fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v)).toString('base64url'));
    const genuine = await provider.mintToken({ sub: 'alice' });
    const [genuineHeader = '', genuinePayload = ''] = genuine.split('.');
    const tokens = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.tuple(fc.oneof(segment, json), fc.oneof(segment, json), fc.oneof(segment, fc.constant(''))).map((parts) => parts.join('.')),
      fc
        .record({ alg: fc.constantFrom('RS256', 'none', 'HS256', 'PS256', 'ES256', 'RS512', 'nOnE', ''), kid: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }) })
        .chain((header) => fc.tuple(fc.constant(header), fc.oneof(json, fc.constant(genuinePayload)), segment))
        .map(([header, payload, signature]) => `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${signature}`),
      segment.map((signature) => `${genuineHeader}.${genuinePayload}.${signature}`),
    );

    // Act / Assert
    await fc.assert(
      fc.asyncProperty(tokens, async (token) => {
        const error = await refusal(validator.validate(token));
        expect(error).toBeInstanceOf(UnauthenticatedError);
        expect(REFUSALS).toContain((error as Error).message);
      }),
      fuzzParameters('EntraTokenValidator.validate', 500),
    );
  });
});

describe('the JWKS', () => {
  it('is fetched once for many validations, concurrent or not', async () => {
    // Arrange
    const validator = validatorFor(provider);
    const tokens = await Promise.all(['alice', 'bob', 'carol'].map((sub) => provider.mintToken({ sub })));
    const before = provider.requestCounts().jwks;

    // Act
    await Promise.all(Array.from({ length: 20 }, (_, i) => validator.validate(tokens[i % 3]!)));
    for (const token of tokens) await validator.validate(token);

    // Assert
    expect(provider.requestCounts().jwks - before).toBe(1);
  });

  it('is fetched again for an unknown kid once the cooldown has passed, then the token is refused; within the cooldown it is not fetched', async () => {
    // Arrange
    const time = freezeTime();
    const validator = validatorFor(provider);
    await validator.validate(await provider.mintToken({ sub: 'alice' }));
    const before = provider.requestCounts().jwks;
    time.advanceBy(31_000);

    // Act
    const first = await refusal(validator.validate(await mintWithForeignKey(provider, { sub: 'alice' }, { kid: 'unknown' })));
    const afterFirst = provider.requestCounts().jwks;
    const second = await refusal(validator.validate(await mintWithForeignKey(provider, { sub: 'mallory' }, { kid: 'another-unknown-kid' })));

    // Assert
    expect(first).toMatchObject({ name: 'UnauthenticatedError', message: TOKEN_REFUSALS.unknownKey });
    expect(second).toMatchObject({ name: 'UnauthenticatedError', message: TOKEN_REFUSALS.unknownKey });
    expect(afterFirst - before).toBe(1);
    expect(provider.requestCounts().jwks).toBe(afterFirst);
  });

  describe('when the provider rotates its key', () => {
    let rotating: RunningIdentityProvider;

    beforeAll(async () => {
      rotating = await startIdentityProvider();
    });

    afterAll(async () => {
      await rotating.stop();
    });

    it('accepts the new kid after one fetch, and still the old one', async () => {
      // Arrange
      const time = freezeTime();
      const validator = validatorFor(rotating);
      const oldToken = await rotating.mintToken({ sub: 'alice' });
      await validator.validate(oldToken);
      await rotating.rotateKey();
      const newToken = await rotating.mintToken({ sub: 'alice', roles: ['Rotation.Operate'] });
      const before = rotating.requestCounts().jwks;

      // Act
      const withinCooldown = await refusal(validator.validate(newToken));
      time.advanceBy(31_000);
      const caller = await validator.validate(newToken);
      await validator.validate(newToken);
      await validator.validate(oldToken);

      // Assert
      expect(withinCooldown).toMatchObject({ message: TOKEN_REFUSALS.unknownKey });
      expect(caller.roles).toEqual(new Set(['Rotation.Operate']));
      expect(rotating.requestCounts().jwks - before).toBe(1);
    });
  });

  describe('when it cannot be fetched', () => {
    it('answers TransientDependencyError (retrying helps), not a 401', async () => {
      // Arrange
      const gone = await startIdentityProvider();
      const token = await gone.mintToken({ sub: 'alice' });
      await gone.stop();
      const validator = validatorFor(gone);

      // Act
      const error = await refusal(validator.validate(token));

      // Assert
      expect(error).toBeInstanceOf(TransientDependencyError);
      expect(error).toMatchObject({ retryable: true });
      expect((error as Error).message).not.toContain(token.slice(0, 40));
    });

    it.each([
      ['a 500', async () => new Response('oops', { status: 500 })],
      ['a redirect', async () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/keys' } })],
      ['a body that is not a JWKS', async () => Response.json({ keys: 'none' })],
      ['a body that is not JSON', async () => new Response('<html>', { status: 200 })],
    ])('answers TransientDependencyError for %s', async (_case, answer) => {
      // Arrange
      const validator = validatorFor(provider, { fetch: answer });

      // Act
      const error = await refusal(validator.validate(await provider.mintToken({ sub: 'alice' })));

      // Assert
      expect(error).toBeInstanceOf(TransientDependencyError);
    });

    it('gives up after its timeout', async () => {
      // Arrange
      const validator = validatorFor(provider, {
        jwksTimeoutInMs: 100,
        fetch: (_url, { signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      });
      const started = Date.now();

      // Act
      const error = await refusal(validator.validate(await provider.mintToken({ sub: 'alice' })));

      // Assert
      expect(error).toBeInstanceOf(TransientDependencyError);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('keeps verifying with the keys it had for up to a day, but cannot confirm a new kid', async () => {
      // Arrange
      const time = freezeTime();
      const outage = await startIdentityProvider();
      const validator = validatorFor(outage);
      const token = await outage.mintToken({ sub: 'alice' });
      await validator.validate(token);
      const unknownKid = await mintWithForeignKey(outage, { sub: 'alice' }, { kid: 'unknown' });
      await outage.stop();
      time.advanceBy(11 * 60_000);

      // Act
      const caller = await validator.validate(token);
      const unconfirmed = await refusal(validator.validate(unknownKid));
      time.advanceBy(24 * 3_600_000);
      const afterADay = await refusal(validator.validate(token));

      // Assert
      expect(caller.displayName).toBe('alice');
      expect(unconfirmed).toBeInstanceOf(TransientDependencyError);
      expect(afterADay).toBeInstanceOf(TransientDependencyError);
    });
  });
});

describe('construction', () => {
  it.each<[string, Partial<EntraTokenValidatorOptions>, RegExp]>([
    ['a JWKS over plain http to a remote host', { jwksUri: 'http://login.microsoftonline.com/x/discovery/v2.0/keys' }, /must be https \(http only on loopback\)/],
    ['a JWKS URL with credentials', { jwksUri: 'https://user:pass@login.microsoftonline.com/keys' }, /must not carry credentials/],
    ['a JWKS URL that is not a URL', { jwksUri: 'keys' }, /not a URL/],
    ['a file URL', { jwksUri: 'file:///etc/keys.json' }, /must be https/],
    ['no audience', { audiences: [' '] }, /audiences must name at least one/],
    ['no issuer', { issuers: [] }, /issuers must name at least one/],
    ['no tenant', { tenantId: '' }, /tenantId is required/],
    ['a tolerance over 600 s', { clockToleranceSeconds: 601 }, /clockToleranceSeconds must be from 0 to 600/],
    ['a negative tolerance', { clockToleranceSeconds: -1 }, /clockToleranceSeconds/],
  ])('refuses %s', (_case, options, message) => {
    expect(() => validatorFor(provider, options)).toThrow(message);
  });

  it.each(['https://login.microsoftonline.com/t/discovery/v2.0/keys', 'http://127.0.0.1:1/keys', 'http://localhost:1/keys', 'http://[::1]:1/keys'])('accepts %s', (jwksUri) => {
    expect(() => validatorFor(provider, { jwksUri })).not.toThrow();
  });
});
