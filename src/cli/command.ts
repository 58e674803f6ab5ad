/**
 * A kvrot command: one file under commands/ that exports one of these, and one line in
 * main.ts's COMMANDS. `register` adds the subcommand to the program; its action returns
 * the exit code.
 */
import type { Command } from 'commander';
import type { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

export interface CliContext {
  io: CliIo;
  /** Runs a command's body and records its exit code; CliErrors become their message and code. */
  run(body: () => Promise<ExitCode>): Promise<void>;
}

export interface CliCommand {
  readonly name: string;
  register(program: Command, context: CliContext): void;
}
