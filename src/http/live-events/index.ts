import type { RequestHandler, Router } from 'express';
import type { Logger } from '../../log';
import type { Database } from '../../store/database';
import { EventTail, type EventTailOptions } from './event-tail';
import { LongPolls } from './long-poll';
import { SseStreams } from './sse-stream';

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
  /** Ends every stream and answers every waiting poll, then stops the tail. */
  close(): Promise<void>;
}

/**
 * The feeds internal apps read canonical events from: Server-Sent Events at
 * `/api/v1/events/stream` and long polling at `/api/v1/events`, both fed by one tail of the
 * store per process, so events stored by a worker process reach readers of an api process.
 */
export function mountLiveEvents(router: Router, deps: LiveEventsDeps): LiveEvents {
  const tail = new EventTail(deps.db, deps.logger, deps.tail);
  const streams = new SseStreams(deps.db, tail, deps.logger, {
    heartbeatMs: deps.heartbeatMs,
    maxBufferedBytes: deps.maxBufferedBytes ?? 1024 * 1024,
    slowClientMs: 30_000,
  });
  const polls = new LongPolls(deps.db, tail);
  router.get('/api/v1/events/stream', deps.operator, streams.handle);
  router.get('/api/v1/events', deps.operator, polls.handle);
  return {
    async close() {
      streams.closeAll();
      polls.closeAll();
      await tail.close();
    },
  };
}
