/**
 * What a command touches outside itself, passed in so tests run commands in process with
 * captured output, and so no command reads process.* directly.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface OutputStream {
  write(text: string): void;
  /** A terminal: colours and progress are for people, never for a pipe. */
  readonly isTTY: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** The file's text, or why it cannot be had; never reads more than maxBytes. */
  readTextFile(path: string, maxBytes: number): TextFileRead;
  /** Writes a file whole (through a temporary file and a rename), creating its directory. Default: the file system. */
  writeTextFile?(path: string, text: string): void;
  /** The API's transport; default globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
  /** Default: the system clock. */
  now?(): Date;
  /** Waits between polls; default a timer. */
  sleep?(ms: number): Promise<void>;
}

export function writeTextFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { encoding: 'utf8', mode: 0o600 });
  renameSync(temporary, path);
}

export type TextFileRead = { text: string } | { problem: string; reason: 'missing' | 'too-large' | 'unreadable' };

export function readTextFile(path: string, maxBytes: number): TextFileRead {
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) return { problem: 'it is a directory', reason: 'unreadable' };
    // A device or a pipe (/dev/zero) has no size to check and may never end.
    if (!stats.isFile()) return { problem: 'it is not a regular file', reason: 'unreadable' };
    if (stats.size > maxBytes) return { problem: `it has ${stats.size} bytes, more than the ${maxBytes} (1 MiB) allowed: it is refused unread`, reason: 'too-large' };
    const text = readFileSync(path, 'utf8');
    if (Buffer.byteLength(text, 'utf8') > maxBytes) return { problem: `it has more than the ${maxBytes} bytes allowed`, reason: 'too-large' };
    return { text };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: 'no such file', reason: 'missing' };
    if (code === 'EACCES' || code === 'EPERM') return { problem: 'permission denied', reason: 'unreadable' };
    return { problem: code ?? 'it cannot be read', reason: 'unreadable' };
  }
}

export function processIo(): CliIo {
  // A reader that went away (kvrot validate | head) is not kvrot's failure: stop writing, quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
  return {
    stdout: { write: (text) => void process.stdout.write(text), isTTY: process.stdout.isTTY === true },
    stderr: { write: (text) => void process.stderr.write(text), isTTY: process.stderr.isTTY === true },
    env: process.env,
    cwd: process.cwd(),
    readTextFile,
    writeTextFile,
    fetch: globalThis.fetch,
  };
}
