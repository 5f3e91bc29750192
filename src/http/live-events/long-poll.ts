import type { Request, Response } from 'express';
import type { Database } from '../../store/database';
import { readEventsAfter, type FeedEvent } from '../../store/event-feed';
import { Problem } from '../problem';
import { feedEventJson } from './event-json';
import type { EventTail } from './event-tail';
import { matchesFeedFilter, readFeedFilter, readPosition } from './feed-filter';

const MAX_WAIT_SECONDS = 30;
const MAX_LIMIT = 500;

function readWaitSeconds(value: unknown): number {
  if (value === undefined || value === '') return 0;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Problem(400, 'validation-failed', 'wait must be a number of seconds.', {
      errors: [{ pointer: '#/query/wait', detail: `must be from 0 to ${MAX_WAIT_SECONDS}` }],
    });
  }
  return Math.min(seconds, MAX_WAIT_SECONDS);
}

/**
 * `GET /api/v1/events?after=&wait=&limit=` (a request with `after` or `wait`; without either it
 * is the listing, event-listing.ts): the events after `after` at once when the store
 * has some, else the first the tail brings within `wait` seconds, else none. `next` is the
 * cursor for the following call: everything up to it has been looked at.
 */
export class LongPolls {
  private readonly waiting = new Set<() => void>();
  private isClosed = false;

  constructor(
    private readonly db: Database,
    private readonly tail: EventTail,
  ) {}

  readonly handle = async (req: Request, res: Response): Promise<void> => {
    const filter = readFeedFilter(req);
    const after = readPosition(req.query.after, '#/query/after') ?? 0;
    const waitSeconds = readWaitSeconds(req.query.wait);
    const limit = Math.min(MAX_LIMIT, Math.max(1, Number(req.query.limit ?? 100) || 100));
    if (this.isClosed) throw new Problem(503, 'service-unavailable', 'The gateway is stopping.');

    // Subscribed before the store is read, so an event stored meanwhile is in one or the other.
    const arrived: FeedEvent[] = [];
    let isFull = false;
    let through = after;
    let wake: (() => void) | undefined;
    const subscription = await this.tail.subscribe((batch) => {
      if (isFull) return;
      for (const event of batch.events) {
        if (event.position <= through) continue;
        if (matchesFeedFilter(filter, event)) {
          if (arrived.length === limit) {
            isFull = true;
            break;
          }
          arrived.push(event);
        }
        through = event.position;
      }
      if (!isFull) through = Math.max(through, batch.horizon);
      if (arrived.length > 0) wake?.();
    });
    try {
      if (after < subscription.from) {
        const backlog = await readEventsAfter(this.db, after, {
          filter,
          limit,
          through: subscription.from,
        });
        if (backlog.length > 0) {
          const next =
            backlog.length === limit ? backlog[backlog.length - 1]!.position : subscription.from;
          res.json({ events: backlog.map(feedEventJson), next });
          return;
        }
      }
      through = Math.max(through, subscription.from);
      if (arrived.length === 0 && waitSeconds > 0 && !this.isClosed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => wake?.(), waitSeconds * 1000);
          wake = () => {
            clearTimeout(timer);
            this.waiting.delete(wake!);
            res.off('close', wake!);
            resolve();
          };
          this.waiting.add(wake);
          res.on('close', wake);
        });
      }
    } finally {
      subscription.unsubscribe();
    }
    if (!res.destroyed) res.json({ events: arrived.map(feedEventJson), next: through });
  };

  /** Answers every waiting poll with what it has, so the server can close. */
  closeAll(): void {
    this.isClosed = true;
    for (const wake of [...this.waiting]) wake();
  }
}
