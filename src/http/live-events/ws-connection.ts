import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../../log';
import type { Database } from '../../store/database';
import type { FeedEvent } from '../../store/event-feed';
import type { Reader } from '../api-keys';
import { Problem } from '../problem';
import type { EventTail } from './event-tail';
import { FeedFollower } from './feed-follower';
import { parseFeedFilter, readPosition } from './feed-filter';

/** RFC 6455 policy violation: the client did not read what it subscribed to. */
export const CLOSE_TOO_SLOW = 1008;
export const CLOSE_GOING_AWAY = 1001;
const MAX_ID_LENGTH = 200;

// The CloudEvent's JSON, built once however many subscriptions receive it.
const envelopes = new WeakMap<FeedEvent, string>();
function envelopeJson(event: FeedEvent): string {
  let json = envelopes.get(event);
  if (json === undefined) {
    json = JSON.stringify(event.envelope);
    envelopes.set(event, json);
  }
  return json;
}

export interface WsConnectionOptions {
  /** Bytes that may wait in a client's send buffer before the client is dropped. */
  maxBufferedBytes: number;
  /** How long a backlog read waits for the client to take a page before dropping it. */
  slowClientMs: number;
  maxSubscriptions: number;
}

interface Context {
  db: Database;
  tail: EventTail;
  logger: Logger;
  options: WsConnectionOptions;
  /** Who opened the socket: a partner's subscriptions see only what the partner may read. */
  reader: Reader;
}

type ClientMessage = Record<string, unknown>;

/**
 * One WebSocket client and its subscriptions, each a follower of the feed with its own filter
 * and cursor. A bad message gets an error message back; only a client that does not keep up
 * is closed.
 */
export class WsConnection {
  isAlive = true;
  private readonly followers = new Map<string, FeedFollower>();
  /** Subscriptions still sending their backlog, which waits for the client on its own. */
  private catchingUp = 0;
  private readonly writeWaiters = new Set<() => void>();

  constructor(
    private readonly ws: WebSocket,
    private readonly context: Context,
  ) {
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    ws.on('pong', () => (this.isAlive = true));
    ws.on('close', () => this.stopAll());
  }

  get isGone(): boolean {
    return this.ws.readyState !== this.ws.OPEN;
  }

  ping(): void {
    this.isAlive = false;
    this.ws.ping();
  }

  terminate(): void {
    this.stopAll();
    this.ws.terminate();
  }

  close(code: number, reason: string): void {
    this.stopAll();
    if (!this.isGone) this.ws.close(code, reason);
  }

  /** Resolves once the client has taken what was sent, or is dropped after `slowClientMs`. */
  private async drained(): Promise<void> {
    if (this.isGone || this.ws.bufferedAmount <= this.context.options.maxBufferedBytes) return;
    await new Promise<void>((resolve) => {
      const check = () => {
        if (this.isGone || this.ws.bufferedAmount <= this.context.options.maxBufferedBytes) done();
      };
      const done = () => {
        clearTimeout(timer);
        this.writeWaiters.delete(check);
        this.ws.off('close', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.close(CLOSE_TOO_SLOW, 'client too slow: resubscribe with after');
        done();
      }, this.context.options.slowClientMs);
      this.writeWaiters.add(check);
      this.ws.on('close', done);
    });
  }

  private readonly written = (): void => {
    // A failed write is followed by the socket's 'close', which releases the subscriptions.
    for (const check of [...this.writeWaiters]) check();
  };

  private sendText(text: string): void {
    if (this.isGone) return;
    this.ws.send(text, this.written);
    // A client that does not read would make its backlog live in our memory: it is dropped
    // and resubscribes with `after` once it can keep up.
    if (this.catchingUp === 0 && this.ws.bufferedAmount > this.context.options.maxBufferedBytes) {
      this.close(CLOSE_TOO_SLOW, 'client too slow: resubscribe with after');
    }
  }

  private sendEvent(subscription: string, event: FeedEvent): void {
    this.sendText(
      `{"type":"event","subscription":${JSON.stringify(subscription)},"position":"${event.position}","event":${envelopeJson(event)}}`,
    );
  }

  private sendError(message: string, id?: string): void {
    this.sendText(JSON.stringify({ type: 'error', ...(id === undefined ? {} : { id }), message }));
  }

  private receive(data: RawData, isBinary: boolean): void {
    let message: unknown;
    try {
      message = isBinary ? undefined : JSON.parse(data.toString());
    } catch {
      return this.sendError('A message must be a JSON object sent as text.');
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      return this.sendError('A message must be a JSON object sent as text.');
    }
    const clientMessage = message as ClientMessage;
    if (clientMessage.type === 'subscribe') return void this.subscribe(clientMessage);
    if (clientMessage.type === 'unsubscribe') return this.unsubscribe(clientMessage);
    this.sendError('type must be "subscribe" or "unsubscribe".', idOf(clientMessage));
  }

  private async subscribe(message: ClientMessage): Promise<void> {
    const id = idOf(message);
    if (id === undefined) {
      return this.sendError(`subscribe needs an id: a string of 1 to ${MAX_ID_LENGTH} characters.`);
    }
    if (this.followers.has(id)) return this.sendError(`Subscription ${id} already exists.`, id);
    if (this.followers.size >= this.context.options.maxSubscriptions) {
      return this.sendError(
        `A connection may hold ${this.context.options.maxSubscriptions} subscriptions.`,
        id,
      );
    }
    let follower: FeedFollower;
    let after: number | undefined;
    try {
      const filter = message.filter ?? {};
      if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
        throw new Problem(400, 'validation-failed', 'filter must be an object.');
      }
      const isConnectionGone = () => this.isGone;
      follower = new FeedFollower(
        {
          get isGone() {
            return isConnectionGone();
          },
          send: (event) => this.sendEvent(id, event),
          drained: () => this.drained(),
        },
        parseFeedFilter(filter, '#/filter', this.context.reader),
      );
      after = readPosition(message.after, '#/after');
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      return this.sendError(error.detail, id);
    }
    this.followers.set(id, follower);
    this.catchingUp += 1;
    try {
      const from = await follower.subscribe(this.context.tail);
      // Unsubscribed, or the connection closed, while the tail was starting.
      if (this.followers.get(id) !== follower) return;
      this.sendText(JSON.stringify({ type: 'subscribed', id, position: String(after ?? from) }));
      await follower.catchUp(this.context.db, after);
      follower.goLive();
    } catch (error) {
      this.context.logger.error({ err: error }, 'could not start a WebSocket event subscription');
      follower.stop();
      if (this.followers.get(id) === follower) this.followers.delete(id);
      this.sendError(`Subscription ${id} could not start; subscribe again.`, id);
    } finally {
      this.catchingUp -= 1;
    }
  }

  private unsubscribe(message: ClientMessage): void {
    const id = idOf(message);
    const follower = id === undefined ? undefined : this.followers.get(id);
    if (id === undefined || !follower) {
      return this.sendError(`No subscription ${String(message.id)}.`, id);
    }
    follower.stop();
    this.followers.delete(id);
  }

  private stopAll(): void {
    for (const follower of this.followers.values()) follower.stop();
    this.followers.clear();
  }
}

function idOf(message: ClientMessage): string | undefined {
  const id = message.id;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH ? id : undefined;
}
