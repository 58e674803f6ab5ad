/**
 * Generators of hostile input: mutations of valid policies, rotate bodies and Key Vault
 * events (a field dropped, the wrong type, a huge string, control characters, bidi
 * overrides, lone surrogates, deep nesting, prototype keys, numbers at the edges),
 * arbitrary JSON, and raw text that is not JSON at all.
 */
import fc from 'fast-check';
import { aPolicyJson } from '../support/policy-mother.js';

// ---------------------------------------------------------------- strings

const CONTROL = ['\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\r', '\u001b[31m', '\u007f', '\u0085', '\u2028', '\u2029'];
const BIDI = ['\u202e', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069', '\u200f', '\u061c'];
const LONE_SURROGATES = ['\ud800', '\udfff', '\udbff', 'a\ud83d', '\ude00b'];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__'];
const TRICKY = [
  '',
  ' ',
  '\u00a0',
  '\ufeff',
  '0',
  '-0',
  'null',
  'undefined',
  'NaN',
  '1e309',
  '%s%n%x',
  '${process.env}',
  '{{7*7}}',
  '../../etc/passwd',
  '%2e%2e%2f',
  '%00',
  'https://user:pw@kv-app-local.vault.azure.net',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  'rotation.failed',
  'Ａ', // full-width
  'é', // combining
  '🔑🔑',
  'İı',
];

/** Lengths at the edges of what the app bounds, and far beyond; the largest are rare. */
export const hugeLength = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(63, 64, 65, 128, 129, 256, 257, 512, 513, 1025, 4097) },
  { weight: 3, arbitrary: fc.constantFrom(10_000, 70_000) },
  { weight: 1, arbitrary: fc.constant(1_100_000) },
);

export const hugeString = fc
  .tuple(hugeLength, fc.constantFrom('a', 'A-', '\u202e', '\n', 'é', '🔑', '\u0000'))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

const loneSurrogateString = fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 4 });

/** A hostile text: alone, or spliced into an otherwise valid value. */
export function hostileString(valid = 'valid-name'): fc.Arbitrary<string> {
  const piece = fc.oneof(
    fc.constantFrom(...CONTROL),
    fc.constantFrom(...BIDI),
    fc.constantFrom(...LONE_SURROGATES),
    loneSurrogateString,
    fc.constantFrom(...TRICKY),
    fc.constantFrom(...PROTO_KEYS),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 12 }),
  );
  return fc.oneof(
    { weight: 4, arbitrary: piece },
    { weight: 4, arbitrary: fc.tuple(fc.nat({ max: valid.length }), piece).map(([at, p]) => valid.slice(0, at) + p + valid.slice(at)) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: hugeString },
  );
}

// ---------------------------------------------------------------- numbers and JSON

export const edgeNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 7, 8, 4095, 4096, 4097, 2 ** 31 - 1, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e21, 1e308, -1e308, 5e-324, 0.5, 1.0000001),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Values of the wrong kind for any field. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, [null], { '': '' }),
  edgeNumber,
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);

/**
 * {"a":{"a":...}} or [[...]] thousands deep. Building such a value in memory would
 * overflow the test's own stack in JSON.stringify, so it is a marker that jsonText()
 * expands into text.
 */
export const deepNesting: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(10, 100, 1_000, 5_000, 20_000), fc.boolean())
  .map(([depth, arrays]) => `\u0000DEEP:${depth}:${arrays ? 'a' : 'o'}\u0000`);

const DEEP_MARKER = /"\\u0000DEEP:(\d+):([ao])\\u0000"/g;

/** JSON.stringify, with deepNesting markers expanded; a bare undefined becomes ''. */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  return text.replace(DEEP_MARKER, (_m, depth: string, kind: string) => {
    const n = Number(depth);
    return kind === 'a' ? `${'['.repeat(n)}"x"${']'.repeat(n)}` : `${'{"a":'.repeat(n)}"x"${'}'.repeat(n)}`;
  });
}

/** URL-encodes as a client must: UTF-8 bytes (a lone surrogate becomes U+FFFD), every byte outside unreserved percent-encoded. */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...PROTO_KEYS, 'id', 'reason', 'data'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
);

/** Text bodies that are not JSON, or JSON in unusual shapes (BOM, raw edge numbers, duplicate keys). */
export const rawBodyText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '{', '}', '{"a":', 'null', 'true', '0', '[]', '""', '\ufeff{}', '{"id":1e999}', '{"id":-0}', '{"a":1,"a":2}', '{"__proto__":{"polluted":1}}'),
  fc.string({ maxLength: 30 }),
  fc.constantFrom(5_000, 20_000).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.constantFrom(5_000, 20_000).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
);

// ---------------------------------------------------------------- mutations

type Json = Record<string, unknown>;

export type Mutation =
  | { kind: 'drop'; path: string[] }
  | { kind: 'set'; path: string[]; value: unknown }
  | { kind: 'add'; path: string[]; key: string; value: unknown };

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Applies mutations to a copy; keys are set as own properties, '__proto__' included. */
export function applyMutations(base: Json, mutations: readonly Mutation[]): Json {
  const result = clone(base);
  for (const mutation of mutations) {
    const parentPath = mutation.kind === 'add' ? mutation.path : mutation.path.slice(0, -1);
    let parent: unknown = result;
    for (const key of parentPath) {
      parent = typeof parent === 'object' && parent !== null ? (parent as Json)[key] : undefined;
    }
    if (typeof parent !== 'object' || parent === null) continue;
    const bag = parent as Json;
    // An earlier mutation may have made the parent an array, whose 'length' cannot be deleted or redefined at will:
    // such a mutation does not apply, and is skipped rather than thrown.
    if (mutation.kind === 'drop') Reflect.deleteProperty(bag, mutation.path[mutation.path.length - 1]!);
    else {
      const key = mutation.kind === 'add' ? mutation.key : mutation.path[mutation.path.length - 1]!;
      try {
        Object.defineProperty(bag, key, { value: mutation.value, enumerable: true, writable: true, configurable: true });
      } catch {
        continue;
      }
    }
  }
  return result;
}

function mutationOf(paths: readonly string[][], valueFor: (path: string[]) => fc.Arbitrary<unknown>): fc.Arbitrary<Mutation> {
  const path = fc.constantFrom(...paths);
  return fc.oneof(
    path.map((p): Mutation => ({ kind: 'drop', path: p })),
    path.chain((p) => valueFor(p).map((value): Mutation => ({ kind: 'set', path: p, value }))),
    fc
      .tuple(fc.constantFrom([], ...paths), fc.oneof(fc.constantFrom(...PROTO_KEYS, 'colour', 'ID', ' id'), hostileString('extra')), anyJson)
      .map(([p, key, value]): Mutation => ({ kind: 'add', path: p, key, value })),
  );
}

function hostileValue(path: string[]): fc.Arbitrary<unknown> {
  const last = path[path.length - 1] ?? '';
  return fc.oneof(
    { weight: 4, arbitrary: hostileString(last) },
    { weight: 3, arbitrary: wrongType },
    { weight: 1, arbitrary: deepNesting },
    { weight: 1, arbitrary: anyJson },
  );
}

// ---------------------------------------------------------------- policies

const POLICY_PATHS: string[][] = [
  ['id'],
  ['vaultUrl'],
  ['secretName'],
  ['generator'],
  ['generator', 'kind'],
  ['generator', 'length'],
  ['generator', 'special'],
  ['generator', 'minUpper'],
  ['generator', 'excludeCharacters'],
  ['rotation'],
  ['rotation', 'every'],
  ['rotation', 'validFor'],
  ['environment'],
  ['owner'],
  ['contentType'],
  ['tags'],
  ['tags', 'CostCenter'],
  ['enabled'],
];

/** Valid values a field may also take, so some mutated policies are accepted and the write path is exercised too. */
function validValue(path: string[]): fc.Arbitrary<unknown> {
  switch (path.join('.')) {
    case 'generator.length':
      return fc.integer({ min: 8, max: 4096 });
    case 'rotation.every':
      return fc.constantFrom('1d', '30d', '90d');
    case 'rotation.validFor':
      return fc.constantFrom('120d', '365d');
    case 'environment':
    case 'owner':
      return fc.stringMatching(/^[a-z][a-z0-9 -]{0,20}$/);
    case 'tags.CostCenter':
      return fc.string({ maxLength: 20 });
    case 'enabled':
    case 'generator.special':
      return fc.boolean();
    default:
      return hostileValue(path);
  }
}

// A policy with a downstream consumer and a strategy: the shapes a kind's own schema validates.
const CONSUMER_BASES = [
  { kind: 'postgresql', name: 'orders-primary', host: '127.0.0.1', port: 5432, database: 'orders', login: 'orders_app', tls: false, admin: { secretName: 'orders-db-admin' } },
  { kind: 'mariadb', name: 'orders-mariadb', host: 'db.internal.example.com', database: 'orders', login: 'orders_app', tls: true, admin: { entra: true, username: 'id-kvrot' } },
  { kind: 'redis', name: 'orders-cache', host: '127.0.0.1', login: 'orders_cache', tls: false, admin: { secretName: 'orders-cache-admin' }, nodes: [{ host: '127.0.0.2', port: 6380 }] },
] as const;

const CONSUMER_PATHS: string[][] = [
  ['strategy'],
  ['strategy', 'kind'],
  ['strategy', 'gracePeriod'],
  ['strategy', 'maxDrainWait'],
  ['strategy', 'secondLoginSuffix'],
  ['consumers'],
  ['consumers', '0'],
  ['consumers', '0', 'kind'],
  ['consumers', '0', 'name'],
  ['consumers', '0', 'host'],
  ['consumers', '0', 'port'],
  ['consumers', '0', 'database'],
  ['consumers', '0', 'login'],
  ['consumers', '0', 'tls'],
  ['consumers', '0', 'admin'],
  ['consumers', '0', 'admin', 'secretName'],
  ['consumers', '0', 'nodes'],
  ['consumers', '1'],
];

function validConsumerValue(path: string[]): fc.Arbitrary<unknown> {
  switch (path.join('.')) {
    case 'strategy.kind':
      return fc.constantFrom('alternating-users', 'multi-password', 'single-user');
    case 'strategy.gracePeriod':
    case 'strategy.maxDrainWait':
      return fc.constantFrom('1s', 'PT1S', '59s', '1h', '24h', '31d', '0s');
    case 'consumers.0.kind':
      return fc.constantFrom('postgresql', 'mariadb', 'redis', 'mysql', 'Postgresql');
    case 'consumers.0.host':
      return fc.constantFrom('127.0.0.1', 'localhost', '::1', '[::1]', 'db.example.com', '10.0.0.4', '-bad-', '');
    case 'consumers.0.port':
      return fc.oneof(fc.integer({ min: -1, max: 70_000 }), fc.constant(5432.5));
    case 'consumers.0.tls':
      return fc.boolean();
    case 'consumers.0.login':
      return fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_]{0,60}$/), fc.constantFrom('orders app', "o'reilly", '1abc', 'x'.repeat(56)));
    case 'consumers.1':
      return fc.constantFrom(...CONSUMER_BASES);
    default:
      return hostileValue(path);
  }
}

export interface PolicyCase {
  /** The id in the URL. */
  id: string;
  body: Json;
  mutations: Mutation[];
}

/**
 * A valid policy body for `id`, then 0-3 mutations (0 in about one case in ten). One case in three
 * starts from a policy with a consumer and a strategy, and mutates those too.
 */
export function mutatedPolicy(vaultUrl: string, ids: fc.Arbitrary<string>): fc.Arbitrary<PolicyCase> {
  const mutation = fc.oneof({ weight: 5, arbitrary: mutationOf(POLICY_PATHS, hostileValue) }, { weight: 2, arbitrary: mutationOf(POLICY_PATHS, validValue) });
  const consumerMutation = fc.oneof(
    { weight: 3, arbitrary: mutationOf(CONSUMER_PATHS, hostileValue) },
    { weight: 4, arbitrary: mutationOf(CONSUMER_PATHS, validConsumerValue) },
    { weight: 1, arbitrary: mutation },
  );
  const mutations = (one: fc.Arbitrary<Mutation>) =>
    fc.oneof({ weight: 1, arbitrary: fc.constant([] as Mutation[]) }, { weight: 9, arbitrary: fc.array(one, { minLength: 1, maxLength: 3 }) });
  const plain = fc.tuple(ids, mutations(mutation)).map(([id, applied]) => {
    const base = aPolicyJson({ id, secretName: `fz-${id}`.slice(0, 127), vaultUrl }) as unknown as Json;
    return { id, body: applyMutations(base, applied), mutations: applied };
  });
  const withConsumer = fc.tuple(ids, fc.constantFrom(...CONSUMER_BASES), mutations(consumerMutation)).map(([id, consumer, applied]) => {
    const { contentType: _plain, ...base } = aPolicyJson({ id, secretName: `fz-${id}`.slice(0, 127), vaultUrl, rotation: { every: '30d', validFor: '60d' } });
    const strategy = { kind: consumer.kind === 'redis' ? 'multi-password' : 'alternating-users', gracePeriod: '1h', maxDrainWait: '24h' };
    const body = { ...base, strategy, consumers: [consumer] } as unknown as Json;
    return { id, body: applyMutations(body, applied), mutations: applied };
  });
  return fc.oneof({ weight: 2, arbitrary: plain }, { weight: 1, arbitrary: withConsumer });
}

export const validPolicyId = fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/);

/** Route ids: mostly valid, sometimes hostile. */
export const routeId: fc.Arbitrary<string> = fc.oneof({ weight: 3, arbitrary: validPolicyId }, { weight: 2, arbitrary: hostileString('policy-id') });

// ---------------------------------------------------------------- rotate bodies

export const rotateBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ reason: hostileString('scheduled maintenance'), dryRun: fc.constant(true) }) },
  { weight: 2, arbitrary: fc.record({ reason: hostileString('incident 42'), dryRun: fc.oneof(fc.boolean(), wrongType) }, { requiredKeys: [] }) },
  { weight: 2, arbitrary: fc.record({ reason: wrongType, dryRun: fc.boolean() }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: applyRandom({ reason: 'incident 42', dryRun: true }, [['reason'], ['dryRun']]) },
  { weight: 1, arbitrary: anyJson },
);

function applyRandom(base: Json, paths: string[][]): fc.Arbitrary<Json> {
  return fc.array(mutationOf(paths, hostileValue), { minLength: 1, maxLength: 3 }).map((mutations) => applyMutations(base, mutations));
}

// ---------------------------------------------------------------- headers and queries

/**
 * Header values as they can reach the app: UTF-8 bytes read as latin1, as Node presents
 * them, without the control characters (other than tab) that HTTP parsers refuse before any app sees them.
 */
export const headerValue: fc.Arbitrary<string> = hostileString('W/"datetime\'2026-01-01\'"').map((text) =>
  Buffer.from(text, 'utf8').toString('latin1').replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ' ').trim(),
);

const base64urlSegment = fc.base64String({ maxLength: 80 }).map((text) => text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));

/** Authorization headers a caller could send: empty, other schemes, junk, and JWT-shaped tokens no key signed. */
export const authorizationValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', 'Bearer', 'Bearer ', 'bearer  x', 'Basic YWRtaW46YWRtaW4=', 'Bearer a.b.c', 'Bearer eyJhbGciOiJub25lIn0.e30.', 'Negotiate abc'),
  headerValue,
  fc.tuple(base64urlSegment, base64urlSegment, base64urlSegment).map(([h, p, sig]) => `Bearer ${h}.${p}.${sig}`),
  hostileString('Bearer x').map((value) => value.replace(/[^\x20-\x7e]/g, '')),
);

export const headerBag: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.constantFrom('if-match', 'if-none-match', 'idempotency-key', 'content-type', 'x-ms-client-principal-name', 'x-ms-client-principal-id', 'accept', 'x-forwarded-for', 'prefer', 'authorization'),
  fc.oneof(headerValue, fc.constantFrom('*', 'application/json', 'application/merge-patch+json', 'text/plain', 'application/json; charset=utf-16', 'W/"x"', '"stale"')),
  { maxKeys: 4 },
);

/** Bodies of the change-request decisions and of break-glass: the fields each takes, hostile text in them, and anything else. */
export const decisionBody: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ comment: hostileString('looks right') }, { requiredKeys: [] }),
  fc.record({ reason: hostileString('wrong owner') }, { requiredKeys: [] }),
  fc.record({ justification: hostileString('credential leaked in chat') }, { requiredKeys: [] }),
  fc.record({ comment: fc.string({ maxLength: 600 }), extra: anyJson }, { requiredKeys: [] }),
  anyJson,
);

/** POST /environments/{environment}/smoke-tests: what kvrot smoke sends, mutated; and long arrays past the bounds. */
const SMOKE_BASE = { passed: false, fileHash: `sha256:${'ab'.repeat(32)}`, policies: ['fuzz-target'], checks: [{ name: 'health', passed: true }, { name: 'dry run of fuzz-target', passed: false }] };
const SMOKE_PATHS: string[][] = [['passed'], ['fileHash'], ['policies'], ['policies', '0'], ['checks'], ['checks', '0'], ['checks', '0', 'name'], ['checks', '1', 'passed']];
export const smokeTestBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: applyRandom(SMOKE_BASE, SMOKE_PATHS) },
  { weight: 2, arbitrary: fc.record({ passed: fc.constant(true), fileHash: fc.constant(null), policies: fc.constant([]), checks: fc.array(fc.record({ name: hostileString('health'), passed: fc.constant(true) }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ passed: fc.boolean(), fileHash: fc.oneof(hostileString('sha256:'), fc.stringMatching(/^sha256:[0-9a-fA-F]{60,68}$/)), policies: fc.array(validPolicyId, { maxLength: 250 }), checks: fc.array(fc.record({ name: fc.string({ maxLength: 120 }), passed: fc.boolean() }), { maxLength: 250 }) }) },
  { weight: 1, arbitrary: anyJson },
);

const encodedQuery: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('pageSize', 'continuationToken', 'pagesize', 'from', 'to', 'action', 'policyId', 'include', '__proto__'), hostileString('q')),
      fc.oneof(
        fc.constantFrom('0', '1', '-1', '1000', '1001', '1.5', '1e3', ' 5', '0x10', '', 'Infinity', 'state'),
        edgeNumber.map(String),
        hostileString('eyJuZXh0UGFydGl0aW9uS2V5IjoiYSJ9'),
        fc.base64String({ maxLength: 40 }),
      ),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&')}`));

const rawQuery = fc.constantFrom('?pageSize=%FF', '?pageSize=%', '?continuationToken=%E0%A4%A', '?pageSize=1&pageSize=2', '?&&=', '?continuationToken', '?pageSize=%00');

export const queryString: fc.Arbitrary<string> = fc.oneof({ weight: 9, arbitrary: encodedQuery }, { weight: 1, arbitrary: rawQuery });

// ---------------------------------------------------------------- events

const EVENT_PATHS: string[][] = [
  ['id'],
  ['topic'],
  ['subject'],
  ['eventType'],
  ['eventTime'],
  ['data'],
  ['data', 'Id'],
  ['data', 'VaultName'],
  ['data', 'ObjectType'],
  ['data', 'ObjectName'],
  ['data', 'Version'],
  ['data', 'NBF'],
  ['data', 'EXP'],
  ['dataVersion'],
];

function eventValue(path: string[]): fc.Arbitrary<unknown> {
  const last = path[path.length - 1] ?? '';
  if (last === 'eventType') {
    return fc.oneof(
      fc.constantFrom('Microsoft.KeyVault.SecretNearExpiry', 'Microsoft.KeyVault.SecretExpired', 'Microsoft.KeyVault.SecretNewVersionCreated', 'microsoft.keyvault.secretnearexpiry', ' Microsoft.KeyVault.SecretExpired '),
      hostileValue(path),
    );
  }
  if (last === 'EXP' || last === 'NBF') return fc.oneof(edgeNumber, edgeNumber.map(String), hostileValue(path));
  return hostileValue(path);
}

/** Keys as Event Grid might really send them: other case, stray whitespace. */
function respell(event: Json, style: 'as-is' | 'camel' | 'spaced'): Json {
  if (style === 'as-is') return event;
  const rename = (key: string) => (style === 'camel' ? key.charAt(0).toLowerCase() + key.slice(1) : ` ${key} `);
  const data = event['data'];
  const renamedData = typeof data === 'object' && data !== null && !Array.isArray(data) ? Object.fromEntries(Object.entries(data).map(([k, v]) => [rename(k), v])) : data;
  return { ...event, data: renamedData };
}

/** A real event for one of `templates`, mutated; or arbitrary JSON. */
export function mutatedEvent(templates: readonly Json[]): fc.Arbitrary<unknown> {
  const mutated = fc
    .tuple(
      fc.constantFrom(...templates),
      fc.array(mutationOf(EVENT_PATHS, eventValue), { minLength: 0, maxLength: 3 }),
      fc.constantFrom<'as-is' | 'camel' | 'spaced'>('as-is', 'as-is', 'camel', 'spaced'),
      fc.uuid(),
    )
    .map(([template, mutations, style, id]) => respell(applyMutations({ ...template, id }, mutations), style));
  // One text field the handler reads and logs (version, names, ids), made hostile and nothing else.
  const TEXT_PATHS = [['id'], ['subject'], ['topic'], ['eventType'], ['data', 'Id'], ['data', 'VaultName'], ['data', 'ObjectName'], ['data', 'Version']];
  const oneHostileText = fc
    .tuple(fc.constantFrom(...templates), fc.constantFrom(...TEXT_PATHS), hostileString('0123456789abcdef0123456789abcdef'), fc.uuid())
    .map(([template, path, value, id]) => applyMutations({ ...template, id }, [{ kind: 'set', path, value }]));
  return fc.oneof(
    { weight: 5, arbitrary: mutated },
    { weight: 3, arbitrary: oneHostileText },
    { weight: 1, arbitrary: anyJson },
    { weight: 1, arbitrary: fc.array(anyJson, { maxLength: 3 }) },
  );
}
