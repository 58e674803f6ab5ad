/**
 * A throwaway CA and a server certificate it signs, made at start-up and never
 * written anywhere but the state directory (the CA certificate only). ECDSA P-256.
 * The server certificate names 127.0.0.1, localhost, *.vault.azure.net and each
 * vault's host, so TLS verification stays on for the SDK and the admin client. The CA
 * can be shared with the other stand-ins (the ARM stand-in), so one ca.pem trusts them all.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALIDITY_MS = 30 * 24 * 60 * 60 * 1000;
/** Tolerates clocks a little behind, and the emulator clock never moves TLS time. */
const BACKDATE_MS = 60 * 60 * 1000;

function pem(label: string, der: ArrayBuffer): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A CA made at start-up whose key never leaves memory; several local stand-ins can share it so one ca.pem trusts them all. */
export interface LocalCertificateAuthority {
  caCertPem: string;
  /** A server certificate for these DNS names (wildcards allowed) and IP addresses; 127.0.0.1 and localhost always included. */
  issue(hostNames: string[], ipAddresses: string[]): Promise<{ serverCertPem: string; serverKeyPem: string }>;
}

export async function createCertificateAuthority(): Promise<LocalCertificateAuthority> {
  x509.cryptoProvider.set(webcrypto as never);
  const now = Date.now();
  const notBefore = new Date(now - BACKDATE_MS);
  const notAfter = new Date(now + VALIDITY_MS);

  const caKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Local Stand-ins CA, O=keyvault-rotation-governance (local only)',
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    notBefore,
    notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  async function issue(hostNames: string[], ipAddresses: string[]): Promise<{ serverCertPem: string; serverKeyPem: string }> {
    const names = [...new Set(['localhost', ...hostNames.map((name) => name.toLowerCase())])];
    const ips = [...new Set(['127.0.0.1', ...ipAddresses.filter((address) => isIP(address) !== 0)])];
    const serverKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const server = await x509.X509CertificateGenerator.create({
      subject: `CN=${names.find((name) => name !== 'localhost') ?? 'localhost'}`,
      issuer: ca.subject,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALGORITHM,
      notBefore,
      notAfter,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([...names.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))]),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
        await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey),
      ],
    });
    return { serverCertPem: server.toString('pem'), serverKeyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey)) };
  }

  return { caCertPem: ca.toString('pem'), issue };
}
