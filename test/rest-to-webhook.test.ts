import { Webhook } from 'standardwebhooks';
import {
  startTestGateway,
  stopTestGateway,
  TEST_API_KEY,
  TEST_WEBHOOK_SECRET,
  type TestGateway,
} from './support/gateway';
import { exampleDocument } from './support/examples';
import { WebhookSink } from './support/webhook-sink';

const examplePo = exampleDocument('purchase-orders');

function postPo(gateway: TestGateway, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${gateway.url}/api/v1/purchase-orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${TEST_API_KEY}`,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
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

describe('REST purchase order in, signed webhook out', () => {
  const sink = new WebhookSink();
  let gateway: TestGateway;

  beforeAll(async () => {
    const url = await sink.start();
    gateway = await startTestGateway({ webhookUrl: url });
  });
  afterAll(async () => {
    await stopTestGateway(gateway);
    await sink.stop();
  });
  beforeEach(() => {
    sink.responder = () => ({ status: 204 });
  });

  test('answers 202 with a message id and Location only once the message is stored', async () => {
    const response = await postPo(gateway, examplePo);
    expect(response.status).toBe(202);
    const receipt = (await response.json()) as { messageId: string; correlationId: string };
    expect(receipt.messageId).toMatch(/^msg_[0-9A-Z]{26}$/);
    expect(response.headers.get('location')).toBe(`/api/v1/messages/${receipt.messageId}`);
    // Stored before the answer: the row exists the moment we hold the 202.
    const stored = await gateway.store.getMessage(receipt.messageId);
    expect(stored).toMatchObject({
      protocol: 'rest',
      partnerId: 'globex-retail',
      businessKey: examplePo.poNumber,
    });
    expect((await gateway.store.loadRaw(receipt.messageId))!.toString()).toBe(
      JSON.stringify(examplePo),
    );
  });

  test('delivers the purchase order to the subscriber as a Standard Webhooks-signed CloudEvent', async () => {
    const po = { ...examplePo, poNumber: 'PO-SIGNED-1' };
    const response = await postPo(gateway, po, { 'x-correlation-id': 'corr-4711' });
    const { messageId } = (await response.json()) as { messageId: string };
    const webhook = await sink.waitForBody('PO-SIGNED-1');
    const verified = new Webhook(TEST_WEBHOOK_SECRET).verify(
      webhook.body,
      webhook.headers as Record<string, string>,
    ) as Record<string, unknown>;
    expect(verified).toMatchObject({
      specversion: '1.0',
      type: 'com.crossdock.purchase-order',
      subject: 'PO-SIGNED-1',
      partnerid: 'globex-retail',
      messageid: messageId,
      correlationid: 'corr-4711',
      data: po,
    });
    expect(webhook.headers['webhook-id']).toBe(verified.id);

    const detail = await waitUntil(async () => {
      const res = await fetch(`${gateway.url}/api/v1/messages/${messageId}`);
      const body = (await res.json()) as {
        timeline: Array<{ stage: string }>;
        deliveries: Array<{ status: string }>;
      };
      return body.deliveries[0]?.status === 'delivered' ? body : undefined;
    });
    expect(detail.timeline.map((t) => t.stage)).toEqual([
      'received',
      'processed',
      'delivery.delivered',
    ]);
  });

  test('money stays exact: a 20-digit amount arrives at the subscriber digit for digit', async () => {
    const po = structuredClone(examplePo) as {
      poNumber: string;
      lines: Array<{ unitPrice?: { value?: string } }>;
    };
    po.poNumber = 'PO-EXACT';
    const line = po.lines[0]!;
    line.unitPrice = { ...line.unitPrice, value: '12345678901234567.89' };
    expect((await postPo(gateway, po)).status).toBe(202);
    const webhook = await sink.waitForBody('PO-EXACT');
    expect(webhook.body).toContain('"12345678901234567.89"');
  });

  test('retries a failing subscriber with backoff until it takes the event', async () => {
    let failuresLeft = 2;
    sink.responder = (request) =>
      request.body.includes('PO-RETRY') && failuresLeft-- > 0 ? { status: 503 } : { status: 204 };
    const response = await postPo(gateway, { ...examplePo, poNumber: 'PO-RETRY' });
    const { messageId } = (await response.json()) as { messageId: string };
    const delivery = await waitUntil(async () => {
      const [d] = await gateway.store.getDeliveriesOfMessage(messageId);
      return d?.status === 'delivered' ? d : undefined;
    });
    expect(delivery.attempts).toBe(3);
    const stages = (await gateway.store.getTimeline(messageId)).map((t) => t.stage);
    expect(stages).toEqual([
      'received',
      'processed',
      'delivery.retrying',
      'delivery.retrying',
      'delivery.delivered',
    ]);
  });

  test('a permanent refusal becomes a dead letter with its reason, and a replay delivers it', async () => {
    sink.responder = () => ({ status: 400 });
    const response = await postPo(gateway, { ...examplePo, poNumber: 'PO-DEAD' });
    const { messageId } = (await response.json()) as { messageId: string };
    const dead = await waitUntil(async () => {
      const [d] = await gateway.store.getDeliveriesOfMessage(messageId);
      return d?.status === 'dead' ? d : undefined;
    });
    expect(dead).toMatchObject({
      attempts: 1,
      lastStatusCode: 400,
      lastError: 'receiver answered HTTP 400',
    });
    const listed = (await (await fetch(`${gateway.url}/api/v1/deliveries?status=dead`)).json()) as {
      deliveries: Array<{ id: string }>;
    };
    expect(listed.deliveries.map((d) => d.id)).toContain(dead.id);

    sink.responder = () => ({ status: 200 });
    const replay = await fetch(`${gateway.url}/api/v1/deliveries/${dead.id}/replay`, {
      method: 'POST',
    });
    expect(replay.status).toBe(202);
    const delivered = await waitUntil(async () => {
      const d = await gateway.store.getDelivery(dead.id);
      return d?.status === 'delivered' ? d : undefined;
    });
    expect(delivered).toMatchObject({ attempts: 2, replays: 1 });
    const again = await fetch(`${gateway.url}/api/v1/deliveries/${dead.id}/replay`, {
      method: 'POST',
    });
    expect(again.status).toBe(409);
  });

  test('a bulk replay puts back every dead letter its filter matches, and only those', async () => {
    sink.responder = () => ({ status: 400 });
    const before = new Date().toISOString();
    const messageIds: string[] = [];
    for (const poNumber of ['PO-BULK-1', 'PO-BULK-2', 'PO-BULK-3']) {
      const response = await postPo(gateway, { ...examplePo, poNumber });
      messageIds.push(((await response.json()) as { messageId: string }).messageId);
    }
    const dead = await waitUntil(async () => {
      const found = await Promise.all(
        messageIds.map(async (id) => (await gateway.store.getDeliveriesOfMessage(id))[0]),
      );
      return found.every((d) => d?.status === 'dead') ? found.map((d) => d!.id) : undefined;
    });

    const bad = await fetch(`${gateway.url}/api/v1/deliveries/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ since: 'yesterday', colour: 'red' }),
    });
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer),
    ).toEqual(['#/since', '#/colour']);

    // A filter matching none of them (another destination) replays nothing.
    const none = await fetch(`${gateway.url}/api/v1/deliveries/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destination: 'northwind-retail', since: before }),
    });
    expect(await none.json()).toEqual({ replayed: 0, more: false });

    sink.responder = () => ({ status: 200 });
    const firstTwo = await fetch(`${gateway.url}/api/v1/deliveries/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destination: 'acme-erp', since: before, max: 2 }),
    });
    expect(firstTwo.status).toBe(202);
    expect(await firstTwo.json()).toEqual({ replayed: 2, more: true });
    const rest = await fetch(`${gateway.url}/api/v1/deliveries/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destination: 'acme-erp', since: before }),
    });
    expect(await rest.json()).toEqual({ replayed: 1, more: false });
    for (const id of dead) {
      const delivered = await waitUntil(async () => {
        const d = await gateway.store.getDelivery(id);
        return d?.status === 'delivered' ? d : undefined;
      });
      expect(delivered).toMatchObject({ replays: 1 });
    }
  });

  test('runs out of attempts into a dead letter when the subscriber keeps failing', async () => {
    sink.responder = () => ({ status: 500 });
    const { messageId } = (await (
      await postPo(gateway, { ...examplePo, poNumber: 'PO-EXHAUST' })
    ).json()) as { messageId: string };
    const dead = await waitUntil(async () => {
      const [d] = await gateway.store.getDeliveriesOfMessage(messageId);
      return d?.status === 'dead' ? d : undefined;
    });
    expect(dead).toMatchObject({ attempts: 4, lastStatusCode: 500 });
  });
});
