import WebSocket from 'ws';
import { latestEventPosition, readEventsAfter } from '../src/store/event-feed';
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

interface ServerMessage {
  type: 'event' | 'subscribed' | 'error';
  id?: string;
  subscription?: string;
  position?: string;
  message?: string;
  event?: { id: string; type: string; subject?: string; data: { poNumber: string } };
}

async function waitUntil<T>(probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real `ws` client on the feed, keeping every message the gateway sends. */
class FeedSocket {
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(String(data)) as ServerMessage));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<FeedSocket> {
    const ws = new WebSocket(url, options);
    const socket = new FeedSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Subscribes and resolves with the position the gateway says the subscription starts at. */
  async subscribe(
    id: string,
    filter: Record<string, unknown>,
    after?: string | number,
  ): Promise<string> {
    const sentAt = this.messages.length;
    this.send({ type: 'subscribe', id, filter, ...(after === undefined ? {} : { after }) });
    const answer = await waitUntil(() =>
      this.messages
        .slice(sentAt)
        .find((m) => (m.type === 'subscribed' || m.type === 'error') && m.id === id),
    );
    if (answer.type === 'error') throw new Error(answer.message);
    return answer.position!;
  }

  events(subscription: string): ServerMessage[] {
    return this.messages.filter((m) => m.type === 'event' && m.subscription === subscription);
  }

  poNumbers(subscription: string): string[] {
    return this.events(subscription).map((m) => m.event!.data.poNumber);
  }

  waitForEvents(subscription: string, count: number): Promise<ServerMessage[]> {
    return waitUntil(() => {
      const events = this.events(subscription);
      return events.length >= count ? events : undefined;
    });
  }

  errors(): ServerMessage[] {
    return this.messages.filter((m) => m.type === 'error');
  }
}

/** Resolves with the HTTP status the gateway refused the upgrade with. */
function refusedStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => undefined);
  });
}

function poster(gateway: () => TestGateway) {
  return async (poNumber: string, apiKey = TEST_API_KEY) => {
    const response = await fetch(`${gateway().url}/api/v1/purchase-orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ ...examplePo, poNumber }),
    });
    expect(response.status).toBe(202);
  };
}

describe('live event feed over WebSocket', () => {
  const sink = new WebhookSink();
  let gateway: TestGateway;
  const sockets: FeedSocket[] = [];
  const postPo = poster(() => gateway);
  const wsUrl = () => `${gateway.url.replace(/^http/, 'ws')}/api/v1/events/ws`;
  const open = async (options?: WebSocket.ClientOptions) => {
    const socket = await FeedSocket.open(wsUrl(), options);
    sockets.push(socket);
    return socket;
  };
  /** Resolves once the store holds an event for each of these purchase orders. */
  const waitUntilStored = async (poNumbers: string[]) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const stored = await readEventsAfter(gateway.store.db, 0, {
        limit: 500,
        filter: { types: [PO] },
      });
      const subjects = new Set(stored.map((e) => e.subject));
      if (poNumbers.every((n) => subjects.has(n))) return;
      if (Date.now() > deadline) throw new Error('events not stored in time');
      await sleep(25);
    }
  };

  beforeAll(async () => {
    gateway = await startTestGateway({
      webhookUrl: await sink.start(),
      env: { CROSSDOCK_SSE_HEARTBEAT_MS: '200' },
    });
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
  });
  afterAll(async () => {
    await stopTestGateway(gateway);
    await sink.stop();
  });

  test('purchase orders posted over REST arrive in position order as CloudEvents', async () => {
    const socket = await open();
    const startsAt = await socket.subscribe('s1', { type: 'com.crossdock.*' });
    expect(Number(startsAt)).toBeGreaterThanOrEqual(0);
    const numbers = ['PO-WS-1', 'PO-WS-2', 'PO-WS-3', 'PO-WS-4', 'PO-WS-5'];
    for (const n of numbers) await postPo(n);
    const received = (await socket.waitForEvents('s1', numbers.length)).filter(
      (m) => m.event!.type === PO,
    );
    expect(received.map((m) => m.event!.data.poNumber).sort()).toEqual(numbers);
    const positions = received.map((m) => Number(m.position));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
    const stored = await readEventsAfter(gateway.store.db, positions[0]! - 1, {
      limit: 5,
      filter: { types: [PO] },
    });
    expect(received.map((m) => m.event)).toEqual(stored.map((e) => e.envelope));
    expect(received[0]).toMatchObject({
      type: 'event',
      subscription: 's1',
      event: { specversion: '1.0', type: PO },
    });
  });

  test('a subscription with `after` gets exactly the events it missed, then live ones', async () => {
    const first = await open();
    await first.subscribe('po', { type: PO });
    await postPo('PO-WS-RESUME-1');
    await postPo('PO-WS-RESUME-2');
    const seen = await first.waitForEvents('po', 2);
    const after = seen[1]!.position!;
    first.ws.close();

    const missed = ['PO-WS-RESUME-3', 'PO-WS-RESUME-4', 'PO-WS-RESUME-5'];
    for (const n of missed) await postPo(n);
    await waitUntilStored(missed);

    const resumed = await open();
    expect(await resumed.subscribe('po', { type: PO }, after)).toBe(after);
    await resumed.waitForEvents('po', 3);
    await postPo('PO-WS-RESUME-6');
    await resumed.waitForEvents('po', 4);
    // Time for a duplicate to show up, were there one.
    await sleep(300);
    expect(resumed.poNumbers('po').slice(0, 3).sort()).toEqual(missed);
    expect(resumed.poNumbers('po')).toHaveLength(4);
    expect(resumed.poNumbers('po')[3]).toBe('PO-WS-RESUME-6');
    expect(Number(resumed.events('po')[0]!.position)).toBeGreaterThan(Number(after));
  });

  test('two subscriptions on one connection each get what their filter selects', async () => {
    const start = await latestEventPosition(gateway.store.db);
    const socket = await open();
    await socket.subscribe('globex', { type: PO, partner: 'globex-retail' }, start);
    await socket.subscribe('one-po', { subject: 'PO-WS-TWO-3' }, String(start));
    await postPo('PO-WS-TWO-1');
    await postPo('PO-WS-TWO-2', TEST_NORTHWIND_KEY);
    await postPo('PO-WS-TWO-3');
    await socket.waitForEvents('globex', 2);
    await socket.waitForEvents('one-po', 1);
    await sleep(300);
    // Which of two POs posted back to back is stored first depends on the process worker's
    // concurrent jobs; the filters are what is checked here (order: the resume tests).
    expect([...socket.poNumbers('globex')].sort()).toEqual(['PO-WS-TWO-1', 'PO-WS-TWO-3']);
    expect(socket.poNumbers('one-po')).toEqual(['PO-WS-TWO-3']);
  });

  test('unsubscribe stops a subscription and leaves the others', async () => {
    const socket = await open();
    await socket.subscribe('leaving', { type: PO });
    await socket.subscribe('staying', { type: [PO] });
    await postPo('PO-WS-UNSUB-1');
    await socket.waitForEvents('leaving', 1);
    await socket.waitForEvents('staying', 1);
    socket.send({ type: 'unsubscribe', id: 'leaving' });
    // Messages are handled in order: once this one is answered, the unsubscribe is done.
    await socket.subscribe('marker', { subject: 'none' });
    await postPo('PO-WS-UNSUB-2');
    await socket.waitForEvents('staying', 2);
    await sleep(300);
    expect(socket.poNumbers('leaving')).toEqual(['PO-WS-UNSUB-1']);
    expect(socket.poNumbers('staying')).toEqual(['PO-WS-UNSUB-1', 'PO-WS-UNSUB-2']);
    // The id is free again.
    await socket.subscribe('leaving', { type: PO });
  });

  test('a bad message gets an error message and the connection stays open', async () => {
    const socket = await open();
    const bad: unknown[] = [
      'not json',
      '[1, 2]',
      { type: 'shout' },
      { type: 'subscribe' },
      { type: 'subscribe', id: 'b1', filter: 'everything' },
      { type: 'subscribe', id: 'b2', filter: { type: 5 } },
      { type: 'subscribe', id: 'b3', after: 'yesterday' },
      { type: 'unsubscribe', id: 'never-subscribed' },
    ];
    for (const message of bad) socket.send(message);
    socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    const errors = await waitUntil(() =>
      socket.errors().length >= bad.length + 1 ? socket.errors() : undefined,
    );
    expect(errors.every((e) => typeof e.message === 'string' && e.message.length > 0)).toBe(true);
    expect(errors.find((e) => e.id === 'b3')!.message).toMatch(/after/);
    await socket.subscribe('dup', { type: PO });
    await expect(socket.subscribe('dup', { type: PO })).rejects.toThrow('already exists');
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    await postPo('PO-WS-AFTER-BAD');
    expect((await socket.waitForEvents('dup', 1))[0]!.event!.data.poNumber).toBe('PO-WS-AFTER-BAD');
  });

  test('a client that stops answering pings is disconnected', async () => {
    const socket = await open({ autoPong: false });
    await socket.subscribe('quiet', { type: PO });
    const started = Date.now();
    const { code } = await socket.closed;
    // Ended without a close frame: the heartbeat is 200 ms, and the second unanswered ping ends it.
    expect(code).toBe(1006);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('an upgrade on another path is refused', async () => {
    expect(await refusedStatus(wsUrl().replace('/events/ws', '/events/nothing'))).toBe(404);
  });
});

describe('live event feed over WebSocket with an admin key', () => {
  const ADMIN_KEY = 'ws-admin-key-for-tests';
  const sink = new WebhookSink();
  let gateway: TestGateway | undefined;
  const wsUrl = () => `${gateway!.url.replace(/^http/, 'ws')}/api/v1/events/ws`;

  beforeAll(async () => {
    gateway = await startTestGateway({
      webhookUrl: await sink.start(),
      env: { CROSSDOCK_ADMIN_KEY: ADMIN_KEY },
    });
  });
  afterAll(async () => {
    await stopTestGateway(gateway);
    await sink.stop();
  });

  test('an upgrade without the admin key is refused with 401 before upgrading, even from loopback', async () => {
    expect(await refusedStatus(wsUrl())).toBe(401);
    expect(await refusedStatus(wsUrl(), { authorization: 'Bearer not-the-key' })).toBe(401);
    const socket = await FeedSocket.open(wsUrl(), {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    await socket.subscribe('ok', { type: PO });
    socket.ws.terminate();
  });

  test('stopping the gateway closes open sockets with 1001 and is not held up', async () => {
    const socket = await FeedSocket.open(wsUrl(), {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    await socket.subscribe('s', { type: PO });
    const started = Date.now();
    await stopTestGateway(gateway);
    gateway = undefined;
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await socket.closed).code).toBe(1001);
  });
});
