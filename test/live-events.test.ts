import { EventSource, type FetchLike } from 'eventsource';
import { readEventsAfter, latestEventPosition } from '../src/store/event-feed';
import { exampleDocument } from './support/examples';
import {
  startTestGateway,
  stopTestGateway,
  TEST_API_KEY,
  TEST_NORTHWIND_KEY,
  type TestGateway,
} from './support/gateway';
import { WebhookSink } from './support/webhook-sink';

const PO = 'com.crossdock.purchase-order';
const examplePo = exampleDocument('purchase-orders');

interface Received {
  id: string;
  type: string;
  event: { id: string; type: string; subject?: string; data: { poNumber: string } };
}

/** A real EventSource on the stream, keeping every event it receives. */
class StreamReader {
  readonly received: Received[] = [];
  readonly source: EventSource;
  readonly opened: Promise<void>;

  constructor(url: string, options: { types?: string[]; lastEventId?: string } = {}) {
    const resume: Record<string, string> = options.lastEventId
      ? { 'last-event-id': options.lastEventId }
      : {};
    // The library sends its own Last-Event-ID on reconnects; ours stands in for an earlier run.
    const withResumeHeader: FetchLike = (input, init) => {
      const headers = { ...resume };
      for (const [name, value] of Object.entries(init.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = value;
      }
      return fetch(input, { ...init, headers });
    };
    this.source = new EventSource(url, { fetch: withResumeHeader });
    this.opened = new Promise((resolve, reject) => {
      this.source.addEventListener('open', () => resolve());
      this.source.addEventListener('error', (error) => reject(new Error(String(error.message))));
    });
    for (const type of options.types ?? [PO]) {
      this.source.addEventListener(type, (message) => {
        this.received.push({ id: message.lastEventId, type, event: JSON.parse(message.data) });
      });
    }
  }

  poNumbers(): string[] {
    return this.received.map((r) => r.event.data.poNumber);
  }

  async waitForCount(count: number, timeoutMs = 15_000): Promise<Received[]> {
    await waitUntil(async () => (this.received.length >= count ? true : undefined), timeoutMs);
    return this.received;
  }
}

async function waitUntil<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface PollAnswer {
  events: Array<{ position: number; type: string; subject: string; event: Received['event'] }>;
  next: number;
}

describe('live event feeds: Server-Sent Events and long polling', () => {
  const sink = new WebhookSink();
  let gateway: TestGateway;
  const readers: StreamReader[] = [];

  const postPo = async (poNumber: string, apiKey = TEST_API_KEY) => {
    const response = await fetch(`${gateway.url}/api/v1/purchase-orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ ...examplePo, poNumber }),
    });
    expect(response.status).toBe(202);
  };
  /** Resolves once the store holds an event for each of these purchase orders. */
  const waitUntilStored = (poNumbers: string[]) =>
    waitUntil(async () => {
      const stored = await readEventsAfter(gateway.store.db, 0, {
        limit: 500,
        filter: { types: [PO] },
      });
      const subjects = new Set(stored.map((e) => e.subject));
      return poNumbers.every((n) => subjects.has(n)) ? true : undefined;
    });
  const openStream = async (
    query = '',
    options: { lastEventId?: string; types?: string[] } = {},
  ) => {
    const reader = new StreamReader(`${gateway.url}/api/v1/events/stream${query}`, options);
    readers.push(reader);
    await reader.opened;
    return reader;
  };
  const poll = async (query: string): Promise<PollAnswer> => {
    const response = await fetch(`${gateway.url}/api/v1/events?${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as PollAnswer;
  };

  beforeAll(async () => {
    const url = await sink.start();
    gateway = await startTestGateway({
      webhookUrl: url,
      env: { CROSSDOCK_SSE_HEARTBEAT_MS: '200' },
    });
  });
  afterEach(() => {
    for (const reader of readers.splice(0)) reader.source.close();
  });
  afterAll(async () => {
    await stopTestGateway(gateway);
    await sink.stop();
  });

  test('purchase orders posted over REST arrive on the stream in position order as CloudEvents', async () => {
    const reader = await openStream(`?type=${PO}`);
    const numbers = ['PO-LIVE-1', 'PO-LIVE-2', 'PO-LIVE-3', 'PO-LIVE-4', 'PO-LIVE-5'];
    for (const n of numbers) await postPo(n);
    const received = await reader.waitForCount(numbers.length);
    expect(received.map((r) => r.event.data.poNumber).sort()).toEqual(numbers);
    const ids = received.map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const stored = await readEventsAfter(gateway.store.db, ids[0]! - 1, {
      limit: 5,
      filter: { types: [PO] },
    });
    expect(received.map((r) => r.event)).toEqual(stored.map((e) => e.envelope));
    expect(received[0]!.event).toMatchObject({ specversion: '1.0', type: PO });
  });

  test('a reconnect with Last-Event-ID gets exactly the events it missed, then live ones', async () => {
    const first = await openStream(`?type=${PO}`);
    await postPo('PO-RESUME-1');
    await postPo('PO-RESUME-2');
    const seen = await first.waitForCount(2);
    const lastEventId = seen[1]!.id;
    first.source.close();

    const missed = ['PO-RESUME-3', 'PO-RESUME-4', 'PO-RESUME-5'];
    for (const n of missed) await postPo(n);
    await waitUntilStored(missed);

    const resumed = await openStream(`?type=${PO}`, { lastEventId });
    await resumed.waitForCount(3);
    await postPo('PO-RESUME-6');
    await resumed.waitForCount(4);
    // Time for a duplicate to show up, were there one.
    await new Promise((r) => setTimeout(r, 300));
    expect(resumed.poNumbers().slice(0, 3).sort()).toEqual(missed);
    expect(resumed.poNumbers()).toHaveLength(4);
    expect(resumed.poNumbers()[3]).toBe('PO-RESUME-6');
    expect(Number(resumed.received[0]!.id)).toBeGreaterThan(Number(lastEventId));
  });

  test('?after= resumes like Last-Event-ID, and a stream without either starts with new events', async () => {
    const before = await latestEventPosition(gateway.store.db);
    await postPo('PO-AFTER-1');
    await waitUntilStored(['PO-AFTER-1']);
    // A stream without a cursor starts at the tail's horizon, which passes it within a tick.
    await new Promise((r) => setTimeout(r, 200));
    const fresh = await openStream(`?type=${PO}`);
    const resumed = await openStream(`?type=${PO}&after=${before}`);
    await postPo('PO-AFTER-2');
    await fresh.waitForCount(1);
    await resumed.waitForCount(2);
    expect(fresh.poNumbers()).toEqual(['PO-AFTER-2']);
    expect(resumed.poNumbers()).toEqual(['PO-AFTER-1', 'PO-AFTER-2']);
  });

  test('filters by type pattern, partner and subject', async () => {
    const start = await latestEventPosition(gateway.store.db);
    const byPattern = await openStream(`?type=com.crossdock.purchase-*&after=${start}`);
    const northwindOnly = await openStream(`?partner=northwind-retail&after=${start}`);
    const oneSubject = await openStream(`?subject=PO-FILTER-3&after=${start}`);
    const noneMatch = await openStream(`?type=com.crossdock.invoice&after=${start}`, {
      types: [PO, 'com.crossdock.invoice'],
    });
    await postPo('PO-FILTER-1');
    await postPo('PO-FILTER-2', TEST_NORTHWIND_KEY);
    await postPo('PO-FILTER-3');
    await byPattern.waitForCount(3);
    await northwindOnly.waitForCount(1);
    await oneSubject.waitForCount(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(byPattern.poNumbers().sort()).toEqual(['PO-FILTER-1', 'PO-FILTER-2', 'PO-FILTER-3']);
    expect(northwindOnly.poNumbers()).toEqual(['PO-FILTER-2']);
    expect(oneSubject.poNumbers()).toEqual(['PO-FILTER-3']);
    expect(noneMatch.received).toEqual([]);

    const polled = await poll(`after=${start}&partner=northwind-retail`);
    expect(polled.events.map((e) => e.subject)).toEqual(['PO-FILTER-2']);
  });

  test('an idle stream gets keepalive comments', async () => {
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/api/v1/events/stream`, {
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const started = Date.now();
    let text = '';
    while (!text.includes(': keepalive\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    controller.abort();
    expect(text).toContain(': keepalive\n\n');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a bad Last-Event-ID is a 400 problem', async () => {
    const response = await fetch(`${gateway.url}/api/v1/events/stream`, {
      headers: { 'last-event-id': 'yesterday' },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  test('a long poll answers at once when there are events after the cursor', async () => {
    const start = await latestEventPosition(gateway.store.db);
    for (const n of ['PO-POLL-1', 'PO-POLL-2', 'PO-POLL-3']) await postPo(n);
    await waitUntilStored(['PO-POLL-1', 'PO-POLL-2', 'PO-POLL-3']);
    const started = Date.now();
    const first = await poll(`after=${start}&type=${PO}&wait=30&limit=2`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(first.events.map((e) => e.subject)).toEqual(['PO-POLL-1', 'PO-POLL-2']);
    expect(first.next).toBe(first.events[1]!.position);
    const second = await poll(`after=${first.next}&type=${PO}&wait=30&limit=2`);
    expect(second.events.map((e) => e.subject)).toEqual(['PO-POLL-3']);
    expect(second.events[0]!.event).toMatchObject({ specversion: '1.0', subject: 'PO-POLL-3' });
    expect(second.next).toBeGreaterThanOrEqual(second.events[0]!.position);
  });

  test('a long poll waits for the next event and answers as soon as it is stored', async () => {
    const start = await latestEventPosition(gateway.store.db);
    const started = Date.now();
    const answer = poll(`after=${start}&type=${PO}&wait=20`);
    await new Promise((r) => setTimeout(r, 500));
    await postPo('PO-WAIT-1');
    const { events, next } = await answer;
    expect(events.map((e) => e.subject)).toEqual(['PO-WAIT-1']);
    expect(next).toBe(events[0]!.position);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a long poll with nothing to give answers an empty list after `wait`', async () => {
    const start = await latestEventPosition(gateway.store.db);
    const started = Date.now();
    const answer = await poll(`after=${start}&type=com.crossdock.nothing-ever&wait=1`);
    const elapsed = Date.now() - started;
    expect(answer.events).toEqual([]);
    expect(answer.next).toBeGreaterThanOrEqual(start);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(5000);
  });
});

describe('live event feeds when the gateway stops', () => {
  test('open streams end and waiting polls answer at once, so the stop is not held up', async () => {
    const sink = new WebhookSink();
    const gateway = await startTestGateway({ webhookUrl: await sink.start() });
    try {
      const stream = await fetch(`${gateway.url}/api/v1/events/stream`);
      const streamEnded = (async () => {
        const reader = stream.body!.getReader();
        while (!(await reader.read()).done);
        return 'ended';
      })().catch(() => 'ended');
      const poll = fetch(`${gateway.url}/api/v1/events?wait=30`).then(
        async (r) => (await r.json()) as PollAnswer,
      );
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      await stopTestGateway(gateway);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await streamEnded).toBe('ended');
      expect((await poll).events).toEqual([]);
    } finally {
      await sink.stop();
    }
  });
});
