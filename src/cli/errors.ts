/** What a command throws to end with a message and a documented exit code, never a stack trace. */
import { EXIT, type ExitCode } from './exit-codes.js';

export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The command line asks for something that cannot be done as written (exit 2). */
export class CliUsageError extends CliError {
  readonly exitCode = EXIT.usage;
}

/** The input is invalid, or the API refused the request as invalid (exit 1). */
export class CliValidationError extends CliError {
  readonly exitCode = EXIT.validation;
}

/** No valid credential for the API, or a role it lacks (exit 3). */
export class CliAuthError extends CliError {
  readonly exitCode = EXIT.auth;
}

/** The API or a vault failed, could not be reached, or answered what the document does not describe (exit 5). */
export class CliRemoteError extends CliError {
  readonly exitCode = EXIT.remote;
}
