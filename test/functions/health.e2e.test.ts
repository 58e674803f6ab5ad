/**
 * GET /api/health needs no token, so a liveness probe can call it; it answers one of two
 * fixed shapes. Every other route needs a token (authorization-matrix.e2e.test.ts).
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
    expect(await response.json()).toEqual({ status: 'ok', checks: { tableStorage: 'ok', rotationQueue: 'ok' }, poisonMessages: 0 });
  });
});
