import type { Queue } from 'bullmq';
import type { PartnerRegistry } from '../partners/registry';
import { findDeadLetters, type DeadLetterFilter } from '../store/dead-letters';
import type { MessageStore } from '../store/message-store';
import { replayDelivery } from './deliver-worker';
import type { DeliverJob } from './queues';

const PAGE = 500;

/**
 * Puts every dead letter the filter matches back in the queue, up to `max`, a page at a time;
 * each gets a fresh set of attempts, as a replay one by one does. Returns how many went back,
 * and whether more matched than `max` (the operator repeats the call for the rest).
 */
export async function replayDeadLetters(
  filter: DeadLetterFilter & { max: number },
  deps: { store: MessageStore; partners: PartnerRegistry; deliverQueue: Queue<DeliverJob> },
  reason: string,
): Promise<{ replayed: number; more: boolean }> {
  let replayed = 0;
  let after: string | undefined;
  for (;;) {
    const room = filter.max - replayed;
    if (room <= 0) {
      const rest = await findDeadLetters(deps.store.db, { ...filter, after, limit: 1 });
      return { replayed, more: rest.length > 0 };
    }
    const limit = Math.min(PAGE, room);
    const ids = await findDeadLetters(deps.store.db, { ...filter, after, limit });
    for (const id of ids) {
      if ((await replayDelivery(id, deps, reason)) === 'replayed') replayed++;
    }
    if (ids.length < limit) return { replayed, more: false };
    after = ids[ids.length - 1];
  }
}
