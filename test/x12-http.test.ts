import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readInterchangesSync } from '../src/x12/envelope';
import {
  startTestGateway,
  stopTestGateway,
  TEST_X12_KEY,
  TEST_X12_PASSWORD,
  type TestGateway,
} from './support/gateway';
import { WebhookSink } from './support/webhook-sink';

const fixture = (name: string) =>
  readFileSync(path.join(__dirname, 'fixtures', 'x12', name), 'utf8');
const basic850 = fixture('850-basic-004010.x12');

/** The same interchange under another ISA13/IEA02, so it is not a duplicate. */
function withControlNumber(x12: string, controlNumber: number): string {
  const number = String(controlNumber).padStart(9, '0');
  return x12.replace('*000004512*', `*${number}*`).replace('IEA*1*000004512', `IEA*1*${number}`);
}

async function postX12(
  gateway: TestGateway,
  body: string | Buffer,
  options: { query?: string; headers?: Record<string, string> } = {},
) {
  return fetch(`${gateway.url}/edi/x12${options.query ?? ''}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/edi-x12',
      'x-api-key': TEST_X12_KEY,
      ...options.headers,
    },
    body,
  });
}

async function waitForStatus(
  gateway: TestGateway,
  messageId: string,
  statuses = ['processed', 'rejected', 'unroutable'],
) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const message = await gateway.store.getMessage(messageId);
    if (message && statuses.includes(message.status)) return message;
    if (Date.now() > deadline) throw new Error(`message ${messageId} stayed ${message?.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function segmentsOf(x12: string): string[][] {
  const rows: string[][] = [];
  for (const item of readInterchangesSync(x12)) {
    if (item.kind === 'transaction') rows.push(...item.segments.map((s) => [s.id, ...s.elements]));
  }
  return rows;
}

describe('X12 over HTTP', () => {
  const sink = new WebhookSink();
  let gateway: TestGateway;
  let nextControlNumber = 100;

  beforeAll(async () => {
    gateway = await startTestGateway({ webhookUrl: await sink.start() });
  });
  afterAll(async () => {
    await stopTestGateway(gateway);
    await sink.stop();
  });

  test('an 850 is stored, answered 202 with its envelope summary, acknowledged with a 997 and delivered as a canonical PurchaseOrder', async () => {
    const x12 = withControlNumber(basic850, nextControlNumber++);
    const response = await postX12(gateway, x12);
    expect(response.status).toBe(202);
    const receipt = (await response.json()) as {
      messageId: string;
      interchanges: Array<{
        sender: string;
        groups: Array<{ functionalId: string; transactionSets: Array<{ setId: string }> }>;
      }>;
    };
    expect(receipt.interchanges[0]).toMatchObject({
      sender: 'ZZ/GLOBEXRETAIL',
      groups: [{ functionalId: 'PO', transactionSets: [{ setId: '850', controlNumber: '0001' }] }],
    });
    // The operator gets the bytes back exactly as posted.
    const raw = await fetch(`${gateway.url}/api/v1/messages/${receipt.messageId}/raw`);
    expect(raw.headers.get('content-type')).toMatch(/^application\/edi-x12/);
    expect(await raw.text()).toBe(x12);

    const message = await waitForStatus(gateway, receipt.messageId);
    expect(message.status).toBe('processed');
    const webhook = await sink.waitForBody('PO-2024-00871');
    const event = JSON.parse(webhook.body) as {
      type: string;
      subject: string;
      data: { poNumber: string; lines: unknown[] };
    };
    expect(event).toMatchObject({ type: 'com.crossdock.purchase-order', subject: 'PO-2024-00871' });
    expect(event.data.lines.length).toBeGreaterThan(0);

    const [ack] = await gateway.store.getAnswers(receipt.messageId);
    expect(ack).toMatchObject({
      direction: 'outbound',
      protocol: 'x12',
      partnerId: 'globex-retail',
      documentKind: '997',
    });
    const rows = segmentsOf(ack!.raw.toString());
    expect(rows.find((r) => r[0] === 'AK1')).toEqual(['AK1', 'PO', '4512']);
    expect(rows.find((r) => r[0] === 'AK5')).toEqual(['AK5', 'A']);
    expect(rows.find((r) => r[0] === 'AK9')).toEqual(['AK9', 'A', '1', '1', '1']);
  });

  test('?ack=sync answers 200 with the 997 itself; HTTP Basic works as the partner file says', async () => {
    const x12 = withControlNumber(basic850, nextControlNumber++);
    const basic = Buffer.from(`globex:${TEST_X12_PASSWORD}`).toString('base64');
    const response = await postX12(gateway, x12, {
      query: '?ack=sync',
      headers: { 'x-api-key': '', authorization: `Basic ${basic}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/edi-x12/);
    const body = await response.text();
    expect(body.startsWith('ISA*')).toBe(true);
    const rows = segmentsOf(body);
    expect(rows.map((r) => r[0])).toEqual(
      expect.arrayContaining(['ST', 'AK1', 'AK2', 'AK5', 'AK9', 'SE']),
    );
    expect(rows.find((r) => r[0] === 'ST')?.[1]).toBe('997');
  });

  test('a transaction set missing its BEG is rejected in the 997 with AK3 code 3; no event is made', async () => {
    const x12 = withControlNumber(basic850, nextControlNumber++)
      .replace(/BEG\*[^~]*~/, '')
      .replace(/SE\*(\d+)\*0001/, (_m, n: string) => `SE*${Number(n) - 1}*0001`);
    const response = await postX12(gateway, x12, { query: '?ack=sync' });
    expect(response.status).toBe(200);
    const rows = segmentsOf(await response.text());
    expect(rows.find((r) => r[0] === 'AK3')?.slice(0, 2)).toEqual(['AK3', 'BEG']);
    expect(rows.find((r) => r[0] === 'AK3')?.[4]).toBe('3');
    expect(rows.find((r) => r[0] === 'AK5')?.[1]).toBe('R');
    expect(rows.find((r) => r[0] === 'AK9')?.[1]).toBe('R');
  });

  test('the same interchange twice is a duplicate: recorded, answered with TA1 025, not processed again', async () => {
    const x12 = withControlNumber(basic850, nextControlNumber++);
    const first = (await (await postX12(gateway, x12)).json()) as { messageId: string };
    await waitForStatus(gateway, first.messageId);
    const again = await postX12(gateway, x12, { query: '?ack=sync' });
    expect(again.status).toBe(200);
    const ta1 = (await again.text()).split('~').find((s) => s.startsWith('TA1'));
    expect(ta1?.split('*').slice(4)).toEqual(['R', '025']);
    const messageId = again.headers.get('x-message-id')!;
    expect(await gateway.store.getEventsOfMessage(messageId)).toEqual([]);
    const summary = (await gateway.store.getMessage(messageId))!.summary as {
      interchanges: Array<{ status: string }>;
    };
    expect(summary.interchanges[0]!.status).toBe('duplicate');
  });

  test('bad input gets a clear answer and is kept: not X12 (400), unknown sender (403), bad credentials (401), too large (413)', async () => {
    const garbage = await postX12(gateway, Buffer.from([0x00, 0xff, 0x13, 0x37, 0x42]));
    expect(garbage.status).toBe(400);
    const garbageProblem = (await garbage.json()) as { type: string; messageId: string };
    expect(garbageProblem.type).toBe('https://crossdock.dev/problems/x12-unreadable');
    expect((await gateway.store.getMessage(garbageProblem.messageId))?.status).toBe('rejected');

    const stranger = await postX12(gateway, basic850.replace('GLOBEXRETAIL   ', 'STRANGER       '));
    expect(stranger.status).toBe(403);
    const strangerProblem = (await stranger.json()) as { messageId: string; detail: string };
    expect(strangerProblem.detail).toContain('ZZ/STRANGER');
    expect((await gateway.store.getMessage(strangerProblem.messageId))?.status).toBe('unroutable');

    expect((await postX12(gateway, basic850, { headers: { 'x-api-key': 'wrong' } })).status).toBe(
      401,
    );

    const huge = withControlNumber(basic850, nextControlNumber++).replace(
      /(PID\*F\*\*\*\*)/,
      `$1${'x'.repeat(250_000)}`,
    );
    const tooLarge = await postX12(gateway, huge);
    expect(tooLarge.status).toBe(413);
    const tooLargeProblem = (await tooLarge.json()) as { messageId: string };
    expect((await gateway.store.getMessage(tooLargeProblem.messageId))?.status).toBe('incomplete');
  });
});
