import { eachMigratedDatabase, storeBackends } from '../../../test/support/databases';
import type { Database } from '../../store/database';
import { getOutboundSet, type OutboundSetRecord } from '../../store/x12-ack-tracking';
import { builtInEdiMapsDir, loadTransactionSetSchemas } from '../../x12/schema';
import { segmentsFromText, testDelimiters } from '../../x12/testing';
import { validateTransactionSet } from '../../x12/validate';
import { AckTracker, readFunctionalAck, type ReceivedAckSet } from './ack-matching';

const schemas = loadTransactionSetSchemas([builtInEdiMapsDir()]);

/** A partner's 997/999 as the interpreter hands it over: validated against its schema. */
function ackSet(text: string, version = '004010', partnerId = 'globex-retail'): ReceivedAckSet {
  const segments = segmentsFromText(text);
  const setId = segments[0]!.elements[0] as '997' | '999';
  const { tree, segmentErrors } = validateTransactionSet(
    segments,
    schemas.get(version, setId)!,
    testDelimiters,
  );
  const controlNumber = segments[0]!.elements[1]!;
  return { partnerId, setId, controlNumber, version, tree, segmentErrors, setErrors: [] };
}

interface SentSet {
  deliveryId: string;
  partnerId?: string;
  transactionSet?: string;
  functionalId?: string;
  gs06: string;
  st02: string;
  ackDueAt?: string;
}

/** Rows as the outbound adapter leaves them once the interchange went out. */
async function sendSets(db: Database, sets: SentSet[]): Promise<void> {
  for (const set of sets) {
    await db.query(
      `INSERT INTO x12_outbound_sets (delivery_id, partner_id, transaction_set, functional_id,
              version, correlation_id, message_id, isa13, gs06, st02, status, sent_at, ack_due_at)
       VALUES ($1, $2, $3, $4, '004010', 'cor_test', $5, '000000101', $6, $7, 'sent', now(),
               COALESCE($8::timestamptz, now() + interval '24 hours'))`,
      [
        set.deliveryId,
        set.partnerId ?? 'globex-retail',
        set.transactionSet ?? '855',
        set.functionalId ?? 'PR',
        `msg_out_${set.gs06}`,
        set.gs06,
        set.st02,
        set.ackDueAt ?? null,
      ],
    );
  }
}

async function row(db: Database, deliveryId: string): Promise<OutboundSetRecord> {
  return (await getOutboundSet(db, deliveryId))!;
}

async function timeline(db: Database, messageId: string) {
  return db.query<{ stage: string; detail: Record<string, unknown> }>(
    'SELECT stage, detail FROM timeline WHERE message_id = $1 ORDER BY id',
    [messageId],
  );
}

describe.each(storeBackends())('997/999 matching on $name', ({ create }) => {
  let db: Database;
  eachMigratedDatabase(create, (opened) => (db = opened));

  test('a 997 with AK5 A, E and R settles each named set with its own status, code and errors', async () => {
    await sendSets(db, [
      { deliveryId: 'dlv_a', gs06: '41', st02: '0001' },
      { deliveryId: 'dlv_e', gs06: '41', st02: '0002' },
      { deliveryId: 'dlv_r', gs06: '41', st02: '0003' },
    ]);
    const result = await new AckTracker(db, 'msg_ack_1').track(
      ackSet(
        'ST*997*1001~AK1*PR*41~AK2*855*0001~AK5*A~AK2*855*0002~AK5*E~' +
          'AK2*855*0003~AK3*PO1*4*PO1*8~AK4*2:1*330*7*XX~AK4*3*355*1~AK3*CTT*9**3~AK5*R*5~' +
          'AK9*P*3*3*2~SE*14*1001~',
      ),
    );
    expect(result).toEqual({
      gs06: '41',
      applied: [
        { deliveryId: 'dlv_a', st02: '0001', status: 'accepted', code: 'A' },
        { deliveryId: 'dlv_e', st02: '0002', status: 'accepted-with-errors', code: 'E' },
        { deliveryId: 'dlv_r', st02: '0003', status: 'rejected', code: 'R' },
      ],
      flagged: [],
    });
    expect(await row(db, 'dlv_a')).toMatchObject({
      status: 'accepted',
      ackCode: 'A',
      ackErrors: null,
      ackMessageId: 'msg_ack_1',
      isOverdue: false,
    });
    expect((await row(db, 'dlv_a')).ackedAt).toBeInstanceOf(Date);
    expect(await row(db, 'dlv_e')).toMatchObject({ status: 'accepted-with-errors', ackCode: 'E' });
    expect((await row(db, 'dlv_r')).ackErrors).toEqual({
      set: [{ code: '5', text: 'one or more segments in error' }],
      segments: [
        {
          segmentId: 'PO1',
          position: 4,
          loopId: 'PO1',
          code: { code: '8', text: 'segment has data element errors' },
          elements: [
            {
              position: 2,
              componentPosition: 1,
              reference: '330',
              code: { code: '7', text: 'invalid code value' },
              badValue: 'XX',
            },
            {
              position: 3,
              reference: '355',
              code: { code: '1', text: 'required data element missing' },
            },
          ],
        },
        { segmentId: 'CTT', position: 9, code: { code: '3', text: 'required segment missing' } },
      ],
    });
    // The outbound interchange's timeline says what the partner answered, set by set.
    expect(await timeline(db, 'msg_out_41')).toEqual([
      expect.objectContaining({
        stage: 'x12.acknowledged',
        detail: expect.objectContaining({ deliveryId: 'dlv_a', status: 'accepted', late: false }),
      }),
      expect.objectContaining({ detail: expect.objectContaining({ deliveryId: 'dlv_e' }) }),
      expect.objectContaining({
        detail: expect.objectContaining({ deliveryId: 'dlv_r', status: 'rejected', code: 'R' }),
      }),
    ]);
    expect(await timeline(db, 'msg_ack_1')).toEqual([
      { stage: 'x12.ack.matched', detail: expect.objectContaining({ gs06: '41' }) },
    ]);
  });

  test('a 997 answering the group as a whole (AK9 only) gives every set the AK901 status', async () => {
    await sendSets(db, [
      { deliveryId: 'dlv_1', gs06: '7', st02: '0001' },
      { deliveryId: 'dlv_2', gs06: '7', st02: '0002' },
      { deliveryId: 'dlv_other_group', gs06: '8', st02: '0003' },
    ]);
    const result = await new AckTracker(db, 'msg_ack').track(
      ackSet('ST*997*0001~AK1*PR*7~AK9*A*2*2*2~SE*4*0001~'),
    );
    expect(result.applied.map((a) => [a.deliveryId, a.status, a.code])).toEqual([
      ['dlv_1', 'accepted', 'A'],
      ['dlv_2', 'accepted', 'A'],
    ]);
    expect(await row(db, 'dlv_other_group')).toMatchObject({ status: 'sent', ackCode: null });
  });

  test('AK9 P: the named set keeps its AK5 R, the unnamed sets count as accepted (code P)', async () => {
    await sendSets(db, [
      { deliveryId: 'dlv_1', gs06: '9', st02: '0001' },
      { deliveryId: 'dlv_2', gs06: '9', st02: '0002' },
      { deliveryId: 'dlv_3', gs06: '9', st02: '0003' },
    ]);
    await new AckTracker(db, 'msg_ack').track(
      ackSet('ST*997*0001~AK1*PR*9~AK2*855*0002~AK5*R*5~AK9*P*3*3*2~SE*6*0001~'),
    );
    expect(await row(db, 'dlv_1')).toMatchObject({ status: 'accepted', ackCode: 'P' });
    expect(await row(db, 'dlv_2')).toMatchObject({ status: 'rejected', ackCode: 'R' });
    expect(await row(db, 'dlv_3')).toMatchObject({ status: 'accepted', ackCode: 'P' });
  });

  test('a group rejected as a whole rejects even a set its AK5 accepted, with the group codes', async () => {
    await sendSets(db, [
      { deliveryId: 'dlv_1', gs06: '12', st02: '0001' },
      { deliveryId: 'dlv_2', gs06: '12', st02: '0002' },
    ]);
    await new AckTracker(db, 'msg_ack').track(
      ackSet('ST*997*0001~AK1*PR*12~AK2*855*0001~AK5*A~AK9*R*3*2*0*5~SE*6*0001~'),
    );
    const groupErrors = {
      group: [
        { code: '5', text: 'number of included transaction sets does not match actual count' },
      ],
    };
    expect(await row(db, 'dlv_1')).toMatchObject({
      status: 'rejected',
      ackCode: 'R',
      ackErrors: groupErrors,
    });
    expect(await row(db, 'dlv_2')).toMatchObject({
      status: 'rejected',
      ackCode: 'R',
      ackErrors: groupErrors,
    });
  });

  test('a 999 IK5 with implementation codes: R, and M, W, X also count as rejected', async () => {
    await sendSets(db, [
      { deliveryId: 'dlv_r', gs06: '30', st02: '0001', transactionSet: '810', functionalId: 'IN' },
      { deliveryId: 'dlv_m', gs06: '30', st02: '0002', transactionSet: '810', functionalId: 'IN' },
      { deliveryId: 'dlv_w', gs06: '30', st02: '0003', transactionSet: '810', functionalId: 'IN' },
      { deliveryId: 'dlv_x', gs06: '30', st02: '0004', transactionSet: '810', functionalId: 'IN' },
      { deliveryId: 'dlv_e', gs06: '30', st02: '0005', transactionSet: '810', functionalId: 'IN' },
    ]);
    const result = await new AckTracker(db, 'msg_999').track(
      ackSet(
        'ST*999*0001*005010X231A1~AK1*IN*30*005010~' +
          'AK2*810*0001~IK3*IT1*3*IT1*8~CTX*SITUATIONAL TRIGGER*IT1*3~IK4*2**I12*AB~IK5*R*I5~' +
          'AK2*810*0002~IK5*M~AK2*810*0003~IK5*W~AK2*810*0004~IK5*X~' +
          'AK2*810*0005~IK3*REF*5**I4~IK5*E*I5~AK9*P*5*5*1~SE*19*0001~',
        '005010',
      ),
    );
    expect(result.flagged).toEqual([]);
    expect(result.applied.map((a) => [a.deliveryId, a.status, a.code])).toEqual([
      ['dlv_r', 'rejected', 'R'],
      ['dlv_m', 'rejected', 'M'],
      ['dlv_w', 'rejected', 'W'],
      ['dlv_x', 'rejected', 'X'],
      ['dlv_e', 'accepted-with-errors', 'E'],
    ]);
    expect((await row(db, 'dlv_r')).ackErrors).toEqual({
      set: [{ code: 'I5', text: 'implementation: one or more segments in error' }],
      segments: [
        {
          segmentId: 'IT1',
          position: 3,
          loopId: 'IT1',
          code: { code: '8', text: 'segment has data element errors' },
          elements: [
            {
              position: 2,
              code: { code: 'I12', text: 'implementation pattern match failure' },
              badValue: 'AB',
            },
          ],
        },
      ],
    });
    expect((await row(db, 'dlv_e')).ackErrors?.segments?.[0]?.code).toEqual({
      code: 'I4',
      text: 'implementation "not used" segment present',
    });
  });

  test('an unknown group, a set not in the group and a wrong set id are flagged, nothing changes', async () => {
    await sendSets(db, [{ deliveryId: 'dlv_1', gs06: '50', st02: '0001' }]);
    const tracker = new AckTracker(db, 'msg_ack');
    const unknownGroup = await tracker.track(
      ackSet('ST*997*0001~AK1*PR*999~AK2*855*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~'),
    );
    expect(unknownGroup).toEqual({
      gs06: '999',
      applied: [],
      flagged: [
        {
          st02: '0001',
          reason: 'no functional group with GS06 999 was sent to globex-retail',
        },
      ],
    });
    const notInGroup = await tracker.track(
      ackSet('ST*997*0002~AK1*PR*50~AK2*855*0009~AK5*A~AK2*810*0001~AK5*A~AK9*A*2*2*2~SE*8*0002~'),
    );
    expect(notInGroup.applied).toEqual([]);
    expect(notInGroup.flagged.map((f) => f.reason)).toEqual([
      'group 50 (PR) sent to globex-retail has no transaction set with ST02 0009',
      'ST02 0001 of group 50 (PR) is a 855, the ack names a 810',
    ]);
    const wrongGroupKind = await tracker.track(
      ackSet('ST*997*0003~AK1*IN*50~AK9*A*1*1*1~SE*4*0003~'),
    );
    expect(wrongGroupKind.flagged).toEqual([
      { reason: 'GS06 50 was sent to globex-retail as a PR group, not IN' },
    ]);
    expect(await row(db, 'dlv_1')).toMatchObject({ status: 'sent', ackMessageId: null });
    const flags = (await timeline(db, 'msg_ack')).filter((e) => e.stage === 'x12.ack.flagged');
    expect(flags).toHaveLength(4);
    expect(flags[0]!.detail).toEqual({
      ack: '997 0001',
      gs06: '999',
      st02: '0001',
      reason: 'no functional group with GS06 999 was sent to globex-retail',
    });
  });

  test('a second ack for a set is flagged and the first verdict kept; a retried job repeats nothing', async () => {
    await sendSets(db, [{ deliveryId: 'dlv_1', gs06: '60', st02: '0001' }]);
    const accepted = ackSet('ST*997*0001~AK1*PR*60~AK2*855*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~');
    const rejected = ackSet('ST*997*0002~AK1*PR*60~AK2*855*0001~AK5*R*5~AK9*R*1*1*0~SE*6*0002~');
    await new AckTracker(db, 'msg_first').track(accepted);

    const second = await new AckTracker(db, 'msg_second').track(rejected);
    expect(second.applied).toEqual([]);
    expect(second.flagged).toEqual([
      {
        deliveryId: 'dlv_1',
        st02: '0001',
        reason:
          'ST02 0001 of group 60 (PR) was already acknowledged (accepted, code A) by msg_first; the first verdict is kept',
      },
    ]);
    expect(await row(db, 'dlv_1')).toMatchObject({
      status: 'accepted',
      ackCode: 'A',
      ackMessageId: 'msg_first',
    });

    // The first message processed again (its job retried): same answer, no new entries.
    const before = [...(await timeline(db, 'msg_first')), ...(await timeline(db, 'msg_out_60'))]
      .length;
    const again = await new AckTracker(db, 'msg_first').track(accepted);
    expect(again).toEqual({
      gs06: '60',
      applied: [{ deliveryId: 'dlv_1', st02: '0001', status: 'accepted', code: 'A' }],
      flagged: [],
    });
    const after = [...(await timeline(db, 'msg_first')), ...(await timeline(db, 'msg_out_60'))];
    expect(after).toHaveLength(before);
  });

  test('two acks for one set in the same message: the second is flagged, also when retried', async () => {
    await sendSets(db, [{ deliveryId: 'dlv_1', gs06: '61', st02: '0001' }]);
    const first = ackSet('ST*997*0001~AK1*PR*61~AK2*855*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~');
    const second = ackSet('ST*997*0002~AK1*PR*61~AK2*855*0001~AK5*R~AK9*R*1*1*0~SE*6*0002~');
    for (let run = 0; run < 2; run++) {
      const tracker = new AckTracker(db, 'msg_both');
      expect((await tracker.track(first)).applied).toHaveLength(1);
      const repeated = await tracker.track(second);
      expect(repeated.applied).toEqual([]);
      expect(repeated.flagged[0]!.reason).toMatch(/already acknowledged by an earlier ack/);
    }
    expect(await row(db, 'dlv_1')).toMatchObject({ status: 'accepted', ackCode: 'A' });
  });

  test('an ack from another partner than the one the group went to is a partner mismatch', async () => {
    await sendSets(db, [{ deliveryId: 'dlv_1', gs06: '70', st02: '0001' }]);
    const result = await new AckTracker(db, 'msg_ack').track(
      ackSet(
        'ST*997*0001~AK1*PR*70~AK2*855*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~',
        '004010',
        'initech',
      ),
    );
    expect(result.applied).toEqual([]);
    expect(result.flagged).toEqual([
      {
        st02: '0001',
        reason:
          'partner mismatch: GS06 70 ST02 0001 was sent to globex-retail, but initech acknowledged it',
      },
    ]);
    expect(await row(db, 'dlv_1')).toMatchObject({ status: 'sent', ackMessageId: null });
  });

  test('a malformed 997 is flagged with its errors and applied to nothing', async () => {
    await sendSets(db, [{ deliveryId: 'dlv_1', gs06: '80', st02: '0001' }]);
    const result = await new AckTracker(db, 'msg_bad').track(
      ackSet('ST*997*0001~AK1*PR*80~AK2*855*0001~AK5*Q~SE*5*0001~'),
    );
    expect(result.applied).toEqual([]);
    expect(result.gs06).toBe('80');
    expect(result.flagged).toHaveLength(1);
    expect(result.flagged[0]!.reason).toMatch(
      /^the 997 has syntax errors \(.*AK501.*invalid code value.*AK9 at segment \d+: required segment missing.*\); it is not matched to anything$/,
    );
    expect(await row(db, 'dlv_1')).toMatchObject({ status: 'sent' });
    expect((await timeline(db, 'msg_bad')).map((e) => e.stage)).toEqual(['x12.ack.flagged']);
  });

  test('a 999 in a 004010 group cannot be validated and is flagged', async () => {
    const result = await new AckTracker(db, 'msg_999').track({
      partnerId: 'globex-retail',
      setId: '999',
      controlNumber: '0001',
      version: '004010',
      tree: undefined,
      segmentErrors: [],
      setErrors: ['1'],
    });
    expect(result.flagged).toEqual([
      {
        reason:
          'the 999 was not validated: there is no 999 schema for version 004010; it is not matched to anything',
      },
    ]);
  });

  test('AK102 with leading zeros finds our GS06; a late ack is applied and noted late', async () => {
    await sendSets(db, [
      { deliveryId: 'dlv_1', gs06: '90', st02: '0001', ackDueAt: '2020-01-01T00:00:00Z' },
    ]);
    expect((await row(db, 'dlv_1')).isOverdue).toBe(true);
    const result = await new AckTracker(db, 'msg_ack').track(
      ackSet('ST*997*0001~AK1*PR*000000090~AK9*A*1*1*1~SE*4*0001~'),
    );
    expect(result.applied).toHaveLength(1);
    expect(await row(db, 'dlv_1')).toMatchObject({ status: 'accepted', isOverdue: false });
    expect((await timeline(db, 'msg_out_90'))[0]!.detail).toMatchObject({ late: true });
  });

  test('a group of 150 sets answered as a whole settles them all and lists the first 100', async () => {
    const sets = Array.from({ length: 150 }, (_, i) => ({
      deliveryId: `dlv_${String(i).padStart(3, '0')}`,
      gs06: '120',
      st02: String(i + 1).padStart(4, '0'),
    }));
    await sendSets(db, sets);
    const result = await new AckTracker(db, 'msg_big').track(
      ackSet('ST*997*0001~AK1*PR*120~AK9*A*150*150*150~SE*4*0001~'),
    );
    expect(result.applied).toHaveLength(100);
    expect(result.appliedCount).toBe(150);
    const [counted] = await db.query<{ accepted: number }>(
      `SELECT count(*)::integer AS accepted FROM x12_outbound_sets
       WHERE gs06 = '120' AND status = 'accepted' AND ack_message_id = 'msg_big'`,
    );
    expect(counted!.accepted).toBe(150);
  });

  test('an ack of acknowledgments (AK101 FA) is flagged, never matched', async () => {
    await sendSets(db, [
      { deliveryId: 'dlv_1', gs06: '95', st02: '0001', transactionSet: '997', functionalId: 'FA' },
    ]);
    const result = await new AckTracker(db, 'msg_ack').track(
      ackSet('ST*997*0001~AK1*FA*95~AK9*A*1*1*1~SE*4*0001~'),
    );
    expect(result.applied).toEqual([]);
    expect(result.flagged[0]!.reason).toMatch(/X12 acks are not acknowledged/);
    expect(await row(db, 'dlv_1')).toMatchObject({ status: 'sent' });
  });
});

describe('reading a 997', () => {
  test('AK9 E: unnamed sets are accepted with errors when the group carries the error codes', () => {
    const withGroupCodes = ackSet('ST*997*0001~AK1*PR*1~AK9*E*2*2*2*5~SE*4*0001~');
    expect(readFunctionalAck(withGroupCodes.tree!, '997', '004010').otherSets).toEqual({
      status: 'accepted-with-errors',
      code: 'E',
      errors: {
        group: [
          { code: '5', text: 'number of included transaction sets does not match actual count' },
        ],
      },
    });
  });

  test('AK9 E whose errors are the named sets leaves the unnamed sets accepted', () => {
    const namedErrors = ackSet('ST*997*0001~AK1*PR*1~AK2*855*0001~AK5*E~AK9*E*2*2*2~SE*6*0001~');
    const reading = readFunctionalAck(namedErrors.tree!, '997', '004010');
    expect(reading.namedSets[0]!.verdict.status).toBe('accepted-with-errors');
    expect(reading.otherSets).toEqual({ status: 'accepted', code: 'E', errors: null });
  });

  test('718 code 19 means what its version says', () => {
    const old = ackSet('ST*997*0001~AK1*PR*1~AK2*855*0001~AK5*R*19~AK9*R*1*1*0~SE*6*0001~');
    const current = ackSet(
      'ST*997*0001~AK1*PR*1*005010~AK2*855*0001~AK5*R*19~AK9*R*1*1*0~SE*6*0001~',
      '005010',
    );
    expect(readFunctionalAck(old.tree!, '997', '004010').namedSets[0]!.verdict.errors).toEqual({
      set: [
        { code: '19', text: 'S1E security end segment missing for S1S security start segment' },
      ],
    });
    expect(readFunctionalAck(current.tree!, '997', '005010').namedSets[0]!.verdict.errors).toEqual({
      set: [{ code: '19', text: 'invalid transaction set implementation convention reference' }],
    });
  });
});
