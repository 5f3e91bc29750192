import { openMigrated, storeBackends, type TestDatabase } from '../../test/support/databases';
import type { Database } from './database';
import {
  applyFunctionalAck,
  countOutboundSets,
  getOutboundSet,
  listOutboundSets,
  recordAckTimeline,
  type ReceivedFunctionalAck,
} from './x12-ack-tracking';

async function insertSet(
  db: Database,
  set: {
    deliveryId: string;
    partnerId: string;
    status: string;
    gs06?: string;
    st02?: string;
    ackDueAt?: string | null;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO x12_outbound_sets (delivery_id, partner_id, transaction_set, functional_id,
            version, correlation_id, gs06, st02, status, sent_at, ack_due_at)
     VALUES ($1, $2, '810', 'IN', '004010', 'cor_test', $3, $4, $5, now(), $6::timestamptz)`,
    [
      set.deliveryId,
      set.partnerId,
      set.gs06 ?? null,
      set.st02 ?? null,
      set.status,
      set.ackDueAt ?? null,
    ],
  );
}

const PAST = '2020-01-01T00:00:00Z';
const FUTURE = '2999-01-01T00:00:00Z';

function groupAccepted(ackMessageId: string, gs06: string): ReceivedFunctionalAck {
  return {
    partnerId: 'globex-retail',
    ackMessageId,
    functionalId: 'IN',
    groupControlNumber: gs06,
    namedSets: [],
    otherSets: { status: 'accepted', code: 'A', errors: null },
  };
}

describe.each(storeBackends())('X12 ack tracking store on $name', ({ create }) => {
  let testDb: TestDatabase;
  let db: Database;

  beforeEach(async () => {
    testDb = await create();
    db = await openMigrated(testDb);
    await insertSet(db, { deliveryId: 'dlv_01', partnerId: 'globex-retail', status: 'queued' });
    await insertSet(db, {
      deliveryId: 'dlv_02',
      partnerId: 'globex-retail',
      status: 'sent',
      gs06: '1',
      st02: '0001',
      ackDueAt: PAST,
    });
    await insertSet(db, {
      deliveryId: 'dlv_03',
      partnerId: 'globex-retail',
      status: 'sent',
      gs06: '1',
      st02: '0002',
      ackDueAt: FUTURE,
    });
    await insertSet(db, {
      deliveryId: 'dlv_04',
      partnerId: 'initech',
      status: 'sent',
      gs06: '1',
      st02: '0001',
      ackDueAt: PAST,
    });
    await insertSet(db, {
      deliveryId: 'dlv_05',
      partnerId: 'initech',
      status: 'sent',
      gs06: '2',
      st02: '0001',
      ackDueAt: null,
    });
  });
  afterEach(async () => {
    await db.close();
    await testDb.drop();
  });

  test('lists sets by partner, status and overdue, a page at a time', async () => {
    const ids = async (filter: Parameters<typeof listOutboundSets>[1]) =>
      (await listOutboundSets(db, filter)).map((s) => s.deliveryId);
    expect(await ids({ limit: 10 })).toEqual(['dlv_01', 'dlv_02', 'dlv_03', 'dlv_04', 'dlv_05']);
    expect(await ids({ partnerId: 'initech', limit: 10 })).toEqual(['dlv_04', 'dlv_05']);
    expect(await ids({ status: 'queued', limit: 10 })).toEqual(['dlv_01']);
    // Overdue: still 'sent' after ack_due_at; a set with no ack expected never is.
    expect(await ids({ isOverdue: true, limit: 10 })).toEqual(['dlv_02', 'dlv_04']);
    expect(await ids({ isOverdue: false, limit: 10 })).toEqual(['dlv_01', 'dlv_03', 'dlv_05']);
    expect(await ids({ limit: 2 })).toEqual(['dlv_01', 'dlv_02']);
    expect(await ids({ limit: 2, afterDeliveryId: 'dlv_02' })).toEqual(['dlv_03', 'dlv_04']);
  });

  test('reads one set with its overdue flag; an unknown delivery is undefined', async () => {
    expect(await getOutboundSet(db, 'dlv_02')).toMatchObject({
      deliveryId: 'dlv_02',
      partnerId: 'globex-retail',
      transactionSet: '810',
      status: 'sent',
      isOverdue: true,
      ackDueAt: new Date(PAST),
    });
    expect(await getOutboundSet(db, 'dlv_missing')).toBeUndefined();
  });

  test('counts sets and overdue sets per partner and status in one query', async () => {
    expect(await countOutboundSets(db)).toEqual([
      { partnerId: 'globex-retail', status: 'queued', sets: 1, overdue: 0 },
      { partnerId: 'globex-retail', status: 'sent', sets: 2, overdue: 1 },
      { partnerId: 'initech', status: 'sent', sets: 2, overdue: 1 },
    ]);
    await applyFunctionalAck(db, groupAccepted('msg_ack', '1'));
    expect(await countOutboundSets(db)).toEqual([
      { partnerId: 'globex-retail', status: 'accepted', sets: 2, overdue: 0 },
      { partnerId: 'globex-retail', status: 'queued', sets: 1, overdue: 0 },
      { partnerId: 'initech', status: 'sent', sets: 2, overdue: 1 },
    ]);
  });

  test('a timeline entry is written once however often it is recorded', async () => {
    const entries = [
      { stage: 'x12.ack.flagged', detail: { ack: '997 0001', reason: 'r1' } },
      { stage: 'x12.ack.flagged', detail: { ack: '997 0002', reason: 'r2' } },
    ];
    await recordAckTimeline(db, 'msg_ack', entries);
    await recordAckTimeline(db, 'msg_ack', entries);
    const rows = await db.query<{ detail: { reason: string } }>(
      'SELECT detail FROM timeline WHERE message_id = $1 ORDER BY id',
      ['msg_ack'],
    );
    expect(rows.map((r) => r.detail.reason)).toEqual(['r1', 'r2']);
  });

  test('two acks racing for one group: one applies, the other is told it was first', async () => {
    const [first, second] = await Promise.all([
      applyFunctionalAck(db, groupAccepted('msg_ack_a', '1')),
      applyFunctionalAck(db, groupAccepted('msg_ack_b', '1')),
    ]);
    const kinds = [...first!, ...second!].map((o) => o.kind).sort();
    expect(kinds).toEqual(['applied', 'applied', 'duplicate', 'duplicate']);
    const winners = new Set(
      (await listOutboundSets(db, { status: 'accepted', limit: 10 })).map((s) => s.ackMessageId),
    );
    expect(winners.size).toBe(1);
  });
});
