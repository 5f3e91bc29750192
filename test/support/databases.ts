import { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import { openPglite, openPostgres, type Database } from '../../src/store/database';
import { migrate } from '../../src/store/migrate';

export interface TestDatabase {
  name: string;
  /** A connection string for a fresh PostgreSQL database, or undefined for PGlite. */
  url?: string;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

/**
 * The stores every store test runs against: PGlite always, and a real PostgreSQL as well when
 * TEST_DATABASE_URL names a server (each test gets a database of its own, dropped after).
 */
export function storeBackends(): Array<{ name: string; create: () => Promise<TestDatabase> }> {
  const backends = [{ name: 'pglite', create: createPgliteDatabase }];
  if (process.env.TEST_DATABASE_URL)
    backends.push({ name: 'postgres', create: createPostgresDatabase });
  return backends;
}

async function createPgliteDatabase(): Promise<TestDatabase> {
  return { name: 'pglite', open: () => openPglite(undefined), drop: async () => undefined };
}

export async function createPostgresDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const dbName = `crossdock_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  return {
    name: 'postgres',
    url: url.toString(),
    open: () => openPostgres(url.toString()),
    drop: async () => {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function openMigrated(testDb: TestDatabase): Promise<Database> {
  const db = await testDb.open();
  await migrate(db);
  return db;
}

/**
 * For a `describe.each(storeBackends())` block: a fresh migrated database before each test,
 * closed and dropped after it, handed to `use` (e.g. `(opened) => (db = opened)`).
 */
export function eachMigratedDatabase(
  create: () => Promise<TestDatabase>,
  use: (db: Database) => void,
): void {
  let testDb: TestDatabase;
  let db: Database;
  beforeEach(async () => {
    testDb = await create();
    db = await openMigrated(testDb);
    use(db);
  });
  afterEach(async () => {
    await db.close();
    await testDb.drop();
  });
}
