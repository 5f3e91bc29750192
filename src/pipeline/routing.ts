import type { CanonicalEvent } from '../canonical';
import type { FieldValue, Subscription } from '../partners/partner.generated';
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

type FieldConditions = NonNullable<Subscription['where']>;

// Pointers come from partner files, so there are few; each is split once, not per event.
const pointerTokens = new Map<string, string[]>();

/** RFC 6901: `/a/b~1c` is ["a", "b/c"]; `~1` is `/` and `~0` is `~`, in that order. */
function tokensOf(pointer: string): string[] {
  let tokens = pointerTokens.get(pointer);
  if (!tokens) {
    tokens = pointer
      .split('/')
      .slice(1)
      .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
    pointerTokens.set(pointer, tokens);
  }
  return tokens;
}

/** The value a JSON Pointer names in a JSON document, or undefined when it names nothing. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  let current = document;
  for (const token of tokensOf(pointer)) {
    if (Array.isArray(current)) {
      // RFC 6901 array indices: digits without a leading zero.
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.hasOwn(current, token)) return undefined;
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * A subscription's `where`: every pointer must name a field holding one of its allowed
 * values, compared as JSON values (the string "42" is not the number 42). An absent field,
 * an object or an array never matches.
 */
export function matchesFieldConditions(where: FieldConditions, event: CanonicalEvent): boolean {
  for (const [pointer, allowed] of Object.entries(where)) {
    const value = resolvePointer(event, pointer);
    if (value === undefined || (typeof value === 'object' && value !== null)) return false;
    const isAllowed = Array.isArray(allowed)
      ? allowed.includes(value as FieldValue)
      : allowed === value;
    if (!isAllowed) return false;
  }
  return true;
}

function subscribes(partner: LoadedPartner, event: CanonicalEvent): boolean {
  const sourcePartner = event.partnerid;
  return (partner.config.subscriptions ?? []).some(
    (subscription) =>
      subscription.events.some((pattern) => matchesEventPattern(pattern, event.type)) &&
      (!subscription.fromPartners || subscription.fromPartners.includes(sourcePartner)) &&
      (!subscription.where || matchesFieldConditions(subscription.where, event)),
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
