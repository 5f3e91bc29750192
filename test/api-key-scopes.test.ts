import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { hashApiKey } from '../src/http/api-keys';
import { exampleDocument } from './support/examples';
import {
  startTestGateway,
  stopTestGateway,
  TEST_API_KEY,
  TEST_NORTHWIND_KEY,
  writeTestPartners,
  type TestGateway,
} from './support/gateway';
import { WebhookSink } from './support/webhook-sink';

const ADMIN_KEY = 'admin-key-for-scopes';
const INITECH_WRITE = 'initech-write-key';
const INITECH_READ = 'initech-read-key';
const DASHBOARD_READ = 'dashboard-read-key';
const DASHBOARD_MESSAGES_ONLY = 'dashboard-messages-only-key';
const PO = 'com.crossdock.purchase-order';
const examplePo = exampleDocument('purchase-orders');

/**
 * Beside the usual test partners: Initech, a sender with a write key and a read key; and a
 * dashboard app that subscribes to euro purchase orders only (a `where` on the currency) and
 * reads with its own keys.
 */
function writeScopePartners(home: string): void {
  writeFileSync(
    path.join(home, 'partners', 'initech.yaml'),
    `id: initech
name: Initech
inbound:
  rest:
    apiKeys:
      - { id: write, sha256: ${hashApiKey(INITECH_WRITE)}, scopes: [documents:write] }
      - { id: read, sha256: ${hashApiKey(INITECH_READ)}, scopes: [events:read, messages:read] }
`,
  );
  writeFileSync(
    path.join(home, 'partners', 'dashboard.yaml'),
    `id: dashboard
name: Dashboard
inbound:
  rest:
    apiKeys:
      - { id: read, sha256: ${hashApiKey(DASHBOARD_READ)}, scopes: [events:read, messages:read] }
      - { id: messages-only, sha256: ${hashApiKey(DASHBOARD_MESSAGES_ONLY)}, scopes: [messages:read] }
outbound:
  channel: webhook
  webhook:
    url: \${DASHBOARD_SINK_URL}
    secret: \${TEST_WEBHOOK_SECRET}
  retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 }
subscriptions:
  - events: [${PO}]
    where: { /data/currency: [EUR, CHF] }
`,
  );
}

interface Listed {
  events: Array<{ id: string; subject: string; partnerId: string; event: { messageid: string } }>;
  next: string | null;
}

describe('API keys with read scopes', () => {
  const sink = new WebhookSink();
  const dashboardSink = new WebhookSink();
  let gateway: TestGateway;
  /** poNumber → message id, for what each test posted. */
  const posted = new Map<string, string>();

  const get = (url: string, key?: string) =>
    fetch(`${gateway.url}${url}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  const getJson = async <T>(url: string, key: string): Promise<T> => {
    const response = await get(url, key);
    expect({ url, status: response.status }).toEqual({ url, status: 200 });
    return (await response.json()) as T;
  };
  const postPo = async (poNumber: string, key: string, currency = 'USD') => {
    const response = await fetch(`${gateway.url}/api/v1/purchase-orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ ...examplePo, poNumber, currency }),
    });
    expect(response.status).toBe(202);
    posted.set(poNumber, ((await response.json()) as { messageId: string }).messageId);
  };
  const waitUntilProcessed = async (poNumbers: string[]) => {
    const deadline = Date.now() + 90_000;
    for (const poNumber of poNumbers) {
      for (;;) {
        const message = (await (
          await get(`/api/v1/messages/${posted.get(poNumber)}`, ADMIN_KEY)
        ).json()) as { status: string };
        if (message.status === 'processed') break;
        if (Date.now() > deadline) throw new Error(`${poNumber} not processed in time`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  };
  const listed = async (key: string, query = `type=${PO}&limit=500`) =>
    (await getJson<Listed>(`/api/v1/events?${query}`, key)).events
      .map((e) => e.subject)
      .filter((subject) => subject.startsWith('PO-SCOPE-'))
      .sort();

  beforeAll(async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'crossdock-scopes-'));
    const sinkUrl = await sink.start();
    writeTestPartners(home, sinkUrl);
    writeScopePartners(home);
    gateway = await startTestGateway({
      webhookUrl: sinkUrl,
      home,
      env: { CROSSDOCK_ADMIN_KEY: ADMIN_KEY, DASHBOARD_SINK_URL: await dashboardSink.start() },
    });
    await postPo('PO-SCOPE-I1', INITECH_WRITE);
    await postPo('PO-SCOPE-I2', INITECH_WRITE, 'EUR');
    await postPo('PO-SCOPE-I3', INITECH_WRITE);
    await postPo('PO-SCOPE-G1', TEST_API_KEY);
    await postPo('PO-SCOPE-G2', TEST_API_KEY, 'CHF');
    await waitUntilProcessed([...posted.keys()]);
  }, 120_000);
  afterAll(async () => {
    await stopTestGateway(gateway);
    await sink.stop();
    await dashboardSink.stop();
  });

  test('the operator rule is as before: the admin key reads everything, no key or a wrong one is 401', async () => {
    expect(await listed(ADMIN_KEY)).toEqual([
      'PO-SCOPE-G1',
      'PO-SCOPE-G2',
      'PO-SCOPE-I1',
      'PO-SCOPE-I2',
      'PO-SCOPE-I3',
    ]);
    for (const url of ['/api/v1/events', '/api/v1/deliveries', '/api/v1/events/stream']) {
      for (const key of [undefined, 'not-a-key']) {
        const response = await get(url, key);
        expect({ url, key, status: response.status }).toEqual({ url, key, status: 401 });
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="crossdock"');
      }
    }
  });

  test('a partner key reads only the events its partner sent or was routed, on listing and long poll', async () => {
    expect(await listed(INITECH_READ)).toEqual(['PO-SCOPE-I1', 'PO-SCOPE-I2', 'PO-SCOPE-I3']);
    // The dashboard sent nothing; its `where` routed it the euro and franc orders only.
    expect(await listed(DASHBOARD_READ)).toEqual(['PO-SCOPE-G2', 'PO-SCOPE-I2']);
    // Asking for another partner's events narrows nothing open: the answer is empty.
    expect(await listed(INITECH_READ, `partner=globex-retail&type=${PO}`)).toEqual([]);
    const polled = await getJson<Listed>(`/api/v1/events?after=0&type=${PO}`, INITECH_READ);
    expect(new Set(polled.events.map((e) => e.partnerId))).toEqual(new Set(['initech']));
  });

  test('the field filter decided the webhook deliveries: only euro and franc orders reached the dashboard', async () => {
    await dashboardSink.waitFor(2);
    await new Promise((r) => setTimeout(r, 300));
    const delivered = dashboardSink.received
      .map((w) => (JSON.parse(w.body) as { data: { poNumber: string } }).data.poNumber)
      .filter((n) => n.startsWith('PO-SCOPE-'))
      .sort();
    expect(delivered).toEqual(['PO-SCOPE-G2', 'PO-SCOPE-I2']);
  });

  test('a key without events:read is 403 on the listing, the feeds and an event by id', async () => {
    const eventId = (await getJson<Listed>(`/api/v1/events?subject=PO-SCOPE-I1`, ADMIN_KEY))
      .events[0]!.id;
    for (const key of [INITECH_WRITE, TEST_NORTHWIND_KEY, DASHBOARD_MESSAGES_ONLY]) {
      for (const url of [
        '/api/v1/events',
        '/api/v1/events?after=0',
        '/api/v1/events/stream',
        `/api/v1/events/${eventId}`,
      ]) {
        const response = await get(url, key);
        expect({ url, key, status: response.status }).toEqual({ url, key, status: 403 });
        const problem = (await response.json()) as { type: string; detail: string };
        expect(problem.type).toBe('https://crossdock.dev/problems/forbidden');
        expect(problem.detail).toMatch(/events:read/);
      }
    }
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/api/v1/events/ws`, {
        headers: { authorization: `Bearer ${INITECH_WRITE}` },
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('the upgrade was accepted')));
      ws.on('error', () => undefined);
    });
    expect(refused).toBe(403);
  });

  test('an event by id is 404 for a partner that may not read it', async () => {
    const [g1] = (await getJson<Listed>(`/api/v1/events?subject=PO-SCOPE-G1`, ADMIN_KEY)).events;
    const [i1] = (await getJson<Listed>(`/api/v1/events?subject=PO-SCOPE-I1`, ADMIN_KEY)).events;
    expect((await get(`/api/v1/events/${g1!.id}`, INITECH_READ)).status).toBe(404);
    expect(await getJson(`/api/v1/events/${i1!.id}`, INITECH_READ)).toMatchObject({
      id: i1!.id,
      subject: 'PO-SCOPE-I1',
      event: { type: PO },
    });
  });

  test('the WebSocket and SSE feeds give a partner key only its own events', async () => {
    const wsUrl = `${gateway.url.replace(/^http/, 'ws')}/api/v1/events/ws`;
    const ws = new WebSocket(wsUrl, { headers: { 'x-api-key': DASHBOARD_READ } });
    const subjects: string[] = [];
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; event?: { subject: string } };
      if (message.type === 'event' && message.event!.subject.startsWith('PO-SCOPE-'))
        subjects.push(message.event!.subject);
    });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'subscribe', id: 'all', after: '0' }));

    const sse = await get(`/api/v1/events/stream?after=0`, INITECH_READ);
    expect(sse.status).toBe(200);
    const reader = sse.body!.getReader();
    let text = '';
    const deadline = Date.now() + 15_000;
    while ((text.match(/"subject":"PO-SCOPE-/g) ?? []).length < 3 && Date.now() < deadline) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    await new Promise((r) => setTimeout(r, 300));
    await reader.cancel();
    const streamed = [...text.matchAll(/"subject":"(PO-SCOPE-[A-Z]\d)"/g)].map((m) => m[1]);
    expect(streamed.sort()).toEqual(['PO-SCOPE-I1', 'PO-SCOPE-I2', 'PO-SCOPE-I3']);

    const wsDeadline = Date.now() + 15_000;
    while (subjects.length < 2 && Date.now() < wsDeadline)
      await new Promise((r) => setTimeout(r, 25));
    ws.close();
    expect(subjects.sort()).toEqual(['PO-SCOPE-G2', 'PO-SCOPE-I2']);
  });

  test('messages:read opens a message, its events and deliveries, cut to what the partner may see', async () => {
    const g2 = posted.get('PO-SCOPE-G2')!;
    const operatorView = await getJson<{
      deliveries: Array<{ destination: string }>;
      timeline: Array<{ stage: string; detail: { destination?: string } | null }>;
    }>(`/api/v1/messages/${g2}`, ADMIN_KEY);
    // Routed to the ERP (all orders) and the dashboard (francs).
    expect(operatorView.deliveries.map((d) => d.destination).sort()).toEqual([
      'acme-erp',
      'dashboard',
    ]);

    const dashboardView = await getJson<{
      links?: unknown;
      events: Array<{ id: string }>;
      deliveries: Array<{ id: string; destination: string }>;
      timeline: Array<{ detail: { destination?: string; deliveryId?: string } | null }>;
    }>(`/api/v1/messages/${g2}`, DASHBOARD_MESSAGES_ONLY);
    expect(dashboardView.links).toBeUndefined();
    expect(dashboardView.events).toHaveLength(1);
    expect(dashboardView.deliveries.map((d) => d.destination)).toEqual(['dashboard']);
    for (const entry of dashboardView.timeline) {
      if (entry.detail?.destination !== undefined)
        expect(entry.detail.destination).toBe('dashboard');
    }
    expect(await getJson(`/api/v1/messages/${g2}/deliveries`, DASHBOARD_MESSAGES_ONLY)).toEqual({
      deliveries: dashboardView.deliveries,
    });
    const events = await getJson<{ events: Array<{ id: string; subject: string }> }>(
      `/api/v1/messages/${g2}/events`,
      DASHBOARD_MESSAGES_ONLY,
    );
    expect(events.events.map((e) => e.subject)).toEqual(['PO-SCOPE-G2']);
    const delivery = dashboardView.deliveries[0]!;
    expect(
      await getJson(`/api/v1/deliveries/${delivery.id}`, DASHBOARD_MESSAGES_ONLY),
    ).toMatchObject({ id: delivery.id, destination: 'dashboard' });

    // Another partner's message, or another receiver's delivery, is as good as absent.
    const i1 = posted.get('PO-SCOPE-I1')!;
    for (const url of [
      `/api/v1/messages/${i1}`,
      `/api/v1/messages/${i1}/events`,
      `/api/v1/messages/${i1}/deliveries`,
    ]) {
      expect({ url, status: (await get(url, DASHBOARD_MESSAGES_ONLY)).status }).toEqual({
        url,
        status: 404,
      });
    }
    const erpDelivery = (
      await getJson<{ deliveries: Array<{ id: string; destination: string }> }>(
        `/api/v1/messages/${g2}/deliveries`,
        ADMIN_KEY,
      )
    ).deliveries.find((d) => d.destination === 'acme-erp')!;
    expect(
      (await get(`/api/v1/deliveries/${erpDelivery.id}`, DASHBOARD_MESSAGES_ONLY)).status,
    ).toBe(404);
    // The sender reads its own message; without messages:read a key is refused.
    expect(await getJson(`/api/v1/messages/${i1}`, INITECH_READ)).toMatchObject({ id: i1 });
    expect((await get(`/api/v1/messages/${i1}`, INITECH_WRITE)).status).toBe(403);
    // Operator-only routes stay so for partner keys.
    expect((await get(`/api/v1/messages/${i1}/raw`, INITECH_READ)).status).toBe(401);
    expect((await get(`/api/v1/deliveries`, INITECH_READ)).status).toBe(401);
  });
});
