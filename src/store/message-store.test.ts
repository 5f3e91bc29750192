import { createHash } from 'node:crypto';
import { storeBackends, openMigrated, type TestDatabase } from '../../test/support/databases';
import type { Database } from './database';
import { migrate } from './migrate';
import { MessageStore, type NewMessage } from './message-store';
import { deliveryIdFor, eventIdFor, newCorrelationId, newMessageId } from './ids';

function inbound(raw: string): NewMessage {
  const bytes = Buffer.from(raw);
  return {
    id: newMessageId(),
    direction: 'inbound',
    protocol: 'rest',
    partnerId: 'globex-retail',
    documentKind: 'PurchaseOrder',
    contentType: 'application/json',
    raw: bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    correlationId: newCorrelationId(),
    businessKey: 'PO-1',
  };
}

describe.each(storeBackends())('message store on $name', ({ create }) => {
  let testDb: TestDatabase;
  let db: Database;
  let store: MessageStore;

  beforeEach(async () => {
    testDb = await create();
    db = await openMigrated(testDb);
    store = new MessageStore(db);
  });
  afterEach(async () => {
    await db.close();
    await testDb.drop();
  });

  test('migrations run once: a second run applies nothing', async () => {
    expect(await migrate(db)).toEqual([]);
  });

  test('keeps raw bytes exactly, including bytes that are not UTF-8', async () => {
    const message = inbound('');
    message.raw = Buffer.from([0xef, 0xbb, 0xbf, 0x00, 0xff, 0x49, 0x53, 0x41]);
    await store.insertMessages([message]);
    expect((await store.loadRaw(message.id))?.equals(message.raw)).toBe(true);
    const record = await store.getMessage(message.id);
    expect(record).toMatchObject({ status: 'received', sizeBytes: 8, partnerId: 'globex-retail' });
    expect((await store.getTimeline(message.id)).map((t) => t.stage)).toEqual(['received']);
  });

  test('recording a processed message twice creates its events and deliveries once', async () => {
    const message = inbound('{"poNumber":"PO-1"}');
    await store.insertMessages([message]);
    const eventId = eventIdFor(message.id, 1);
    const processed = {
      messageId: message.id,
      businessKey: 'PO-1',
      events: [
        {
          id: eventId,
          seq: 1,
          type: 'com.crossdock.purchase-order',
          subject: 'PO-1',
          partnerId: 'globex-retail',
          businessKey: 'PO-1',
          envelope: { id: eventId, data: { amount: '12345678901234567.89' } },
        },
      ],
      deliveries: [
        {
          id: deliveryIdFor(eventId, 'acme-erp'),
          eventId,
          destination: 'acme-erp',
          channel: 'webhook',
        },
      ],
    };
    const firstRun = await store.recordProcessed(processed);
    const secondRun = await store.recordProcessed(processed);
    // Only the run that created a delivery reports it: a re-run enqueues nothing again.
    expect([...firstRun]).toEqual([processed.deliveries[0]!.id]);
    expect([...secondRun]).toEqual([]);
    const events = await store.getEventsOfMessage(message.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.envelope).toEqual({ id: eventId, data: { amount: '12345678901234567.89' } });
    expect(await store.getDeliveriesOfMessage(message.id)).toHaveLength(1);
    expect((await store.getTimeline(message.id)).map((t) => t.stage)).toEqual([
      'received',
      'processed',
    ]);
  });

  test('delivery outcomes count attempts and a dead delivery can be reopened once per replay', async () => {
    const message = inbound('{}');
    await store.insertMessages([message]);
    const eventId = eventIdFor(message.id, 1);
    const deliveryId = deliveryIdFor(eventId, 'acme-erp');
    await store.recordProcessed({
      messageId: message.id,
      businessKey: null,
      events: [
        {
          id: eventId,
          seq: 1,
          type: 't',
          subject: null,
          partnerId: null,
          businessKey: null,
          envelope: {},
        },
      ],
      deliveries: [{ id: deliveryId, eventId, destination: 'acme-erp', channel: 'webhook' }],
    });
    const base = { deliveryId, messageId: message.id, attempt: 1 };
    await store.recordDeliveryOutcome({
      ...base,
      status: 'retrying',
      statusCode: 503,
      error: 'HTTP 503',
    });
    await store.recordDeliveryOutcome({
      ...base,
      attempt: 2,
      status: 'dead',
      statusCode: 503,
      error: 'HTTP 503',
    });
    expect(await store.getDelivery(deliveryId)).toMatchObject({
      status: 'dead',
      attempts: 2,
      lastStatusCode: 503,
    });
    expect(await store.listDeliveries({ status: 'dead', limit: 10 })).toHaveLength(1);

    const reopened = await store.reopenDelivery(deliveryId, 'operator');
    expect(reopened).toMatchObject({ status: 'pending', replays: 1 });
    await store.recordDeliveryOutcome({
      ...base,
      attempt: 3,
      status: 'delivered',
      statusCode: 204,
      error: null,
    });
    expect(await store.reopenDelivery(deliveryId, 'operator')).toBeUndefined();
    expect(await store.getDelivery(deliveryId)).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  test('control numbers are strictly increasing and never reused under concurrent allocation', async () => {
    const batches = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.allocateControlNumbers('globex-retail', 'ISA', (i % 3) + 1),
      ),
    );
    const all = batches
      .flat()
      .map(Number)
      .sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    for (const batch of batches) {
      expect(batch.map(Number)).toEqual(batch.map((_, i) => Number(batch[0]) + i));
    }
  });

  test('finds messages stored but never processed', async () => {
    const message = inbound('{}');
    await store.insertMessages([message]);
    expect(await store.findUnprocessedMessages(60_000, 10)).toEqual([]);
    const found = await store.findUnprocessedMessages(0, 10);
    expect(found.map((m) => m.id)).toEqual([message.id]);
  });
});
