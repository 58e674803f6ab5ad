/**
 * Starts a throw-away Redis node (no persistence, loopback only) as a child process, for tests
 * and benchmarks that need "every node" of a deployment: ACLs are per node, so a second node is
 * how a change that reaches only the first one shows up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort, startOnFreshPortsAfterRace } from './free-port.js';

export interface StartRedisNodeOptions {
  /** A file (which must exist) the node loads its users from and `ACL SAVE` writes to. */
  aclfile?: string;
}

export interface RunningRedisNode {
  host: '127.0.0.1';
  port: number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const START_TIMEOUT_IN_MS = 10_000;
/** Another process can take the free port between asking and binding; that is worth a few tries. */
const ATTEMPTS = 3;

/**
 * Asks the port for INFO server over a fresh socket; true when the answer comes from process `pid`.
 * Checking the pid, not just a PONG, rules out another Redis that won the race for the port.
 */
async function answersAs(port: number, pid: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, HOST);
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.startsWith('-')) done(false);
      else if (/\r\nprocess_id:\d+\r\n/.test(reply)) done(reply.includes(`\r\nprocess_id:${pid}\r\n`));
    });
    socket.once('error', () => done(false));
  });
}

async function startOnce(options: StartRedisNodeOptions): Promise<RunningRedisNode> {
  const port = await freePort(HOST);
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...(options.aclfile ? ['--aclfile', options.aclfile] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4096));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // A node must not outlive the test process that started it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const deadline = Date.now() + START_TIMEOUT_IN_MS;
  for (;;) {
    if (child.pid !== undefined && (await answersAs(port, child.pid))) break;
    if (exited) throw new Error(`redis-server on port ${port} exited before answering: ${output.trim()}`);
    const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
    if (failed) throw new Error(`could not start redis-server (is it on PATH?): ${failed.message}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not answer within ${START_TIMEOUT_IN_MS} ms: ${output.trim()}`);
    }
  }

  return {
    host: HOST,
    port,
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      await exit;
    },
  };
}

export async function startRedisNode(options: StartRedisNodeOptions = {}): Promise<RunningRedisNode> {
  return startOnFreshPortsAfterRace(() => startOnce(options), ATTEMPTS);
}
