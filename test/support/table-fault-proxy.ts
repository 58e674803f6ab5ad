/**
 * A fault-injecting HTTP proxy in front of Azurite's Table endpoint, owned by the
 * tests: the app's real Table adapters talk to it through a connection string whose
 * TableEndpoint is the proxy. It forwards everything, counts the writes it forwarded
 * (so a test can prove a refusal wrote nothing), and applies armed rules: answer an
 * error status, hold the request (a timeout as the client sees it), or drop the
 * connection, for the next N matching requests or until cleared.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TableFaultRule {
  /** HTTP method; any when absent. */
  method?: string;
  /** Tested against the request path (no query), e.g. /rotationstates/ or /rotationaudit\b. */
  pathPattern?: string;
  /** Only writes (POST, PUT, PATCH, MERGE, DELETE). */
  writesOnly?: boolean;
  /** Let this many matching requests through first: the fault starts at the (skip+1)th. */
  skip?: number;
  /** How many matching requests the rule applies to; unlimited when absent. */
  count?: number;
  /** Applies to each matching request with this probability (default 1), from the proxy's own seeded sequence. */
  probability?: number;
  /** What happens: answer this status with a Table Storage error body (and these headers, e.g. Retry-After: 0 for an immediate SDK retry), */
  status?: number;
  headers?: Record<string, string>;
  /** or hold the request this long and then drop it (the client's timeout or a hung server), */
  holdInMs?: number;
  /** or drop the connection at once. */
  dropConnection?: boolean;
  /** Forward the request but drop the connection instead of returning the answer: the write happened, the client never learns. */
  dropAfterForwarding?: boolean;
}

export interface TableRequestRecord {
  method: string;
  path: string;
  status: number | 'dropped' | 'held';
  write: boolean;
}

export interface RunningTableFaultProxy {
  /** A connection string like Azurite's, whose TableEndpoint is the proxy. */
  connectionString: string;
  port: number;
  /** Writes forwarded to Azurite (and answered 2xx) since start or the last resetCounts(). */
  readonly writes: number;
  /** Every request seen, newest last; bounded to the last 10,000. */
  readonly requests: readonly TableRequestRecord[];
  /** Requests to which a rule applied. */
  readonly faults: number;
  addRule(rule: TableFaultRule): void;
  clearRules(): void;
  resetCounts(): void;
  stop(): Promise<void>;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'MERGE', 'DELETE']);
const KEPT_REQUESTS = 10_000;

interface ArmedRule {
  rule: TableFaultRule;
  pattern?: RegExp;
  toSkip: number;
  remaining: number;
}

/** mulberry32: a tiny seeded generator so probabilistic storms replay. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tableEndpointOf(connectionString: string): URL {
  const match = /TableEndpoint=([^;]+)/i.exec(connectionString);
  if (!match?.[1]) throw new Error('the Azurite connection string has no TableEndpoint');
  return new URL(match[1]);
}

function errorBody(status: number): string {
  const code = status === 503 ? 'ServerBusy' : status === 500 ? 'InternalError' : 'InjectedFault';
  return JSON.stringify({ 'odata.error': { code, message: { lang: 'en-US', value: `fault injected by the test proxy (${status})` } } });
}

export async function startTableFaultProxy(azuriteConnectionString: string, options: { seed?: number } = {}): Promise<RunningTableFaultProxy> {
  const target = tableEndpointOf(azuriteConnectionString);
  const random = seededRandom(options.seed ?? 1);
  let rules: ArmedRule[] = [];
  let writes = 0;
  let faults = 0;
  const requests: TableRequestRecord[] = [];
  const openSockets = new Set<import('node:net').Socket>();
  const heldTimers = new Set<NodeJS.Timeout>();

  const record = (entry: TableRequestRecord): void => {
    requests.push(entry);
    if (requests.length > KEPT_REQUESTS) requests.splice(0, requests.length - KEPT_REQUESTS);
  };

  const matchingRule = (method: string, path: string): TableFaultRule | undefined => {
    for (const armed of rules) {
      const { rule } = armed;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.writesOnly && !WRITE_METHODS.has(method)) continue;
      if (armed.pattern && !armed.pattern.test(path)) continue;
      if (rule.probability !== undefined && random() >= rule.probability) continue;
      if (armed.toSkip > 0) {
        armed.toSkip -= 1;
        continue;
      }
      armed.remaining -= 1;
      if (armed.remaining <= 0) rules = rules.filter((candidate) => candidate !== armed);
      return rule;
    }
    return undefined;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, method: string, path: string, dropAnswer: boolean): void => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const status = answer.statusCode ?? 502;
          const write = WRITE_METHODS.has(method);
          if (write && status < 300) writes += 1;
          if (dropAnswer) {
            record({ method, path, status: 'dropped', write });
            req.socket.destroy();
            return;
          }
          record({ method, path, status, write });
          res.writeHead(status, answer.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    upstream.on('error', () => {
      record({ method, path, status: 'dropped', write: WRITE_METHODS.has(method) });
      req.socket.destroy();
    });
    upstream.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const method = (req.method ?? 'GET').toUpperCase();
      const path = new URL(req.url ?? '/', 'http://proxy').pathname;
      const rule = matchingRule(method, path);
      const write = WRITE_METHODS.has(method);
      if (!rule) return forward(req, res, Buffer.concat(chunks), method, path, false);
      faults += 1;
      if (rule.dropAfterForwarding) return forward(req, res, Buffer.concat(chunks), method, path, true);
      if (rule.dropConnection) {
        record({ method, path, status: 'dropped', write });
        req.socket.destroy();
        return;
      }
      if (rule.holdInMs !== undefined) {
        record({ method, path, status: 'held', write });
        const timer = setTimeout(() => {
          heldTimers.delete(timer);
          req.socket.destroy();
        }, rule.holdInMs);
        heldTimers.add(timer);
        return;
      }
      const status = rule.status ?? 503;
      const text = errorBody(status);
      record({ method, path, status, write });
      res.writeHead(status, { ...rule.headers, 'content-type': 'application/json;odata=minimalmetadata', 'content-length': Buffer.byteLength(text), 'x-ms-error-code': 'InjectedFault' });
      res.end(text);
    });
  });
  server.on('connection', (socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const proxiedEndpoint = `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`;
  const connectionString = azuriteConnectionString.replace(/TableEndpoint=[^;]+/i, `TableEndpoint=${proxiedEndpoint}`);

  return {
    connectionString,
    port,
    get writes() {
      return writes;
    },
    get requests() {
      return requests;
    },
    get faults() {
      return faults;
    },
    addRule(rule) {
      if (rule.status === undefined && rule.holdInMs === undefined && !rule.dropConnection && !rule.dropAfterForwarding) {
        throw new Error('a rule needs status, holdInMs, dropConnection or dropAfterForwarding');
      }
      rules.push({ rule, toSkip: rule.skip ?? 0, ...(rule.pathPattern ? { pattern: new RegExp(rule.pathPattern) } : {}), remaining: rule.count ?? Number.POSITIVE_INFINITY });
    },
    clearRules() {
      rules = [];
    },
    resetCounts() {
      writes = 0;
      faults = 0;
      requests.length = 0;
    },
    async stop() {
      for (const timer of heldTimers) clearTimeout(timer);
      heldTimers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of openSockets) socket.destroy();
      await closed;
    },
  };
}
