/**
 * The cost report's figures for rotations with consumers (MEASURED's consumer part, and the model
 * rotationUnits adds them up with) are what the app does: scheduled rotations of policies with Redis
 * and PostgreSQL consumers, keyvault-replica and event-grid-topic followers run on the local stack
 * (bench/reports/consumer-unit-costs.ts). The figures are fitted on five policies and the model must
 * explain two more it never saw. Counts only, never timings. Its own file: the app's services are
 * built once a process, and cost-unit-figures.e2e.test.ts builds them for its own stack.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER_FIGURES, MEASURED } from '../../src/core/reports/cost/cost-report.js';
import { CHECK_CASES, FITTED_CASES, fitConsumerFigures, measureConsumerUnitCosts, unexplained, wholeRotation, type ConsumerRotationCosts } from '../../bench/reports/consumer-unit-costs.js';
import { staleFigures } from '../../bench/reports/unit-costs.js';

let results: ConsumerRotationCosts[];
let errors: string[];
const fitted = () => results.filter((r) => FITTED_CASES.includes(r.case));
const checked = () => results.filter((r) => CHECK_CASES.includes(r.case));
const result = (name: string) => results.find((r) => r.case.name === name)!;

beforeAll(async () => {
  ({ results, errors } = await measureConsumerUnitCosts([...FITTED_CASES, ...CHECK_CASES], 2));
}, 300_000);

describe('the cost report against measured rotations with consumers', () => {
  it('measured without an error logged', () => {
    expect(errors).toEqual([]);
  });

  it('uses the consumer figures the app really costs', () => {
    // Arrange
    const figures = fitConsumerFigures(fitted(), MEASURED);

    // Assert: every consumer figure is fitted, and equal to the report's.
    expect(Object.keys(figures).sort()).toEqual([...CONSUMER_FIGURES].sort());
    expect(staleFigures(figures, MEASURED)).toEqual([]);
  });

  it('names a consumer figure that no longer matches (the check can fail)', () => {
    const figures = fitConsumerFigures(fitted(), MEASURED);
    expect(staleFigures(figures, { ...MEASURED, tablePerAuditRecord: MEASURED.tablePerAuditRecord + 1, replicaVaultPerCopy: 2 })).toEqual([
      `tablePerAuditRecord: the report uses ${MEASURED.tablePerAuditRecord + 1}, measured ${MEASURED.tablePerAuditRecord}`,
      `replicaVaultPerCopy: the report uses 2, measured ${MEASURED.replicaVaultPerCopy}`,
    ]);
  });

  it("explains every rotation with the report's model, the two cases it was not fitted on included", () => {
    expect(checked().map((r) => r.case.name)).toEqual(['redis-replicas-topics', 'postgresql-replica']);
    expect(unexplained(checked(), MEASURED)).toEqual([]);
    expect(unexplained(fitted(), MEASURED)).toEqual([]);
  });

  it('names a rotation the model does not explain (the check can fail)', () => {
    // Arrange: a recheck one transaction dearer than it is; only the case with two drain checks rechecks among these.
    const wrong = { ...MEASURED, tablePerDrainRecheck: MEASURED.tablePerDrainRecheck + 1 };
    const table = wholeRotation(result('redis-replicas-topics')).table;

    // Act / Assert
    expect(unexplained(checked(), wrong)).toEqual([`redis-replicas-topics: Table transactions: the model says ${table + 1}, measured ${table}`]);
  });

  it('counts what the figures say each is made of', () => {
    // A follower adds the delivery after the switch; multi-password drains after it, alternating-users before.
    expect(result('replica').steps).toEqual(['claimed', 'switched', 'delivered', 'completed']);
    expect(result('redis').steps).toEqual(['claimed', 'prepared', 'verified', 'switched', 'drained', 'revoked', 'completed']);
    expect(result('postgresql-replica').steps).toEqual(['claimed', 'drained', 'prepared', 'verified', 'switched', 'delivered', 'revoked', 'completed']);
    // Each drain check is a queue message and an execution of its own; alternating-users waits for none.
    expect(result('redis-2-checks').drainChecks).toMatchObject({ queue: 2 * MEASURED.queuePerDrainCheck, executions: 2 });
    expect(wholeRotation(result('postgresql-replica'))).toMatchObject({ queue: MEASURED.queuePerRotation });
    // A replica's copy is in its vault; its SecretNewVersionCreated reads no vault, and a topic follower is one event.
    expect(result('replica').pass.keyVault.replicas).toBe(MEASURED.replicaVaultPerCopy);
    expect(result('replica').replicaWriteEvents).toMatchObject({ keyVault: { primary: 0, replicas: 0 }, executions: 1 });
    expect(wholeRotation(result('redis-replicas-topics'))).toMatchObject({ keyVault: { replicas: 2 * MEASURED.replicaVaultPerCopy }, followerEvents: 2 });
  });
});
