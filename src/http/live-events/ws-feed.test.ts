import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { openMigrated, storeBackends } from '../../../test/support/databases';
import { createLogger } from '../../log';
import { PartnerRegistry } from '../../partners/registry';
import type { Database } from '../../store/database';
import { EventTail } from './event-tail';
import { CLOSE_TOO_SLOW } from './ws-connection';
import { WS_FEED_PATH, WsFeeds } from './ws-feed';

async function waitUntil(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(storeBackends().slice(0, 1))('WebSocket back-pressure on $name', ({ create }) => {
  let db: Database;
  let server: Server;
  let tail: EventTail;
  let feeds: WsFeeds;

  beforeAll(async () => {
    db = await openMigrated(await create());
    const logger = createLogger('silent');
    tail = new EventTail(db, logger, { pollMs: 10 });
    // No admin key: the loopback client is the operator, as in a fresh install.
    feeds = new WsFeeds(
      db,
      tail,
      logger,
      { adminKey: undefined, partners: new PartnerRegistry([]) },
      {
        heartbeatMs: 60_000,
        maxBufferedBytes: 256 * 1024,
        slowClientMs: 30_000,
        maxSubscriptions: 10,
      },
    );
    server = createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', feeds.handleUpgrade);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await feeds.closeAll();
    await tail.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await db.close();
  });

  test('a client that stops reading is closed with 1008, not buffered without bound', async () => {
    const port = (server.address() as AddressInfo).port;
    const ws = new WebSocket(`ws://127.0.0.1:${port}${WS_FEED_PATH}`);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    await new Promise((resolve) => ws.once('open', resolve));
    const subscribed = new Promise((resolve) => ws.once('message', resolve));
    ws.send(JSON.stringify({ type: 'subscribe', id: 'all', filter: {} }));
    await subscribed;
    ws.pause();
    // 30 MB of events: more than the kernel's socket buffers on both sides hold.
    await db.query(
      `INSERT INTO messages (id, direction, protocol, raw, size_bytes, sha256, status, correlation_id)
       VALUES ('msg_big', 'inbound', 'rest', '\\x00', 1, 'x', 'processed', 'c')`,
    );
    await db.query(
      `INSERT INTO events (id, message_id, seq, type, envelope)
       SELECT 'evt_' || n, 'msg_big', n, 'com.crossdock.invoice',
              jsonb_build_object('data', repeat('x', 500000))
       FROM generate_series(1, 60) AS n`,
    );
    // Dropped by the server although the client never read: its subscription is gone.
    await waitUntil(() => tail.listenerCount === 0);
    ws.resume();
    const { code, reason } = await closed;
    expect(code).toBe(CLOSE_TOO_SLOW);
    expect(reason).toMatch(/too slow/);
  });
});
