/**
 * One POST of a JSON array to a subscriber, as Event Grid makes it: its own
 * connection, a deadline, and an answer of status and body (or the error that
 * stopped it). Never throws.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface WebhookAnswer {
  status?: number;
  body?: string;
  error?: string;
}

const MAX_ANSWER_BYTES = 64 * 1024;

export function postToWebhook(endpoint: string, payload: unknown, headers: Record<string, string>, timeoutInMs: number, signal: AbortSignal): Promise<WebhookAnswer> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      resolve({ error: `invalid endpoint URL '${endpoint}'` });
      return;
    }
    if (signal.aborted) {
      resolve({ error: 'emulator stopped' });
      return;
    }
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      agent: false,
      signal,
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length), ...headers },
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutInMs} ms`)), timeoutInMs);
    timer.unref();
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        resolve({ error: error.message });
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      resolve({ error: signal.aborted ? 'emulator stopped' : error.message });
    });
    req.end(body);
  });
}
