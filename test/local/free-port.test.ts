import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startAzurite } from '../../src/local/azurite.js';
import { freePort, startOnFreshPortsAfterRace } from '../../src/local/free-port.js';

describe('startOnFreshPortsAfterRace', () => {
  it('starts again when the port was taken between asking and binding, and gives the later start back', async () => {
    let calls = 0;
    const started = await startOnFreshPortsAfterRace(async () => {
      calls += 1;
      if (calls < 3) throw new Error('listen EADDRINUSE: address already in use 127.0.0.1:39715');
      return 'up';
    });
    expect(started).toBe('up');
    expect(calls).toBe(3);
  });

  it('does not try again for any other failure', async () => {
    let calls = 0;
    await expect(
      startOnFreshPortsAfterRace(async () => {
        calls += 1;
        throw new Error('permission denied');
      }),
    ).rejects.toThrow('permission denied');
    expect(calls).toBe(1);
  });

  it('gives up loudly after the attempts it was given', async () => {
    let calls = 0;
    await expect(
      startOnFreshPortsAfterRace(async () => {
        calls += 1;
        throw new Error('Address already in use');
      }, 4),
    ).rejects.toThrow('Address already in use');
    expect(calls).toBe(4);
  });

  it('Azurite on fixed ports another process holds fails with that error instead of moving elsewhere', async () => {
    const holder = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      await expect(startAzurite({ ports: { blob: port, queue: await freePort(), table: await freePort() } })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
