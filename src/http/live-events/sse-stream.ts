import type { Request, Response } from 'express';
import type { Logger } from '../../log';
import type { Database } from '../../store/database';
import type { FeedEvent } from '../../store/event-feed';
import { Problem } from '../problem';
import type { EventTail } from './event-tail';
import { FeedFollower, type FeedSink } from './feed-follower';
import { readFeedFilter, readPosition } from './feed-filter';

// One frame per event, serialised and UTF-8 encoded once however many clients receive it: a
// string would be measured and encoded again for every socket (bench/live-feeds.ts profile).
const frames = new WeakMap<FeedEvent, Buffer>();
function frameOf(event: FeedEvent): Buffer {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = Buffer.from(
      `id: ${event.position}\nevent: ${event.type}\ndata: ${JSON.stringify(event.envelope)}\n\n`,
    );
    frames.set(event, frame);
  }
  return frame;
}
const KEEPALIVE = Buffer.from(': keepalive\n\n');

/** One connected EventSource and the bound on what may queue for it. */
class SseClient implements FeedSink {
  isLive = false;

  constructor(
    private readonly res: Response,
    private readonly maxBufferedBytes: number,
    private readonly slowClientMs: number,
  ) {}

  get isGone(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  send(event: FeedEvent): void {
    this.write(frameOf(event));
  }

  write(chunk: Buffer): void {
    if (this.isGone) return;
    this.res.write(chunk);
    // A client that does not read would make its backlog live in our memory: it is dropped
    // and resumes with Last-Event-ID once it can keep up.
    if (this.isLive && this.res.writableLength > this.maxBufferedBytes) this.res.destroy();
  }

  /** Resolves once what was written has left for the socket, or the client is gone. */
  async drained(): Promise<void> {
    if (this.isGone || this.res.writableLength <= this.maxBufferedBytes) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.res.destroy();
        done();
      }, this.slowClientMs);
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  end(): void {
    if (!this.isGone) this.res.end();
  }
}

export interface SseOptions {
  heartbeatMs: number;
  /** Bytes that may wait in a client's socket buffer before the client is dropped. */
  maxBufferedBytes: number;
  /** How long the backlog read waits for a client to take a page before dropping it. */
  slowClientMs: number;
}

/** The connected SSE clients of one process, with one heartbeat timer for them all. */
export class SseStreams {
  private readonly clients = new Set<SseClient>();
  private heartbeat: NodeJS.Timeout | undefined;
  private isClosed = false;

  constructor(
    private readonly db: Database,
    private readonly tail: EventTail,
    private readonly logger: Logger,
    private readonly options: SseOptions,
  ) {}

  readonly handle = async (req: Request, res: Response): Promise<void> => {
    const filter = readFeedFilter(req);
    const after =
      readPosition(req.get('last-event-id'), '#/headers/last-event-id') ??
      readPosition(req.query.after, '#/query/after');
    if (this.isClosed) throw new Problem(503, 'service-unavailable', 'The gateway is stopping.');

    res.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold events back in their buffers.
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);

    const client = new SseClient(res, this.options.maxBufferedBytes, this.options.slowClientMs);
    const follower = new FeedFollower(client, filter);
    try {
      await follower.subscribe(this.tail);
    } catch (error) {
      // Headers are out, so no problem+json: the client reconnects with what it last saw.
      this.logger.error({ err: error }, 'could not start the event tail for an SSE client');
      res.destroy();
      return;
    }
    this.add(client);
    const forget = () => {
      follower.stop();
      this.clients.delete(client);
      if (this.clients.size === 0) this.stopHeartbeat();
    };
    res.on('close', forget);
    // Gone while subscribing: its 'close' has already been emitted.
    if (client.isGone) return forget();

    try {
      await follower.catchUp(this.db, after);
    } catch (error) {
      this.logger.error({ err: error }, 'could not read the event backlog for an SSE client');
      res.destroy();
      return;
    }
    client.isLive = true;
    follower.goLive();
  };

  closeAll(): void {
    this.isClosed = true;
    this.stopHeartbeat();
    for (const client of this.clients) client.end();
  }

  private add(client: SseClient): void {
    this.clients.add(client);
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => {
        for (const each of this.clients) each.write(KEEPALIVE);
      }, this.options.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
