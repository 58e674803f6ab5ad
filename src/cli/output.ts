/**
 * How commands print: human tables by default, one JSON document with --json; colours only
 * on a terminal and never with NO_COLOR set; progress only on a terminal. Text from a file
 * (names, paths) has its control and bidi characters escaped before it reaches a terminal.
 */
import { escapeUnsafe } from '../core/untrusted-text.js';
import type { CliIo, OutputStream } from './io.js';

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
}

const plain: Style = { bold: (t) => t, dim: (t) => t, red: (t) => t, yellow: (t) => t, green: (t) => t };

const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const coloured: Style = { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), yellow: ansi(33, 39), green: ansi(32, 39) };

/** no-color.org: NO_COLOR present and not empty turns colour off, whatever the terminal. */
export function styleFor(stream: OutputStream, env: CliIo['env']): Style {
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  return stream.isTTY && !noColor ? coloured : plain;
}

/** Text from input, safe to show on a terminal. */
export function shown(text: string): string {
  return escapeUnsafe(text);
}

const ANSI = /\u001b\[[0-9;]*m/g;

function width(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], style: Style, indent = '  '): string {
  const widths = headers.map((header, column) => Math.max(width(header), ...rows.map((row) => width(row[column] ?? ''))));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column]! - width(cell))))
      .join('  ')
      .trimEnd();
  return [style.dim(line(headers)), ...rows.map(line)].join('\n') + '\n';
}

export function writeJson(stream: OutputStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

export interface Progress {
  update(text: string): void;
  done(): void;
}

/** A status line for long operations, redrawn in place on a terminal; nothing at all when piped. */
export function progress(stream: OutputStream): Progress {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let drawn = false;
  return {
    update(text) {
      stream.write(`\r\u001b[2K${shown(text)}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\u001b[2K');
      drawn = false;
    },
  };
}
