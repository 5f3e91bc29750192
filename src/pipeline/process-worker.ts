import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type Redis from 'ioredis';
import { createEvent, type CanonicalEvent } from '../canonical';
import type { Logger } from '../log';
import type { PartnerRegistry } from '../partners/registry';
import { deliveryIdFor, eventIdFor } from '../store/ids';
import type { MessageStore, NewDelivery, NewEvent } from '../store/message-store';
import type { Interpreter } from './interpreter';
import { INGEST_QUEUE, QUEUE_PREFIX, type DeliverJob, type IngestJob } from './queues';
import { routeEvent } from './routing';
import { DEFAULT_RETRY_POLICY } from './backoff';

export interface ProcessDeps {
  store: MessageStore;
  partners: PartnerRegistry;
  interpreters: ReadonlyMap<string, Interpreter>;
  deliverQueue: Queue<DeliverJob>;
  logger: Logger;
  /** The `source` of events, e.g. the gateway's public base URL. */
  eventSource: string;
}

/**
 * The second hop, one job per inbound message: interpret it into canonical events, store
 * them with one delivery per subscribed destination, then enqueue every delivery in one
 * bulk call. Ids are derived from the message id, so a retried job repeats nothing.
 */
export async function processMessage(job: IngestJob, deps: ProcessDeps): Promise<void> {
  const log = deps.logger.child({ messageId: job.messageId, correlationId: job.correlationId });
  const raw =
    job.body !== undefined
      ? Buffer.from(job.body, 'base64')
      : await deps.store.loadRaw(job.messageId);
  if (!raw) throw new UnrecoverableError(`message ${job.messageId} is not in the store`);

  const interpret = deps.interpreters.get(job.protocol);
  if (!interpret) throw new UnrecoverableError(`no interpreter for protocol ${job.protocol}`);
  const partner = job.partnerId ? deps.partners.get(job.partnerId) : undefined;
  const interpretation = await interpret({ raw, job, partner });
  if (interpretation.outcome === 'rejected') {
    await deps.store.setMessageStatus([job.messageId], 'rejected', {
      reason: interpretation.reason,
      details: interpretation.details ?? null,
    });
    log.warn({ reason: interpretation.reason }, 'message rejected');
    return;
  }

  const events: NewEvent[] = [];
  const deliveries: NewDelivery[] = [];
  const deliverJobs: Array<{ name: string; data: DeliverJob; opts: object }> = [];
  interpretation.documents.forEach((document, index) => {
    const seq = index + 1;
    const eventId = eventIdFor(job.messageId, seq);
    const event: CanonicalEvent = createEvent({
      id: eventId,
      source: deps.eventSource,
      kind: document.kind,
      subject: document.subject ?? undefined,
      data: document.data,
      partnerId: job.partnerId ?? 'unknown',
      messageId: job.messageId,
      correlationId: job.correlationId,
    });
    events.push({
      id: eventId,
      seq,
      type: event.type,
      subject: document.subject,
      partnerId: job.partnerId,
      businessKey: document.businessKey,
      envelope: event,
    });
    for (const route of routeEvent(event, deps.partners)) {
      const deliveryId = deliveryIdFor(eventId, route.destination);
      deliveries.push({
        id: deliveryId,
        eventId,
        destination: route.destination,
        channel: route.channel,
      });
      const retry = {
        ...DEFAULT_RETRY_POLICY,
        ...deps.partners.get(route.destination)?.config.outbound?.retry,
      };
      deliverJobs.push({
        name: route.channel,
        data: {
          deliveryId,
          eventId,
          messageId: job.messageId,
          correlationId: job.correlationId,
          destination: route.destination,
          channel: route.channel,
          event,
        },
        opts: { jobId: deliveryId, attempts: retry.attempts, backoff: { type: 'crossdock' } },
      });
    }
  });

  await deps.store.recordProcessed({
    messageId: job.messageId,
    businessKey: interpretation.documents[0]?.businessKey ?? null,
    events,
    deliveries,
  });
  if (deliverJobs.length > 0) await deps.deliverQueue.addBulk(deliverJobs);
  log.info({ events: events.length, deliveries: deliveries.length }, 'message processed');
}

export function startProcessWorker(
  connection: Redis,
  concurrency: number,
  deps: ProcessDeps,
): Worker<IngestJob> {
  const worker = new Worker<IngestJob>(
    INGEST_QUEUE,
    async (job: Job<IngestJob>) => processMessage(job.data, deps),
    { connection, prefix: QUEUE_PREFIX, concurrency, autorun: true },
  );
  worker.on('failed', (job, error) =>
    deps.logger.error(
      {
        messageId: job?.data.messageId,
        correlationId: job?.data.correlationId,
        err: error,
        attempt: job?.attemptsMade,
      },
      'processing failed',
    ),
  );
  worker.on('error', (error) => deps.logger.error({ err: error }, 'process worker error'));
  return worker;
}
