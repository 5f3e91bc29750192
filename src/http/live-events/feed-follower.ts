import type { Database } from '../../store/database';
import { readEventsAfter, type EventFeedFilter, type FeedEvent } from '../../store/event-feed';
import type { EventTail, TailSubscription } from './event-tail';
import { matchesFeedFilter } from './feed-filter';

const BACKLOG_PAGE = 500;

/** Where a follower's events go: one SSE response, one WebSocket subscription. */
export interface FeedSink {
  readonly isGone: boolean;
  /** An event that passes the filter and is newer than every event sent before it. */
  send(event: FeedEvent): void;
  /** Resolves once the sink can take another backlog page, or is gone. */
  drained(): Promise<void>;
}

/**
 * One reader's place in the feed: the store's events after its cursor, then what the tail
 * brings, with no gap and nothing twice. It subscribes to the tail before reading the store,
 * so an event stored meanwhile is in one or the other; the two meet at the tail's `from`, and
 * the position of the last event sent drops anything that comes twice.
 */
export class FeedFollower {
  private lastSent = 0;
  private from = 0;
  private arrivedDuringBacklog: FeedEvent[] | undefined = [];
  private subscription: TailSubscription | undefined;
  private isStopped = false;

  constructor(
    private readonly sink: FeedSink,
    private readonly filter: EventFeedFilter,
  ) {}

  /** Starts taking the tail's events, held back until `goLive`; returns the tail's `from`. */
  async subscribe(tail: EventTail): Promise<number> {
    const subscription = await tail.subscribe((batch) => {
      if (this.arrivedDuringBacklog) this.arrivedDuringBacklog.push(...batch.events);
      else this.send(batch.events);
    });
    this.subscription = subscription;
    // Stopped while subscribing: nobody else will let go of the tail for it.
    if (this.isStopped) subscription.unsubscribe();
    this.from = this.lastSent = subscription.from;
    return subscription.from;
  }

  /** Sends the store's events after `after` up to where the tail took over. */
  async catchUp(db: Database, after: number | undefined): Promise<void> {
    if (after === undefined) return;
    this.lastSent = after;
    while (this.lastSent < this.from && !this.sink.isGone && !this.isStopped) {
      const page = await readEventsAfter(db, this.lastSent, {
        filter: this.filter,
        limit: BACKLOG_PAGE,
        through: this.from,
      });
      this.send(page);
      if (page.length < BACKLOG_PAGE) this.lastSent = this.from;
      else this.lastSent = Math.max(this.lastSent, page[page.length - 1]!.position);
      await this.sink.drained();
    }
  }

  /** Sends what the tail brought during the catch-up, then each batch as it comes. */
  goLive(): void {
    const pending = this.arrivedDuringBacklog ?? [];
    this.arrivedDuringBacklog = undefined;
    this.send(pending);
  }

  stop(): void {
    this.isStopped = true;
    this.arrivedDuringBacklog = undefined;
    this.subscription?.unsubscribe();
  }

  private send(events: FeedEvent[]): void {
    for (const event of events) {
      if (this.isStopped || this.sink.isGone) return;
      if (event.position <= this.lastSent || !matchesFeedFilter(this.filter, event)) continue;
      this.sink.send(event);
      this.lastSent = event.position;
    }
  }
}
