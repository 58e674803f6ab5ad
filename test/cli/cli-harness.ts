/**
 * kvrot two ways: in process through main() with captured output (fast, for exit codes and
 * generated arguments), and as a child process through bin/kvrot.js, as a user runs it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { readTextFile, type CliIo } from '../../src/cli/io.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CORPUS = fileURLToPath(new URL('../core/secretfile/corpus/', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/kvrot.js', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runInProcess(argv: string[], options: { env?: Record<string, string>; tty?: boolean; cwd?: string; fetch?: typeof fetch; now?: () => Date; sleep?: (ms: number) => Promise<void> } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text) => void (stdout += text), isTTY: options.tty ?? false },
    stderr: { write: (text) => void (stderr += text), isTTY: options.tty ?? false },
    env: options.env ?? {},
    cwd: options.cwd ?? CORPUS,
    readTextFile,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** bin/kvrot.js in a child process; NO_COLOR and the rest of the environment as given. */
export function runBin(argv: string[], options: { env?: Record<string, string>; cwd?: string; command?: string[] } = {}): Run {
  const [command, ...prefix] = options.command ?? [process.execPath, BIN];
  const result = spawnSync(command!, [...prefix, ...argv], {
    cwd: options.cwd ?? CORPUS,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * bin/kvrot.js in a child process without blocking this one: for tests whose API runs in this
 * process (spawnSync would stop it answering while the child waits for it).
 */
export function runBinAsync(argv: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: options.cwd ?? CORPUS, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
