/**
 * What reading a Secretfile reports: problems (the file cannot be used as written),
 * warnings (it can, but something differs from what SecretZero does or the reader might
 * expect), each at a file, line, column and path, in messages that never hold a value.
 */
import { boundText } from '../untrusted-text.js';
import { formatPath, type Path } from './paths.js';

export interface SourceLocation {
  file: string;
  /** From 1. */
  line: number;
  /** From 1. */
  column: number;
}

export interface LocatedMessage extends SourceLocation {
  /** `secrets[3].config.length`; '' for the file as a whole. */
  path: string;
  message: string;
}

/** The file cannot be used as written. */
export type SecretfileProblem = LocatedMessage;

/** Worth knowing, not wrong: a default taken, a target skipped, a difference from SecretZero. */
export type SecretfileWarning = LocatedMessage;

/** Messages quote names from the file (a secret's name, a variable's): escaped and bounded, like every echo of input. */
export function problemAt(location: SourceLocation, path: Path, message: string): LocatedMessage {
  return { ...location, path: boundText(formatPath(path), 256), message: boundText(message, 1024) };
}

/** `Secretfile.yml:12:7: secrets[3].config.length: must be at least 8`. */
export function formatLocated(item: LocatedMessage): string {
  return `${item.file}:${item.line}:${item.column}: ${item.path ? `${item.path}: ` : ''}${item.message}`;
}
