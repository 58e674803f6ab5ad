/**
 * The cost report's per-rotation figures (MEASURED) are what the app does: scheduled rotations
 * run on the local stack (the functions host running src/functions on Azurite, the Key Vault
 * emulator and an Event Grid topic stand-in), counted by the emulator's operation counts, proxies
 * in front of Azurite's Table and Queue endpoints, the host's executions and the topic's events
 * (bench/reports/unit-costs.ts, which the bench prints). A change to what a rotation touches
 * fails here until the report's figures follow. Counts only, never timings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOST_QUEUE_MAX_POLLING_SECONDS, MEASURED } from '../../src/core/reports/cost/cost-report.js';
import { asCostFigures, measureUnitCosts, staleFigures, type UnitCosts } from '../../bench/reports/unit-costs.js';

let units: UnitCosts;

beforeAll(async () => {
  units = await measureUnitCosts(2);
}, 120_000);

describe('the cost report against a measured scheduled rotation', () => {
  it('measured without an error logged', () => {
    expect(units.errors).toEqual([]);
  });

  it('uses the figures the app really costs', () => {
    expect(staleFigures(asCostFigures(units), MEASURED)).toEqual([]);
  });

  it('names a figure that no longer matches (the check can fail)', () => {
    expect(staleFigures(asCostFigures(units), { ...MEASURED, tablePerRotation: MEASURED.tablePerRotation + 1, queuePerRotation: 2 })).toEqual([
      `tablePerRotation: the report uses ${MEASURED.tablePerRotation + 1}, measured ${MEASURED.tablePerRotation}`,
      `queuePerRotation: the report uses 2, measured ${MEASURED.queuePerRotation}`,
    ]);
  });

  it('counts what the formulas say each figure is made of', () => {
    // The queue: the scan's send, the host's receive and its delete; a first-time success updates nothing.
    expect(units.rotation.queue).toEqual({ send: 1, receive: 1, delete: 1, update: 0 });
    // The rotation is its own execution, not the scan's; the own-write event is the webhook's.
    expect(units.rotation.executions).toEqual({ scanDuePolicies: 0, rotateDuePolicy: 1 });
    expect(units.ownWriteEvent.executions).toEqual({ onKeyVaultEvent: 1 });
    expect(units.idleScan).toEqual({ table: MEASURED.tablePerIdleScan, queue: { send: 0, receive: 0, delete: 0, update: 0 }, executions: { scanDuePolicies: 1 } });
  });

  it("prices the host's polling at host.json's maxPollingInterval", () => {
    const hostJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'host.json'), 'utf8')) as { extensions: { queues: { maxPollingInterval: string } } };
    const [hours, minutes, seconds] = hostJson.extensions.queues.maxPollingInterval.split(':').map(Number);
    expect(hours! * 3600 + minutes! * 60 + seconds!).toBe(HOST_QUEUE_MAX_POLLING_SECONDS);
  });
});
