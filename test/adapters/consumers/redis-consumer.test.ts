/**
 * The redis consumer kind against real Redis: the machine's server on 6379 (shared with other
 * test files, so every user here has a random suffix and is deleted afterwards) and private
 * nodes started with startRedisNode for "every node" and for server-wide settings (SLOWLOG).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisConsumer, type RedisConsumerSpec } from '../../../src/adapters/consumers/redis-consumer.js';
import { CredentialRefusedError, type AdminCredential } from '../../../src/core/consumers/consumer-port.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import { startRedisNode, type RunningRedisNode } from '../../../src/local/redis-node.js';
import { signInOutcome } from '../../support/sign-in-outcome.js';

const MAIN = { host: '127.0.0.1', port: 6379 };
/** The permissions the adapter's header asks for, so a missing one fails here. */
const ADMIN_RULES = ['+acl|getuser', '+acl|setuser', '+acl|save', '+client|list', '+client|id', '+config|get'];

const suffix = () => randomBytes(4).toString('hex');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A connection as the server's default user (no password on these machines), for arranging and inspecting. */
async function superuser(port: number): Promise<Redis> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
  await client.connect();
  return client;
}

/** An application's connection: signed in as `username`, named, held open until the test closes it. */
async function connectAs(port: number, username: string, password: string, name: string): Promise<Redis> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null });
  await client.connect();
  await client.call('AUTH', username, password);
  await client.call('CLIENT', 'SETNAME', name);
  return client;
}

async function onNode<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = await superuser(port);
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

async function createUser(port: number, login: string, password: string): Promise<void> {
  await onNode(port, (c) => c.call('ACL', 'SETUSER', login, 'on', `>${password}`, '~app:*', '+@read', '+ping', '+client|setname'));
}

async function passwordHashesOf(port: number, login: string): Promise<string[] | null> {
  return onNode(port, async (c) => {
    const reply = (await c.call('ACL', 'GETUSER', login)) as unknown[] | null;
    if (reply === null) return null;
    const at = reply.indexOf('passwords');
    return [...(reply[at + 1] as string[])].sort();
  });
}

async function deleteUsers(port: number, logins: string[]): Promise<void> {
  if (logins.length > 0) await onNode(port, (c) => c.call('ACL', 'DELUSER', ...logins));
}

function aSpec(overrides: Partial<Record<keyof RedisConsumerSpec, unknown>> = {}): RedisConsumerSpec {
  return redisConsumer.schema.parse({
    kind: 'redis',
    name: 'cache',
    host: MAIN.host,
    port: MAIN.port,
    login: 'app',
    tls: false,
    admin: { secretName: 'redis-admin' },
    ...overrides,
  });
}


describe('redisConsumer', () => {
  let node2: RunningRedisNode;
  const adminName = `rot_admin_${suffix()}`;
  const adminPassword = randomBytes(16).toString('hex');
  const admin: AdminCredential = { kind: 'password', username: adminName, password: SecretValue.of(adminPassword) };
  /** Users to delete after each test, per port. */
  const created = new Map<number, string[]>();

  async function aLogin(ports: number[], password: string): Promise<string> {
    const login = `app_${suffix()}`;
    for (const port of ports) {
      await createUser(port, login, password);
      created.set(port, [...(created.get(port) ?? []), login]);
    }
    return login;
  }

  beforeAll(async () => {
    node2 = await startRedisNode();
    for (const port of [MAIN.port, node2.port]) {
      await onNode(port, (c) => c.call('ACL', 'SETUSER', adminName, 'on', `>${adminPassword}`, ...ADMIN_RULES));
    }
  });

  afterEach(async () => {
    for (const [port, logins] of created) await deleteUsers(port, logins);
    created.clear();
  });

  afterAll(async () => {
    await deleteUsers(MAIN.port, [adminName]);
    await node2?.stop();
  });

  // First, so that "accepted" below means something: this server's default user needs no password,
  // and a sign-in that quietly fell back to it would accept anything.
  it('refuses a wrong password, and a login that does not exist, naming login, consumer and node but not the password', async () => {
    // Arrange
    const login = await aLogin([MAIN.port], 'right-password-1');
    const spec = aSpec({ login });

    // Act: settled together, so neither refusal is left without a handler while the other is awaited.
    const [wrong, nobody] = await Promise.allSettled([
      redisConsumer.verify(spec, { username: login, password: SecretValue.of('wrong-password-1') }),
      redisConsumer.verify(spec, { username: `nobody_${suffix()}`, password: SecretValue.of('wrong-password-2') }),
    ]);

    // Assert
    expect(wrong.status).toBe('rejected');
    const error = (wrong as PromiseRejectedResult).reason as Error;
    expect(error).toBeInstanceOf(CredentialRefusedError);
    expect(error.message).toContain(login);
    expect(error.message).toContain("'cache'");
    expect(error.message).toContain('127.0.0.1:6379');
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain('wrong-password-1');
    expect(nobody.status).toBe('rejected');
    expect((nobody as PromiseRejectedResult).reason).toBeInstanceOf(CredentialRefusedError);
  });

  it('accepts the right password', async () => {
    // Arrange
    const login = await aLogin([MAIN.port], 'right-password-2');

    // Act / Assert
    await expect(redisConsumer.verify(aSpec({ login }), { username: login, password: SecretValue.of('right-password-2') })).resolves.toBeUndefined();
  });

  it('accepts current and next on every node, then only next on every node', async () => {
    // Arrange
    const [current, next] = ['current-pw-' + suffix(), 'next-pw-' + suffix()];
    const login = await aLogin([MAIN.port, node2.port], current);
    const spec = aSpec({ login, nodes: [{ host: '127.0.0.1', port: node2.port }] });
    const onlyMain = aSpec({ login });
    const onlyNode2 = aSpec({ login, port: node2.port });
    const tryOn = (s: RedisConsumerSpec, password: string) => signInOutcome(redisConsumer.verify(s, { username: login, password: SecretValue.of(password) }));

    // Act
    await redisConsumer.setAcceptedPasswords!(spec, admin, login, [SecretValue.of(current), SecretValue.of(next)]);
    const during = [await tryOn(onlyMain, current), await tryOn(onlyMain, next), await tryOn(onlyNode2, current), await tryOn(onlyNode2, next)];
    await redisConsumer.setAcceptedPasswords!(spec, admin, login, [SecretValue.of(next)]);
    const after = [await tryOn(onlyMain, current), await tryOn(onlyMain, next), await tryOn(onlyNode2, current), await tryOn(onlyNode2, next)];

    // Assert
    expect(during).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(after).toEqual(['refused', 'accepted', 'refused', 'accepted']);
    expect(await tryOn(spec, next)).toBe('accepted');
    expect(await tryOn(spec, current)).toBe('refused');
  });

  it('adds a password beside the ones a login had, on every node, and a later set leaves only the new one', async () => {
    // Arrange: a password set by hand, which applications may be using; the vault knows nothing of it.
    const [byHand, added] = ['by-hand-pw-' + suffix(), 'added-pw-' + suffix()];
    const login = await aLogin([MAIN.port, node2.port], byHand);
    const spec = aSpec({ login, nodes: [{ host: '127.0.0.1', port: node2.port }] });
    const tryOn = (port: number, password: string) => signInOutcome(redisConsumer.verify(aSpec({ login, port }), { username: login, password: SecretValue.of(password) }));

    // Act
    await redisConsumer.addAcceptedPassword!(spec, admin, login, SecretValue.of(added));
    const during = [await tryOn(MAIN.port, byHand), await tryOn(MAIN.port, added), await tryOn(node2.port, byHand), await tryOn(node2.port, added)];
    await redisConsumer.setAcceptedPasswords!(spec, admin, login, [SecretValue.of(added)]);
    const after = [await tryOn(MAIN.port, byHand), await tryOn(node2.port, byHand), await tryOn(MAIN.port, added)];

    // Assert
    expect(during).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(after).toEqual(['refused', 'refused', 'accepted']);
    expect(await passwordHashesOf(MAIN.port, login)).toEqual([sha256(added)]);
  });

  it('throws when a node lacks the login, naming that node, and changes no node', async () => {
    // Arrange
    const login = await aLogin([MAIN.port], 'only-on-main');
    const spec = aSpec({ login, nodes: [{ host: '127.0.0.1', port: node2.port }] });

    // Act
    const change = redisConsumer.setAcceptedPasswords!(spec, admin, login, [SecretValue.of('only-on-main'), SecretValue.of('never-set')]);

    // Assert
    await expect(change).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${node2.port}.*'${login}' does not exist`));
    expect(await passwordHashesOf(MAIN.port, login)).toEqual([sha256('only-on-main')]);
    expect(await passwordHashesOf(node2.port, login)).toBeNull();
  });

  it('refuses a missing login with a clear error and creates nothing', async () => {
    // Arrange
    const login = `missing_${suffix()}`;

    // Act
    const change = redisConsumer.setAcceptedPasswords!(aSpec({ login }), admin, login, [SecretValue.of('some-password')]);

    // Assert
    await expect(change).rejects.toThrow(/does not exist; create it with its permissions first/);
    expect(await passwordHashesOf(MAIN.port, login)).toBeNull();
  });

  it('leaves the same result when called twice with the same passwords', async () => {
    // Arrange
    const login = await aLogin([MAIN.port], 'old-password');
    const spec = aSpec({ login });
    const passwords = [SecretValue.of('pw-a'), SecretValue.of('pw-b')];

    // Act
    await redisConsumer.setAcceptedPasswords!(spec, admin, login, passwords);
    const once = await passwordHashesOf(MAIN.port, login);
    await redisConsumer.setAcceptedPasswords!(spec, admin, login, passwords);
    const twice = await passwordHashesOf(MAIN.port, login);

    // Assert
    expect(once).toEqual([sha256('pw-a'), sha256('pw-b')].sort());
    expect(twice).toEqual(once);
  });

  it.each([0, 3])('refuses %i passwords and changes nothing', async (count) => {
    // Arrange
    const login = await aLogin([MAIN.port], 'kept-password');
    const passwords = Array.from({ length: count }, (_, i) => SecretValue.of(`pw-${i}`));

    // Act
    const change = redisConsumer.setAcceptedPasswords!(aSpec({ login }), admin, login, passwords);

    // Assert
    await expect(change).rejects.toThrow(/one or two passwords/);
    expect(await passwordHashesOf(MAIN.port, login)).toEqual([sha256('kept-password')]);
  });

  it("lists the login's open connections with their name, not other users' nor its own", async () => {
    // Arrange
    const login = await aLogin([MAIN.port], 'session-pw');
    const other = await aLogin([MAIN.port], 'other-pw');
    const held = await connectAs(MAIN.port, login, 'session-pw', 'orders-api');
    const bystander = await connectAs(MAIN.port, other, 'other-pw', 'someone-else');
    const spec = aSpec({ login });

    try {
      // Act
      const open = await redisConsumer.sessions(spec, admin, login);
      const ofAdmin = await redisConsumer.sessions(spec, admin, adminName);
      const heldAddress = `${held.stream.localAddress}:${held.stream.localPort}`;
      await held.quit();
      let closed = await redisConsumer.sessions(spec, admin, login);
      // The server drops the connection on its own schedule after QUIT; look again until it has.
      for (let i = 0; i < 50 && closed.length > 0; i += 1) closed = await redisConsumer.sessions(spec, admin, login);

      // Assert
      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({
        username: login,
        applicationName: 'orders-api',
        clientAddress: heldAddress,
        node: '127.0.0.1:6379',
      });
      expect(open[0]!.connectedAt!.getTime()).toBeLessThanOrEqual(Date.now());
      expect(ofAdmin).toEqual([]);
      expect(closed).toEqual([]);
    } finally {
      held.disconnect();
      bystander.disconnect();
    }
  });

  it('lists sessions from every node', async () => {
    // Arrange
    const login = await aLogin([MAIN.port, node2.port], 'both-nodes');
    const held = await connectAs(node2.port, login, 'both-nodes', 'on-node-2');

    try {
      // Act
      const found = await redisConsumer.sessions(aSpec({ login, nodes: [{ host: '127.0.0.1', port: node2.port }] }), admin, login);

      // Assert
      expect(found.map((s) => s.node)).toEqual([`127.0.0.1:${node2.port}`]);
    } finally {
      held.disconnect();
    }
  });

  it('saves the change to the aclfile when the server keeps one, so a restart does not undo it', async () => {
    // Arrange
    const dir = await mkdtemp(join(tmpdir(), 'redis-acl-'));
    const aclfile = join(dir, 'users.acl');
    const password = `persisted-${suffix()}`;
    await writeFile(aclfile, `user default on nopass ~* &* +@all\nuser ${adminName} on #${sha256(adminPassword)} ${ADMIN_RULES.join(' ')}\nuser app on #${sha256('old')} ~* +get\n`);
    const persistent = await startRedisNode({ aclfile });

    try {
      // Act
      await redisConsumer.setAcceptedPasswords!(aSpec({ login: 'app', port: persistent.port }), admin, 'app', [SecretValue.of(password)]);

      // Assert
      const saved = await readFile(aclfile, 'utf8');
      expect(saved).toMatch(new RegExp(`^user app .*#${sha256(password)}`, 'm'));
      expect(saved).not.toContain(sha256('old'));
      expect(saved).not.toContain(password);
    } finally {
      await persistent.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('never shows the plaintext password to the server', () => {
    it('in MONITOR or SLOWLOG output while the change runs', async () => {
      // Arrange: a private node, since SLOWLOG settings and MONITOR are server-wide.
      const password = `monitored-${suffix()}`;
      const canary = `canary-${suffix()}`;
      const login = await aLogin([node2.port], 'before-monitor');
      const seen: string[] = [];
      const monitor = await (await superuser(node2.port)).monitor();
      monitor.on('monitor', (_time: string, args: string[]) => seen.push(args.join(' ')));
      await onNode(node2.port, async (c) => {
        await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
        await c.call('SLOWLOG', 'RESET');
      });

      try {
        // Act
        await redisConsumer.setAcceptedPasswords!(aSpec({ login, port: node2.port }), admin, login, [SecretValue.of(password)]);
        // MONITOR feeds commands in order: once the canary arrives, everything before it has.
        await onNode(node2.port, (c) => c.call('ECHO', canary));
        for (let i = 0; i < 200 && !seen.some((line) => line.includes(canary)); i += 1) await new Promise((r) => setTimeout(r, 10));
        const slowlog = JSON.stringify(await onNode(node2.port, (c) => c.call('SLOWLOG', 'GET', '128')));

        // Assert
        expect(seen.some((line) => line.includes(canary))).toBe(true);
        expect(seen.join('\n')).not.toContain(password);
        expect(slowlog.toLowerCase()).toContain('setuser');
        expect(slowlog).not.toContain(password);
        expect(await passwordHashesOf(node2.port, login)).toEqual([sha256(password)]);
      } finally {
        monitor.disconnect();
        await onNode(node2.port, (c) => c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000'));
      }
    });

    // Redis 7 leaves admin commands out of MONITOR and redacts ACL SETUSER in SLOWLOG, so the test
    // above passes whatever we send; what crosses the wire is what would show on Redis 6, a proxy
    // or a driver's debug log.
    it('on the wire: only its SHA-256 is sent', async () => {
      // Arrange
      const password = `wired-${suffix()}`;
      const login = await aLogin([node2.port], 'before-wire');
      const sent: Buffer[] = [];
      const proxy: Server = createServer((socket) => {
        const upstream = connect(node2.port, '127.0.0.1');
        socket.on('data', (chunk: Buffer) => (sent.push(chunk), upstream.write(chunk)));
        upstream.pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const proxyPort = (proxy.address() as { port: number }).port;

      try {
        // Act
        await redisConsumer.setAcceptedPasswords!(aSpec({ login, port: proxyPort }), admin, login, [SecretValue.of(password)]);

        // Assert
        const wire = Buffer.concat(sent).toString('utf8');
        expect(wire).toContain(sha256(password));
        expect(wire).not.toContain(password);
      } finally {
        await new Promise((resolve) => proxy.close(resolve));
      }
    });
  });

  describe('schema', () => {
    it('refuses tls: false to a host that is not loopback, naming tls', () => {
      // Act
      const result = redisConsumer.schema.safeParse({ kind: 'redis', name: 'cache', host: 'cache.example.com', login: 'app', tls: false, admin: { secretName: 'redis-admin' } });

      // Assert
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path)).toContainEqual(['tls']);
    });

    it('defaults to port 6379 and tls, and gives host and port as connection fields', () => {
      // Act
      const spec = redisConsumer.schema.parse({ kind: 'redis', name: 'cache', host: 'cache.example.com', login: 'app', admin: { secretName: 'redis-admin' } });

      // Assert
      expect(spec).toMatchObject({ port: 6379, tls: true });
      expect(redisConsumer.connectionFields(spec)).toEqual({ host: 'cache.example.com', port: 6379 });
    });

    it('runs multi-password only', () => {
      expect(redisConsumer.strategies).toEqual(['multi-password']);
      expect(redisConsumer.strategies).not.toContain('alternating-users');
    });

    it.each([
      ['a host that is neither a name nor an address', [{ host: 'not a host!', port: 6380 }], ['nodes', 0, 'host']],
      ['port 0', [{ host: 'replica-1.example.com', port: 0 }], ['nodes', 0, 'port']],
      ['port 65536', [{ host: 'replica-1.example.com', port: 65536 }], ['nodes', 0, 'port']],
      ['a missing port', [{ host: 'replica-1.example.com' }], ['nodes', 0, 'port']],
      ['an unknown field', [{ host: 'replica-1.example.com', port: 6380, password: 'x' }], ['nodes', 0]],
      ['17 nodes', Array.from({ length: 17 }, (_, i) => ({ host: `replica-${i}.example.com`, port: 6380 })), ['nodes']],
      ['a non-loopback node with tls: false', [{ host: '127.0.0.1', port: 6380 }, { host: '10.0.0.5', port: 6380 }], ['nodes', 1, 'host'], false],
    ])('refuses nodes with %s, naming the path', (_label, nodes, path, tls = true) => {
      // Act
      const result = redisConsumer.schema.safeParse({ kind: 'redis', name: 'cache', host: '127.0.0.1', login: 'app', tls, admin: { secretName: 'redis-admin' }, nodes });

      // Assert
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path)).toContainEqual(path);
    });
  });
});
