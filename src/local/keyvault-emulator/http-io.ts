/** Reading requests and writing responses the way Key Vault's front end does. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Far above the 25 KB value limit plus tags; a larger body is refused before parsing. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

export class RequestTooLargeError extends Error {}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new RequestTooLargeError(`request body over ${MAX_REQUEST_BYTES} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The headers every Key Vault answer carries (values are the emulator's own). */
export function keyVaultHeaders(req: IncomingMessage): Record<string, string> {
  const clientRequestId = req.headers['x-ms-client-request-id'];
  return {
    'cache-control': 'no-cache',
    pragma: 'no-cache',
    expires: '-1',
    'x-ms-request-id': randomUUID(),
    ...(typeof clientRequestId === 'string' ? { 'x-ms-client-request-id': clientRequestId } : {}),
    'x-ms-keyvault-service-version': 'emulator',
    'x-ms-keyvault-region': 'local',
    'x-ms-keyvault-network-info': `conn_type=Ipv4;addr=${req.socket.remoteAddress ?? '127.0.0.1'};act_addr_fam=InterNetwork;`,
    'x-content-type-options': 'nosniff',
    'strict-transport-security': 'max-age=31536000;includeSubDomains',
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(payload.length) });
  res.end(payload);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': '0' });
  res.end();
}

/**
 * What Key Vault's front end (IIS) answers for a path it does not serve: an HTML page,
 * not a JSON error, so the SDK's RestError has statusCode 404 and no code.
 */
const IIS_NOT_FOUND = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>
<title>404 - File or directory not found.</title>
</head>
<body>
<div id="header"><h1>Server Error</h1></div>
<div id="content">
 <div class="content-container"><fieldset>
  <h2>404 - File or directory not found.</h2>
  <h3>The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.</h3>
 </fieldset></div>
</div>
</body>
</html>
`;

export function sendIisNotFound(res: ServerResponse, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(IIS_NOT_FOUND, 'utf8');
  res.writeHead(404, { ...headers, 'content-type': 'text/html', 'content-length': String(payload.length) });
  res.end(payload);
}
