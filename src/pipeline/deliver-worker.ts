import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type Redis from 'ioredis';
import type { Logger } from '../log';
import type { CanonicalEvent } from '../canonical';
import type { OutboundAdapter, SendContext, SendResult } from '../outbound/adapter';
import { DeliveryError } from '../outbound/adapter';
import type { LoadedPartner, PartnerRegistry } from '../partners/registry';
import type { MessageStore } from '../store/message-store';
import { DEFAULT_RETRY_POLICY, retryDelayMs } from './backoff';
import { DELIVER_QUEUE, QUEUE_PREFIX, type DeliverJob } from './queues';

export interface DeliverDeps {
  store: MessageStore;
  partners: PartnerRegistry;
  adapters: ReadonlyMap<string, OutboundAdapter>;
  logger: Logger;
}

/**
 * The third step, one job per (event, destination): send through the destination's channel
 * and record the outcome. A retryable failure is recorded as `retrying` and rethrown so
 * BullMQ schedules the next attempt; the last attempt, or a permanent failure, is recorded as
 * a dead letter with its reason, which an operator can replay.
 */
export async function deliver(job: Job<DeliverJob>, deps: DeliverDeps): Promise<void> {
  const { data } = job;
  const attempt = job.attemptsMade + 1;
  const log = deps.logger.child({
    messageId: data.messageId,
    correlationId: data.correlationId,
    deliveryId: data.deliveryId,
  });
  const base = { deliveryId: data.deliveryId, messageId: data.messageId, attempt };
  try {
    const partner = deps.partners.get(data.destination);
    if (!partner || partner.config.enabled === false) {
      throw new DeliveryError(
        `destination partner ${data.destination} is not configured or disabled`,
        false,
      );
    }
    const adapter = deps.adapters.get(data.channel);
    if (!adapter) throw new DeliveryError(`no outbound adapter named ${data.channel}`, false);
    const context = { deliveryId: data.deliveryId, attempt };
    const result = data.outboundMessageId
      ? await sendStoredMessage(adapter, data.outboundMessageId, partner, context)
      : await adapter.send(requireEvent(data), partner, context);
    if (result.deferred) {
      log.info({ destination: data.destination }, 'queued for a batch interchange');
      return;
    }
    await deps.store.recordDeliveryOutcome({
      ...base,
      status: 'delivered',
      statusCode: result.statusCode,
      error: null,
    });
    log.info(
      { destination: data.destination, attempt, statusCode: result.statusCode },
      'delivered',
    );
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error; // a store failure: BullMQ retries the job
    const isLastAttempt = !error.retryable || attempt >= (job.opts.attempts ?? 1);
    await deps.store.recordDeliveryOutcome({
      ...base,
      status: isLastAttempt ? 'dead' : 'retrying',
      statusCode: error.statusCode,
      error: error.message,
    });
    log.warn(
      {
        destination: data.destination,
        attempt,
        statusCode: error.statusCode,
        reason: error.message,
        dead: isLastAttempt,
      },
      isLastAttempt ? 'delivery dead-lettered' : 'delivery failed, will retry',
    );
    throw isLastAttempt ? new UnrecoverableError(error.message) : error;
  }
}

function sendStoredMessage(
  adapter: OutboundAdapter,
  messageId: string,
  partner: LoadedPartner,
  context: SendContext,
): Promise<SendResult> {
  if (!adapter.sendMessage) {
    throw new DeliveryError(
      `the ${adapter.name} channel cannot send stored message ${messageId}`,
      false,
    );
  }
  return adapter.sendMessage(messageId, partner, context);
}

function requireEvent(job: DeliverJob): CanonicalEvent {
  if (!job.event) throw new UnrecoverableError(`deliver job ${job.deliveryId} has no event`);
  return job.event;
}

export function startDeliverWorker(
  connection: Redis,
  concurrency: number,
  deps: DeliverDeps,
): Worker<DeliverJob> {
  const worker = new Worker<DeliverJob>(DELIVER_QUEUE, async (job) => deliver(job, deps), {
    connection,
    prefix: QUEUE_PREFIX,
    concurrency,
    settings: {
      backoffStrategy: (attemptsMade, _type, error, job) => {
        const destination = (job?.data as DeliverJob | undefined)?.destination;
        const policy = {
          ...DEFAULT_RETRY_POLICY,
          ...(destination ? deps.partners.get(destination)?.config.outbound?.retry : undefined),
        };
        const retryAfterMs = error instanceof DeliveryError ? error.retryAfterMs : undefined;
        return retryDelayMs(attemptsMade, policy, retryAfterMs);
      },
    },
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'deliver worker error'));
  return worker;
}

/** Puts a dead delivery back in the queue with a fresh set of attempts. */
export async function replayDelivery(
  deliveryId: string,
  deps: { store: MessageStore; partners: PartnerRegistry; deliverQueue: Queue<DeliverJob> },
  reason: string,
): Promise<'replayed' | 'not-found' | 'already-delivered'> {
  const existing = await deps.store.getDelivery(deliveryId);
  if (!existing) return 'not-found';
  const reopened = await deps.store.reopenDelivery(deliveryId, reason);
  if (!reopened) return 'already-delivered';
  await enqueueDelivery(reopened, deps);
  return 'replayed';
}

/** (Re-)enqueues a stored delivery; the job id names the replay round so it never collides. */
export async function enqueueDelivery(
  delivery: {
    id: string;
    eventId: string | null;
    outboundMessageId: string | null;
    messageId: string;
    destination: string;
    channel: string;
    replays: number;
  },
  deps: { store: MessageStore; partners: PartnerRegistry; deliverQueue: Queue<DeliverJob> },
): Promise<void> {
  let job: Pick<DeliverJob, 'correlationId' | 'event' | 'outboundMessageId'>;
  if (delivery.outboundMessageId) {
    const message = await deps.store.getMessage(delivery.outboundMessageId);
    if (!message)
      throw new Error(
        `message ${delivery.outboundMessageId} of delivery ${delivery.id} is missing from the store`,
      );
    job = { correlationId: message.correlationId, outboundMessageId: delivery.outboundMessageId };
  } else {
    const event = delivery.eventId ? await deps.store.getEvent(delivery.eventId) : undefined;
    if (!event)
      throw new Error(
        `event ${delivery.eventId} of delivery ${delivery.id} is missing from the store`,
      );
    const envelope = event.envelope as unknown as CanonicalEvent;
    job = { correlationId: envelope.correlationid, event: envelope };
  }
  const retry = {
    ...DEFAULT_RETRY_POLICY,
    ...deps.partners.get(delivery.destination)?.config.outbound?.retry,
  };
  await deps.deliverQueue.add(
    delivery.channel,
    {
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      messageId: delivery.messageId,
      destination: delivery.destination,
      channel: delivery.channel,
      ...job,
    },
    {
      jobId: delivery.replays === 0 ? delivery.id : `${delivery.id}.r${delivery.replays}`,
      attempts: retry.attempts,
      backoff: { type: 'crossdock' },
    },
  );
}
