import type { CanonicalEvent } from '../../canonical';
import type { LoadedPartner } from '../../partners/registry';
import { matchesEventPattern } from '../../pipeline/routing';

/**
 * The order key of an event's delivery to a subscriber: the event's subject when one of the
 * subscriber's subscriptions that takes this event type asks for `ordered` delivery, else null.
 * An event without a subject has nothing to be ordered by.
 */
export function orderKeyFor(event: CanonicalEvent, partner: LoadedPartner): string | null {
  if (event.subject === undefined || event.subject === '') return null;
  const isOrdered = (partner.config.subscriptions ?? []).some(
    (subscription) =>
      subscription.ordered === true &&
      subscription.events.some((pattern) => matchesEventPattern(pattern, event.type)) &&
      (!subscription.fromPartners || subscription.fromPartners.includes(event.partnerid)),
  );
  return isOrdered ? event.subject : null;
}
