/**
 * Starts the ARM stand-in: a server certificate for management.azure.com (and storage's
 * *.blob.core.windows.net) from a fresh CA
 * or one shared with the Key Vault emulator, the HTTPS server, and the seed given up front.
 * stop() undoes all of it.
 */
import { listenHttpsStandIn } from '../shared/https-stand-in.js';
import { ADMIN_PREFIX, ARM_HOST, BLOB_HOST_SUFFIX, DEFAULT_PAGE_SIZE, type ArmStandInOptions, type RunningArmStandIn } from './options.js';
import { ArmRuntime } from './runtime.js';
import { createRequestListener } from './server.js';

export async function startArmStandIn(options: ArmStandInOptions = {}): Promise<RunningArmStandIn> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error('pageSize must be a positive integer');
  const listener = await listenHttpsStandIn(options, [ARM_HOST, `*${BLOB_HOST_SUFFIX}`], 'arm-standin-');
  const { host, port, caCertPath, caCertPem, stop } = listener;
  const baseUrl = `https://${ARM_HOST}:${port}`;
  const adminUrl = `${listener.loopbackOrigin}${ADMIN_PREFIX}`;
  const runtime = new ArmRuntime({ baseUrl, host, caCertPath, adminUrl }, pageSize, port, options.keyVault);
  listener.server.on('request', createRequestListener(runtime));
  try {
    if (options.seed) await runtime.seed(options.seed);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, host, port, caCertPath, caCertPem, adminUrl, stop };
}
