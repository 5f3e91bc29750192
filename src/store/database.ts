import { mkdirSync } from 'node:fs';
import { Pool, types } from 'pg';
import { PGlite } from '@electric-sql/pglite';

/**
 * The one SQL surface the store uses, served by PostgreSQL (`pg`) when DATABASE_URL is set and
 * by embedded PGlite otherwise. Both speak the same SQL and run the same migrations.
 */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs fn on one connection inside BEGIN/COMMIT, rolled back if fn throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

// bigint columns (positions, control numbers) come back as strings from pg; keep them exact.
types.setTypeParser(types.builtins.INT8, (value) => value);

export async function openPostgres(
  connectionString: string,
  maxConnections = 10,
): Promise<Database> {
  const pool = new Pool({ connectionString, max: maxConnections });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return {
    kind: 'postgres',
    async query<Row>(sql: string, params?: unknown[]) {
      const result = await pool.query(sql, params as unknown[]);
      return result.rows as Row[];
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <Row>(sql: string, params?: unknown[]) =>
            (await client.query(sql, params as unknown[])).rows as Row[],
          exec: async (sql: string) => {
            await client.query(sql);
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  return {
    kind: 'pglite',
    async query<Row>(sql: string, params?: unknown[]) {
      return (await db.query<Row>(sql, params)).rows.map(normalizeRow);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) =>
        fn({
          query: async <Row>(sql: string, params?: unknown[]) =>
            (await tx.query<Row>(sql, params)).rows.map(normalizeRow),
          exec: async (sql: string) => {
            await tx.exec(sql);
          },
        }),
      );
    },
    close: () => db.close(),
  };
}

/** PGlite returns bytea as Uint8Array and int8 as bigint; pg gives Buffer and (above) string. */
function normalizeRow<Row>(row: Row): Row {
  const record = row as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      record[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    } else if (typeof value === 'bigint') {
      record[key] = value.toString();
    }
  }
  return row;
}

export async function openDatabase(options: {
  databaseUrl?: string;
  pgliteDir?: string;
}): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPglite(options.pgliteDir);
}
