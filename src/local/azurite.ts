/**
 * Starts Azurite (Blob, Queue, Table) in memory on free loopback ports, as a
 * child process, and gives back the connection string the app and tests use.
 * With `location`, it keeps its data in that directory instead, loading what is there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { freePort, startOnFreshPortsAfterRace } from './free-port.js';

/** Azurite's published development account; not a secret. */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  host: string;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  connectionString: string;
  /** Its process, for benches that measure what it costs. */
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface StartAzuriteOptions {
  host?: string;
  /** Fixed ports (e.g. 10000-10002 for `npm start`); free ones otherwise. */
  ports?: { blob: number; queue: number; table: number };
  /**
   * Keep the data in this directory (Azurite's `--location`) instead of in memory: Azurite loads
   * what a previous run saved there and saves on a graceful stop (stop()) and every few seconds.
   */
  location?: string;
}

async function waitForPort(host: string, port: number, timeoutInMs: number): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`Azurite did not open ${host}:${port} within ${timeoutInMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startAzurite(options: StartAzuriteOptions = {}): Promise<RunningAzurite> {
  // Fixed ports are the caller's to choose; a port in use there is their error to see.
  return options.ports ? startAzuriteOnce(options) : startOnFreshPortsAfterRace(() => startAzuriteOnce(options));
}

async function startAzuriteOnce(options: StartAzuriteOptions): Promise<RunningAzurite> {
  const host = options.host ?? '127.0.0.1';
  const blobPort = options.ports?.blob ?? (await freePort(host));
  const queuePort = options.ports?.queue ?? (await freePort(host));
  const tablePort = options.ports?.table ?? (await freePort(host));
  const bin = createRequire(import.meta.url).resolve('azurite/dist/src/azurite.js');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      bin,
      ...(options.location === undefined ? ['--inMemoryPersistence'] : ['--location', options.location]),
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--silent',
      '--blobHost', host, '--blobPort', String(blobPort),
      '--queueHost', host, '--queuePort', String(queuePort),
      '--tableHost', host, '--tablePort', String(tablePort),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`Azurite exited with code ${code}: ${stderr.trim()}`))),
  );
  exited.catch(() => undefined);
  // Over a location, Azurite loads the saved store before it listens: hundreds of MiB take a while.
  const timeoutInMs = options.location === undefined ? 15_000 : 120_000;
  await Promise.race([
    Promise.all([waitForPort(host, blobPort, timeoutInMs), waitForPort(host, queuePort, timeoutInMs), waitForPort(host, tablePort, timeoutInMs)]),
    exited,
  ]);
  const base = `http://${host}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `BlobEndpoint=${base}:${blobPort}/${DEV_ACCOUNT};QueueEndpoint=${base}:${queuePort}/${DEV_ACCOUNT};TableEndpoint=${base}:${tablePort}/${DEV_ACCOUNT};`;
  return {
    host,
    blobPort,
    queuePort,
    tablePort,
    connectionString,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
