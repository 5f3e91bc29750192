import type Redis from 'ioredis';
import { QUEUE_PREFIX } from '../../pipeline/queues';
import type { WebhookInbound } from '../../partners/partner.generated';
import type { HeaderReader } from './verify';

/**
 * The sender's id of one delivery, the same on each of its retries: Standard Webhooks
 * webhook-id, GitHub X-GitHub-Delivery, a Stripe event's `id`, or the configured hmac header.
 */
export function deliveryIdOf(
  settings: WebhookInbound,
  header: HeaderReader,
  payload: unknown,
): string | undefined {
  switch (settings.scheme) {
    case 'standard-webhooks':
      return header('webhook-id') || undefined;
    case 'github':
      return header('x-github-delivery') || undefined;
    case 'stripe': {
      const id = (payload as { id?: unknown } | null)?.id;
      return typeof id === 'string' && id !== '' ? id : undefined;
    }
    case 'hmac':
      return (settings.idHeader && header(settings.idHeader)) || undefined;
  }
}

/**
 * Remembers delivery ids in Redis for as long as their signature could still be accepted. A
 * signed timestamp passes while it is within the tolerance either side of our clock, so an id
 * is kept for twice the tolerance: a replay later than that carries a stale timestamp.
 */
export class DeliveryIds {
  constructor(private readonly redis: Redis) {}

  /** True when this is the first time the id is seen (and it is now remembered). */
  async claim(partnerId: string, deliveryId: string, toleranceSeconds: number): Promise<boolean> {
    const stored = await this.redis.set(
      this.key(partnerId, deliveryId),
      '1',
      'PX',
      2 * toleranceSeconds * 1000,
      'NX',
    );
    return stored === 'OK';
  }

  /** Forgets an id whose delivery was not kept, so the sender's retry is taken. */
  async release(partnerId: string, deliveryId: string): Promise<void> {
    await this.redis.del(this.key(partnerId, deliveryId));
  }

  private key(partnerId: string, deliveryId: string): string {
    return `${QUEUE_PREFIX}:webhook-delivery:${partnerId}:${deliveryId}`;
  }
}
