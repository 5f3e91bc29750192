import type { Database } from './database';

/** Which events a feed reader wants; every given criterion must hold. */
export interface EventFeedFilter {
  /** Event type patterns, `*` matching any run of characters (as routing's subscriptions). */
  types?: string[];
  partners?: string[];
  subject?: string;
}

/** One event as the live feeds send it; `position` is the global order and the feed cursor. */
export interface FeedEvent {
  /** Safe as a number: 2^53 events is beyond any store's lifetime. */
  position: number;
  id: string;
  type: string;
  partnerId: string | null;
  subject: string | null;
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
  envelope: unknown;
  created_at: Date | string;
}

/** `*` means any run of characters; LIKE's own wildcards and escape are taken literally. */
function typePatternToLike(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
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
  const { types, partners, subject } = options.filter ?? {};
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
  params.push(options.limit);
  const rows = await db.query<FeedRow>(
    `SELECT position, id, type, partner_id, subject, envelope, created_at
     FROM events WHERE ${where.join(' AND ')}
     ORDER BY position LIMIT $${params.length}`,
    params,
  );
  return rows.map((row) => ({
    position: Number(row.position),
    id: row.id,
    type: row.type,
    partnerId: row.partner_id,
    subject: row.subject,
    envelope: row.envelope,
    createdAt: new Date(row.created_at).toISOString(),
  }));
}

/** The position of the newest stored event, 0 when there is none. */
export async function latestEventPosition(db: Database): Promise<number> {
  const rows = await db.query<{ latest: string | number | null }>(
    'SELECT max(position) AS latest FROM events',
  );
  return Number(rows[0]?.latest ?? 0);
}
