/**
 * One POST to a URL someone else chose, guarded against server-side request forgery: the host's
 * every address is resolved here and checked before any connection (a name that resolves to
 * one public and one private address is refused), and the socket connects to the very address
 * that was checked, so a DNS answer that changes between check and connect (rebinding) cannot
 * move it. Redirects are never followed, and the whole exchange has a deadline.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { classifyAddress } from './address-class.js';

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export interface GuardedPostOptions {
  headers: Record<string, string>;
  body: string;
  /** From the first byte sent to the response's status line, name resolution and TLS included. */
  timeoutInMs: number;
  /** Lets loopback, private, link-local, CGNAT, unique-local, multicast and reserved addresses through; the metadata endpoints stay refused. */
  allowPrivateAddresses: boolean;
  /** Extra CA certificates (PEM) trusted beside the public roots: a local receiver's CA. */
  caCertPem?: string;
  /** Name resolution; default the system resolver, every address. */
  resolve?: Resolver;
  abortSignal?: AbortSignal;
}

export interface GuardedPostAnswer {
  status: number;
  /** The address the request went to. */
  address: string;
}

/** The URL's host is, or resolves to, an address outside the public internet, and the deployment does not allow those. */
export class AddressRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressRefusedError';
  }
}

/** No answer (a status line) within the deadline. */
export class RequestTimedOutError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RequestTimedOutError';
  }
}

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/** Throws unless the address may be reached; `host` names where it came from. */
export function refuseUnlessAllowed(address: string, host: string, allowPrivateAddresses: boolean): void {
  const cls = classifyAddress(address);
  if (cls === 'public') return;
  if (cls === undefined) throw new AddressRefusedError(`${host} resolved to '${address}', which is not an IP address`);
  // The metadata endpoints hand out the app's own tokens and settings: no deployment setting opens them.
  if (cls === 'metadata' || !allowPrivateAddresses) {
    const where = address === host ? `${address}` : `${host} (${address})`;
    throw new AddressRefusedError(
      `${where} is a ${cls} address, refused${cls === 'metadata' ? ' always: it is a cloud metadata endpoint' : ': set WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true only for receivers inside this deployment\'s own network'}`,
    );
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function guardedPost(url: URL, options: GuardedPostOptions): Promise<GuardedPostAnswer> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Node connects to an IP literal without calling lookup, so a literal is checked here.
  if (isIP(host)) refuseUnlessAllowed(host, host, options.allowPrivateAddresses);
  const resolve = options.resolve ?? systemResolver;
  let connectedTo = host;
  const lookup = (hostname: string, lookupOptions: { all?: boolean }, callback: LookupCallback): void => {
    resolve(hostname)
      .then((addresses) => {
        if (addresses.length === 0) throw new AddressRefusedError(`${hostname} resolved to no address`);
        for (const { address } of addresses) refuseUnlessAllowed(address, hostname, options.allowPrivateAddresses);
        // Pinned: the socket gets only the first checked address, never a second resolution.
        const chosen = addresses[0]!;
        connectedTo = chosen.address;
        if (lookupOptions.all) callback(null, [chosen]);
        else callback(null, chosen.address, chosen.family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, '', 0));
  };

  const deadline = AbortSignal.timeout(options.timeoutInMs);
  const signal = options.abortSignal ? AbortSignal.any([deadline, options.abortSignal]) : deadline;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolvePromise, reject) => {
    const request = send(url, {
      method: 'POST',
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
      // A fresh connection each time: a pooled socket would skip the lookup and its checks.
      agent: false,
      lookup: lookup as never,
      signal,
      ...(url.protocol === 'https:' && options.caCertPem ? { ca: [...rootCertificates, options.caCertPem] } : {}),
    });
    request.on('response', (response: IncomingMessage) => {
      // The status is the answer; the body is read and dropped so the receiver's write completes.
      response.resume();
      response.on('error', () => undefined);
      resolvePromise({ status: response.statusCode ?? 0, address: connectedTo });
    });
    request.on('error', (error) => {
      if (deadline.aborted) reject(new RequestTimedOutError(`no answer within ${options.timeoutInMs / 1000} s`, { cause: error }));
      else reject(error);
    });
    request.end(options.body);
  });
}
