import { mkdirSync } from 'node:fs';
import { Client, Pool, types } from 'pg';
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
  /**
   * Calls onNotify for each NOTIFY on channel (sent by this or any other connection), until the
   * returned function is called. A notification is a hint to look, never data: one may be lost
   * (PostgreSQL calls onNotify after each reconnect for that reason) and several may be merged.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
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
  const listeners = new Set<() => Promise<void>>();
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
    async listen(channel: string, onNotify: () => void) {
      const unlisten = await listenOnOwnClient(connectionString, channel, onNotify);
      const stop = async () => {
        listeners.delete(stop);
        await unlisten();
      };
      listeners.add(stop);
      return stop;
    },
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      await pool.end();
    },
  };
}

const LISTEN_RETRY_MS = { first: 250, max: 10_000 };

/**
 * LISTEN holds its connection for as long as it lasts, so it gets a client of its own rather
 * than one from the pool. A lost connection is opened again (with a growing pause) and
 * onNotify is called once it is back, since what was sent meanwhile never arrived.
 */
async function listenOnOwnClient(
  connectionString: string,
  channel: string,
  onNotify: () => void,
): Promise<() => Promise<void>> {
  assertChannelName(channel);
  let client: Client | undefined;
  let isStopped = false;
  let retryMs = LISTEN_RETRY_MS.first;
  let retryTimer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new Client({ connectionString });
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify();
    });
    // 'error' and then 'end' come for one loss: the first to come handles it.
    next.on('error', () => handleLoss(next));
    next.on('end', () => handleLoss(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
    } catch (error) {
      next.removeAllListeners('end');
      await next.end().catch(() => undefined);
      throw error;
    }
    if (isStopped) {
      next.removeAllListeners('end');
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
  };
  const reconnectLater = () => {
    if (isStopped) return;
    retryTimer = setTimeout(() => {
      connect().then(
        () => {
          retryMs = LISTEN_RETRY_MS.first;
          onNotify();
        },
        () => {
          retryMs = Math.min(retryMs * 2, LISTEN_RETRY_MS.max);
          reconnectLater();
        },
      );
    }, retryMs);
    retryTimer.unref();
  };
  const handleLoss = (lost: Client) => {
    if (isStopped || client !== lost) return;
    client = undefined;
    lost.removeAllListeners('end');
    lost.end().catch(() => undefined);
    reconnectLater();
  };

  await connect();
  return async () => {
    isStopped = true;
    clearTimeout(retryTimer);
    const current = client;
    client = undefined;
    current?.removeAllListeners('end');
    await current?.end().catch(() => undefined);
  };
}

/** LISTEN takes an identifier, not a parameter: only plain lower-case names are let through. */
function assertChannelName(channel: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
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
    async listen(channel: string, onNotify: () => void) {
      assertChannelName(channel);
      // PGlite is one backend in this process: a NOTIFY from any query here reaches it.
      const unlisten = await db.listen(channel, () => onNotify());
      return () => unlisten();
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
