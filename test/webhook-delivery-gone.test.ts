import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startTestGateway,
  stopTestGateway,
  TEST_API_KEY,
  writeTestPartners,
  type TestGateway,
} from './support/gateway';
import { exampleDocument } from './support/examples';
import { WebhookSink } from './support/webhook-sink';

const examplePo = exampleDocument('purchase-orders');

async function postPo(gateway: TestGateway, poNumber: string): Promise<string> {
  const response = await fetch(`${gateway.url}/api/v1/purchase-orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    body: JSON.stringify({ ...examplePo, poNumber }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { messageId: string }).messageId;
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

interface EndpointView {
  partner: string;
  status: string;
  disabledAt: string | null;
  disabledReason: string | null;
  disabledByDelivery: string | null;
  circuit: { state: string };
}

describe('a subscriber that answers 410 Gone', () => {
  const other = new WebhookSink();
  const gone = new WebhookSink();
  let gateway: TestGateway;

  beforeAll(async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'crossdock-home-'));
    const otherUrl = await other.start();
    writeTestPartners(home, otherUrl);
    writeFileSync(
      path.join(home, 'partners', 'gone-app.yaml'),
      `id: gone-app
name: An app whose endpoint went away
outbound:
  channel: webhook
  webhook:
    url: ${await gone.start()}
    secret: \${TEST_WEBHOOK_SECRET}
    timeoutMs: 2000
  retry: { attempts: 4, baseDelayMs: 50, maxDelayMs: 200 }
subscriptions:
  - events: [com.crossdock.purchase-order]
`,
    );
    gateway = await startTestGateway({ webhookUrl: otherUrl, home });
  }, 120_000);
  afterAll(async () => {
    await stopTestGateway(gateway);
    await Promise.all([other.stop(), gone.stop()]);
  });

  const deliveryTo = async (messageId: string, destination: string) =>
    (await gateway.store.getDeliveriesOfMessage(messageId)).find(
      (d) => d.destination === destination,
    );
  const endpoints = async () => {
    const res = await fetch(`${gateway.url}/api/v1/endpoints`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { endpoints: EndpointView[] }).endpoints;
  };

  test('dead-letters the delivery, disables the endpoint, dead-letters later ones at once; enabling and replaying delivers them all', async () => {
    gone.responder = () => ({ status: 410 });
    expect((await endpoints()).find((e) => e.partner === 'gone-app')).toMatchObject({
      status: 'enabled',
      disabledAt: null,
      circuit: { state: 'closed' },
    });

    const first = await postPo(gateway, 'PO-GONE-1');
    const firstDead = await waitUntil(async () => {
      const d = await deliveryTo(first, 'gone-app');
      return d?.status === 'dead' ? d : undefined;
    });
    expect(firstDead).toMatchObject({ attempts: 1, lastStatusCode: 410 });
    expect(firstDead.lastError).toContain('410 Gone');

    const view = (await endpoints()).find((e) => e.partner === 'gone-app')!;
    expect(view).toMatchObject({ status: 'disabled', disabledByDelivery: firstDead.id });
    expect(view.disabledReason).toContain('410');
    // Only the 410 endpoint is disabled; the other subscriber is listed as enabled.
    expect((await endpoints()).find((e) => e.partner === 'acme-erp')?.status).toBe('enabled');

    const later = [await postPo(gateway, 'PO-GONE-2'), await postPo(gateway, 'PO-GONE-3')];
    for (const messageId of later) {
      const dead = await waitUntil(async () => {
        const d = await deliveryTo(messageId, 'gone-app');
        return d?.status === 'dead' ? d : undefined;
      });
      expect(dead.lastStatusCode).toBeNull();
      expect(dead.lastError).toContain('410 Gone');
      expect(dead.lastError).toContain(new Date(view.disabledAt!).toISOString());
      expect(dead.lastError).toContain(firstDead.id);
    }
    // Nothing more was sent to the disabled endpoint; the other subscriber got all three.
    expect(gone.received).toHaveLength(1);
    for (const po of ['PO-GONE-1', 'PO-GONE-2', 'PO-GONE-3']) await other.waitForBody(po);

    // Replaying while still disabled dead-letters it again, without a request.
    const replayTooEarly = await fetch(`${gateway.url}/api/v1/deliveries/${firstDead.id}/replay`, {
      method: 'POST',
    });
    expect(replayTooEarly.status).toBe(202);
    await waitUntil(async () => {
      const d = await gateway.store.getDelivery(firstDead.id);
      return d?.status === 'dead' && d.replays === 1 ? d : undefined;
    });
    expect(gone.received).toHaveLength(1);

    gone.responder = () => ({ status: 204 });
    const enabled = await fetch(`${gateway.url}/api/v1/endpoints/gone-app/enable`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replayDeadLetters: true }),
    });
    expect(enabled.status).toBe(200);
    const answer = (await enabled.json()) as {
      endpoint: EndpointView;
      wasDisabledAt: string;
      replayed: number;
    };
    expect(answer).toMatchObject({
      endpoint: { status: 'enabled', disabledAt: null },
      replayed: 3,
    });
    expect(new Date(answer.wasDisabledAt).toISOString()).toBe(
      new Date(view.disabledAt!).toISOString(),
    );
    for (const po of ['PO-GONE-1', 'PO-GONE-2', 'PO-GONE-3']) await gone.waitForBody(po);
    for (const messageId of [first, ...later]) {
      await waitUntil(async () => {
        const d = await deliveryTo(messageId, 'gone-app');
        return d?.status === 'delivered' ? d : undefined;
      });
    }
    expect((await endpoints()).find((e) => e.partner === 'gone-app')?.status).toBe('enabled');
    // New events flow again.
    const after = await postPo(gateway, 'PO-GONE-4');
    await gone.waitForBody('PO-GONE-4');
    await waitUntil(async () => {
      const d = await deliveryTo(after, 'gone-app');
      return d?.status === 'delivered' ? d : undefined;
    });
  }, 90_000);

  test('enabling an unknown endpoint is a 404; a malformed body a 400', async () => {
    const unknown = await fetch(`${gateway.url}/api/v1/endpoints/no-such-app/enable`, {
      method: 'POST',
    });
    expect(unknown.status).toBe(404);
    const malformed = await fetch(`${gateway.url}/api/v1/endpoints/gone-app/enable`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replayDeadLetters: 'yes' }),
    });
    expect(malformed.status).toBe(400);
  }, 90_000);
});
