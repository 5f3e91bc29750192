import express from 'express';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { Server } from 'node:http';
import { openMigrated, storeBackends } from '../../../test/support/databases';
import { createLogger } from '../../log';
import { PartnerRegistry } from '../../partners/registry';
import { requireReader } from '../api-keys';
import type { Database } from '../../store/database';
import { EventTail } from './event-tail';
import { SseStreams } from './sse-stream';

/** A client that asks for the stream and then never reads from its socket. */
function connectWithoutReading(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET /api/v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    });
    socket.once('data', () => {
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function waitUntil(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(storeBackends().slice(0, 1))('SSE back-pressure on $name', ({ create }) => {
  let db: Database;
  let server: Server;
  let tail: EventTail;
  let streams: SseStreams;

  beforeAll(async () => {
    db = await openMigrated(await create());
    const logger = createLogger('silent');
    tail = new EventTail(db, logger, { pollMs: 10 });
    streams = new SseStreams(db, tail, logger, {
      heartbeatMs: 60_000,
      maxBufferedBytes: 256 * 1024,
      slowClientMs: 30_000,
    });
    const app = express();
    app.get(
      '/api/v1/events/stream',
      requireReader({ adminKey: undefined, partners: new PartnerRegistry([]) }, 'events:read'),
      streams.handle,
    );
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
  });
  afterAll(async () => {
    streams.closeAll();
    await tail.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await db.close();
  });

  test('a client that stops reading is disconnected, not buffered without bound', async () => {
    const port = (server.address() as AddressInfo).port;
    const socket = await connectWithoutReading(port);
    socket.on('error', () => undefined);
    await waitUntil(() => tail.listenerCount === 1);
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
    socket.destroy();
  });
});
