/**
 * Structured logging as a port. Properties name vaults, secrets, versions and
 * rotation ids: never a value or a connection string.
 */
export type LogProperties = Record<string, string | number | boolean | undefined>;

export interface Logger {
  info(message: string, properties?: LogProperties): void;
  warn(message: string, properties?: LogProperties): void;
  error(message: string, properties?: LogProperties): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
