/**
 * Starts a private PostgreSQL cluster that checks passwords (scram-sha-256 for every
 * connection, socket and TCP), for tests, the bench and end-to-end runs. The machine's
 * own server trusts every local connection, so a password test against it proves nothing.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export const SCRAM_POSTGRES_ADMIN = 'kvrot_admin';
const OS_USER = 'postgres';
const START_ATTEMPTS = 3;

export interface StartScramPostgresOptions {
  /** Writes every statement to `logFile` (log_statement = all), for tests that prove what was, or was not, sent. */
  logStatements?: boolean;
}

export interface RunningScramPostgres {
  host: '127.0.0.1';
  port: number;
  /** A superuser; its password is random per cluster. */
  admin: { username: string; password: string };
  /** The server log (stderr of the postmaster). */
  logFile: string;
  /** The PostgreSQL major version of the binaries that run it. */
  version: number;
  stop(): Promise<void>;
}

/** The server binaries: the highest /usr/lib/postgresql/<major>/bin, else `pg_config --bindir`. */
async function serverBinaries(): Promise<{ bin: string; version: number }> {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? (await readdir(root)).filter((name) => /^\d+$/.test(name)).map(Number).sort((a, b) => b - a) : [];
  for (const major of majors) {
    const bin = join(root, String(major), 'bin');
    if (existsSync(join(bin, 'postgres')) && existsSync(join(bin, 'initdb'))) return { bin, version: major };
  }
  try {
    const bin = (await run('pg_config', ['--bindir'])).stdout.trim();
    const version = Number(/(\d+)/.exec((await run('pg_config', ['--version'])).stdout)?.[1]);
    if (existsSync(join(bin, 'postgres')) && existsSync(join(bin, 'initdb'))) return { bin, version };
  } catch {
    // No pg_config on PATH: fall through to the error below.
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl, postgres) are needed to start a password-checking PostgreSQL; none were found under /usr/lib/postgresql/*/bin or at `pg_config --bindir` (on Debian: apt-get install postgresql)',
  );
}

/** postgres refuses to run as root: when we are root, its tools run as the postgres OS user. */
const asRoot = process.getuid?.() === 0;

function command(bin: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', OS_USER, '--', bin, ...args]] : [bin, args];
}

async function runAsServerUser(bin: string, args: string[]): Promise<void> {
  const [file, argv] = command(bin, args);
  await run(file, argv, { timeout: 60_000 });
}

async function tail(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).split('\n').slice(-15).join('\n').trim();
  } catch {
    return '(no server log)';
  }
}

/** Clusters still running, stopped synchronously if the process exits without calling stop(). */
const running = new Map<string, { pgCtl: string; dataDirectory: string }>();
let exitHookInstalled = false;

function stopAllOnExit(): void {
  for (const [dir, { pgCtl, dataDirectory }] of running) {
    try {
      const [file, argv] = command(pgCtl, ['stop', '-D', dataDirectory, '-m', 'immediate', '-w']);
      execFileSync(file, argv, { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // Already gone; nothing else can be done while the process exits.
    }
    try {
      execFileSync('rm', ['-rf', dir], { stdio: 'ignore' });
    } catch {
      // Leave the directory; it is under the OS temp dir.
    }
  }
  running.clear();
}

function serverSettings(port: number, socketDirectory: string, logStatements: boolean): string {
  return [
    '',
    '# kvrot: a small, fast, password-checking test cluster',
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${socketDirectory}'`,
    'max_connections = 100',
    'shared_buffers = 16MB',
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    "password_encryption = 'scram-sha-256'",
    'logging_collector = off',
    "log_line_prefix = '%m [%p] %u@%d '",
    `log_statement = '${logStatements ? 'all' : 'none'}'`,
    '',
  ].join('\n');
}

/** Only scram-sha-256: no trust, no peer, for every database and user, over the socket and TCP. */
const PG_HBA = [
  '# kvrot: every connection proves its password',
  'local all all scram-sha-256',
  'host all all 127.0.0.1/32 scram-sha-256',
  'host all all ::1/128 scram-sha-256',
  '',
].join('\n');

export async function startScramPostgres(options: StartScramPostgresOptions = {}): Promise<RunningScramPostgres> {
  const { bin, version } = await serverBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'kvrot-pg-'));
  const dataDirectory = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const pwFile = join(dir, 'admin.pw');
  const password = randomBytes(24).toString('base64url');
  const pgCtl = join(bin, 'pg_ctl');
  let started = false;
  try {
    await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (asRoot) {
      const { uid, gid } = await serverUser();
      await chown(dir, uid, gid);
      await chown(pwFile, uid, gid);
    }
    await runAsServerUser(join(bin, 'initdb'), [
      '-D', dataDirectory,
      '-U', SCRAM_POSTGRES_ADMIN,
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    await rm(pwFile, { force: true });
    await writeFile(join(dataDirectory, 'pg_hba.conf'), PG_HBA);

    // freePort can lose a race with another process between asking and binding: try another port.
    let port = 0;
    for (let attempt = 1; !started; attempt++) {
      port = await freePort('127.0.0.1');
      await appendFile(join(dataDirectory, 'postgresql.conf'), serverSettings(port, dir, options.logStatements ?? false));
      try {
        await runAsServerUser(pgCtl, ['start', '-D', dataDirectory, '-l', logFile, '-w', '-t', '30', '-s']);
        started = true;
      } catch (error) {
        const log = await tail(logFile);
        if (attempt < START_ATTEMPTS && /could not (bind|create listen)|Address already in use/i.test(log)) continue;
        throw new Error(`PostgreSQL did not start in ${dir}: ${(error as Error).message.trim()}\n${log}`);
      }
    }
    running.set(dir, { pgCtl, dataDirectory });
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', stopAllOnExit);
    }

    return {
      host: '127.0.0.1',
      port,
      admin: { username: SCRAM_POSTGRES_ADMIN, password },
      logFile,
      version,
      stop: async () => {
        if (!running.delete(dir)) return;
        try {
          await runAsServerUser(pgCtl, ['stop', '-D', dataDirectory, '-m', 'immediate', '-w', '-s']);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    if (!started) {
      // pg_ctl may have given up waiting on a server that did come up: do not leave it running.
      await runAsServerUser(pgCtl, ['stop', '-D', dataDirectory, '-m', 'immediate', '-s']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
    throw error;
  }
}

async function serverUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', OS_USER]), run('id', ['-g', OS_USER])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
