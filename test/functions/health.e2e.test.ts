/**
 * GET /api/health is anonymous so a liveness probe can call it without a key; every
 * other route keeps authLevel 'function'. The local host, like `func start`, enforces
 * no auth level, so the registrations are what Azure will enforce and are asserted here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t?.stop();
});

describe('GET /api/health without a key', () => {
  it('answers the status and the checks, and nothing else', async () => {
    // Act
    const response = await fetch(`${t.app.summary.api}/health`);

    // Assert
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { tableStorage: 'ok' } });
  });

  it("is the only route registered 'anonymous'; every other HTTP function requires a function key in Azure", () => {
    // Act
    const http = t.app.functionsHost.functions.filter((f) => f.trigger === 'httpTrigger');

    // Assert
    expect(http.length).toBeGreaterThan(5);
    expect(http.filter((f) => f.authLevel === 'anonymous').map((f) => f.route)).toEqual(['health']);
    for (const f of http.filter((f) => f.route !== 'health')) expect({ route: f.route, authLevel: f.authLevel }).toEqual({ route: f.route, authLevel: 'function' });
  });
});
