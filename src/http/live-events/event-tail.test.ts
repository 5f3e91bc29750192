import { openMigrated, storeBackends, type TestDatabase } from '../../../test/support/databases';
import { createLogger } from '../../log';
import type { Database } from '../../store/database';
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
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
