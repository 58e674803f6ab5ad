/**
 * A real HTTPS webhook receiver for tests: a certificate from its own throwaway CA (whose PEM
 * the app is told to trust through WEBHOOK_CA_CERT_PATH), each request recorded, and each
 * verified as a Standard Webhooks receiver does: every v1 signature of the header checked in
 * constant time against each secret it knows, and the timestamp within a tolerance.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { listenHttpsStandIn } from '../../../src/local/shared/https-stand-in.js';

export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the body as the receiver parses it
  receivedAt: number;
}

export interface Answer {
  /** Ignored when hang is set. */
  status?: number;
  headers?: Record<string, string>;
  /** Never answers (the sender's timeout must end it). */
  hang?: boolean;
}

/** A Standard Webhooks secret as receivers are given it: whsec_<base64>, or raw text. */
export function keyOf(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

export function newWhsecSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Whether one of the header's v1 signatures is this secret's, and the timestamp is within the tolerance of now. */
export function verifies(request: Pick<ReceivedWebhook, 'headers' | 'body'>, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const id = request.headers['webhook-id'];
  const timestamp = request.headers['webhook-timestamp'];
  const header = request.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof header !== 'string') return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${request.body}`).digest();
  return header.split(' ').some((entry) => {
    const [version, signature] = entry.split(',', 2);
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export interface WebhookReceiver {
  /** https://127.0.0.1:<port> */
  origin: string;
  /** https://hooks.local.test:<port>, for tests that resolve the name themselves. */
  namedOrigin: string;
  caCertPath: string;
  caCertPem: string;
  received: ReceivedWebhook[];
  /** The answers to give, in order; once used up, `otherwise`. */
  answers: Answer[];
  otherwise: Answer;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const listener = await listenHttpsStandIn({}, ['hooks.local.test'], 'webhook-receiver-');
  const { server, port, caCertPath, caCertPem } = listener;
  const hanging = new Set<import('node:http').ServerResponse>();
  const receiver: WebhookReceiver = {
    origin: '',
    namedOrigin: '',
    caCertPath,
    caCertPem,
    received: [],
    answers: [],
    otherwise: { status: 204 },
    stop: async () => undefined,
  };
  server.on('request', (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      receiver.received.push({ path: request.url ?? '', headers: request.headers, body, json, receivedAt: Date.now() });
      const answer = receiver.answers.shift() ?? receiver.otherwise;
      if (answer.hang) {
        hanging.add(response);
        return;
      }
      response.writeHead(answer.status ?? 204, answer.headers ?? {});
      response.end();
    });
  });
  receiver.origin = `https://127.0.0.1:${port}`;
  receiver.namedOrigin = `https://hooks.local.test:${port}`;
  receiver.stop = async () => {
    for (const response of hanging) response.destroy();
    await listener.stop();
  };
  return receiver;
}
