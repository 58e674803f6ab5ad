/** SmokeTestStore in memory: the latest record per environment, copied in and out as the Table adapter's round trip does. */
import type { SmokeTestRecord, SmokeTestStore } from '../../../src/core/ports.js';

export class InMemorySmokeTestStore implements SmokeTestStore {
  readonly #latest = new Map<string, SmokeTestRecord>();

  async latest(environment: string): Promise<SmokeTestRecord | undefined> {
    const record = this.#latest.get(environment);
    return record ? structuredClone(record) : undefined;
  }

  async save(record: SmokeTestRecord): Promise<void> {
    this.#latest.set(record.environment, structuredClone(record));
  }
}
