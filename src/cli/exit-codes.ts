/** kvrot's exit codes, as docs/cli.md lists them; SecretZero's CLI uses the same 1, 3 and 4. */
export const EXIT = {
  ok: 0,
  /** The input is invalid: a Secretfile problem, or a finding severe enough to fail. */
  validation: 1,
  /** The command line is: an unknown option, a missing argument, a file that cannot be read. */
  usage: 2,
  /** No valid credential for the API, or a role it lacks. */
  auth: 3,
  /** The file, the API and the vaults disagree. */
  drift: 4,
  /** The API or a vault failed or could not be reached. */
  remote: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
