/**
 * Inbound webhooks end to end: a storefront's order webhook, signed with Standard Webhooks by
 * the reference package, is verified over its raw bytes, stored, mapped by the shipped
 * mappings/maps/shopwave-order.yaml and becomes a canonical PurchaseOrder event. Forged,
 * stale, replayed, oversized and unmappable webhooks get what the issue says they should.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { startTestGateway, stopTestGateway, type TestGateway } from './support/gateway';

jest.setTimeout(60_000);

const SHOPWAVE_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const RETIRED_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const FORGE_SECRET = 'forge-shared-secret';
const MAX_BODY_BYTES = 64 * 1024;
const orderCreated = readFileSync(
  path.join(__dirname, 'fixtures/webhooks/shopwave-order-created.json'),
  'utf8',
);

function writePartners(home: string): void {
  const dir = path.join(home, 'partners');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'shopwave.yaml'),
    `id: shopwave
name: Shopwave
inbound:
  webhook:
    scheme: standard-webhooks
    secrets: ['\${TEST_SHOPWAVE_SECRET}', '\${TEST_SHOPWAVE_RETIRED_SECRET}']
    eventTypeFrom: { field: /type }
    events:
      order.created: { document: PurchaseOrder, map: shopwave-order }
`,
  );
  writeFileSync(
    path.join(dir, 'forge-market.yaml'),
    `id: forge-market
name: Forge Market (GitHub-style signatures, event type in a header)
inbound:
  webhook:
    scheme: github
    secrets: ['\${TEST_FORGE_SECRET}']
    eventTypeFrom: { header: X-Forge-Event }
    events:
      order: { document: PurchaseOrder, map: shopwave-order }
`,
  );
  writeFileSync(
    path.join(dir, 'unsigned-app.yaml'),
    `id: unsigned-app
name: An app whose secret nobody exported
inbound:
  webhook:
    scheme: standard-webhooks
    secrets: ['\${TEST_NEVER_SET_SECRET}']
    document: PurchaseOrder
    map: shopwave-order
`,
  );
}

let gateway: TestGateway | undefined;

beforeAll(async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'crossdock-webhooks-'));
  writePartners(home);
  gateway = await startTestGateway({
    webhookUrl: 'http://127.0.0.1:9/unused',
    home,
    env: {
      TEST_SHOPWAVE_SECRET: SHOPWAVE_SECRET,
      TEST_SHOPWAVE_RETIRED_SECRET: RETIRED_SECRET,
      TEST_FORGE_SECRET: FORGE_SECRET,
      CROSSDOCK_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    },
  });
});
afterAll(() => stopTestGateway(gateway));

function withPoNumber(poNumber: string): string {
  return orderCreated.replace('"SW-1042"', JSON.stringify(poNumber));
}

function standardWebhookHeaders(
  body: string,
  options: { id?: string; secret?: string; timestamp?: Date } = {},
): Record<string, string> {
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = options.timestamp ?? new Date();
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(options.secret ?? SHOPWAVE_SECRET).sign(id, timestamp, body),
  };
}

function post(source: string, body: string | Buffer, headers: Record<string, string>) {
  return fetch(`${gateway!.url}/webhooks/${source}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

async function waitUntil<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function messagesWithKey(businessKey: string): Promise<number> {
  const rows = await gateway!.store.db.query<{ count: string | number }>(
    'SELECT count(*) AS count FROM messages WHERE business_key = $1',
    [businessKey],
  );
  return Number(rows[0]!.count);
}

async function purchaseOrderEventOf(messageId: string) {
  await waitUntil(async () => {
    const message = await gateway!.store.getMessage(messageId);
    return message?.status === 'processed' ? message : undefined;
  });
  const events = await gateway!.store.getEventsOfMessage(messageId);
  expect(events).toHaveLength(1);
  return events[0]!;
}

test('a signed order is answered 202 once stored, and becomes a canonical PurchaseOrder event', async () => {
  const body = withPoNumber('SW-WH-1');
  const response = await post('shopwave', body, standardWebhookHeaders(body));
  expect(response.status).toBe(202);
  const receipt = (await response.json()) as { messageId: string; status: string };
  expect(receipt.status).toBe('accepted');
  expect(response.headers.get('location')).toBe(`/api/v1/messages/${receipt.messageId}`);
  expect(await gateway!.store.getMessage(receipt.messageId)).toMatchObject({
    protocol: 'webhook',
    partnerId: 'shopwave',
    documentKind: 'PurchaseOrder',
    businessKey: 'SW-WH-1',
  });
  expect((await gateway!.store.loadRaw(receipt.messageId))!.toString()).toBe(body);

  const event = await purchaseOrderEventOf(receipt.messageId);
  expect(event.type).toBe('com.crossdock.purchase-order');
  expect(event.subject).toBe('SW-WH-1');
  expect(event.envelope.data).toMatchObject({
    poNumber: 'SW-WH-1',
    orderDate: '2026-11-25',
    currency: 'USD',
    lines: [
      { lineNumber: '1', quantity: '2', productIds: [{ scheme: 'SKU', value: 'SW-KETTLE-2L' }] },
      { lineNumber: '2', quantity: '12', unitPrice: { value: '18.50' } },
    ],
    totals: { lineCount: 2, totalAmount: { value: '271.98' } },
  });
});

test('a signature with the secret being rotated out is still accepted', async () => {
  const body = withPoNumber('SW-WH-ROTATED');
  const response = await post(
    'shopwave',
    body,
    standardWebhookHeaders(body, { secret: RETIRED_SECRET }),
  );
  expect(response.status).toBe(202);
});

describe('refused as unverified: 401 with one body that says nothing of why', () => {
  const body = withPoNumber('SW-WH-FORGED');
  let reference: unknown;

  beforeAll(async () => {
    const response = await post('shopwave', body, {
      ...standardWebhookHeaders(body),
      'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    reference = await response.json();
  });

  test.each([
    [
      'a signature with another secret',
      () =>
        standardWebhookHeaders(body, {
          secret: 'whsec_' + Buffer.from('intruder-key-0123456789').toString('base64'),
        }),
      'shopwave',
    ],
    ['a tampered body', () => standardWebhookHeaders(withPoNumber('SW-WH-OTHER')), 'shopwave'],
    [
      'a stale timestamp',
      () => standardWebhookHeaders(body, { timestamp: new Date(Date.now() - 301_000) }),
      'shopwave',
    ],
    ['no signature headers', () => ({}), 'shopwave'],
    ['an unknown source', () => standardWebhookHeaders(body), 'no-such-partner'],
    ['a source whose secret is not set', () => standardWebhookHeaders(body), 'unsigned-app'],
  ])('%s', async (_what, headers, source) => {
    const response = await post(source, body, headers());
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(reference);
  });

  test('and nothing of them is stored', async () => {
    expect(await messagesWithKey('SW-WH-FORGED')).toBe(0);
  });
});

test('a replay of a delivery id is answered 200 duplicate and stores nothing', async () => {
  const body = withPoNumber('SW-WH-REPLAY');
  const headers = standardWebhookHeaders(body);
  const first = await post('shopwave', body, headers);
  expect(first.status).toBe(202);
  const again = await post('shopwave', body, headers);
  expect(again.status).toBe(200);
  expect(await again.json()).toEqual({ status: 'duplicate' });
  expect(await messagesWithKey('SW-WH-REPLAY')).toBe(1);
});

test('a body over the size limit is answered 413 problem+json', async () => {
  const body = JSON.stringify({ type: 'order.created', padding: 'x'.repeat(MAX_BODY_BYTES) });
  const response = await post('shopwave', body, standardWebhookHeaders(body));
  expect(response.status).toBe(413);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
});

test('an unmappable payload is stored as rejected and answered 422 with the reason', async () => {
  const order = JSON.parse(withPoNumber('SW-WH-UNMAPPABLE')) as { data: Record<string, unknown> };
  delete order.data.order_date;
  const body = JSON.stringify(order);
  const response = await post('shopwave', body, standardWebhookHeaders(body));
  expect(response.status).toBe(422);
  const problem = (await response.json()) as { detail: string; messageId: string };
  expect(problem.detail).toContain('/orderDate');
  expect(problem.detail).not.toContain(path.sep + 'mappings' + path.sep);
  const stored = await gateway!.store.getMessage(problem.messageId);
  expect(stored).toMatchObject({
    protocol: 'webhook',
    partnerId: 'shopwave',
    status: 'rejected',
    error: { reason: problem.detail },
  });
  expect((await gateway!.store.loadRaw(problem.messageId))!.toString()).toBe(body);
});

test('an event type with no map is stored as rejected and answered 422', async () => {
  const body = orderCreated.replace('"order.created"', '"order.refunded"');
  const response = await post('shopwave', body, standardWebhookHeaders(body));
  expect(response.status).toBe(422);
  const problem = (await response.json()) as { detail: string; messageId: string };
  expect(problem.detail).toContain('"order.refunded"');
  expect((await gateway!.store.getMessage(problem.messageId))?.status).toBe('rejected');
});

describe('GitHub-style signatures with the event type in a header', () => {
  const sign = (body: string) =>
    `sha256=${createHmac('sha256', FORGE_SECRET).update(body).digest('hex')}`;

  test('are verified, routed by the header, and replays dropped by X-GitHub-Delivery', async () => {
    const body = JSON.stringify(JSON.parse(withPoNumber('FORGE-1')));
    const headers = {
      'x-hub-signature-256': sign(body),
      'x-forge-event': 'order',
      'x-github-delivery': randomUUID(),
    };
    const response = await post('forge-market', body, headers);
    expect(response.status).toBe(202);
    const { messageId } = (await response.json()) as { messageId: string };
    expect((await purchaseOrderEventOf(messageId)).subject).toBe('FORGE-1');

    const replay = await post('forge-market', body, headers);
    expect(replay.status).toBe(200);
    expect(await messagesWithKey('FORGE-1')).toBe(1);

    const forged = await post('forge-market', body, {
      ...headers,
      'x-hub-signature-256': sign('{}'),
    });
    expect(forged.status).toBe(401);
  });
});
