/**
 * GET /api/health is anonymous, so whatever fails behind it, an anonymous caller
 * gets fixed words and a count: no message, no setting, no endpoint.
 */
import { InvocationContext, HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { AppServices } from '../../src/composition.js';
import { health } from '../../src/functions/health.js';

const LEAKY = 'connect ECONNREFUSED 127.0.0.1:10002 DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=not-a-real-key';

type Failing = 'compose' | 'ready' | 'table' | 'queue' | 'nothing';

function servicesWhere(part: Failing, poisonMessages = 0): () => AppServices {
  return () => {
    if (part === 'compose') throw new Error(`setting AzureWebJobsStorage: ${LEAKY}`);
    return {
      ready: async () => {
        if (part === 'ready') throw new Error(LEAKY);
      },
      states: {
        get: async () => {
          if (part === 'table') throw new Error(LEAKY);
          return undefined;
        },
      },
      rotationQueue: {
        poisonCount: async () => {
          if (part === 'queue') throw new Error(LEAKY);
          return poisonMessages;
        },
      },
    } as unknown as AppServices;
  };
}

async function probe(services: () => AppServices) {
  const warnings: unknown[] = [];
  const context = new InvocationContext({ functionName: 'health', invocationId: 'inv-1', logHandler: (level, ...args) => level === 'warning' && warnings.push(args) });
  const response = await health(new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }), context, services);
  return { response, warnings };
}

describe('health', () => {
  it.each([
    ['compose', { tableStorage: 'failed', rotationQueue: 'failed' }],
    ['ready', { tableStorage: 'failed', rotationQueue: 'failed' }],
    ['table', { tableStorage: 'failed', rotationQueue: 'ok' }],
    ['queue', { tableStorage: 'ok', rotationQueue: 'failed' }],
  ] as const)('answers 503 degraded with fixed words when %s fails, and logs why', async (part, checks) => {
    // Act
    const { response, warnings } = await probe(servicesWhere(part));

    // Assert
    expect(response.status).toBe(503);
    expect(response.jsonBody).toEqual({ status: 'degraded', checks, ...(part === 'table' ? { poisonMessages: 0 } : {}) });
    expect(JSON.stringify(response)).not.toMatch(/ECONNREFUSED|AccountKey|10002|AzureWebJobsStorage/);
    expect(warnings).toHaveLength(1);
  });

  it('counts the messages the host gave up on, without degrading: a probe must not restart the app for them', async () => {
    // Act
    const { response, warnings } = await probe(servicesWhere('nothing', 3));

    // Assert
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({ status: 'ok', checks: { tableStorage: 'ok', rotationQueue: 'ok' }, poisonMessages: 3 });
    expect(warnings).toHaveLength(0);
  });
});
