import { createServer } from 'node:net';

/** Asks the OS for a free loopback port. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A port from freePort can be taken by another process between asking and
 * binding (tests start many servers at once): start again on new ports when
 * the failure says the address was in use, a few times, then give up loudly.
 */
export async function startOnFreshPortsAfterRace<T>(start: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      const portTaken = error instanceof Error && /EADDRINUSE|Address already in use/i.test(error.message);
      if (!portTaken || attempt >= attempts) throw error;
    }
  }
}
