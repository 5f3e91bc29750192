import { openMigrated, storeBackends, type TestDatabase } from '../../../test/support/databases';
import { createLogger } from '../../log';
import type { Database } from '../../store/database';
import { EVENTS_STORED_CHANNEL } from '../../store/event-feed';
import { writeProcessed } from '../../store/step-writes';
import { EventTail, type TailBatch } from './event-tail';

const logger = createLogger('silent');

/** Stores events at chosen positions, as concurrent transactions would make them visible. */
async function storeAt(db: Database, positions: number[], envelope: unknown = {}): Promise<void> {
  for (const position of positions) {
    const messageId = `msg_${position}`;
    await db.query(
      `INSERT INTO messages (id, direction, protocol, raw, size_bytes, sha256, status, correlation_id)
       VALUES ($1, 'inbound', 'rest', '\\x00', 1, 'x', 'processed', $1)`,
      [messageId],
    );
    await db.query(
      `INSERT INTO events (position, id, message_id, seq, type, subject, partner_id, envelope)
       OVERRIDING SYSTEM VALUE
       VALUES ($1, $2, $2, 0, 'com.crossdock.purchase-order', $3, 'globex', $4::jsonb)`,
      [position, messageId, `PO-${position}`, JSON.stringify(envelope)],
    );
  }
}

/** Stores a message's events as the process worker does: one statement that announces them. */
async function storeProcessed(db: Database, messageId: string, count: number): Promise<void> {
  await db.query(
    `INSERT INTO messages (id, direction, protocol, raw, size_bytes, sha256, status, correlation_id)
     VALUES ($1, 'inbound', 'rest', '\\x00', 1, 'x', 'received', $1)`,
    [messageId],
  );
  const events = Array.from({ length: count }, (_, i) => ({
    id: `evt_${messageId}_${i + 1}`,
    seq: i + 1,
    type: 'com.crossdock.purchase-order',
    subject: `PO-${i + 1}`,
    partnerId: 'globex',
    businessKey: null,
    envelope: { id: `evt_${messageId}_${i + 1}` },
  }));
  await writeProcessed(db, [{ messageId, businessKey: null, events, deliveries: [] }]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe.each(storeBackends())('event tail on $name', ({ create }) => {
  let testDb: TestDatabase;
  let db: Database;
  let tail: EventTail;
  let batches: TailBatch[];
  const positions = () => batches.flatMap((b) => b.events.map((e) => e.position));

  beforeEach(async () => {
    testDb = await create();
    db = await openMigrated(testDb);
    tail = new EventTail(db, logger, { pollMs: 10, pageSize: 500, gapGraceMs: 400 });
    batches = [];
  });
  afterEach(async () => {
    await tail.close();
    await db.close();
    await testDb.drop();
  });

  test('starts at the newest event and hands out later ones in order', async () => {
    await storeAt(db, [1, 2]);
    const subscription = await tail.subscribe((batch) => batches.push(batch));
    expect(subscription.from).toBe(2);
    await storeAt(db, [3, 4, 5]);
    await waitUntil(() => positions().length === 3);
    expect(positions()).toEqual([3, 4, 5]);
    expect(batches[batches.length - 1]!.horizon).toBe(5);
  });

  test('holds events back behind a hole until it fills', async () => {
    await tail.subscribe((batch) => batches.push(batch));
    await storeAt(db, [1, 2, 4, 5]);
    await waitUntil(() => positions().length === 2);
    await sleep(150);
    expect(positions()).toEqual([1, 2]);
    await storeAt(db, [3]);
    await waitUntil(() => positions().length === 5);
    expect(positions()).toEqual([1, 2, 3, 4, 5]);
  });

  test('skips a hole that stays open past its grace', async () => {
    await tail.subscribe((batch) => batches.push(batch));
    const started = Date.now();
    await storeAt(db, [2, 3]);
    await waitUntil(() => positions().length === 2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(positions()).toEqual([2, 3]);
  });

  test('reads a burst larger than a page in several queries, in order, without pausing', async () => {
    await tail.subscribe((batch) => batches.push(batch));
    await db.query(
      `INSERT INTO messages (id, direction, protocol, raw, size_bytes, sha256, status, correlation_id)
       VALUES ('msg_burst', 'inbound', 'rest', '\\x00', 1, 'x', 'processed', 'c')`,
    );
    await db.query(
      `INSERT INTO events (id, message_id, seq, type, envelope)
       SELECT 'evt_' || n, 'msg_burst', n, 'com.crossdock.invoice', '{}'::jsonb
       FROM generate_series(1, 1234) AS n`,
    );
    await waitUntil(() => positions().length === 1234);
    expect(positions()).toEqual(Array.from({ length: 1234 }, (_, i) => i + 1));
    expect(Math.max(...batches.map((b) => b.events.length))).toBeLessThanOrEqual(500);
  });

  test('stops when its last listener leaves and starts afresh at the newest event', async () => {
    const first = await tail.subscribe((batch) => batches.push(batch));
    first.unsubscribe();
    expect(tail.listenerCount).toBe(0);
    await storeAt(db, [1, 2, 3]);
    await sleep(100);
    expect(batches).toEqual([]);
    const second = await tail.subscribe((batch) => batches.push(batch));
    expect(second.from).toBe(3);
    await tail.close();
    await expect(tail.subscribe(() => undefined)).rejects.toThrow('closed');
  });
});

/**
 * The poll is only the safety net: a stored event wakes the tail through the store's
 * notification, also when another connection (as another gateway process would) stored it.
 * The safety poll is set far beyond the time allowed, so only the notification can pass.
 */
describe.each(storeBackends())('event tail woken by stored events on $name', ({ create }) => {
  const SAFETY_POLL_MS = 5000;
  const PROMPTLY_MS = 1000;
  let testDb: TestDatabase;
  let db: Database;
  let writer: Database;
  let tail: EventTail;

  beforeEach(async () => {
    testDb = await create();
    db = await openMigrated(testDb);
    // PGlite is one backend in one process: its second "connection" is the same instance.
    writer = testDb.url ? await testDb.open() : db;
    tail = new EventTail(db, logger, { pollMs: SAFETY_POLL_MS, gapGraceMs: 400 });
  });
  afterEach(async () => {
    await tail.close();
    if (writer !== db) await writer.close();
    await db.close();
    await testDb.drop();
  });

  /** When each event reached the tail, after `started`. */
  async function arrivals(count: number, started: number, seen: number[]): Promise<number[]> {
    await waitUntil(() => seen.length >= count, PROMPTLY_MS * 3);
    return seen.map((at) => at - started);
  }

  test('an event stored by another connection reaches the tail well before the poll', async () => {
    const seen: number[] = [];
    const positions: number[] = [];
    await tail.subscribe((batch) => {
      for (const event of batch.events) {
        seen.push(Date.now());
        positions.push(event.position);
      }
    });
    // Let the tail go to sleep on its poll first.
    await sleep(100);
    let started = Date.now();
    await storeProcessed(writer, 'msg_first', 2);
    expect(Math.max(...(await arrivals(2, started, seen)))).toBeLessThan(PROMPTLY_MS);
    // A second batch while the tail sleeps again: woken again, nothing handed out twice.
    await sleep(100);
    started = Date.now();
    const before = seen.length;
    await storeProcessed(writer, 'msg_second', 3);
    const later = (await arrivals(before + 3, started, seen)).slice(before);
    expect(Math.max(...later)).toBeLessThan(PROMPTLY_MS);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(5);
  });

  test('a hole that stays is skipped when its grace runs out, not at the next poll', async () => {
    const positions: number[] = [];
    await tail.subscribe((batch) => positions.push(...batch.events.map((e) => e.position)));
    // A rolled-back insert takes position 1 for good; position 2 is stored and announced.
    await expect(
      db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO events (id, message_id, seq, type, envelope)
           VALUES ('evt_rolled_back', 'msg_none', 1, 'com.crossdock.invoice', '{}'::jsonb)`,
        );
      }),
    ).rejects.toThrow();
    const started = Date.now();
    await storeProcessed(writer, 'msg_after_hole', 1);
    await sleep(150);
    expect(positions).toEqual([]);
    await waitUntil(() => positions.length === 1, PROMPTLY_MS * 2);
    expect(positions).toEqual([2]);
    expect(Date.now() - started).toBeLessThan(400 + PROMPTLY_MS);
  });
});

/** PostgreSQL only: several connections commit in any order, and connections get lost. */
const postgresOnly = storeBackends().filter((backend) => backend.name === 'postgres');
describe.each(postgresOnly)('event tail with several connections on $name', ({ create }) => {
  let testDb: TestDatabase;
  let db: Database;
  let tail: EventTail;

  beforeEach(async () => {
    testDb = await create();
    db = await openMigrated(testDb);
    tail = new EventTail(db, logger, { pollMs: 5000, gapGraceMs: 10_000 });
  });
  afterEach(async () => {
    await tail.close();
    await db.close();
    await testDb.drop();
  });

  test('a hole filled by a later commit is handed out as that commit is announced', async () => {
    const positions: number[] = [];
    await tail.subscribe((batch) => positions.push(...batch.events.map((e) => e.position)));
    let filledAt = 0;
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO messages (id, direction, protocol, raw, size_bytes, sha256, status, correlation_id)
         VALUES ('msg_slow', 'inbound', 'rest', '\\x00', 1, 'x', 'received', 'msg_slow')`,
      );
      await tx.query(
        `INSERT INTO events (id, message_id, seq, type, envelope)
         VALUES ('evt_slow', 'msg_slow', 1, 'com.crossdock.invoice', '{}'::jsonb)`,
      );
      // Position 2 commits (and is announced) while position 1 is not yet visible.
      await storeProcessed(db, 'msg_fast', 1);
      await sleep(200);
      expect(positions).toEqual([]);
      await tx.query('SELECT pg_notify($1, $2)', [EVENTS_STORED_CHANNEL, '']);
      filledAt = Date.now();
    });
    await waitUntil(() => positions.length === 2, 3000);
    expect(positions).toEqual([1, 2]);
    expect(Date.now() - filledAt).toBeLessThan(1000);
  });

  test('listens again and is woken by the next stored event', async () => {
    const positions: number[] = [];
    await tail.subscribe((batch) => positions.push(...batch.events.map((e) => e.position)));
    const killed = await db.query<{ count: string }>(
      `SELECT count(pg_terminate_backend(pid)) AS count FROM pg_stat_activity
       WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
    );
    expect(Number(killed[0]!.count)).toBe(1);
    await waitUntil(async () => (await listeningBackends(db)) === 1, 3000);
    const started = Date.now();
    await storeProcessed(db, 'msg_after_loss', 1);
    await waitUntil(() => positions.length === 1, 3000);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

async function listeningBackends(db: Database): Promise<number> {
  const rows = await db.query<{ count: string }>(
    `SELECT count(*) AS count FROM pg_stat_activity
     WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
  );
  return Number(rows[0]!.count);
}
