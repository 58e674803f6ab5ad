/**
 * The `redis` consumer kind: Redis 6+ ACL users, which can hold several passwords at once, so
 * a login runs the multi-password strategy (old and new accepted together, then the old removed).
 *
 * What the admin needs, on every node: `+acl|getuser +acl|setuser +client|list +client|id`, and
 * `+config|get +acl|save` where the server persists ACLs to a file. In ACL syntax:
 * `ACL SETUSER rotator on >... +acl|getuser +acl|setuser +acl|save +client|list +client|id +config|get`.
 *
 * ACLs are per node and not replicated (redis/redis#9554): a replica promoted by a failover keeps
 * its own passwords. So a consumer lists every node of its deployment (`host` first, then `nodes`),
 * and each change is applied to all of them, after checking on all of them that the login exists.
 *
 * Nor does an ACL change survive a restart by itself. When the server keeps its users in an
 * aclfile (`CONFIG GET aclfile` answers a path) we run `ACL SAVE` after the change, and a failed
 * save fails the call: a restart would otherwise bring back passwords we revoked, or drop the one
 * applications now use. When `CONFIG GET` is not allowed or answers no file, users come from
 * redis.conf or were made at run time; we do not run `CONFIG REWRITE` (it rewrites the whole file),
 * so persisting them stays with whoever provisioned the user.
 *
 * Passwords are sent as their SHA-256 (`#<hex>`), never in clear: Redis 7 already redacts ACL
 * arguments from SLOWLOG and leaves admin commands out of MONITOR, but Redis 6, proxies and
 * client-side debug logs (`DEBUG=ioredis:*` prints command arguments) do not.
 *
 * Changing a password does not disconnect clients already signed in with the old one; only
 * `ACL DELUSER` or `CLIENT KILL` does. A revoked password therefore stays in use by open
 * connections until they close, which is why `sessions` reports each connection's age from
 * `CLIENT LIST`: a drain waits until no connection older than the switch is left.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Redis, RedisOptions } from 'ioredis';
import { z } from 'zod';
import {
  CredentialRefusedError,
  type AdminCredential,
  type ConnectionFields,
  type ConsumerKind,
  type LoginCredential,
  type LoginSession,
} from '../../core/consumers/consumer-port.js';
import { isLoopback, networkConsumerSchema } from '../../core/consumers/network-consumer.js';
import { DomainError, PermanentDependencyError, TransientDependencyError } from '../../core/errors.js';
import type { SecretValue } from '../../core/secret-value.js';

const KIND = 'redis';
const TIMEOUT_IN_MS = 10_000;
const MAX_NODES = 16;
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** How Redis says a sign-in was refused (a wrong password, an unknown or disabled user). */
const REFUSED = /WRONGPASS|NOAUTH|invalid username-password pair/i;
/** Replies that say "not now" rather than "no". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN)\b/;

const bare = (host: string): string => host.replace(/^\[|\]$/g, '');

const nodeSchema = z.strictObject({
  host: z.string().refine((host) => isIP(bare(host)) !== 0 || DNS_NAME.test(host), 'must be a DNS name or an IP address'),
  port: z.number().int('must be a whole number').min(1, 'must be 1-65535').max(65535, 'must be 1-65535'),
});

export const redisConsumerSchema = networkConsumerSchema(KIND, { defaultPort: 6379 }, {
  /** The other nodes of a primary/replica or sharded deployment; each gets the same ACL change, since ACLs are not replicated. */
  nodes: z.array(nodeSchema).max(MAX_NODES, `must list at most ${MAX_NODES} nodes`).optional(),
}).superRefine((spec, ctx) => {
  if (spec.tls) return;
  spec.nodes?.forEach((node, index) => {
    if (!isLoopback(node.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['nodes', index, 'host'],
        message: `tls: false is allowed only when every node is loopback; '${node.host}' is reached over a network, where the password would travel in clear`,
      });
    }
  });
});

export type RedisConsumerSpec = z.output<typeof redisConsumerSchema>;

interface RedisNode {
  host: string;
  port: number;
}

interface Auth {
  username: string;
  password: string;
}

function nodesOf(spec: RedisConsumerSpec): RedisNode[] {
  return [{ host: spec.host, port: spec.port }, ...(spec.nodes ?? [])];
}

function nodeLabel(node: RedisNode): string {
  const host = bare(node.host);
  return isIP(host) === 6 ? `[${host}]:${node.port}` : `${host}:${node.port}`;
}

function adminAuth(admin: AdminCredential): Auth {
  return { username: admin.username, password: admin.kind === 'password' ? admin.password.reveal() : admin.accessToken.reveal() };
}

function sha256Hex(value: SecretValue): string {
  return createHash('sha256').update(value.reveal(), 'utf8').digest('hex');
}

function clientOptions(spec: RedisConsumerSpec, node: RedisNode): RedisOptions {
  const host = bare(node.host);
  return {
    host,
    port: node.port,
    // SNI carries a name, never an address.
    tls: spec.tls ? (isIP(host) === 0 ? { servername: host } : {}) : undefined,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    connectTimeout: TIMEOUT_IN_MS,
    commandTimeout: TIMEOUT_IN_MS,
    // Off, so that no error carries a stack captured with the command's arguments in scope.
    showFriendlyErrorStack: false,
    // CLIENT SETINFO: one command fewer for the admin to be allowed, and unknown before Redis 7.2.
    disableClientInfo: true,
  };
}

/** ioredis errors carry `command.args` (AUTH's password, SETUSER's hashes): keep only a message, with every secret cut out. */
function scrub(message: string, secrets: readonly string[]): string {
  let clean = message;
  for (const secret of secrets) if (secret) clean = clean.split(secret).join('[redacted]');
  return clean.replace(/\b[0-9a-f]{64}\b/gi, '[redacted]');
}

function dependencyError(error: unknown, context: string, secrets: readonly string[]): Error {
  const raw = error instanceof Error ? error.message : String(error);
  const message = `${context}: ${scrub(raw, secrets)}`;
  const isReply = error instanceof Error && error.name === 'ReplyError';
  return isReply && !TRANSIENT_REPLY.test(raw) ? new PermanentDependencyError(message) : new TransientDependencyError(message);
}

/**
 * One short-lived connection to one node, signed in as `auth`, closed whatever happens. A refused
 * sign-in surfaces as `onRefused`'s error; anything else as a dependency error with no secret in it.
 */
async function withConnection<T>(
  spec: RedisConsumerSpec,
  node: RedisNode,
  auth: Auth,
  context: string,
  secrets: readonly string[],
  onRefused: (message: string) => Error,
  use: (client: Redis) => Promise<T>,
): Promise<T> {
  // The driver loads with the first connection: an app whose policies name no Redis never loads it.
  const ioredis = await import('ioredis');
  const client = new ioredis.Redis(clientOptions(spec, node));
  // Connection errors also arrive as 'error' events; the pending call then fails with a vaguer
  // "Connection is closed", so the first event is the real cause.
  let first: unknown;
  client.on('error', (error: unknown) => {
    first ??= error;
  });
  const known = [...secrets, auth.password];
  try {
    await client.connect();
    // AUTH by hand, awaited, rather than ioredis's username/password options: with those, a command
    // sent right after connecting can be answered as the server's default user before the refused
    // AUTH is handled (a wrong password then "works" wherever the default user needs none).
    await client.call('AUTH', auth.username, auth.password);
    return await use(client);
  } catch (error) {
    if (error instanceof CredentialRefusedError || error instanceof DomainError) throw error;
    const cause = first ?? error;
    const message = cause instanceof Error ? cause.message : String(cause);
    if (REFUSED.test(message)) throw onRefused(scrub(message, known));
    throw dependencyError(cause, context, known);
  } finally {
    client.disconnect();
  }
}

function adminRefused(spec: RedisConsumerSpec, admin: AdminCredential, node: RedisNode) {
  return (message: string) =>
    new PermanentDependencyError(`redis consumer '${spec.name}' node ${nodeLabel(node)}: admin '${admin.username}' was refused: ${message}`);
}

/** Runs `use` with one admin connection per node, all open at once, so a step can look at every node before acting on any. */
async function withAdminConnections<T>(
  spec: RedisConsumerSpec,
  admin: AdminCredential,
  secrets: readonly string[],
  use: (clients: { node: RedisNode; client: Redis }[]) => Promise<T>,
): Promise<T> {
  const auth = adminAuth(admin);
  const open = async (nodes: RedisNode[], clients: { node: RedisNode; client: Redis }[]): Promise<T> => {
    const [node, ...rest] = nodes;
    if (!node) return use(clients);
    const context = `redis consumer '${spec.name}' node ${nodeLabel(node)}`;
    return withConnection(spec, node, auth, context, secrets, adminRefused(spec, admin, node), (client) => open(rest, [...clients, { node, client }]));
  };
  return open(nodesOf(spec), []);
}

/** Runs one command on one node, turning a reply error into a message that names the node and holds no secret. */
async function run<T>(spec: RedisConsumerSpec, node: RedisNode, secrets: readonly string[], what: string, command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    throw dependencyError(error, `redis consumer '${spec.name}' node ${nodeLabel(node)}: ${what}`, secrets);
  }
}

async function setAcceptedPasswords(spec: RedisConsumerSpec, admin: AdminCredential, login: string, passwords: readonly SecretValue[]): Promise<void> {
  if (passwords.length < 1 || passwords.length > 2) {
    throw new PermanentDependencyError(`redis consumer '${spec.name}': login '${login}' takes one or two passwords, not ${passwords.length}`);
  }
  await changePasswords(spec, admin, login, passwords, ['resetpass']);
}

async function addAcceptedPassword(spec: RedisConsumerSpec, admin: AdminCredential, login: string, password: SecretValue): Promise<void> {
  await changePasswords(spec, admin, login, [password], []);
}

/** `ACL SETUSER login [rules...] #<hash>...` on every node, once the login is known to exist on all of them. */
async function changePasswords(spec: RedisConsumerSpec, admin: AdminCredential, login: string, passwords: readonly SecretValue[], rules: readonly string[]): Promise<void> {
  const hashes = passwords.map(sha256Hex);
  const secrets = [...passwords.map((p) => p.reveal()), ...hashes];
  await withAdminConnections(spec, admin, secrets, async (clients) => {
    // Look on every node first: a login missing anywhere changes nothing anywhere.
    for (const { node, client } of clients) {
      const user = await run(spec, node, secrets, 'ACL GETUSER', () => client.call('ACL', 'GETUSER', login));
      if (user === null) {
        throw new PermanentDependencyError(
          `redis consumer '${spec.name}' node ${nodeLabel(node)}: login '${login}' does not exist; create it with its permissions first (the rotator changes passwords, it never grants)`,
        );
      }
    }
    for (const { node, client } of clients) {
      // One command per node: Redis applies all its rules or none.
      await run(spec, node, secrets, 'ACL SETUSER', () => client.call('ACL', 'SETUSER', login, ...rules, ...hashes.map((hash) => `#${hash}`)));
      await saveAcls(spec, node, client, secrets);
    }
  });
}

async function saveAcls(spec: RedisConsumerSpec, node: RedisNode, client: Redis, secrets: readonly string[]): Promise<void> {
  let aclfile = '';
  try {
    const reply = (await client.call('CONFIG', 'GET', 'aclfile')) as string[];
    aclfile = reply[1] ?? '';
  } catch (error) {
    // The server said no (NOPERM, or CONFIG renamed away as on managed services): persistence is
    // left to whoever provisioned the user (see the top of the file). A lost connection is not a no.
    if (error instanceof Error && error.name === 'ReplyError') return;
    throw dependencyError(error, `redis consumer '${spec.name}' node ${nodeLabel(node)}: CONFIG GET aclfile`, secrets);
  }
  if (aclfile) await run(spec, node, secrets, `ACL SAVE to the aclfile (the change is live but a restart would undo it)`, () => client.call('ACL', 'SAVE'));
}

async function verify(spec: RedisConsumerSpec, credential: LoginCredential): Promise<void> {
  const auth = { username: credential.username, password: credential.password.reveal() };
  for (const node of nodesOf(spec)) {
    const context = `redis consumer '${spec.name}' node ${nodeLabel(node)}`;
    await withConnection(
      spec,
      node,
      auth,
      context,
      [],
      (message) => new CredentialRefusedError(`${context}: login '${credential.username}' was refused: ${message}`),
      async (client) => {
        try {
          await client.ping();
        } catch (error) {
          // AUTH succeeded before this, so a NOPERM comes from the signed-in login: it may lack +ping,
          // but the server took the password.
          if (!(error instanceof Error && error.name === 'ReplyError' && error.message.startsWith('NOPERM'))) throw error;
        }
      },
    );
  }
}

/** One line of CLIENT LIST: `id=7 addr=10.0.0.4:51234 ... name=web age=42 ... user=app ...`. Names cannot hold spaces. */
function parseClientLine(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const pair of line.trim().split(' ')) {
    const at = pair.indexOf('=');
    if (at > 0) fields.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return fields;
}

async function sessions(spec: RedisConsumerSpec, admin: AdminCredential, login: string): Promise<LoginSession[]> {
  return withAdminConnections(spec, admin, [], async (clients) => {
    const found: LoginSession[] = [];
    for (const { node, client } of clients) {
      const ownId = String(await run(spec, node, [], 'CLIENT ID', () => client.call('CLIENT', 'ID')));
      const list = String(await run(spec, node, [], 'CLIENT LIST', () => client.call('CLIENT', 'LIST')));
      const now = Date.now();
      for (const line of list.split('\n')) {
        const fields = parseClientLine(line);
        if (fields.get('user') !== login || fields.get('id') === ownId) continue;
        const session: LoginSession = { username: login, node: nodeLabel(node) };
        const addr = fields.get('addr');
        if (addr) session.clientAddress = addr;
        const name = fields.get('name');
        if (name) session.applicationName = name;
        const age = Number(fields.get('age'));
        if (Number.isFinite(age)) session.connectedAt = new Date(now - age * 1000);
        found.push(session);
      }
    }
    return found;
  });
}

export const redisConsumer: ConsumerKind<RedisConsumerSpec> = {
  kind: KIND,
  strategies: ['multi-password'],
  schema: redisConsumerSchema,
  entraScope: 'https://redis.azure.com/.default',
  connectionFields: (spec): ConnectionFields => ({ host: spec.host, port: spec.port }),
  setAcceptedPasswords,
  addAcceptedPassword,
  verify,
  sessions,
};
