/**
 * Lets benchmarks and tests see how many entities each adapter call reads, to
 * check that the schedule scan's cost follows what is due, not what is stored.
 */
export type TableReadOperation =
  | 'policies.get'
  | 'policies.list'
  | 'policies.findBySecret'
  | 'policies.put'
  | 'policies.delete'
  | 'states.get'
  | 'states.getMany'
  | 'schedule.listDue'
  | 'audit.list'
  | 'audit.query'
  | 'smokeTests.latest'
  /** An append refused as a replay reads the record stored first. */
  | 'audit.append';

/** Called once per request that reads entities, with how many the service returned. */
export type EntitiesReadListener = (operation: TableReadOperation, entities: number) => void;

/** A running total per operation; pass `counter.listener` as `onEntitiesRead`. */
export class EntitiesReadCounter {
  readonly entities = new Map<TableReadOperation, number>();
  readonly requests = new Map<TableReadOperation, number>();

  readonly listener: EntitiesReadListener = (operation, entities) => {
    this.entities.set(operation, (this.entities.get(operation) ?? 0) + entities);
    this.requests.set(operation, (this.requests.get(operation) ?? 0) + 1);
  };

  entitiesFor(operation: TableReadOperation): number {
    return this.entities.get(operation) ?? 0;
  }

  requestsFor(operation: TableReadOperation): number {
    return this.requests.get(operation) ?? 0;
  }

  reset(): void {
    this.entities.clear();
    this.requests.clear();
  }
}

export const ignoreReads: EntitiesReadListener = () => {};
