/**
 * A webhook receiver that holds every request open until the test releases it, so a rotation
 * that delivers to it stays in its `delivered` step for as long as the test looks at the page.
 * HTTPS with a certificate from its own throwaway CA, which the app trusts through
 * WEBHOOK_CA_CERT_PATH.
 */
import type { ServerResponse } from 'node:http';
import { listenHttpsStandIn } from '../../src/local/shared/https-stand-in.js';

export interface HeldWebhook {
  url: string;
  caCertPath: string;
  /** How many requests arrived. */
  readonly received: number;
  /** Resolves once a request is being held. */
  held(): Promise<void>;
  /** Answers every held request, and every later one, with `status`. */
  release(status: number): void;
  stop(): Promise<void>;
}

export async function startHeldWebhook(): Promise<HeldWebhook> {
  const listener = await listenHttpsStandIn({}, ['hooks.local.test'], 'held-webhook-');
  const holding: ServerResponse[] = [];
  const waiters: (() => void)[] = [];
  let released: number | undefined;
  let received = 0;
  listener.server.on('request', (request, response) => {
    request.resume();
    request.on('end', () => {
      received += 1;
      if (released !== undefined) {
        response.writeHead(released).end();
        return;
      }
      holding.push(response);
      for (const wake of waiters.splice(0)) wake();
    });
  });
  return {
    url: `https://127.0.0.1:${listener.port}/hooks/rotation`,
    caCertPath: listener.caCertPath,
    get received() {
      return received;
    },
    held: () => (holding.length > 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    release(status) {
      released = status;
      for (const response of holding.splice(0)) response.writeHead(status).end();
    },
    async stop() {
      for (const response of holding.splice(0)) response.destroy();
      await listener.stop();
    },
  };
}
