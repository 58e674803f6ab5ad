/**
 * A secret value in transit. It prints as [redacted] everywhere (string
 * interpolation, JSON, console/util.inspect) so that a value cannot leak
 * into a log, an error, an audit record or an HTTP response by accident.
 * Only an adapter that writes it to Key Vault or a downstream system calls reveal().
 */
const REDACTED = '[redacted]';
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

export class SecretValue {
  readonly #value: string;

  private constructor(value: string) {
    this.#value = value;
  }

  static of(value: string): SecretValue {
    return new SecretValue(value);
  }

  reveal(): string {
    return this.#value;
  }

  /** Length in UTF-8 bytes, for Key Vault's 25 KB limit; reveals nothing. */
  get byteLength(): number {
    return Buffer.byteLength(this.#value, 'utf8');
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspectSymbol](): string {
    return REDACTED;
  }
}
