import type { Request } from 'express';
import { matchesEventPattern } from '../../pipeline/routing';
import type { EventFeedFilter, FeedEvent } from '../../store/event-feed';
import { Problem } from '../problem';

/** A query value given once, repeated, or comma-separated, as a list of non-empty strings. */
function listParam(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const values = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  const list = values.map((v) => v.trim()).filter((v) => v.length > 0);
  return list.length > 0 ? list : undefined;
}

/** `type`, `partner` and `subject` from the query string, the same for every feed. */
export function readFeedFilter(req: Request): EventFeedFilter {
  const subject = req.query.subject;
  if (Array.isArray(subject)) {
    throw new Problem(400, 'validation-failed', 'subject may be given once.', {
      errors: [{ pointer: '#/query/subject', detail: 'must be given once' }],
    });
  }
  return {
    types: listParam(req.query.type),
    partners: listParam(req.query.partner),
    subject: subject === undefined ? undefined : String(subject),
  };
}

/** The in-memory twin of the store's filter, for events the tail fans out. */
export function matchesFeedFilter(filter: EventFeedFilter, event: FeedEvent): boolean {
  if (filter.types && !filter.types.some((pattern) => matchesEventPattern(pattern, event.type)))
    return false;
  if (filter.partners && !filter.partners.includes(event.partnerId ?? '')) return false;
  if (filter.subject !== undefined && filter.subject !== event.subject) return false;
  return true;
}

/** A non-negative integer position from a query value or header, or undefined when absent. */
export function readPosition(value: unknown, pointer: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const text = String(value).trim();
  if (!/^\d{1,15}$/.test(text)) {
    throw new Problem(400, 'validation-failed', `${pointer} must be an event position.`, {
      errors: [{ pointer, detail: 'must be a non-negative integer' }],
    });
  }
  return Number(text);
}
