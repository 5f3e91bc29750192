import type { Logger } from '../../log';
import type { Database } from '../../store/database';
import {
  latestEventPosition,
  listenForStoredEvents,
  readEventsAfter,
  type FeedEvent,
} from '../../store/event-feed';

/** What one tick of the tail brings: every event after the previous horizon up to `horizon`. */
export interface TailBatch {
  events: FeedEvent[];
  horizon: number;
}

export type TailListener = (batch: TailBatch) => void;

export interface TailSubscription {
  /** The listener gets every event after this position, and none at or before it. */
  from: number;
  unsubscribe(): void;
}

export interface EventTailOptions {
  /**
   * How often the store is read when no notification came: the safety net for a notification
   * lost with its connection, or events stored by something that does not announce them.
   */
  pollMs?: number;
  pageSize?: number;
  /**
   * How long a hole in positions is waited for before it is skipped. An identity value is
   * taken when a row is inserted but seen only when its transaction commits, so a later
   * position can be visible first; a hole that stays is a rolled-back or skipped insert.
   */
  gapGraceMs?: number;
}

/**
 * One per process: while any reader is connected, reads the events the store gained since the
 * last tick (one query for everyone, whichever process stored them) and hands them to every
 * listener in position order. A tick follows each notification that events were stored, and
 * at the latest `pollMs` after the last one; the positions, not the notifications, say what
 * is new. Nothing past a hole is handed out until the hole fills or its grace runs out, so a
 * reader that resumes from the last position it saw misses nothing.
 */
export class EventTail {
  private readonly listeners = new Set<TailListener>();
  private readonly pollMs: number;
  private readonly pageSize: number;
  private readonly gapGraceMs: number;
  private state: 'idle' | 'starting' | 'running' = 'idle';
  private ready: Promise<void> = Promise.resolve();
  private loop: Promise<void> = Promise.resolve();
  private horizon = 0;
  private hole: { position: number; since: number } | undefined;
  private isClosed = false;
  private wake: (() => void) | undefined;
  /** A notification came while a tick was reading: read again before sleeping. */
  private isReadDue = false;
  private unlisten: (() => Promise<void>) | undefined;
  private listenTriedAt = 0;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    options: EventTailOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.pageSize = options.pageSize ?? 500;
    this.gapGraceMs = options.gapGraceMs ?? 3000;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  async subscribe(listener: TailListener): Promise<TailSubscription> {
    while (this.state !== 'running') {
      if (this.isClosed) throw new Error('the event tail is closed');
      if (this.state === 'idle') this.ready = this.start();
      await this.ready;
    }
    // Added and `from` read in one synchronous step, so no batch falls between them.
    this.listeners.add(listener);
    return { from: this.horizon, unsubscribe: () => this.listeners.delete(listener) };
  }

  async close(): Promise<void> {
    this.isClosed = true;
    this.listeners.clear();
    this.wake?.();
    await this.ready.catch(() => undefined);
    await this.loop;
  }

  private async start(): Promise<void> {
    this.state = 'starting';
    // Listening before the horizon is read: an event stored in between is announced too.
    await this.startListening();
    try {
      this.horizon = await latestEventPosition(this.db);
    } catch (error) {
      this.state = 'idle';
      await this.stopListening();
      throw error;
    }
    this.hole = undefined;
    this.state = 'running';
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let caughtUp = true;
    // The subscriber that started the tail registers only once start() has returned, so the
    // first pass does not take an empty set of listeners for the last one having left.
    let isFirstPass = true;
    for (;;) {
      if (caughtUp && !this.isReadDue) await this.sleep();
      this.isReadDue = false;
      if (this.isClosed || (this.listeners.size === 0 && !isFirstPass)) {
        this.state = 'idle';
        await this.stopListening();
        return;
      }
      isFirstPass = false;
      if (!this.unlisten && Date.now() - this.listenTriedAt >= this.pollMs) {
        await this.startListening();
      }
      try {
        caughtUp = await this.tick();
      } catch (error) {
        this.logger.error({ err: error }, 'event tail could not read the store; will try again');
        caughtUp = true;
      }
    }
  }

  /** Reads one page after the horizon and hands out its settled part; true when caught up. */
  private async tick(): Promise<boolean> {
    const page = await readEventsAfter(this.db, this.horizon, { limit: this.pageSize });
    const settled: FeedEvent[] = [];
    let expected = this.horizon + 1;
    for (const event of page) {
      if (event.position !== expected && !this.hasHoleExpired(expected)) break;
      settled.push(event);
      expected = event.position + 1;
    }
    if (settled.length > 0) {
      this.horizon = settled[settled.length - 1]!.position;
      if (this.hole && this.hole.position <= this.horizon) this.hole = undefined;
      const batch = { events: settled, horizon: this.horizon };
      for (const listener of [...this.listeners]) {
        try {
          listener(batch);
        } catch (error) {
          this.logger.error({ err: error }, 'live event listener failed');
        }
      }
    }
    return page.length < this.pageSize || settled.length < page.length;
  }

  /** Without notifications the tail still works, on its poll alone; each tick tries again. */
  private async startListening(): Promise<void> {
    const isRetry = this.listenTriedAt > 0;
    this.listenTriedAt = Date.now();
    try {
      // A closure of its own each time: stopping an earlier listen never stops this one.
      this.unlisten = await listenForStoredEvents(this.db, () => this.notice());
      this.listenTriedAt = 0;
    } catch (error) {
      if (!isRetry) {
        this.logger.warn({ err: error }, 'event tail cannot listen for stored events; polling');
      }
    }
  }

  private async stopListening(): Promise<void> {
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.().catch((error: unknown) =>
      this.logger.warn({ err: error }, 'event tail could not stop listening'),
    );
  }

  private notice(): void {
    if (this.wake) this.wake();
    else this.isReadDue = true;
  }

  private hasHoleExpired(position: number): boolean {
    const now = Date.now();
    if (this.hole?.position !== position) {
      this.hole = { position, since: now };
      return false;
    }
    if (now - this.hole.since < this.gapGraceMs) return false;
    this.logger.warn({ position }, 'event positions skipped after waiting for them');
    return true;
  }

  /** Until a notification, the poll, or the open hole's grace running out, whichever is first. */
  private sleep(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    const untilHoleExpires = this.hole
      ? this.hole.since + this.gapGraceMs - Date.now() + 1
      : Infinity;
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.wake = undefined;
          resolve();
        },
        Math.max(0, Math.min(this.pollMs, untilHoleExpires)),
      );
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
