import type { Request, Response } from 'express';
import type { Database } from '../../store/database';
import { listEvents, readEvent } from '../../store/event-feed';
import { partnerOf, readerOf } from '../api-keys';
import { Problem } from '../problem';
import { feedEventJson } from './event-json';
import { matchesFeedFilter, readFeedFilter } from './feed-filter';

const MAX_LIMIT = 500;
const DEFAULT_LIMIT = 100;
/** Parameters that only the listing takes; with `after` or `wait` the request is a long poll. */
export const LISTING_PARAMS = ['cursor', 'order', 'since', 'until'] as const;

type Order = 'asc' | 'desc';

function invalid(pointer: string, detail: string, message: string): Problem {
  return new Problem(400, 'validation-failed', message, { errors: [{ pointer, detail }] });
}

function singleParam(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw invalid(`#/query/${name}`, 'must be given once', `${name} may be given once.`);
  }
  return value;
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

/**
 * An ISO 8601 date (midnight UTC) or date-time with `Z` or an offset; a date-time without one
 * is refused, since the gateway's own time zone is nothing a client should depend on.
 */
export function parseIsoInstant(text: string): Date | undefined {
  const match = ISO_INSTANT.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as number[];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth) return undefined;
  if (hour! > 23 || minute! > 59 || second! > 59) return undefined;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const [oh, om] = [Number(digits.slice(0, 2)), Number(digits.slice(2))];
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const millis = fraction ? Math.floor(Number(fraction) * 1000) : 0;
  return new Date(
    Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, millis) - offsetMinutes * 60_000,
  );
}

function readInstant(req: Request, name: 'since' | 'until'): Date | undefined {
  const text = singleParam(req, name);
  if (text === undefined || text === '') return undefined;
  const instant = parseIsoInstant(text.trim());
  if (!instant) {
    throw invalid(
      `#/query/${name}`,
      'must be an ISO 8601 date or date-time with Z or an offset',
      `${name} must be an ISO 8601 date or date-time, e.g. 2025-03-01T09:30:00Z.`,
    );
  }
  return instant;
}

function readOrder(req: Request): Order {
  const order = singleParam(req, 'order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    throw invalid('#/query/order', 'must be asc or desc', 'order must be asc or desc.');
  }
  return order;
}

function readLimit(req: Request): number {
  const text = singleParam(req, 'limit');
  if (text === undefined) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_LIMIT) {
    throw invalid(
      '#/query/limit',
      `must be an integer from 1 to ${MAX_LIMIT}`,
      `limit must be from 1 to ${MAX_LIMIT}.`,
    );
  }
  return limit;
}

/**
 * The cursor is opaque to clients; inside it is the order it was made for and the position of
 * the last event of its page, so the next page starts right past it whatever arrived since.
 */
function encodeCursor(order: Order, position: number): string {
  return Buffer.from(`e1:${order}:${position}`).toString('base64url');
}

function readCursor(req: Request, order: Order): number | undefined {
  const text = singleParam(req, 'cursor');
  if (text === undefined || text === '') return undefined;
  const match = /^e1:(asc|desc):(\d{1,15})$/.exec(Buffer.from(text, 'base64url').toString());
  if (!match) {
    throw invalid(
      '#/query/cursor',
      'must be the cursor of a previous page',
      'cursor is not one this listing made.',
    );
  }
  if (match[1] !== order) {
    throw invalid(
      '#/query/cursor',
      `was made for order=${match[1]}`,
      'cursor belongs to a listing in the other order; keep order as it was.',
    );
  }
  return Number(match[2]);
}

/** The request's own query (repeated parameters kept) with the next page's cursor. */
function nextPageUrl(req: Request, cursor: string): string {
  const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
  query.set('cursor', cursor);
  return `${req.baseUrl}${req.path}?${query}`;
}

/**
 * `GET /api/v1/events` without `after` or `wait`: the stored events by type, partner, subject
 * and the time they were stored (`since` inclusive, `until` exclusive), a page at a time,
 * newest first unless `order=asc`. `next` (and `Link: rel="next"`) is the following page,
 * null on the last. A partner's key lists only the events it may read.
 */
export async function listStoredEvents(db: Database, req: Request, res: Response): Promise<void> {
  const filter = readFeedFilter(req);
  const order = readOrder(req);
  const since = readInstant(req, 'since');
  const until = readInstant(req, 'until');
  if (since && until && until <= since) {
    throw invalid('#/query/until', 'must be after since', 'until must be after since.');
  }
  const limit = readLimit(req);
  const beyond = readCursor(req, order);
  // One more than asked tells whether a next page exists, so the last page says so itself.
  const found = await listEvents(db, { filter, order, since, until, beyond, limit: limit + 1 });
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor = found.length > limit && last ? encodeCursor(order, last.position) : null;
  const next = nextCursor ? nextPageUrl(req, nextCursor) : null;
  if (next) res.setHeader('link', `<${next}>; rel="next"`);
  res.json({ events: page.map(feedEventJson), next, nextCursor });
}

/** `GET /api/v1/events/{id}`: one event, when the reader may read it. */
export async function getStoredEvent(db: Database, req: Request, res: Response): Promise<void> {
  const id = String(req.params.id);
  const event = await readEvent(db, id);
  const visibleTo = partnerOf(readerOf(req));
  if (!event || !matchesFeedFilter({ visibleTo }, event))
    throw new Problem(404, 'not-found', `No event ${id}.`);
  res.json(feedEventJson(event));
}
