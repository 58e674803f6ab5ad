/**
 * The browser the dashboard's tests drive: Debian's /usr/bin/chromium, through playwright-core,
 * never a downloaded browser. No browser is a failure, never a skip. Web security stays on, so CORS,
 * CSP and mixed content behave as in anyone's browser; the one certificate it trusts besides the
 * system's is the local stand-ins' CA, by its key.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export function chromiumExecutable(): string {
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  throw new Error(`no Chromium for the browser tests: ${DEBIAN_CHROMIUM} is not installed. Install Debian's package (apt-get install chromium); .ci/run does.`);
}

/** base64(SHA-256(SubjectPublicKeyInfo)), the form --ignore-certificate-errors-spki-list takes. */
export function spkiHash(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export async function launchChromium(options: { trustCaPem?: string } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumExecutable(),
    headless: true,
    args: [
      // Root in a container has no user namespace sandbox.
      '--no-sandbox',
      // This closed network refuses the connections Chromium makes on its own.
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-dev-shm-usage',
      // Software rendering: no GPU here.
      '--use-gl=angle',
      '--use-angle=swiftshader',
      '--font-render-hinting=none',
      ...(options.trustCaPem ? [`--ignore-certificate-errors-spki-list=${spkiHash(options.trustCaPem)}`] : []),
    ],
  });
}
