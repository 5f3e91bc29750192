import type { Database } from './database';

/**
 * The channel the store NOTIFYs, in the statement that stores them, when events are stored:
 * delivered on commit to every listening connection, so readers in any process look at once.
 */
export const EVENTS_STORED_CHANNEL = 'crossdock_events_stored';

/** Calls onStored whenever events may have been stored; resolves to the way to stop. */
export function listenForStoredEvents(
  db: Database,
  onStored: () => void,
): Promise<() => Promise<void>> {
  return db.listen(EVENTS_STORED_CHANNEL, onStored);
}

/** Which events a feed reader wants; every given criterion must hold. */
export interface EventFeedFilter {
  /** Event type patterns, `*` matching any run of characters (as routing's subscriptions). */
  types?: string[];
  partners?: string[];
  subject?: string;
  /**
   * Only events this partner may read: those it sent (`partner_id`), those addressed to it
   * (the CloudEvent's `recipientid`) and those routed to it (a delivery to it).
   */
  visibleTo?: string;
}

/** One event as the live feeds send it; `position` is the global order and the feed cursor. */
export interface FeedEvent {
  /** Safe as a number: 2^53 events is beyond any store's lifetime. */
  position: number;
  id: string;
  type: string;
  partnerId: string | null;
  subject: string | null;
  /** The partner the event is addressed to (the CloudEvent's `recipientid`), if any. */
  recipientId: string | null;
  /** The partners it was routed to: one delivery each, stored with the event. */
  destinations: string[];
  /** The CloudEvent exactly as stored. */
  envelope: unknown;
  createdAt: string;
}

interface FeedRow {
  position: string | number;
  id: string;
  type: string;
  partner_id: string | null;
  subject: string | null;
  recipient_id: string | null;
  destinations: string[] | null;
  envelope: unknown;
  created_at: Date | string;
}

// Deliveries are found through their message (indexed) and are written in the same statement
// as their event, so an event is never seen without its destinations.
const FEED_COLUMNS = `position, id, type, partner_id, subject,
  envelope->>'recipientid' AS recipient_id,
  ARRAY(SELECT d.destination FROM deliveries d
        WHERE d.message_id = events.message_id AND d.event_id = events.id
        ORDER BY d.destination) AS destinations,
  envelope, created_at`;

/** `*` means any run of characters; LIKE's own wildcards and escape are taken literally. */
function typePatternToLike(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
}

/** The filter as SQL conditions on `events`, its values appended to `params`. */
function filterConditions(filter: EventFeedFilter | undefined, params: unknown[]): string[] {
  const where: string[] = [];
  const { types, partners, subject, visibleTo } = filter ?? {};
  if (types && types.length > 0) {
    params.push(types.map(typePatternToLike));
    where.push(`type LIKE ANY ($${params.length}::text[])`);
  }
  if (partners && partners.length > 0) {
    params.push(partners);
    where.push(`partner_id = ANY ($${params.length}::text[])`);
  }
  if (subject !== undefined) {
    params.push(subject);
    where.push(`subject = $${params.length}`);
  }
  if (visibleTo !== undefined) {
    params.push(visibleTo);
    const p = `$${params.length}`;
    where.push(
      `(partner_id = ${p} OR envelope->>'recipientid' = ${p} OR EXISTS (
         SELECT 1 FROM deliveries d
         WHERE d.message_id = events.message_id AND d.event_id = events.id AND d.destination = ${p}))`,
    );
  }
  return where;
}

function toFeedEvent(row: FeedRow): FeedEvent {
  return {
    position: Number(row.position),
    id: row.id,
    type: row.type,
    partnerId: row.partner_id,
    subject: row.subject,
    recipientId: row.recipient_id,
    destinations: row.destinations ?? [],
    envelope: row.envelope,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/**
 * Events with a position after `after` (and up to `through`, when given) that pass the filter,
 * oldest first, at most `limit` of them. Callers page by passing the last position back.
 */
export async function readEventsAfter(
  db: Database,
  after: number,
  options: { filter?: EventFeedFilter; limit: number; through?: number },
): Promise<FeedEvent[]> {
  const params: unknown[] = [after];
  const where = ['position > $1::bigint'];
  if (options.through !== undefined) {
    params.push(options.through);
    where.push(`position <= $${params.length}::bigint`);
  }
  where.push(...filterConditions(options.filter, params));
  params.push(options.limit);
  const rows = await db.query<FeedRow>(
    `SELECT ${FEED_COLUMNS}
     FROM events WHERE ${where.join(' AND ')}
     ORDER BY position LIMIT $${params.length}`,
    params,
  );
  return rows.map(toFeedEvent);
}

export interface EventListQuery {
  filter?: EventFeedFilter;
  /** Stored at or after this instant. */
  since?: Date;
  /** Stored before this instant. */
  until?: Date;
  /** `desc`: newest first. */
  order: 'asc' | 'desc';
  /** The position of the last event of the previous page: the next page starts past it. */
  beyond?: number;
  limit: number;
}

/**
 * One page of stored events in position order (oldest or newest first), kept to the
 * filter and to the time they were stored. Keyset paging on `position` means a page never
 * repeats or skips an event that was stored before the first page was read, however many
 * events arrive meanwhile.
 */
export async function listEvents(db: Database, query: EventListQuery): Promise<FeedEvent[]> {
  const params: unknown[] = [];
  const where = filterConditions(query.filter, params);
  if (query.since) {
    params.push(query.since.toISOString());
    where.push(`created_at >= $${params.length}::timestamptz`);
  }
  if (query.until) {
    params.push(query.until.toISOString());
    where.push(`created_at < $${params.length}::timestamptz`);
  }
  if (query.beyond !== undefined) {
    params.push(query.beyond);
    where.push(`position ${query.order === 'asc' ? '>' : '<'} $${params.length}::bigint`);
  }
  params.push(query.limit);
  const rows = await db.query<FeedRow>(
    `SELECT ${FEED_COLUMNS}
     FROM events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY position ${query.order === 'asc' ? 'ASC' : 'DESC'} LIMIT $${params.length}`,
    params,
  );
  return rows.map(toFeedEvent);
}

/** One event by id, as the feeds carry it, or undefined. */
export async function readEvent(db: Database, id: string): Promise<FeedEvent | undefined> {
  const rows = await db.query<FeedRow>(`SELECT ${FEED_COLUMNS} FROM events WHERE id = $1`, [id]);
  return rows[0] && toFeedEvent(rows[0]);
}

/** The position of the newest stored event, 0 when there is none. */
export async function latestEventPosition(db: Database): Promise<number> {
  const rows = await db.query<{ latest: string | number | null }>(
    'SELECT max(position) AS latest FROM events',
  );
  return Number(rows[0]?.latest ?? 0);
}
