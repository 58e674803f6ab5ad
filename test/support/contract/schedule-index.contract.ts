/** The ScheduleIndex contract: range reads of what is due, oldest first, across pages. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { DueEntry, ScheduleIndex } from '../../../src/core/ports.js';
import { collect, inParallel } from './fixtures.js';

const NOW = new Date('2026-04-01T12:00:00.000Z');

function at(offsetInMs: number): Date {
  return new Date(NOW.getTime() + offsetInMs);
}

export function describeScheduleIndexContract(name: string, makeIndex: () => ScheduleIndex | Promise<ScheduleIndex>): void {
  describe(`ScheduleIndex contract: ${name}`, () => {
    let index: ScheduleIndex;

    beforeEach(async () => {
      index = await makeIndex();
    });

    it('lists only entries due at or before the instant, oldest first', async () => {
      // Arrange
      const entries: DueEntry[] = [
        { policyId: 'later', dueAt: at(1) },
        { policyId: 'exactly-now', dueAt: at(0) },
        { policyId: 'long-overdue', dueAt: new Date('2020-01-01T00:00:00.000Z') },
        { policyId: 'next-year', dueAt: new Date('2027-04-01T00:00:00.000Z') },
        { policyId: 'an-hour-ago', dueAt: at(-3_600_000) },
      ];
      await inParallel(entries, 5, (entry) => index.add(entry));

      // Act
      const due = await collect(index.listDue(NOW));

      // Assert
      expect(due).toEqual([entries[2], entries[4], entries[1]]);
    });

    it('orders entries due at the same instant by policy id', async () => {
      // Arrange
      await inParallel(['charlie', 'alpha', 'bravo'], 3, (policyId) => index.add({ policyId, dueAt: at(-1) }));

      // Act
      const due = await collect(index.listDue(NOW));

      // Assert
      expect(due.map((entry) => entry.policyId)).toEqual(['alpha', 'bravo', 'charlie']);
    });

    it('adds idempotently and keeps entries of one policy at different times apart', async () => {
      // Arrange
      const entry = { policyId: 'p1', dueAt: at(-10) };
      await index.add(entry);
      await index.add(entry);
      await index.add({ policyId: 'p1', dueAt: at(-5) });

      // Act
      const due = await collect(index.listDue(NOW));

      // Assert
      expect(due).toEqual([entry, { policyId: 'p1', dueAt: at(-5) }]);
    });

    it('removes an entry, and removing a missing one is no error', async () => {
      // Arrange
      await index.add({ policyId: 'p1', dueAt: at(-10) });
      await index.add({ policyId: 'p2', dueAt: at(-10) });

      // Act
      await index.remove({ policyId: 'p1', dueAt: at(-10) });
      await index.remove({ policyId: 'p1', dueAt: at(-10) });
      await index.remove({ policyId: 'p2', dueAt: at(-9) });

      // Assert
      expect(await collect(index.listDue(NOW))).toEqual([{ policyId: 'p2', dueAt: at(-10) }]);
    });

    it('reads 1,200 due entries across pages in order, and none of those not yet due', async () => {
      // Arrange
      const due = Array.from({ length: 1200 }, (_, i) => ({ policyId: `due-${String(i).padStart(4, '0')}`, dueAt: at(-1_000_000 + i * 10) }));
      const notDue = Array.from({ length: 50 }, (_, i) => ({ policyId: `later-${i}`, dueAt: at(1 + i) }));
      await inParallel([...due, ...notDue], 100, (entry) => index.add(entry));

      // Act
      const listed = await collect(index.listDue(NOW));

      // Assert
      expect(listed).toEqual(due);
    });

    it('does not trip over entries removed while the scan reads them', async () => {
      // Arrange
      await inParallel(['a', 'b', 'c', 'd'], 4, (policyId) => index.add({ policyId, dueAt: at(-1) }));

      // Act
      const seen: string[] = [];
      for await (const entry of index.listDue(NOW)) {
        seen.push(entry.policyId);
        await index.remove(entry);
      }

      // Assert
      expect(seen).toEqual(['a', 'b', 'c', 'd']);
      expect(await collect(index.listDue(NOW))).toEqual([]);
    });
  });
}
