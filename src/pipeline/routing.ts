import type { CanonicalEvent } from '../canonical';
import type { LoadedPartner, PartnerRegistry } from '../partners/registry';

export interface Route {
  destination: string;
  channel: string;
}

/** `*` matches any run of characters; everything else matches itself. */
export function matchesEventPattern(pattern: string, type: string): boolean {
  if (!pattern.includes('*')) return pattern === type;
  const parts = pattern.split('*');
  if (!type.startsWith(parts[0]!)) return false;
  let at = parts[0]!.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = type.indexOf(parts[i]!, at);
    if (found < 0) return false;
    at = found + parts[i]!.length;
  }
  const last = parts[parts.length - 1]!;
  return type.length - at >= last.length && type.endsWith(last);
}

function subscribes(partner: LoadedPartner, event: CanonicalEvent): boolean {
  const sourcePartner = event.partnerid;
  return (partner.config.subscriptions ?? []).some(
    (subscription) =>
      subscription.events.some((pattern) => matchesEventPattern(pattern, event.type)) &&
      (!subscription.fromPartners || subscription.fromPartners.includes(sourcePartner)),
  );
}

/** A partner reached over X12 is sent only its own documents, never another partner's. */
function takesOnlyAddressedEvents(partner: LoadedPartner): boolean {
  return partner.config.outbound!.channel.startsWith('x12-');
}

/**
 * Every enabled partner with an outbound channel that should get this event: the partner it
 * is addressed to (`recipientid`), whatever its subscriptions; and every other partner whose
 * subscriptions take it, except those reached over X12, which get only what is addressed to them.
 */
export function routeEvent(event: CanonicalEvent, partners: PartnerRegistry): Route[] {
  return partners
    .all()
    .filter((p) => {
      if (p.config.enabled === false || !p.config.outbound) return false;
      if (p.config.id === event.recipientid) return true;
      return !takesOnlyAddressedEvents(p) && subscribes(p, event);
    })
    .map((p) => ({ destination: p.config.id, channel: p.config.outbound!.channel }));
}
