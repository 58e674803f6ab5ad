import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { SmokeTests, type SmokeTestReport } from '../../../src/core/smoke/smoke-tests.js';
import { InMemoryAuditLog } from '../../support/in-memory/in-memory-audit-log.js';
import { InMemorySmokeTestStore } from '../../support/in-memory/in-memory-smoke-test-store.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const ACTOR = { oid: '00000000-0000-4000-8000-000000000001', displayName: 'ci', clientIp: '10.0.0.1', correlationId: 'inv-1' };
const PASSED: SmokeTestReport = { passed: true, fileHash: `sha256:${'ab'.repeat(32)}`, policies: ['stg-db'], checks: [{ name: 'health', passed: true }, { name: 'dry run of stg-db', passed: true }] };
const FAILED: SmokeTestReport = { ...PASSED, passed: false, checks: [{ name: 'health', passed: true }, { name: 'dry run of stg-db', passed: false }] };

function smokeTests() {
  const store = new InMemorySmokeTestStore();
  const audit = new InMemoryAuditLog();
  let id = 0;
  const service = new SmokeTests({ store, audit, clock: { now: () => NOW }, newId: () => `id-${++id}`, logger: silentLogger });
  return { service, store, audit };
}

describe('SmokeTests', () => {
  it.each([
    ['passed', PASSED, 'environment.smoke-passed', 'smoke test of staging (sha256:abab' + 'ab'.repeat(30) + '): passed, 2 checks passed'],
    ['failed', FAILED, 'environment.smoke-failed', `smoke test of staging (${FAILED.fileHash}): failed, 1 of 2 checks failed: dry run of stg-db`],
  ] as const)('audits a %s smoke test with who, then makes it the latest', async (_what, report, action, reason) => {
    // Arrange
    const { service, audit } = smokeTests();

    // Act
    const recorded = await service.record('staging', report, ACTOR);

    // Assert
    expect(recorded).toEqual({ environment: 'staging', at: NOW, ...report, by: { oid: ACTOR.oid, name: 'ci' } });
    expect(await service.latest('staging')).toEqual(recorded);
    expect(audit.records()).toEqual([{ id: 'id-1', at: NOW, action, actor: 'ci', actorId: ACTOR.oid, clientIp: '10.0.0.1', correlationId: 'inv-1', reason }]);
  });

  it('a failed smoke test replaces a passed one as the latest', async () => {
    // Arrange
    const { service } = smokeTests();
    await service.record('staging', PASSED, ACTOR);

    // Act
    await service.record('staging', FAILED, ACTOR);

    // Assert
    expect(await service.latest('staging')).toMatchObject({ passed: false });
  });

  it('answers NotFound for an environment with no smoke test recorded', async () => {
    // Arrange
    const { service } = smokeTests();
    await service.record('staging', PASSED, ACTOR);

    // Act / Assert
    await expect(service.latest('production')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('records nothing as the latest when the audit refuses the record: the trail comes first', async () => {
    // Arrange
    const { service, audit, store } = smokeTests();
    await service.record('staging', FAILED, ACTOR);
    audit.failNext('append');

    // Act
    const attempt = service.record('staging', PASSED, ACTOR);

    // Assert
    await expect(attempt).rejects.toThrow();
    expect(await store.latest('staging')).toMatchObject({ passed: false });
  });

  it('names at most five failed checks in the audit record, and counts the rest', async () => {
    // Arrange
    const { service, audit } = smokeTests();
    const checks = Array.from({ length: 8 }, (_, i) => ({ name: `dry run of p${i}`, passed: false }));

    // Act
    await service.record('staging', { passed: false, fileHash: null, policies: [], checks }, ACTOR);

    // Assert
    expect(audit.records()[0]!.reason).toBe('smoke test of staging (no Secretfile): failed, 8 of 8 checks failed: dry run of p0; dry run of p1; dry run of p2; dry run of p3; dry run of p4; and 3 more');
  });
});
