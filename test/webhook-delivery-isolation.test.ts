import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** A real receiver that takes `delayMs` to answer `status`, and notes how many it held at once. */
class Receiver {
  delayMs = 0;
  status = 204;
  readonly arrivals: Array<{ poNumber: string; at: number }> = [];
  inFlight = 0;
  peakInFlight = 0;
  private server?: http.Server;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.inFlight++;
        this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          data: { poNumber: string };
        };
        this.arrivals.push({ poNumber: body.data.poNumber, at: Date.now() });
        setTimeout(() => {
          this.inFlight--;
          res.writeHead(this.status).end();
        }, this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

async function waitUntil<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function subscriberFile(id: string, url: string, webhookExtras: string): string {
  return `id: ${id}
name: ${id}
outbound:
  channel: webhook
  webhook:
    url: ${url}
    secret: \${TEST_WEBHOOK_SECRET}
    timeoutMs: 3000
${webhookExtras}
  retry: { attempts: 4, baseDelayMs: 50, maxDelayMs: 200 }
subscriptions:
  - events: [com.crossdock.purchase-order]
`;
}

describe('one slow and one failing subscriber do not hold up the others', () => {
  const fast = new WebhookSink();
  const slow = new Receiver();
  const failing = new Receiver();
  let gateway: TestGateway;
  const EVENTS = 20;

  beforeAll(async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'crossdock-home-'));
    const fastUrl = await fast.start();
    writeTestPartners(home, fastUrl);
    const partners = path.join(home, 'partners');
    writeFileSync(
      path.join(partners, 'slow-app.yaml'),
      subscriberFile('slow-app', await slow.start(), '    maxConcurrency: 2'),
    );
    writeFileSync(
      path.join(partners, 'failing-app.yaml'),
      subscriberFile(
        'failing-app',
        await failing.start(),
        '    circuitBreaker: { failureThreshold: 3, cooldownSeconds: 2 }',
      ),
    );
    // Few worker slots, so a receiver that held them would starve the others at once.
    gateway = await startTestGateway({
      webhookUrl: fastUrl,
      home,
      env: { CROSSDOCK_DELIVER_CONCURRENCY: '6' },
    });
  }, 120_000);
  afterAll(async () => {
    await stopTestGateway(gateway);
    await Promise.all([fast.stop(), slow.stop(), failing.stop()]);
  });

  const deliveriesTo = async (messageIds: string[], destination: string) =>
    (await Promise.all(messageIds.map((id) => gateway.store.getDeliveriesOfMessage(id))))
      .flat()
      .filter((d) => d.destination === destination);

  test('the fast subscriber gets every event while the slow one is still busy; the failing one opens its circuit and loses nothing', async () => {
    slow.delayMs = 2_000;
    failing.status = 503;
    const messageIds: string[] = [];
    for (let i = 1; i <= EVENTS; i++) {
      const response = await fetch(`${gateway.url}/api/v1/purchase-orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
        body: JSON.stringify({ ...examplePo, poNumber: `PO-ISO-${i}` }),
      });
      expect(response.status).toBe(202);
      messageIds.push(((await response.json()) as { messageId: string }).messageId);
    }

    await fast.waitFor(EVENTS, 15_000);
    // 20 events 2 at a time and 2 s each take the slow receiver 20 s. Had its deliveries held
    // the 6 worker slots, the fast receiver's would have queued behind them for as long; it
    // got all of them while the slow one had answered at most 3 rounds.
    expect(slow.arrivals.length).toBeLessThanOrEqual(6);
    expect(new Set(fast.received.map((r) => r.headers['webhook-id'])).size).toBe(EVENTS);

    // The failing receiver: its circuit opened after 3 failures; during the cooldown it got
    // no requests, though 20 deliveries kept coming due.
    const failingDeliveries = await waitUntil(async () => {
      const all = await deliveriesTo(messageIds, 'failing-app');
      return all.length === EVENTS && all.every((d) => d.status === 'dead') ? all : undefined;
    });
    expect(failing.arrivals.length).toBeLessThanOrEqual(3 + 6); // the threshold + those in flight
    expect(failing.arrivals.length).toBeGreaterThanOrEqual(3);
    expect(failingDeliveries.some((d) => d.lastError?.includes('circuit open'))).toBe(true);
    const view = (await (await fetch(`${gateway.url}/api/v1/endpoints`)).json()) as {
      endpoints: Array<{ partner: string; circuit: { state: string } }>;
    };
    expect(view.endpoints.find((e) => e.partner === 'failing-app')?.circuit.state).toBe('open');

    // The slow receiver gets everything in the end, never more than 2 at once: 20 s of work at
    // the least, so the wait allows it twice over.
    await waitUntil(async () => {
      const all = await deliveriesTo(messageIds, 'slow-app');
      return all.length === EVENTS && all.every((d) => d.status === 'delivered') ? all : undefined;
    }, 45_000);
    expect(slow.peakInFlight).toBeLessThanOrEqual(2);
    expect(new Set(slow.arrivals.map((a) => a.poNumber)).size).toBe(EVENTS);

    // Once the receiver is back, one probe after the cooldown closes the circuit, and the dead
    // letters replay.
    failing.status = 204;
    const sentBefore = failing.arrivals.length;
    for (const delivery of failingDeliveries) {
      const replay = await fetch(`${gateway.url}/api/v1/deliveries/${delivery.id}/replay`, {
        method: 'POST',
      });
      expect(replay.status).toBe(202);
    }
    await waitUntil(async () => {
      const all = await deliveriesTo(messageIds, 'failing-app');
      return all.every((d) => d.status === 'delivered') ? all : undefined;
    });
    const replayed = failing.arrivals.slice(sentBefore);
    expect(new Set(replayed.map((a) => a.poNumber)).size).toBe(EVENTS);
  }, 150_000);
});
