/** The rotate trigger refuses a reason that could forge or disguise a log line or an audit record. */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { AppServices } from '../../src/composition.js';
import { toErrorResponse } from '../../src/functions/http/http-errors.js';
import { rotatePolicy } from '../../src/functions/rotate-policy.js';

const untouchable = new Proxy({} as AppServices, {
  get(_target, name) {
    throw new Error(`a refused request reached services.${String(name)}`);
  },
});

async function answerTo(reason: string) {
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://localhost/api/policies/payments-db/rotate',
    params: { id: 'payments-db' },
    headers: { 'content-type': 'application/json' },
    body: { string: JSON.stringify({ reason }) },
  });
  const error = await rotatePolicy(request, new InvocationContext(), untouchable, { caller: { oid: 'o', displayName: 'd', kind: 'user', roles: new Set() }, oid: 'o', displayName: 'd' }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return toErrorResponse(error, 'inv-1');
}

describe('POST /policies/{id}/rotate reason', () => {
  it.each([
    ['a line feed', 'incident 42\n{"event":"rotation.failed"}', 'U+000A'],
    ['a carriage return', 'incident\r42', 'U+000D'],
    ['a C1 control', 'incident\u009b42', 'U+009B'],
    ['a right-to-left override', 'incident \u202e24', 'U+202E'],
    ['a directional isolate', 'incident \u206642', 'U+2066'],
    ['a lone surrogate', 'incident \ud83d', 'U+D83D'],
    ['a leading carriage return, which trimming would hide', '\rscheduled maintenance', 'U+000D'],
    ['a trailing line feed', 'scheduled maintenance\n', 'U+000A'],
    ['a right-to-left mark', 'incident\u200f 42', 'U+200F'],
  ])('is refused with 400 naming the field when it holds %s', async (_name, reason, codePoint) => {
    // Act
    const response = await answerTo(reason);

    // Assert
    expect(response.status).toBe(400);
    const body = response.jsonBody as { error: { details: { path: string; message: string }[] } };
    expect(body.error.details).toEqual([{ path: 'reason', message: expect.stringContaining(codePoint) }]);
  });
});
