/**
 * The emulator's notion of now: real time plus an offset that only moves forward,
 * so a test can jump to "29 days before expiry" without waiting.
 */
export class EmulatorClock {
  #offsetMs = 0;

  nowMs(): number {
    return Date.now() + this.#offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** Key Vault's time unit on the wire. */
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward: ms must be a finite number >= 0');
    this.#offsetMs += ms;
  }

  reset(): void {
    this.#offsetMs = 0;
  }
}
