import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { openMigrated, storeBackends, type TestDatabase } from '../../test/support/databases';
import { createLogger } from '../log';
import { startPrivateRedis, type PrivateRedis } from '../runtime/private-redis';
import type { Database } from '../store/database';
import { purgeExpiredIdempotencyKeys, type IdempotencyClaim } from '../store/idempotency';
import { MessageStore } from '../store/message-store';
import {
  IdempotencyKeyReusedError,
  Intake,
  IntakeUnavailableError,
  type IntakeRequest,
} from './intake';
import { openQueues, redisConnection, waitForRedis, type Queues } from './queues';

const logger = createLogger('silent');

function request(body: string, claim?: Partial<IdempotencyClaim>): IntakeRequest {
  return {
    protocol: 'rest',
    partnerId: 'acme-erp',
    documentKind: 'Invoice',
    contentType: 'application/json',
    raw: Buffer.from(body),
    businessKey: 'INV-1',
    recipientId: 'northwind',
    ...(claim
      ? {
          idempotency: {
            partnerId: 'acme-erp',
            key: 'key-1',
            requestHash: `hash-of-${body}`,
            ttlHours: 24,
            ...claim,
          },
        }
      : {}),
  };
}

describe.each(storeBackends())('intake with idempotency keys on $name', ({ create }) => {
  let redis: PrivateRedis;
  let redisDir: string;
  let connection: Redis;
  let queues: Queues;
  let testDb: TestDatabase;
  let db: Database;
  let store: MessageStore;
  let intake: Intake;

  beforeAll(async () => {
    redisDir = mkdtempSync(path.join(os.tmpdir(), 'intake-redis-'));
    redis = await startPrivateRedis(redisDir);
    connection = redisConnection(redis.url, 'producer');
    await waitForRedis(connection, redis.url);
    queues = openQueues(connection);
  });
  afterAll(async () => {
    await queues.close();
    connection.disconnect();
    await redis.stop();
    rmSync(redisDir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    testDb = await create();
    db = await openMigrated(testDb);
    store = new MessageStore(db);
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE messages, timeline, idempotency_keys CASCADE');
    intake = new Intake(store, queues.ingest, logger);
  });

  const countMessages = async () =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM messages'))[0]!.n);

  test('a key stores one message; its repeat gets the first receipt, marked replayed', async () => {
    const first = await intake.accept(request('{"a":1}', {}));
    expect(first).toMatchObject({ recipientId: 'northwind', replayed: false });
    const again = await intake.accept(request('{"a":1}', {}));
    expect(again).toEqual({ ...first, replayed: true });
    expect(await intake.receiptOf(request('{"a":1}', {}).idempotency!)).toEqual(again);
    expect(await countMessages()).toBe(1);
    expect(await store.getMessage(first.messageId)).toMatchObject({ recipientId: 'northwind' });
    const job = await queues.ingest.getJob(first.messageId);
    expect(job?.data).toMatchObject({ messageId: first.messageId, recipientId: 'northwind' });
    expect((await store.getTimeline(first.messageId))[0]?.detail).toEqual({
      protocol: 'rest',
      partnerId: 'acme-erp',
      recipientId: 'northwind',
      idempotencyKey: 'key-1',
    });
  });

  test('concurrent requests with one key, through two intakes, store one message', async () => {
    const other = new Intake(store, queues.ingest, logger);
    const receipts = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        (i % 2 ? intake : other).accept(request('{"same":true}', { key: 'race' })),
      ),
    );
    expect(new Set(receipts.map((r) => r.messageId)).size).toBe(1);
    expect(receipts.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await countMessages()).toBe(1);
  });

  test('the same key for a different request is refused, however the two meet', async () => {
    const first = await intake.accept(request('{"a":1}', {}));
    await expect(intake.receiptOf(request('{"a":2}', {}).idempotency!)).rejects.toEqual(
      new IdempotencyKeyReusedError('key-1', first.messageId),
    );
    await expect(intake.accept(request('{"a":2}', {}))).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    const together = await Promise.allSettled([
      intake.accept(request('{"b":1}', { key: 'k2' })),
      intake.accept(request('{"b":2}', { key: 'k2' })),
    ]);
    expect(together.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await countMessages()).toBe(2);
  });

  test('keys belong to the partner that sent them', async () => {
    const mine = await intake.accept(request('{"a":1}', {}));
    const theirs = await intake.accept(request('{"a":1}', { partnerId: 'billing-app' }));
    expect(theirs.messageId).not.toBe(mine.messageId);
    expect(theirs.replayed).toBe(false);
  });

  test('an expired key is ignored and taken by the next request', async () => {
    const first = await intake.accept(request('{"a":1}', {}));
    await db.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'");
    expect(await intake.receiptOf(request('{"a":2}', {}).idempotency!)).toBeUndefined();
    const second = await intake.accept(request('{"a":2}', {}));
    expect(second).toMatchObject({ replayed: false });
    expect(second.messageId).not.toBe(first.messageId);
    const rows = await db.query<{ message_id: string; live: boolean }>(
      'SELECT message_id, expires_at > now() AS live FROM idempotency_keys',
    );
    expect(rows).toEqual([{ message_id: second.messageId, live: true }]);
  });

  test('the TTL sets when a key expires', async () => {
    await intake.accept(request('{"a":1}', { ttlHours: 2 }));
    const [row] = await db.query<{ hours: number }>(
      `SELECT round(extract(epoch FROM expires_at - created_at) / 3600)::integer AS hours
       FROM idempotency_keys`,
    );
    expect(row?.hours).toBe(2);
  });

  test('a key whose message the queue refused is free again: the retry is taken afresh', async () => {
    const brokenConnection = redisConnection(redis.url, 'producer');
    await waitForRedis(brokenConnection, redis.url);
    const brokenQueues = openQueues(brokenConnection);
    await brokenQueues.ingest.waitUntilReady();
    brokenConnection.disconnect();
    const broken = new Intake(store, brokenQueues.ingest, logger);
    await expect(broken.accept(request('{"a":1}', {}))).rejects.toBeInstanceOf(
      IntakeUnavailableError,
    );
    await brokenQueues.close().catch(() => undefined);
    const [failed] = await db.query<{ id: string; status: string }>(
      'SELECT id, status FROM messages',
    );
    expect(failed?.status).toBe('enqueue_failed');

    expect(await intake.receiptOf(request('{"a":1}', {}).idempotency!)).toBeUndefined();
    const retry = await intake.accept(request('{"a":1}', {}));
    expect(retry).toMatchObject({ replayed: false });
    expect(retry.messageId).not.toBe(failed!.id);
  });

  test('a replay puts back the ingest job of a message not yet processed', async () => {
    const first = await intake.accept(request('{"a":1}', {}));
    await (await queues.ingest.getJob(first.messageId))!.remove();
    const again = await intake.receiptOf(request('{"a":1}', {}).idempotency!);
    expect(again?.messageId).toBe(first.messageId);
    expect(await queues.ingest.getJob(first.messageId)).toBeDefined();
  });

  test('requests without a key are stored as before, none refused', async () => {
    const receipts = await Promise.all([
      intake.accept(request('{"a":1}')),
      intake.accept(request('{"a":1}')),
    ]);
    expect(receipts[0]!.messageId).not.toBe(receipts[1]!.messageId);
    expect(await countMessages()).toBe(2);
  });

  test('expired keys are purged, live ones kept', async () => {
    await intake.accept(request('{"a":1}', { key: 'old-1' }));
    await intake.accept(request('{"a":1}', { key: 'old-2' }));
    await intake.accept(request('{"a":1}', { key: 'live' }));
    await db.query(
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 hour' WHERE key LIKE 'old-%'",
    );
    expect(await purgeExpiredIdempotencyKeys(db, 1)).toBe(1);
    expect(await purgeExpiredIdempotencyKeys(db, 100)).toBe(1);
    expect(await db.query('SELECT key FROM idempotency_keys')).toEqual([{ key: 'live' }]);
  });
});
