import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScramPostgres, type RunningScramPostgres } from '../../src/local/scram-postgres.js';

function clientOf(server: RunningScramPostgres, user: string, password: string): Client {
  return new Client({ host: server.host, port: server.port, database: 'postgres', user, password, connectionTimeoutMillis: 10_000 });
}

async function signIn(server: RunningScramPostgres, user: string, password: string): Promise<string> {
  const client = clientOf(server, user, password);
  try {
    await client.connect();
    const { rows } = await client.query<{ who: string }>('SELECT current_user AS who');
    return rows[0]!.who;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('startScramPostgres', () => {
  let server: RunningScramPostgres;

  beforeAll(async () => {
    server = await startScramPostgres();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a wrong password for the superuser (it is not the machine\'s trust-auth server)', async () => {
    // Arrange
    const wrong = `${server.admin.password}x`;

    // Act
    const attempt = signIn(server, server.admin.username, wrong);

    // Assert
    await expect(attempt).rejects.toMatchObject({ code: '28P01' });
    expect(server.port).not.toBe(5432);
  });

  it('accepts the superuser with its password, and every rule in pg_hba.conf is scram-sha-256', async () => {
    // Arrange
    const client = clientOf(server, server.admin.username, server.admin.password);
    await client.connect();

    try {
      // Act
      const { rows: rules } = await client.query<{ type: string; auth_method: string }>('SELECT type, auth_method FROM pg_hba_file_rules');
      const { rows: [me] } = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');

      // Assert
      expect(rules.map((rule) => rule.type).sort()).toEqual(['host', 'host', 'local']);
      expect(new Set(rules.map((rule) => rule.auth_method))).toEqual(new Set(['scram-sha-256']));
      expect(me?.rolsuper).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('stops the server and removes its directory', async () => {
    // Arrange
    const another = await startScramPostgres();
    const directory = dirname(another.logFile);
    expect(await portIsOpen(another.port)).toBe(true);

    // Act
    await another.stop();

    // Assert
    expect(await portIsOpen(another.port)).toBe(false);
    expect(existsSync(directory)).toBe(false);
    await expect(another.stop()).resolves.toBeUndefined();
  });
});
