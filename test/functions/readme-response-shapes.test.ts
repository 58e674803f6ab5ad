/** README's response shapes are what the functions answer: health's two bodies, and every status a rotate's 200 can carry. */
import { readFileSync } from 'node:fs';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { AppServices } from '../../src/composition.js';
import type { RotationStatus } from '../../src/core/rotation/rotation-outcome.js';
import { health } from '../../src/functions/health.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const row = (route: string): string => readme.split('\n').find((line) => line.startsWith(`| \`${route}\``)) ?? '';

async function healthBody(storage: 'up' | 'down'): Promise<unknown> {
  const services = {
    ready: async () => undefined,
    states: { get: async () => (storage === 'up' ? undefined : Promise.reject(new Error('down'))) },
    rotationQueue: { poisonCount: async () => 0 },
  };
  const response = await health(new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }), new InvocationContext(), () => services as unknown as AppServices);
  return { status: response.status, body: response.jsonBody };
}

describe('README response shapes', () => {
  it.each(['up', 'down'] as const)('shows the health body the function answers when storage is %s, checks included', async (storage) => {
    // Act
    const { status, body } = (await healthBody(storage)) as { status: number; body: unknown };

    // Assert
    expect(row('GET /api/health')).toContain(`${status} \`${JSON.stringify(body)}\``);
  });

  it('names every status a rotate can end in, and which reach an HTTP caller as 200', () => {
    // Arrange
    const statuses: Record<RotationStatus, string> = { succeeded: '(200)', skipped: '(200)', 'in-progress': '', failed: '', 'waiting-for-drain': '(202)' };
    const section = readme.slice(readme.indexOf("A rotate's `status` is one of:"), readme.indexOf('Error codes:'));

    // Assert
    for (const status of ['succeeded', 'skipped', 'in-progress', 'waiting-for-drain'] as const) expect(section).toContain(`- \`${status}\`${statuses[status] ? ` ${statuses[status]}` : ''}: `);
    expect(section).toContain('409 `RotationInProgress`');
    expect(row('POST /api/policies/{id}/rotate')).toContain('"status"');
  });
});
