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

async function waitUntil<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('an ordered subscription', () => {
  const other = new WebhookSink();
  const ordered = new WebhookSink();
  let gateway: TestGateway;

  beforeAll(async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'crossdock-home-'));
    const otherUrl = await other.start();
    writeTestPartners(home, otherUrl);
    writeFileSync(
      path.join(home, 'partners', 'ordered-app.yaml'),
      `id: ordered-app
name: An app that needs each order's events in order
outbound:
  channel: webhook
  webhook:
    url: ${await ordered.start()}
    secret: \${TEST_WEBHOOK_SECRET}
    timeoutMs: 2000
  retry: { attempts: 10, baseDelayMs: 100, maxDelayMs: 400 }
subscriptions:
  - events: [com.crossdock.purchase-order]
    ordered: true
`,
    );
    gateway = await startTestGateway({ webhookUrl: otherUrl, home });
  }, 120_000);
  afterAll(async () => {
    await stopTestGateway(gateway);
    await Promise.all([other.stop(), ordered.stop()]);
  });

  /** Posts a version of a PO and waits until its event is recorded, so versions are in order. */
  async function postVersion(poNumber: string): Promise<string> {
    const response = await fetch(`${gateway.url}/api/v1/purchase-orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify({ ...examplePo, poNumber }),
    });
    expect(response.status).toBe(202);
    const { messageId } = (await response.json()) as { messageId: string };
    await waitUntil(async () =>
      (await gateway.store.getMessage(messageId))?.status === 'processed' ? true : undefined,
    );
    return messageId;
  }

  const eventIdOf = (messageId: string) => `evt_${messageId.slice(4)}_1`;
  /** The status the receiver answered each request with, by its index. */
  const answered: number[] = [];
  const requestsFor = (poNumber: string) =>
    ordered.received
      .map((r, index) => ({ r, index }))
      .filter(({ r }) => r.body.includes(`"${poNumber}"`))
      .map(({ r, index }) => ({ eventId: r.headers['webhook-id'], answered: answered[index] }));
  /** The first event id the receiver sees for a PO: its first version, whatever its id. */
  const firstSeen = new Map<string, string>();
  const noteFirst = (body: string, eventId: string) => {
    for (const po of ['PO-ORD-A', 'PO-ORD-C'])
      if (body.includes(`"${po}"`) && !firstSeen.has(po)) firstSeen.set(po, eventId);
  };

  test("delivers one subject's events in order while its first one is retried; other subjects are not held", async () => {
    let failuresLeft = 2;
    ordered.responder = (request, index) => {
      const eventId = String(request.headers['webhook-id']);
      noteFirst(request.body, eventId);
      // The first version fails twice, and until the other subject got through.
      const bGotThrough = ordered.received.some((r) => r.body.includes('"PO-ORD-B"'));
      const isFirst = eventId === firstSeen.get('PO-ORD-A');
      answered[index] = isFirst && (failuresLeft-- > 0 || !bGotThrough) ? 503 : 204;
      return { status: answered[index]! };
    };
    const first = eventIdOf(await postVersion('PO-ORD-A'));
    const second = eventIdOf(await postVersion('PO-ORD-A'));
    const third = eventIdOf(await postVersion('PO-ORD-A'));
    const other = eventIdOf(await postVersion('PO-ORD-B'));

    await waitUntil(async () =>
      requestsFor('PO-ORD-A').filter((r) => r.answered === 204).length === 3 ? true : undefined,
    );
    const sequence = requestsFor('PO-ORD-A');
    // Every request for version 1 comes first, failures then its success, then 2, then 3.
    expect(sequence.map((r) => r.eventId)).toEqual([
      ...sequence.filter((r) => r.eventId === first).map(() => first),
      second,
      third,
    ]);
    expect(sequence.filter((r) => r.eventId === first).length).toBeGreaterThanOrEqual(3);
    expect(sequence.slice(-3).map((r) => r.answered)).toEqual([204, 204, 204]);
    // PO-ORD-B, recorded after all of them, was not held back by PO-ORD-A's retries.
    expect(requestsFor('PO-ORD-B').map((r) => r.eventId)).toEqual([other]);
  }, 90_000);

  test('a dead earlier delivery does not hold back the later ones of its subject', async () => {
    ordered.responder = (request, index) => {
      const eventId = String(request.headers['webhook-id']);
      noteFirst(request.body, eventId);
      answered[index] = eventId === firstSeen.get('PO-ORD-C') ? 400 : 204;
      return { status: answered[index]! };
    };
    const firstMessage = await postVersion('PO-ORD-C');
    const secondMessage = await postVersion('PO-ORD-C');
    await waitUntil(async () => {
      const d = (await gateway.store.getDeliveriesOfMessage(secondMessage)).find(
        (delivery) => delivery.destination === 'ordered-app',
      );
      return d?.status === 'delivered' ? d : undefined;
    });
    const [dead] = (await gateway.store.getDeliveriesOfMessage(firstMessage)).filter(
      (d) => d.destination === 'ordered-app',
    );
    expect(dead).toMatchObject({ status: 'dead', lastStatusCode: 400, orderKey: 'PO-ORD-C' });
  }, 90_000);
});
