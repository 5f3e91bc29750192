import { exampleDocument } from './support/examples';
import {
  startTestGateway,
  stopTestGateway,
  TEST_API_KEY,
  type TestGateway,
} from './support/gateway';
import { WebhookSink } from './support/webhook-sink';

const PO = 'com.crossdock.purchase-order';
const INVOICE = 'com.crossdock.invoice';

interface ListedEvent {
  position: number;
  id: string;
  type: string;
  partnerId: string;
  subject: string;
  createdAt: string;
}
interface Page {
  events: ListedEvent[];
  next: string | null;
  nextCursor: string | null;
}

describe('GET /api/v1/events: the listing of stored events', () => {
  const sink = new WebhookSink();
  let gateway: TestGateway;
  const poNumbers = Array.from({ length: 23 }, (_, i) => `PO-LIST-${String(i).padStart(2, '0')}`);
  const invoiceNumbers = ['INV-LIST-1', 'INV-LIST-2'];

  const get = (url: string) => fetch(`${gateway.url}${url}`);
  const page = async (url: string): Promise<{ body: Page; link: string | null }> => {
    const response = await get(url);
    expect({ url, status: response.status }).toEqual({ url, status: 200 });
    return { body: (await response.json()) as Page, link: response.headers.get('link') };
  };
  /** Follows `next` from the first page to the last, checking the Link header agrees. */
  const everyPage = async (first: string) => {
    const pages: ListedEvent[][] = [];
    let url: string | null = first;
    while (url) {
      const { body, link } = await page(url);
      expect(link).toBe(body.next ? `<${body.next}>; rel="next"` : null);
      pages.push(body.events);
      url = body.next;
      if (pages.length > 50) throw new Error('the listing does not end');
    }
    return pages;
  };
  const post = async (resource: string, document: Record<string, unknown>) => {
    const response = await fetch(`${gateway.url}/api/v1/${resource}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${TEST_API_KEY}`,
        // Invoices need a partner they are for; purchase orders name theirs as the buyer.
        'x-crossdock-partner': 'northwind-retail',
      },
      body: JSON.stringify(document),
    });
    expect(response.status).toBe(202);
  };

  beforeAll(async () => {
    gateway = await startTestGateway({ webhookUrl: await sink.start() });
    const po = exampleDocument('purchase-orders');
    const invoice = exampleDocument('invoices');
    await post('invoices', { ...invoice, invoiceNumber: invoiceNumbers[0] });
    for (const poNumber of poNumbers) await post('purchase-orders', { ...po, poNumber });
    await post('invoices', { ...invoice, invoiceNumber: invoiceNumbers[1] });
    const deadline = Date.now() + 90_000;
    for (;;) {
      const { body } = await page(`/api/v1/events?type=com.crossdock.*&limit=500`);
      const subjects = new Set(body.events.map((e) => e.subject));
      if ([...poNumbers, ...invoiceNumbers].every((n) => subjects.has(n))) break;
      if (Date.now() > deadline) throw new Error('events not stored in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 120_000);
  afterAll(async () => {
    await stopTestGateway(gateway);
    await sink.stop();
  });

  test('pages newest first through more events than a page holds, without gaps or duplicates', async () => {
    const pages = await everyPage(`/api/v1/events?type=${PO}&limit=10`);
    expect(pages.map((p) => p.length)).toEqual([10, 10, 3]);
    const positions = pages.flat().map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => b - a));
    expect(new Set(positions).size).toBe(23);
    expect(pages.flat().map((e) => e.subject)).toEqual([...poNumbers].reverse());
  });

  test('order=asc pages oldest first, and a page cut exactly at the end says so', async () => {
    const pages = await everyPage(`/api/v1/events?type=${PO}&limit=23&order=asc`);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.map((e) => e.subject)).toEqual(poNumbers);
    const halves = await everyPage(`/api/v1/events?type=com.crossdock.*&order=asc&limit=5`);
    const subjects = halves.flat().map((e) => e.subject);
    expect(subjects).toEqual([invoiceNumbers[0], ...poNumbers, invoiceNumbers[1]]);
  });

  test('nextCursor as cursor gives the same page as next, and events arriving meanwhile do not shift it', async () => {
    const { body: first } = await page(`/api/v1/events?type=${PO}&limit=5`);
    await post('purchase-orders', {
      ...exampleDocument('purchase-orders'),
      poNumber: 'PO-LIST-LATE',
    });
    const byCursor = await page(
      `/api/v1/events?type=${PO}&limit=5&cursor=${encodeURIComponent(first.nextCursor!)}`,
    );
    const byNext = await page(first.next!);
    expect(byCursor.body).toEqual(byNext.body);
    expect(byCursor.body.events.map((e) => e.subject)).toEqual(
      [...poNumbers].reverse().slice(5, 10),
    );
  });

  test('filters by type pattern, partner and subject', async () => {
    const subjects = async (query: string) =>
      (await everyPage(`/api/v1/events?${query}&limit=500`))
        .flat()
        .map((e) => e.subject)
        .filter((s) => s.includes('-LIST-') && s !== 'PO-LIST-LATE');
    expect(await subjects('type=*.invoice&order=asc')).toEqual(invoiceNumbers);
    expect(await subjects(`type=com.crossdock.purchase-*,*.invoice&order=asc`)).toEqual([
      invoiceNumbers[0],
      ...poNumbers,
      invoiceNumbers[1],
    ]);
    expect(await subjects('subject=PO-LIST-07')).toEqual(['PO-LIST-07']);
    expect(await subjects('partner=globex-retail&type=*.invoice')).toEqual(
      [...invoiceNumbers].reverse(),
    );
    expect(await subjects('partner=someone-else')).toEqual([]);
  });

  test('since (inclusive) and until (exclusive) select by the time the event was stored', async () => {
    const all = (await everyPage(`/api/v1/events?type=${PO}&order=asc&limit=500`))
      .flat()
      .filter((e) => poNumbers.includes(e.subject));
    // Several events may share a millisecond; the expected set is computed the same way.
    const since = all[5]!.createdAt;
    const until = all[15]!.createdAt;
    const expected = all
      .filter((e) => e.createdAt >= since && e.createdAt < until)
      .map((e) => e.subject);
    expect(expected.length).toBeGreaterThan(0);
    const query = new URLSearchParams({ type: PO, order: 'asc', limit: '3', since, until });
    const listed = (await everyPage(`/api/v1/events?${query}`)).flat().map((e) => e.subject);
    expect(listed).toEqual(expected);
    // Offsets are honoured: the same instant written in another zone selects the same events.
    const sinceInParis = new Date(Date.parse(since) + 3_600_000)
      .toISOString()
      .replace('Z', '+01:00');
    const shifted = new URLSearchParams({ type: PO, order: 'asc', since: sinceInParis, until });
    expect((await everyPage(`/api/v1/events?${shifted}`)).flat().map((e) => e.subject)).toEqual(
      expected,
    );
    const future = await page(`/api/v1/events?since=2999-01-01`);
    expect(future.body).toEqual({ events: [], next: null, nextCursor: null });
  });

  test('an event by id is the same as listed', async () => {
    const { body } = await page(`/api/v1/events?subject=PO-LIST-03`);
    const [listed] = body.events;
    const response = await get(`/api/v1/events/${listed!.id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(listed);
    expect((await get('/api/v1/events/evt_no_such_event')).status).toBe(404);
  });

  test('bad parameters are 400 problems pointing at the parameter', async () => {
    const { body: asc } = await page(`/api/v1/events?type=${PO}&limit=5&order=asc`);
    for (const [query, pointer] of [
      ['since=yesterday', '#/query/since'],
      ['since=2025-02-30', '#/query/since'],
      ['until=2025-03-01T10:00:00', '#/query/until'],
      ['since=2025-03-02&until=2025-03-01', '#/query/until'],
      ['order=newest', '#/query/order'],
      ['limit=501', '#/query/limit'],
      ['limit=0', '#/query/limit'],
      ['cursor=not-a-cursor', '#/query/cursor'],
      [`cursor=${asc.nextCursor}&order=desc`, '#/query/cursor'],
      ['after=0&cursor=abc', '#/query/cursor'],
      ['wait=1&since=2025-01-01', '#/query/since'],
    ] as const) {
      const response = await get(`/api/v1/events?${query}`);
      const problem = (await response.json()) as { errors?: Array<{ pointer: string }> };
      expect({ query, status: response.status, pointer: problem.errors?.[0]?.pointer }).toEqual({
        query,
        status: 400,
        pointer,
      });
    }
  });

  test('with after or wait the same resource is still the long poll, oldest first by position', async () => {
    const { body } = await page(`/api/v1/events?type=${PO}&order=asc&limit=1`);
    const first = body.events[0]!;
    const polled = (await (
      await get(`/api/v1/events?after=${first.position - 1}&type=${PO}&limit=3`)
    ).json()) as { events: ListedEvent[]; next: number };
    expect(polled.events.map((e) => e.subject)).toEqual(poNumbers.slice(0, 3));
    expect(polled.next).toBe(polled.events[2]!.position);
  });

  test('a plain GET of the WebSocket endpoint is told to upgrade', async () => {
    const response = await get('/api/v1/events/ws');
    expect(response.status).toBe(426);
    expect(response.headers.get('upgrade')).toBe('websocket');
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
