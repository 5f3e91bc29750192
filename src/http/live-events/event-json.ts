import type { FeedEvent } from '../../store/event-feed';

/**
 * An event as the long poll, the listing and `GET /api/v1/events/{id}` answer it (the
 * `FeedEvent` schema). Where else it was routed stays out: a partner's key reads its events,
 * not the names of the other receivers.
 */
export function feedEventJson(event: FeedEvent) {
  return {
    position: event.position,
    id: event.id,
    type: event.type,
    partnerId: event.partnerId,
    subject: event.subject,
    createdAt: event.createdAt,
    event: event.envelope,
  };
}
