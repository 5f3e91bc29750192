import type { Queue } from 'bullmq';
import type { Logger } from '../log';
import type { PartnerRegistry } from '../partners/registry';
import type { MessageStore } from '../store/message-store';
import { ingestJobFor } from './intake';
import { enqueueDelivery } from './deliver-worker';
import type { DeliverJob, IngestJob } from './queues';

/** Work older than this without progress is presumed to have lost its job. */
const STALE_AFTER_MS = 5 * 60_000;
const BATCH = 500;

/**
 * The store is the record of truth; Redis may lose its last second of writes in a crash
 * (append-only fsync every second). This finds stored messages that were never processed and
 * deliveries that never finished, and enqueues them again. Job ids are the stored ids, so a
 * job that still exists is not duplicated.
 */
export async function reconcileQueues(deps: {
  store: MessageStore;
  partners: PartnerRegistry;
  ingestQueue: Queue<IngestJob>;
  deliverQueue: Queue<DeliverJob>;
  logger: Logger;
  staleAfterMs?: number;
}): Promise<{ messages: number; deliveries: number }> {
  const staleAfter = deps.staleAfterMs ?? STALE_AFTER_MS;
  const messages = await deps.store.findUnprocessedMessages(staleAfter, BATCH);
  if (messages.length > 0) {
    await deps.ingestQueue.addBulk(
      messages.map((m) => ({ name: m.protocol, data: ingestJobFor(m), opts: { jobId: m.id } })),
    );
  }
  const deliveries = await deps.store.findStalledDeliveries(staleAfter, BATCH);
  for (const delivery of deliveries) await enqueueDelivery(delivery, deps);
  if (messages.length + deliveries.length > 0) {
    deps.logger.warn(
      { messages: messages.length, deliveries: deliveries.length },
      'reconcile: re-enqueued stored work that had no progress',
    );
  }
  return { messages: messages.length, deliveries: deliveries.length };
}
