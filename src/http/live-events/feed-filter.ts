import type { Request } from 'express';
import { matchesEventPattern } from '../../pipeline/routing';
import type { EventFeedFilter, FeedEvent } from '../../store/event-feed';
import { partnerOf, readerOf, type Reader } from '../api-keys';
import { Problem } from '../problem';

/** A value given once, repeated, or comma-separated, as a list of non-empty strings. */
function listParam(value: unknown, pointer: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const given = Array.isArray(value) ? value : [value];
  if (!given.every((v) => typeof v === 'string')) {
    throw new Problem(400, 'validation-failed', `${pointer} must be a string or a list of them.`, {
      errors: [{ pointer, detail: 'must be a string or an array of strings' }],
    });
  }
  const values = (given as string[]).flatMap((v) => v.split(','));
  const list = values.map((v) => v.trim()).filter((v) => v.length > 0);
  return list.length > 0 ? list : undefined;
}

/**
 * `type`, `partner` and `subject` the same for every feed, whether from a query string
 * (`#/query`) or a WebSocket subscribe message (`#/filter`); a partner's key adds, out of the
 * client's reach, that only the events the partner may read pass.
 */
export function parseFeedFilter(
  source: { type?: unknown; partner?: unknown; subject?: unknown },
  base: string,
  reader: Reader,
): EventFeedFilter {
  const subject = source.subject;
  if (subject !== undefined && subject !== null && typeof subject !== 'string') {
    throw new Problem(400, 'validation-failed', 'subject may be given once.', {
      errors: [{ pointer: `${base}/subject`, detail: 'must be given once' }],
    });
  }
  return {
    types: listParam(source.type, `${base}/type`),
    partners: listParam(source.partner, `${base}/partner`),
    subject: subject ?? undefined,
    visibleTo: partnerOf(reader),
  };
}

/** `type`, `partner` and `subject` from the query string, for the reader `requireReader` let in. */
export function readFeedFilter(req: Request): EventFeedFilter {
  return parseFeedFilter(req.query, '#/query', readerOf(req));
}

/** The in-memory twin of the store's `visibleTo`: sent by, addressed to or routed to. */
function isVisibleTo(partnerId: string, event: FeedEvent): boolean {
  return (
    event.partnerId === partnerId ||
    event.recipientId === partnerId ||
    event.destinations.includes(partnerId)
  );
}

/** The in-memory twin of the store's filter, for events the tail fans out. */
export function matchesFeedFilter(filter: EventFeedFilter, event: FeedEvent): boolean {
  if (filter.types && !filter.types.some((pattern) => matchesEventPattern(pattern, event.type)))
    return false;
  if (filter.partners && !filter.partners.includes(event.partnerId ?? '')) return false;
  if (filter.subject !== undefined && filter.subject !== event.subject) return false;
  if (filter.visibleTo !== undefined && !isVisibleTo(filter.visibleTo, event)) return false;
  return true;
}

/** A non-negative integer position from a query value or header, or undefined when absent. */
export function readPosition(value: unknown, pointer: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value).trim();
  if (!/^\d{1,15}$/.test(text)) {
    throw new Problem(400, 'validation-failed', `${pointer} must be an event position.`, {
      errors: [{ pointer, detail: 'must be a non-negative integer' }],
    });
  }
  return Number(text);
}
