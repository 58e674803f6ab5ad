/**
 * GET /api/health is anonymous, so whatever fails behind it, an anonymous caller
 * gets one of two fixed bodies: no message, no setting, no endpoint.
 */
import { InvocationContext, HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { AppServices } from '../../src/composition.js';
import { health } from '../../src/functions/health.js';

const LEAKY = 'connect ECONNREFUSED 127.0.0.1:10002 DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=not-a-real-key';

function servicesWhere(part: 'compose' | 'ready' | 'read'): () => AppServices {
  return () => {
    if (part === 'compose') throw new Error(`setting AzureWebJobsStorage: ${LEAKY}`);
    return {
      ready: async () => {
        if (part === 'ready') throw new Error(LEAKY);
      },
      states: {
        get: async () => {
          throw new Error(LEAKY);
        },
      },
    } as unknown as AppServices;
  };
}

describe('health', () => {
  it.each(['compose', 'ready', 'read'] as const)('answers 503 degraded with a fixed body when %s fails, and logs why', async (part) => {
    // Arrange
    const warnings: unknown[] = [];
    const context = new InvocationContext({ functionName: 'health', invocationId: 'inv-1', logHandler: (level, ...args) => level === 'warning' && warnings.push(args) });

    // Act
    const response = await health(new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }), context, servicesWhere(part));

    // Assert
    expect(response.status).toBe(503);
    expect(response.jsonBody).toEqual({ status: 'degraded', checks: { tableStorage: 'failed' } });
    expect(JSON.stringify(response)).not.toMatch(/ECONNREFUSED|AccountKey|10002|AzureWebJobsStorage/);
    expect(warnings).toHaveLength(1);
  });
});
