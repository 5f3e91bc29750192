import { createHash } from 'node:crypto';
import { newCorrelationId, newMessageId } from '../src/store/ids';
import {
  startTestGateway,
  stopTestGateway,
  TEST_X12_KEY,
  type TestGateway,
} from './support/gateway';

const PARTNER = 'globex-retail';

/**
 * An interchange from the test partner to us holding one group of `sets` (ST..SE, SE01
 * counted here), as a retailer's translator sends its 997s.
 */
function partnerInterchange(
  isa13: number,
  group: { gs01: string; gs06: string; version?: string },
  sets: string[][],
): string {
  const control = String(isa13).padStart(9, '0');
  const body = sets.map((segments, index) => {
    const st02 = String(index + 1).padStart(4, '0');
    return [`ST*997*${st02}`, ...segments, `SE*${segments.length + 2}*${st02}`].join('~');
  });
  return (
    [
      `ISA*00*          *00*          *ZZ*GLOBEXRETAIL   *ZZ*ACMESUPPLY     *240312*0917*U*00401*${control}*0*P*>`,
      `GS*${group.gs01}*GLOBEXRETAIL*ACMESUPPLY*20240312*0917*${group.gs06}*X*${group.version ?? '004010'}`,
      ...body,
      `GE*${sets.length}*${group.gs06}`,
      `IEA*1*${control}`,
    ].join('~') + '~'
  );
}

async function postX12(gateway: TestGateway, body: string): Promise<string> {
  const response = await fetch(`${gateway.url}/edi/x12`, {
    method: 'POST',
    headers: { 'content-type': 'application/edi-x12', 'x-api-key': TEST_X12_KEY },
    body,
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { messageId: string }).messageId;
}

async function waitForProcessed(gateway: TestGateway, messageId: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const message = await gateway.store.getMessage(messageId);
    if (message && ['processed', 'rejected', 'unroutable'].includes(message.status)) return message;
    if (Date.now() > deadline) throw new Error(`message ${messageId} stayed ${message?.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function getJson<T>(
  gateway: TestGateway,
  path: string,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway.url}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

interface OutboundSetView {
  deliveryId: string;
  status: string;
  isOverdue: boolean;
  ackCode: string | null;
  ackMessageId: string | null;
  ackErrors: unknown;
  links: Record<string, string>;
}

describe('X12 acknowledgment tracking', () => {
  let gateway: TestGateway;
  let interchangeId: string;

  beforeAll(async () => {
    gateway = await startTestGateway({ webhookUrl: 'http://127.0.0.1:9/unused' });
    // As the outbound adapter leaves them: one interchange carrying group 501 (two 855s, one
    // of them already past its ack window) and group 502 (an 810 past its window).
    interchangeId = newMessageId();
    const raw = Buffer.from('ISA*00*...stands for the interchange we sent~');
    await gateway.store.insertMessages(
      [
        {
          id: interchangeId,
          direction: 'outbound',
          protocol: 'x12',
          partnerId: PARTNER,
          documentKind: '855,810',
          contentType: 'application/edi-x12',
          raw,
          sha256: createHash('sha256').update(raw).digest('hex'),
          correlationId: newCorrelationId(),
          businessKey: null,
        },
      ],
      'created',
    );
    const sets = [
      ['dlv_t1', '855', 'PR', '501', '0001', "now() + interval '24 hours'"],
      ['dlv_t2', '855', 'PR', '501', '0002', "now() - interval '1 hour'"],
      ['dlv_t3', '810', 'IN', '502', '0003', "now() - interval '2 hours'"],
    ];
    for (const [deliveryId, setId, gs01, gs06, st02, due] of sets) {
      await gateway.store.db.query(
        `INSERT INTO x12_outbound_sets (delivery_id, partner_id, transaction_set, functional_id,
                version, correlation_id, message_id, isa13, gs06, st02, status, sent_at, ack_due_at)
         VALUES ($1, $2, $3, $4, '004010', 'cor_ack_test', $5, '000000301', $6, $7, 'sent',
                 now() - interval '3 hours', ${due})`,
        [deliveryId, PARTNER, setId, gs01, interchangeId, gs06, st02],
      );
    }
  });
  afterAll(async () => {
    await stopTestGateway(gateway);
  });

  test('before any ack, the overdue sets are listed and counted', async () => {
    const { body } = await getJson<{ sets: OutboundSetView[] }>(
      gateway,
      `/api/v1/x12/outbound-sets?partner=${PARTNER}&overdue=true`,
    );
    expect(body.sets.map((s) => s.deliveryId)).toEqual(['dlv_t2', 'dlv_t3']);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toContain(`crossdock_x12_outbound_overdue{partner="${PARTNER}"} 2\n`);
  });

  test("the partner's 997 settles the sets it names; the API, the timeline and /metrics show it", async () => {
    const messageId = await postX12(
      gateway,
      partnerInterchange(7001, { gs01: 'FA', gs06: '9001' }, [
        [
          'AK1*PR*501',
          'AK2*855*0001',
          'AK5*A',
          'AK2*855*0002',
          'AK3*PO1*3*PO1*8',
          'AK4*2**7*ZZ',
          'AK5*R*5',
          'AK9*P*2*2*1',
        ],
      ]),
    );
    const message = await waitForProcessed(gateway, messageId);
    expect(message.status).toBe('processed');
    // X12: an acknowledgment is never acknowledged.
    expect(await gateway.store.getAnswers(messageId)).toEqual([]);

    const accepted = await getJson<OutboundSetView>(gateway, '/api/v1/x12/outbound-sets/dlv_t1');
    expect(accepted.body).toMatchObject({
      status: 'accepted',
      ackCode: 'A',
      ackMessageId: messageId,
      isOverdue: false,
      links: {
        interchange: `/api/v1/messages/${interchangeId}`,
        ack: `/api/v1/messages/${messageId}`,
      },
    });
    const rejected = await getJson<OutboundSetView>(gateway, '/api/v1/x12/outbound-sets/dlv_t2');
    expect(rejected.body).toMatchObject({ status: 'rejected', ackCode: 'R', isOverdue: false });
    expect(rejected.body.ackErrors).toEqual({
      set: [{ code: '5', text: 'one or more segments in error' }],
      segments: [
        {
          segmentId: 'PO1',
          position: 3,
          loopId: 'PO1',
          code: { code: '8', text: 'segment has data element errors' },
          elements: [
            { position: 2, code: { code: '7', text: 'invalid code value' }, badValue: 'ZZ' },
          ],
        },
      ],
    });

    const overdue = await getJson<{ sets: OutboundSetView[] }>(
      gateway,
      '/api/v1/x12/outbound-sets?overdue=true',
    );
    expect(overdue.body.sets.map((s) => s.deliveryId)).toEqual(['dlv_t3']);

    const interchange = await getJson<{ timeline: Array<{ stage: string; detail: unknown }> }>(
      gateway,
      `/api/v1/messages/${interchangeId}`,
    );
    expect(interchange.body.timeline.filter((t) => t.stage === 'x12.acknowledged')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({ deliveryId: 'dlv_t1', status: 'accepted' }),
      }),
      expect.objectContaining({
        detail: expect.objectContaining({ deliveryId: 'dlv_t2', status: 'rejected', late: true }),
      }),
    ]);

    const metrics = await fetch(`${gateway.url}/metrics`);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await metrics.text();
    expect(text).toContain('# TYPE crossdock_x12_outbound_overdue gauge\n');
    expect(text).toContain(`crossdock_x12_outbound_overdue{partner="${PARTNER}"} 1\n`);
    expect(text).toContain(
      `crossdock_x12_outbound_sets{partner="${PARTNER}",status="accepted"} 1\n`,
    );
    expect(text).toContain(
      `crossdock_x12_outbound_sets{partner="${PARTNER}",status="rejected"} 1\n`,
    );
    expect(text).toContain(`crossdock_x12_outbound_sets{partner="${PARTNER}",status="sent"} 1\n`);
  });

  test('a second ack for the same sets is stored and flagged, and the first verdicts stand', async () => {
    const messageId = await postX12(
      gateway,
      partnerInterchange(7002, { gs01: 'FA', gs06: '9002' }, [['AK1*PR*501', 'AK9*R*2*2*0']]),
    );
    const message = await waitForProcessed(gateway, messageId);
    expect(message.status).toBe('processed');
    expect(message.summary).toMatchObject({ flaggedAcks: 2 });
    const timeline = await gateway.store.getTimeline(messageId);
    const flags = timeline.filter((t) => t.stage === 'x12.ack.flagged');
    expect(flags.map((f) => (f.detail as { deliveryId: string }).deliveryId)).toEqual([
      'dlv_t1',
      'dlv_t2',
    ]);
    const { body } = await getJson<OutboundSetView>(gateway, '/api/v1/x12/outbound-sets/dlv_t1');
    expect(body).toMatchObject({ status: 'accepted', ackCode: 'A' });
  });

  test('a 997 for a group we never sent is flagged; one in a non-FA group is not answered either', async () => {
    const messageId = await postX12(
      gateway,
      partnerInterchange(7003, { gs01: 'PO', gs06: '9003' }, [['AK1*PR*777', 'AK9*A*1*1*1']]),
    );
    const message = await waitForProcessed(gateway, messageId);
    expect(message.summary).toMatchObject({ flaggedAcks: 1 });
    expect(await gateway.store.getAnswers(messageId)).toEqual([]);
    const [flag] = (await gateway.store.getTimeline(messageId)).filter(
      (t) => t.stage === 'x12.ack.flagged',
    );
    expect(flag?.detail).toMatchObject({
      reason: `no functional group with GS06 777 was sent to ${PARTNER}`,
    });
  });

  test('the list pages with an opaque cursor and refuses a bad query', async () => {
    const seen: string[] = [];
    let path: string | null = '/api/v1/x12/outbound-sets?limit=1';
    while (path) {
      const page: { body: { sets: OutboundSetView[]; next: string | null } } = await getJson(
        gateway,
        path,
      );
      seen.push(...page.body.sets.map((s) => s.deliveryId));
      path = page.body.next;
    }
    expect(seen).toEqual(['dlv_t1', 'dlv_t2', 'dlv_t3']);

    const rejected = await getJson<{ sets: OutboundSetView[] }>(
      gateway,
      '/api/v1/x12/outbound-sets?status=rejected',
    );
    expect(rejected.body.sets.map((s) => s.deliveryId)).toEqual(['dlv_t2']);

    for (const query of ['status=lost', 'overdue=yes', 'limit=0', 'cursor=not-a-cursor']) {
      const response = await fetch(`${gateway.url}/api/v1/x12/outbound-sets?${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const missing = await fetch(`${gateway.url}/api/v1/x12/outbound-sets/dlv_nope`);
    expect(missing.status).toBe(404);
  });
});
