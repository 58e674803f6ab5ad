/**
 * kvrot, the command line for policies as code: the program, its commands (one file each
 * under commands/, one line each in COMMANDS), and the mapping from failures to the exit
 * codes in docs/cli.md. No stack trace reaches a user unless KVROT_DEBUG=1 asks for it.
 */
import { Command, CommanderError } from 'commander';
import { describeError } from '../core/errors.js';
import type { CliCommand, CliContext } from './command.js';
import { applyCommand } from './commands/apply.js';
import { approveCommand } from './commands/approve.js';
import { auditCommand } from './commands/audit.js';
import { costCommand } from './commands/cost.js';
import { driftCommand } from './commands/drift.js';
import { historyCommand } from './commands/history.js';
import { planCommand } from './commands/plan.js';
import { promoteCommand } from './commands/promote.js';
import { rejectCommand } from './commands/reject.js';
import { reportCommand } from './commands/report.js';
import { rotateCommand } from './commands/rotate.js';
import { smokeCommand } from './commands/smoke.js';
import { statusCommand } from './commands/status.js';
import { validateCommand } from './commands/validate.js';
import { CliError } from './errors.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { shown } from './output.js';

/** Every command kvrot has; adding one is a file under commands/ and a line here. */
export const COMMANDS: readonly CliCommand[] = [
  validateCommand,
  planCommand,
  applyCommand,
  rotateCommand,
  approveCommand,
  rejectCommand,
  statusCommand,
  historyCommand,
  auditCommand,
  reportCommand,
  driftCommand,
  costCommand,
  smokeCommand,
  promoteCommand,
];

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const context: CliContext = {
    io,
    async run(body) {
      try {
        exitCode = await body();
      } catch (error) {
        exitCode = failed(error, io);
      }
    },
  };
  const program = new Command('kvrot')
    .description('Policies as code for Azure Key Vault rotation: read a SecretZero Secretfile and check, plan and apply it against the rotation API.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', '\nExit codes: 0 ok, 1 validation, 2 usage, 3 auth, 4 drift, 5 remote failure (docs/cli.md).');
  for (const command of COMMANDS) command.register(program, context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) return failed(error, io);
    // --help asked for is success; help shown because no command was given is a usage error.
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
  }
  return exitCode;
}

function failed(error: unknown, io: CliIo): number {
  if (error instanceof CliError) {
    io.stderr.write(`kvrot: ${error.message}\n`);
    return error.exitCode;
  }
  io.stderr.write(`kvrot: unexpected error: ${shown(describeError(error))}\n`);
  if (io.env['KVROT_DEBUG'] === '1' && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  else io.stderr.write('(set KVROT_DEBUG=1 to see where it happened, and report it)\n');
  return EXIT.validation;
}
