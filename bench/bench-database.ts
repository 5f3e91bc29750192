import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Cleanup } from './cleanup';

export interface BenchDatabase {
  name: string;
  url: string;
  /** A connection to the server's maintenance database, for statistics. */
  admin: Client;
  drop(): Promise<void>;
}

/** A fresh, empty database on the given server, dropped when the run ends. */
export async function createBenchDatabase(
  serverUrl: string,
  cleanup: Cleanup,
): Promise<BenchDatabase> {
  const name = `crossdock_bench_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  const closeAdmin = cleanup.add('close the PostgreSQL admin connection', () => admin.end());
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const dropDatabase = cleanup.add(`drop database ${name}`, () =>
    admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  );
  return {
    name,
    url: url.toString(),
    admin,
    drop: async () => {
      await dropDatabase();
      await closeAdmin();
    },
  };
}

export async function postgresVersion(serverUrl: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
}
