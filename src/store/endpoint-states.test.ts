import { eachMigratedDatabase, storeBackends } from '../../test/support/databases';
import type { Database } from './database';
import { findEarlierUnfinishedDelivery } from './delivery-order';
import {
  disableEndpoint,
  enableEndpoint,
  getEndpointState,
  listDisabledEndpoints,
} from './endpoint-states';
import { findDeadLetters } from './dead-letters';
import { MessageStore, type NewDelivery } from './message-store';

describe.each(storeBackends())('endpoint states and delivery order on $name', ({ create }) => {
  let db: Database;
  eachMigratedDatabase(create, (opened) => (db = opened));

  test('a 410 disables an endpoint once; the first delivery that got it stays the fact', async () => {
    const first = await disableEndpoint(db, {
      partnerId: 'billing-app',
      reason: 'receiver answered HTTP 410 Gone',
      statusCode: 410,
      deliveryId: 'dlv_1',
    });
    const second = await disableEndpoint(db, {
      partnerId: 'billing-app',
      reason: 'receiver answered HTTP 410 Gone',
      statusCode: 410,
      deliveryId: 'dlv_2',
    });
    expect(second).toMatchObject({ disabledByDelivery: 'dlv_1', disabledStatusCode: 410 });
    expect(new Date(second.disabledAt!).getTime()).toBe(new Date(first.disabledAt!).getTime());
    expect((await listDisabledEndpoints(db)).map((s) => s.partnerId)).toEqual(['billing-app']);

    const { state, wasDisabledAt } = await enableEndpoint(db, 'billing-app');
    expect(new Date(wasDisabledAt!).getTime()).toBe(new Date(first.disabledAt!).getTime());
    expect(state).toMatchObject({ disabledAt: null, disabledByDelivery: null });
    expect(state.enabledAt).not.toBeNull();
    expect(await listDisabledEndpoints(db)).toEqual([]);
    expect((await getEndpointState(db, 'billing-app'))?.disabledAt).toBeNull();
    // Enabling one that was never disabled is harmless and says so.
    expect((await enableEndpoint(db, 'other-app')).wasDisabledAt).toBeNull();
  });

  async function storeEvents(
    store: MessageStore,
    messageId: string,
    deliveries: Array<Omit<NewDelivery, 'eventId'> & { seq: number }>,
  ) {
    await store.insertMessages([
      {
        id: messageId,
        direction: 'inbound',
        protocol: 'rest',
        partnerId: 'globex-retail',
        documentKind: 'PurchaseOrder',
        contentType: 'application/json',
        raw: Buffer.from('{}'),
        sha256: 'x',
        correlationId: `cor_${messageId}`,
        businessKey: null,
      },
    ]);
    const seqs = [...new Set(deliveries.map((d) => d.seq))];
    await store.recordProcessed({
      messageId,
      businessKey: null,
      events: seqs.map((seq) => ({
        id: `evt_${messageId}_${seq}`,
        seq,
        type: 'com.crossdock.purchase-order',
        subject: null,
        partnerId: 'globex-retail',
        businessKey: null,
        envelope: {},
      })),
      deliveries: deliveries.map(({ seq, ...d }) => ({ ...d, eventId: `evt_${messageId}_${seq}` })),
    });
  }

  test('an ordered delivery is held back only by an unfinished earlier one of its subject and destination', async () => {
    const store = new MessageStore(db);
    const ordered = (id: string, seq: number, orderKey: string, destination = 'billing-app') => ({
      id,
      seq,
      destination,
      channel: 'webhook',
      orderKey,
    });
    await storeEvents(store, 'm1', [
      ordered('a1', 1, 'PO-1'),
      ordered('x1', 1, 'PO-1', 'other-app'),
      ordered('b1', 2, 'PO-2'),
    ]);
    await storeEvents(store, 'm2', [ordered('a2', 1, 'PO-1'), ordered('b2', 2, 'PO-2')]);
    const holdsBack = (id: string, orderKey: string, eventId: string) =>
      findEarlierUnfinishedDelivery(db, { id, destination: 'billing-app', orderKey, eventId });

    expect(await holdsBack('a1', 'PO-1', 'evt_m1_1')).toBeUndefined();
    expect(await holdsBack('a2', 'PO-1', 'evt_m2_1')).toBe('a1');
    expect(await holdsBack('b2', 'PO-2', 'evt_m2_2')).toBe('b1');

    const outcome = { messageId: 'm1', statusCode: null, error: null, attempt: 1 };
    await store.recordDeliveryOutcome({ ...outcome, deliveryId: 'a1', status: 'retrying' });
    expect(await holdsBack('a2', 'PO-1', 'evt_m2_1')).toBe('a1');
    // A dead letter holds nothing back: its subject's later events go on.
    await store.recordDeliveryOutcome({ ...outcome, deliveryId: 'a1', status: 'dead' });
    expect(await holdsBack('a2', 'PO-1', 'evt_m2_1')).toBeUndefined();
    await store.recordDeliveryOutcome({ ...outcome, deliveryId: 'b1', status: 'delivered' });
    expect(await holdsBack('b2', 'PO-2', 'evt_m2_2')).toBeUndefined();

    expect((await store.getDelivery('a2'))?.orderKey).toBe('PO-1');
    const since = new Date(Date.now() - 60_000).toISOString();
    expect(await findDeadLetters(db, { destination: 'billing-app', since, limit: 10 })).toEqual([
      'a1',
    ]);
    const later = new Date(Date.now() + 60_000).toISOString();
    expect(
      await findDeadLetters(db, { destination: 'billing-app', since: later, limit: 10 }),
    ).toEqual([]);
  });
});
