import { UnrecoverableError } from 'bullmq';
import type { Database } from '../store/database';
import { MessageStore } from '../store/message-store';
import { eachMigratedDatabase, storeBackends } from '../../test/support/databases';
import { StoredEvents } from './deliver-worker';

describe.each(storeBackends())('StoredEvents on $name', ({ create }) => {
  let db: Database;
  eachMigratedDatabase(create, (opened) => (db = opened));

  /** The real store, counting the event reads it answers. */
  function countingStore() {
    const reads = { count: 0 };
    const counted: Database = {
      ...db,
      query: (sql, params) => {
        if (sql.includes('FROM events WHERE id')) reads.count++;
        return db.query(sql, params);
      },
    };
    return { store: new MessageStore(counted), reads };
  }

  async function storeEvent(store: MessageStore, n: number): Promise<string> {
    const messageId = `msg_stored_events_${n}`;
    await store.insertMessages([
      {
        id: messageId,
        direction: 'inbound',
        protocol: 'rest',
        partnerId: 'globex-retail',
        documentKind: 'purchase-order',
        contentType: 'application/json',
        raw: Buffer.from('{}'),
        sha256: '0'.repeat(64),
        correlationId: `cor_${n}`,
        businessKey: null,
      },
    ]);
    const eventId = `evt_stored_events_${n}_1`;
    await store.recordProcessed({
      messageId,
      businessKey: null,
      events: [
        {
          id: eventId,
          seq: 1,
          type: 'com.crossdock.purchase-order',
          subject: `PO-${n}`,
          partnerId: 'globex-retail',
          businessKey: null,
          envelope: { id: eventId, type: 'com.crossdock.purchase-order', data: { n } },
        },
      ],
      deliveries: [],
    });
    return eventId;
  }

  test('a fan-out reads its event once and every delivery gets the same object', async () => {
    const { store, reads } = countingStore();
    const eventId = await storeEvent(store, 1);
    const events = new StoredEvents(store);
    const all = await Promise.all(Array.from({ length: 50 }, () => events.get(eventId)));
    expect(all[0]).toMatchObject({ id: eventId, data: { n: 1 } });
    expect(new Set(all).size).toBe(1);
    expect(await events.get(eventId)).toBe(all[0]);
    expect(reads.count).toBe(1);
  });

  test('a missing event fails the job for good and is not remembered as missing', async () => {
    const { store, reads } = countingStore();
    const events = new StoredEvents(store);
    await expect(events.get('evt_stored_events_2_1')).rejects.toBeInstanceOf(UnrecoverableError);
    await storeEvent(store, 2);
    await expect(events.get('evt_stored_events_2_1')).resolves.toMatchObject({ data: { n: 2 } });
    expect(reads.count).toBe(2);
  });

  test('only the most recent events are kept', async () => {
    const { store, reads } = countingStore();
    const first = await storeEvent(store, 3);
    const second = await storeEvent(store, 4);
    const events = new StoredEvents(store, 1);
    await events.get(first);
    await events.get(second); // pushes the first out
    await events.get(first);
    expect(reads.count).toBe(3);
  });
});
