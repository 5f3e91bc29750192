import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestHandler, Router } from 'express';
import type { Logger } from '../../log';
import type { Database } from '../../store/database';
import { EventTail, type EventTailOptions } from './event-tail';
import { LongPolls } from './long-poll';
import { SseStreams } from './sse-stream';
import { WsFeeds } from './ws-feed';

export interface LiveEventsDeps {
  db: Database;
  /** The operator API's rule: the admin key, or loopback callers when there is none. */
  operator: RequestHandler;
  logger: Logger;
  heartbeatMs: number;
  maxBufferedBytes?: number;
  tail?: EventTailOptions;
}

export interface LiveEvents {
  /** For the HTTP server's 'upgrade' event: the WebSocket feed at `/api/v1/events/ws`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends every stream and socket and answers every waiting poll, then stops the tail. */
  close(): Promise<void>;
}

/**
 * The feeds internal apps read canonical events from: Server-Sent Events at
 * `/api/v1/events/stream`, WebSocket at `/api/v1/events/ws` and long polling at
 * `/api/v1/events`, all fed by one tail of the store per process, so events stored by a worker
 * process reach readers of an api process.
 */
export function mountLiveEvents(router: Router, deps: LiveEventsDeps): LiveEvents {
  const tail = new EventTail(deps.db, deps.logger, deps.tail);
  const bounds = {
    heartbeatMs: deps.heartbeatMs,
    maxBufferedBytes: deps.maxBufferedBytes ?? 1024 * 1024,
    slowClientMs: 30_000,
  };
  const streams = new SseStreams(deps.db, tail, deps.logger, bounds);
  const sockets = new WsFeeds(deps.db, tail, deps.logger, deps.operator, {
    ...bounds,
    maxSubscriptions: 100,
  });
  const polls = new LongPolls(deps.db, tail);
  router.get('/api/v1/events/stream', deps.operator, streams.handle);
  router.get('/api/v1/events', deps.operator, polls.handle);
  return {
    handleUpgrade: sockets.handleUpgrade,
    async close() {
      streams.closeAll();
      polls.closeAll();
      await sockets.closeAll();
      await tail.close();
    },
  };
}
