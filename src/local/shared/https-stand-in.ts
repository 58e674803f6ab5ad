/**
 * The HTTPS listener every cloud-service stand-in (Key Vault, ARM, Graph, the Event Grid topic) runs on: a server
 * certificate for the service's host names from a fresh CA or the one shared with the Key
 * Vault emulator, ca.pem written to a state directory, and a stop() that undoes it all.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createCertificateAuthority, type LocalCertificateAuthority } from '../keyvault-emulator/certificates.js';

export interface HttpsStandInListenOptions {
  /** Listen address. Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Where ca.pem is written. Defaults to a fresh temporary directory, removed on stop(). */
  stateDir?: string;
  /** Issue the server certificate from this CA (shared with the other stand-ins) instead of a fresh one. */
  certificateAuthority?: LocalCertificateAuthority;
}

export interface HttpsStandInListener {
  server: Server;
  host: string;
  port: number;
  caCertPath: string;
  caCertPem: string;
  /** https://<the listen address, bracketed if IPv6>:<port>: where curl and admin clients reach it without name resolution. */
  loopbackOrigin: string;
  stop(): Promise<void>;
}

/** What every running stand-in gives its caller: where it listens, the CA to trust, its admin API. */
export interface RunningHttpsStandIn {
  host: string;
  port: number;
  caCertPath: string;
  caCertPem: string;
  /** https://127.0.0.1:<port>/_<name> */
  adminUrl: string;
  stop(): Promise<void>;
}

const DEFAULT_STAND_IN_HOST = '127.0.0.1';

function loopbackHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** The host name of a Host header, without its port, lower-cased. */
export function hostnameOf(host: string | undefined): string {
  if (!host) return '';
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']')).toLowerCase();
  return host.replace(/:\d+$/, '').toLowerCase();
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

/** Listens for `hostNames` (and the listen address); `stateDirPrefix` names the temporary directory. */
export async function listenHttpsStandIn(options: HttpsStandInListenOptions, hostNames: string[], stateDirPrefix: string): Promise<HttpsStandInListener> {
  const host = options.host ?? DEFAULT_STAND_IN_HOST;
  const ownsStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir !== undefined ? resolve(options.stateDir) : await mkdtemp(join(tmpdir(), stateDirPrefix));
  await mkdir(stateDir, { recursive: true });
  const authority = options.certificateAuthority ?? (await createCertificateAuthority());
  const certificate = await authority.issue(hostNames, [host]);
  const caCertPath = join(stateDir, 'ca.pem');
  await writeFile(caCertPath, authority.caCertPem, 'utf8');

  const server = createServer({ key: certificate.serverKeyPem, cert: certificate.serverCertPem });
  let port: number;
  try {
    port = await listen(server, options.port ?? 0, host);
  } catch (error) {
    if (ownsStateDir) await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      });
      if (ownsStateDir) await rm(stateDir, { recursive: true, force: true });
    })();
    return stopped;
  };
  return { server, host, port, caCertPath, caCertPem: authority.caCertPem, loopbackOrigin: `https://${loopbackHost(host)}:${port}`, stop };
}
