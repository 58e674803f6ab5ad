/**
 * A storage account's blob endpoint, just far enough to prove which key works: Get Blob
 * Service Properties (GET /?restype=service&comp=properties), authorized with Shared Key as
 * Storage checks it. A request signed with a current key is answered 200; one signed with a
 * regenerated (old) or unknown key is refused 403 AuthenticationFailed, as Storage refuses it.
 * @azure/storage-blob's StorageSharedKeyCredential signs what this verifies.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, RequestTooLargeError } from '../keyvault-emulator/http-io.js';
import { BLOB_HOST_SUFFIX } from './options.js';
import type { ArmRuntime } from './runtime.js';
import type { StoredStorageAccount } from './storage.js';

/** Storage refuses a request whose x-ms-date is further than this from its clock. */
const CLOCK_SKEW_IN_MS = 15 * 60 * 1000;
const API_VERSION = '2026-02-06';

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** The string Shared Key signs (learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key), for version 2015-02-21 and later. */
export function stringToSign(req: IncomingMessage, account: string, url: URL): string {
  const contentLength = header(req, 'content-length');
  const standard = [
    (req.method ?? 'GET').toUpperCase(),
    header(req, 'content-encoding'),
    header(req, 'content-language'),
    contentLength === '0' ? '' : contentLength,
    header(req, 'content-md5'),
    header(req, 'content-type'),
    header(req, 'date'),
    header(req, 'if-modified-since'),
    header(req, 'if-match'),
    header(req, 'if-none-match'),
    header(req, 'if-unmodified-since'),
    header(req, 'range'),
  ].join('\n');
  const canonicalHeaders = Object.keys(req.headers)
    .filter((name) => name.startsWith('x-ms-'))
    .sort()
    .map((name) => `${name}:${header(req, name).trimStart()}\n`)
    .join('');
  const queries = new Map<string, string>();
  for (const part of url.search.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const at = part.indexOf('=');
    const name = (at < 0 ? part : part.slice(0, at)).toLowerCase();
    const value = at < 0 ? '' : part.slice(at + 1);
    let decoded: string;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      decoded = value;
    }
    queries.set(name, queries.has(name) ? `${queries.get(name)},${decoded}` : decoded);
  }
  const canonicalResource = `/${account}${url.pathname || '/'}${[...queries.keys()]
    .sort()
    .map((name) => `\n${name}:${queries.get(name)}`)
    .join('')}`;
  return `${standard}\n${canonicalHeaders}${canonicalResource}`;
}

function signedWith(account: StoredStorageAccount, signed: string, signature: Buffer): string | undefined {
  for (const candidate of account.keys) {
    const expected = createHmac('sha256', Buffer.from(candidate.value, 'base64')).update(signed, 'utf8').digest();
    if (expected.length === signature.length && timingSafeEqual(expected, signature)) return candidate.keyName;
  }
  return undefined;
}

function sendXml(res: ServerResponse, status: number, xml: string, headers: Record<string, string>): void {
  const payload = Buffer.from(`\uFEFF<?xml version="1.0" encoding="utf-8"?>${xml}`, 'utf8');
  res.writeHead(status, { ...headers, 'content-type': 'application/xml', 'content-length': String(payload.length) });
  res.end(payload);
}

function storageError(res: ServerResponse, requestId: string, status: number, code: string, message: string, detail?: string): void {
  const time = new Date().toISOString();
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  sendXml(
    res,
    status,
    `<Error><Code>${code}</Code><Message>${escape(message)}\nRequestId:${requestId}\nTime:${time}</Message>${detail ? `<AuthenticationErrorDetail>${escape(detail)}</AuthenticationErrorDetail>` : ''}</Error>`,
    { 'x-ms-request-id': requestId, 'x-ms-version': API_VERSION, 'x-ms-error-code': code },
  );
}

const AUTHENTICATION_FAILED = 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.';

export async function handleBlobRequest(runtime: ArmRuntime, req: IncomingMessage, res: ServerResponse, url: URL, hostname: string): Promise<void> {
  const requestId = randomUUID();
  try {
    await readBody(req);
  } catch (error) {
    if (error instanceof RequestTooLargeError) return storageError(res, requestId, 413, 'RequestBodyTooLarge', 'The request body is too large.');
    throw error;
  }
  const accountName = hostname.slice(0, -BLOB_HOST_SUFFIX.length);
  const account = [...runtime.state.storageAccounts.values()].find((candidate) => candidate.name === accountName);
  // Storage has no such host at all; the nearest honest answer is the account not being found.
  if (!account) return storageError(res, requestId, 404, 'ResourceNotFound', `The storage account '${accountName.slice(0, 64)}' does not exist.`);

  const authorization = header(req, 'authorization');
  if (authorization === '') return storageError(res, requestId, 401, 'NoAuthenticationInformation', 'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.');
  const refuse = (detail: string): void => {
    runtime.counts.storageDataPlane.refused += 1;
    storageError(res, requestId, 403, 'AuthenticationFailed', AUTHENTICATION_FAILED, detail);
  };
  const shared = /^SharedKey ([^:\s]+):([A-Za-z0-9+/=]+)$/.exec(authorization.trim());
  if (!shared) return refuse('The authorization header is not SharedKey <account>:<signature>.');
  if (shared[1] !== account.name) return refuse(`The account in the authorization header is not '${account.name}'.`);
  const date = Date.parse(header(req, 'x-ms-date') || header(req, 'date'));
  if (Number.isNaN(date) || Math.abs(date - runtime.state.now().getTime()) > CLOCK_SKEW_IN_MS) return refuse('Request date header too old or missing (x-ms-date must be within 15 minutes of the server time).');
  if (!signedWith(account, stringToSign(req, account.name, url), Buffer.from(shared[2]!, 'base64'))) {
    return refuse('The MAC signature found in the HTTP request is not the same as any computed signature. Server used the account\'s current keys.');
  }
  runtime.counts.storageDataPlane.accepted += 1;

  const query = new URLSearchParams(url.search);
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = { 'x-ms-request-id': requestId, 'x-ms-version': API_VERSION, ...(req.headers['x-ms-client-request-id'] ? { 'x-ms-client-request-id': header(req, 'x-ms-client-request-id') } : {}) };
  if (method === 'GET' && (url.pathname === '/' || url.pathname === '') && query.get('restype') === 'service' && query.get('comp') === 'properties') {
    return sendXml(
      res,
      200,
      '<StorageServiceProperties><Logging><Version>1.0</Version><Read>false</Read><Write>false</Write><Delete>false</Delete><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></Logging>' +
        '<HourMetrics><Version>1.0</Version><Enabled>false</Enabled><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></HourMetrics>' +
        '<MinuteMetrics><Version>1.0</Version><Enabled>false</Enabled><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></MinuteMetrics>' +
        '<Cors /><DeleteRetentionPolicy><Enabled>false</Enabled></DeleteRetentionPolicy></StorageServiceProperties>',
      headers,
    );
  }
  return storageError(res, requestId, 501, 'NotImplemented', 'The ARM stand-in serves only Get Blob Service Properties on a storage account\'s blob endpoint (docs/arm-standin.md).');
}
