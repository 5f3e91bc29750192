import { randomBytes } from 'node:crypto';

// Crockford base32: sortable, unambiguous, URL- and BullMQ-job-id safe.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID-shaped id: 48 bits of milliseconds then 80 random bits, so ids sort by arrival
 * time, which is what operators scanning messages expect.
 */
export function newSortableId(now = Date.now()): string {
  let out = '';
  let time = now;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[time % 32] + out;
    time = Math.floor(time / 32);
  }
  const random = randomBytes(10);
  let bits = 0;
  let value = 0;
  for (const byte of random) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(value >> bits) & 31];
    }
  }
  return out;
}

export function newMessageId(): string {
  return `msg_${newSortableId()}`;
}

export function newCorrelationId(): string {
  return `cor_${newSortableId()}`;
}

/** Derived, not random: re-processing a message yields the same event ids. */
export function eventIdFor(messageId: string, seq: number): string {
  return `evt_${messageId.slice(4)}_${seq}`;
}

/** Derived, not random: re-routing an event yields the same delivery ids (and job ids). */
export function deliveryIdFor(eventId: string, destination: string): string {
  return `dlv_${eventId.slice(4)}_${destination}`;
}
