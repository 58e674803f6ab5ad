/**
 * A counting proxy in front of one of Azurite's endpoints (Table or Queue): every request it
 * forwards is one billable Storage transaction (a Table batch is one request), recorded with
 * its method, path and status. For a queue's GET .../messages it also records whether the
 * answer held a message, because the Functions host polls an empty queue too: a poll that
 * found nothing is not a rotation's. The app's adapters and the local host's queue poller
 * talk to it through a connection string whose endpoint is the proxy.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StorageService = 'Table' | 'Queue';

export interface StorageRequest {
  method: string;
  /** The path without the account segment, e.g. /rotation-due/messages or /policies(PartitionKey='p',RowKey='')... */
  path: string;
  status: number;
  /** Queue GET .../messages only: whether a message came back. */
  gotMessage?: boolean;
}

export interface StorageCounter {
  /** The given connection string with this service's endpoint pointed at the proxy. */
  connectionString: string;
  /** Requests forwarded since the last reset, oldest first. */
  readonly requests: readonly StorageRequest[];
  reset(): void;
  stop(): Promise<void>;
}

export async function startStorageCounter(connectionString: string, service: StorageService): Promise<StorageCounter> {
  const setting = new RegExp(`${service}Endpoint=([^;]+)`, 'i');
  const endpoint = setting.exec(connectionString)?.[1];
  if (!endpoint) throw new Error(`the connection string has no ${service}Endpoint`);
  const target = new URL(endpoint);
  const accountPath = target.pathname.replace(/\/$/, '');
  const requests: StorageRequest[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!.slice(accountPath.length) || '/';
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        const record: StorageRequest = { method: req.method ?? '?', path, status: answer.statusCode ?? 0 };
        if (service === 'Queue' && req.method === 'GET' && /\/messages$/.test(path) && !/peekonly=true/i.test(req.url ?? '')) record.gotMessage = body.includes('<QueueMessage>');
        requests.push(record);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(body);
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    connectionString: connectionString.replace(setting, `${service}Endpoint=http://127.0.0.1:${port}${accountPath}`),
    requests,
    reset: () => void requests.splice(0),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
