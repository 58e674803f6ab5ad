/** Request bodies are bounded, and no refusal echoes what the caller sent unbounded or raw. */
import { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { HttpError, toErrorResponse } from '../../../src/functions/http/http-errors.js';
import { MAX_REQUEST_BODY_BYTES, readBody, readJson } from '../../../src/functions/http/request-body.js';

const post = (body: string, headers: Record<string, string> = {}): HttpRequest =>
  new HttpRequest({ method: 'POST', url: 'http://localhost/api/policies/p1/rotate', body: { string: body }, headers: { 'content-type': 'application/json', ...headers } });

async function refusal(work: Promise<unknown>): Promise<{ status: number; body: { error: { code: string; message: string; details: { path: string; message: string }[] } } }> {
  const error = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (error === undefined) throw new Error('the request was accepted');
  const response = toErrorResponse(error, 'inv-1');
  return { status: response.status ?? 0, body: response.jsonBody as never };
}

describe('readJson', () => {
  it('answers 413 with the error shape to a body over the limit', async () => {
    // Act
    const answer = await refusal(readJson(post(JSON.stringify({ id: 'x'.repeat(20 * 1024 * 1024) }))));

    // Assert
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({ code: 'PayloadTooLarge', details: [{ path: '', message: expect.stringMatching(/at most 262144 bytes/) }] });
    expect(JSON.stringify(answer.body).length).toBeLessThan(1_000);
  });

  it('answers 413 from a declared Content-Length before reading the body', async () => {
    const answer = await refusal(readJson(post('{}', { 'content-length': String(MAX_REQUEST_BODY_BYTES + 1) })));
    expect(answer.status).toBe(413);
  });

  it('counts bytes, not characters', async () => {
    const answer = await refusal(readJson(post(JSON.stringify({ reason: 'é'.repeat(MAX_REQUEST_BODY_BYTES / 2) }))));
    expect(answer.status).toBe(413);
  });

  it('answers 400 to a body nested deeper than 64 levels, before anything recursive reads it', async () => {
    // Arrange
    let nested = '"x"';
    for (let i = 0; i < 20_000; i++) nested = `{"a":${nested}}`;

    // Act
    const answer = await refusal(readJson(post(`{"id":${nested}}`)));

    // Assert
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'ValidationFailed', details: [{ path: '', message: expect.stringMatching(/nested deeper than 64 levels/) }] });
  });

  it('accepts a body nested 64 levels deep', async () => {
    let nested = '"x"';
    for (let i = 0; i < 63; i++) nested = `{"a":${nested}}`;
    await expect(readJson(post(`{"id":${nested}}`))).resolves.toMatchObject({ id: expect.any(Object) });
  });

  it('accepts a body at the limit', async () => {
    const body = JSON.stringify({ reason: 'x'.repeat(MAX_REQUEST_BODY_BYTES - 20) });
    await expect(readJson(post(body))).resolves.toMatchObject({ reason: expect.any(String) });
  });
});

describe('what a refusal echoes', () => {
  const schema = z.strictObject({ id: z.string().regex(/^[a-z]+$/), reason: z.string().max(10) });

  it('names an unknown field with a bounded, escaped path', async () => {
    // Act
    const answer = await refusal(readBody(post(JSON.stringify({ id: 'a', reason: 'b', [`${'k'.repeat(200_000)}\n`]: 1 })), schema));

    // Assert
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body).length).toBeLessThan(2_000);
    expect(answer.body.error.details[0]!.path).toMatch(/^k+…\[\d+ more characters\]$/);
  });

  it('caps how many details one answer carries', async () => {
    const fields = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`f${i}`, i]));
    const answer = await refusal(readBody(post(JSON.stringify({ id: 'a', reason: 'b', ...fields })), schema));
    expect(answer.body.error.details.length).toBeLessThanOrEqual(51);
    expect(answer.body.error.details.at(-1)).toEqual({ path: '', message: expect.stringMatching(/and 9950 more problems/) });
  });

  it('bounds and escapes the message and details of any domain refusal', () => {
    // Arrange: a message that quotes 20 MB of input with a bidi override
    const huge = `\u202e${'x'.repeat(20_000_000)}`;
    const error = new ValidationError(`id '${huge}' is invalid`, [{ path: huge, message: huge }]);

    // Act
    const response = toErrorResponse(error, 'inv-1');

    // Assert
    const text = JSON.stringify(response.jsonBody);
    expect(text.length).toBeLessThan(5_000);
    expect(text).not.toMatch(/\u202e/u);
    expect(text).toContain('\\\\u202e');
  });

  it('bounds an HttpError the same way', () => {
    const response = toErrorResponse(new HttpError(400, 'Bad', 'm'.repeat(1_000_000), [{ path: 'p', message: 'd'.repeat(1_000_000) }]), 'inv-1');
    expect(JSON.stringify(response.jsonBody).length).toBeLessThan(5_000);
  });
});
