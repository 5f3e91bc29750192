import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Request, Response, Router } from 'express';
import type { Logger } from '../../log';
import type { Database } from '../../store/database';
import { requireReader, type ReadAccess } from '../api-keys';
import { Problem } from '../problem';
import { EventTail, type EventTailOptions } from './event-tail';
import { getStoredEvent, LISTING_PARAMS, listStoredEvents } from './event-listing';
import { LongPolls } from './long-poll';
import { SseStreams } from './sse-stream';
import { WsFeeds } from './ws-feed';

export interface LiveEventsDeps {
  db: Database;
  /**
   * Who may read: the operator (the admin key, or loopback callers when there is none) sees
   * every event; a partner's API key with `events:read` the events it sent or was sent.
   */
  access: ReadAccess;
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
 * `GET /api/v1/events` is one resource read two ways: with `after` (a position) or `wait` it is
 * the long poll, which follows the feed oldest first by position; without them it is the
 * listing, which pages through stored events in either order with an opaque cursor. Mixing
 * the two kinds of parameters is refused rather than guessed at.
 */
function isLongPoll(req: Request): boolean {
  const isPoll = req.query.after !== undefined || req.query.wait !== undefined;
  const listingParam = LISTING_PARAMS.find((name) => req.query[name] !== undefined);
  if (isPoll && listingParam) {
    throw new Problem(
      400,
      'validation-failed',
      `${listingParam} belongs to the listing and after/wait to the long poll; use one or the other.`,
      {
        errors: [{ pointer: `#/query/${listingParam}`, detail: 'not allowed with after or wait' }],
      },
    );
  }
  return isPoll;
}

/**
 * The feeds internal apps read canonical events from: Server-Sent Events at
 * `/api/v1/events/stream`, WebSocket at `/api/v1/events/ws` and long polling at
 * `/api/v1/events`, all fed by one tail of the store per process, so events stored by a worker
 * process reach readers of an api process; and the listing of stored events beside them.
 */
export function mountLiveEvents(router: Router, deps: LiveEventsDeps): LiveEvents {
  const tail = new EventTail(deps.db, deps.logger, deps.tail);
  const bounds = {
    heartbeatMs: deps.heartbeatMs,
    maxBufferedBytes: deps.maxBufferedBytes ?? 1024 * 1024,
    slowClientMs: 30_000,
  };
  const streams = new SseStreams(deps.db, tail, deps.logger, bounds);
  const sockets = new WsFeeds(deps.db, tail, deps.logger, deps.access, {
    ...bounds,
    maxSubscriptions: 100,
  });
  const polls = new LongPolls(deps.db, tail);
  const reader = requireReader(deps.access, 'events:read');
  router.get('/api/v1/events/stream', reader, streams.handle);
  router.get('/api/v1/events', reader, (req: Request, res: Response) =>
    isLongPoll(req) ? polls.handle(req, res) : listStoredEvents(deps.db, req, res),
  );
  // The WebSocket feed arrives as an upgrade, never here; a plain GET is told what it lacks.
  router.get('/api/v1/events/ws', (_req: Request, res: Response) => {
    res.setHeader('upgrade', 'websocket');
    throw new Problem(
      426,
      'invalid-header',
      'This is the WebSocket feed: send Upgrade: websocket.',
    );
  });
  router.get('/api/v1/events/:id', reader, (req: Request, res: Response) =>
    getStoredEvent(deps.db, req, res),
  );
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
