import { DelayedError, UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type Redis from 'ioredis';
import type { Logger } from '../log';
import type { CanonicalEvent } from '../canonical';
import type { OutboundAdapter, SendContext, SendResult } from '../outbound/adapter';
import { DeliveryError } from '../outbound/adapter';
import { DisabledEndpoints } from '../outbound/delivery-guard/disabled-endpoints';
import { EndpointGate, type CircuitTransition } from '../outbound/delivery-guard/endpoint-gate';
import { endpointLimitsOf, type EndpointLimits } from '../outbound/delivery-guard/settings';
import { EndpointGoneError } from '../outbound/webhook/endpoint-gone';
import type { LoadedPartner, PartnerRegistry } from '../partners/registry';
import { findEarlierUnfinishedDelivery } from '../store/delivery-order';
import type { MessageStore } from '../store/message-store';
import { DEFAULT_RETRY_POLICY, retryDelayMs, waitBeforeNextTry } from './backoff';
import { DELIVER_QUEUE, QUEUE_PREFIX, type DeliverJob } from './queues';

export interface DeliverDeps {
  store: MessageStore;
  partners: PartnerRegistry;
  adapters: ReadonlyMap<string, OutboundAdapter>;
  logger: Logger;
  /** Per-endpoint concurrency limit and circuit breaker, shared by every worker process. */
  gate: EndpointGate;
  /** Endpoints disabled by a 410 Gone. */
  disabledEndpoints: DisabledEndpoints;
  /** The events of deliver jobs, read from the store once per event in this process. */
  events: StoredEvents;
}

/** How many events a deliver worker keeps; a fan-out's deliveries of one event come together. */
const EVENTS_KEPT = 2_000;

/**
 * Deliver jobs name their event rather than carry it: one event fanned out to 50 subscribers
 * would otherwise be serialised into Redis 50 times, read back and parsed 50 times (about a
 * third of the deliver step's CPU in bench/results-fanout.md). An event never changes once
 * stored, so this process reads it once and hands every delivery the same object, which also
 * lets the webhook channel serialise it once. A read in progress serves every delivery that
 * asks meanwhile; a failed read is not kept.
 */
export class StoredEvents {
  private readonly kept = new Map<string, Promise<CanonicalEvent>>();

  constructor(
    private readonly store: MessageStore,
    private readonly capacity = EVENTS_KEPT,
  ) {}

  get(eventId: string): Promise<CanonicalEvent> {
    const kept = this.kept.get(eventId);
    if (kept) return kept;
    const reading = this.read(eventId);
    this.kept.set(eventId, reading);
    reading.catch(() => {
      if (this.kept.get(eventId) === reading) this.kept.delete(eventId);
    });
    // The oldest first: a Map iterates in insertion order.
    if (this.kept.size > this.capacity) this.kept.delete(this.kept.keys().next().value!);
    return reading;
  }

  private async read(eventId: string): Promise<CanonicalEvent> {
    const record = await this.store.getEvent(eventId);
    if (!record) throw new UnrecoverableError(`event ${eventId} is missing from the store`);
    return record.envelope as unknown as CanonicalEvent;
  }
}

/**
 * The third step, one job per (event, destination): send through the destination's channel
 * and record the outcome. A retryable failure is recorded as `retrying` and rethrown so
 * BullMQ schedules the next attempt; the last attempt, or a permanent failure, is recorded as
 * a dead letter with its reason, which an operator can replay.
 *
 * A webhook endpoint is guarded first (the checks are in this order): one disabled by a 410
 * Gone dead-letters the delivery at once; an ordered delivery waits while an earlier one of
 * its subject is unfinished; one at its concurrency limit, or whose circuit is probing, makes
 * the delivery wait; one whose circuit is open fails the attempt without sending. Waiting
 * gives the worker slot back (the job is moved to the delayed set, no attempt is used), so a
 * slow or failing receiver never holds the workers the other receivers need.
 */
export async function deliver(
  job: Job<DeliverJob>,
  deps: DeliverDeps,
  token?: string,
): Promise<void> {
  const { data } = job;
  const attempt = job.attemptsMade + 1;
  const log = deliveryLog(deps.logger, data);
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
    const limits = data.channel === 'webhook' ? endpointLimitsOf(partner) : undefined;
    if (limits) await guardEndpoint(job, limits, deps, token);
    const context = { deliveryId: data.deliveryId, attempt };
    const send = async () =>
      data.outboundMessageId
        ? sendStoredMessage(adapter, data.outboundMessageId, partner, context)
        : adapter.send(await eventOf(data, deps.events), partner, context);
    const result = limits ? await sendAdmitted(data, limits, deps, log, send) : await send();
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
    if (error instanceof EndpointGoneError) await disableGoneEndpoint(data, deps, log);
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

/**
 * Everything that may stop a webhook delivery before it is sent, cheapest first: a disabled
 * endpoint (throws a permanent DeliveryError) and an unfinished earlier delivery of the same
 * subject (waits).
 */
async function guardEndpoint(
  job: Job<DeliverJob>,
  limits: EndpointLimits,
  deps: DeliverDeps,
  token: string | undefined,
): Promise<void> {
  const { data } = job;
  const disabled = await deps.disabledEndpoints.disabledState(data.destination);
  if (disabled) {
    throw new DeliveryError(
      `not sent: endpoint disabled since ${new Date(disabled.disabledAt!).toISOString()} after HTTP ${disabled.disabledStatusCode ?? 410} Gone ` +
        `(delivery ${disabled.disabledByDelivery}); enable it (POST /api/v1/endpoints/${data.destination}/enable) and replay`,
      false,
    );
  }
  if (data.orderKey && data.eventId) {
    const earlier = await findEarlierUnfinishedDelivery(deps.store.db, {
      id: data.deliveryId,
      destination: data.destination,
      orderKey: data.orderKey,
      eventId: data.eventId,
    });
    if (earlier) await postpone(job, token, waitBeforeNextTry(timesPostponed(job), 50, 5_000));
  }
  const admission = await deps.gate.admit(data.destination, data.deliveryId, limits);
  if (admission.admitted) return;
  if (admission.kind === 'busy') {
    await postpone(job, token, waitBeforeNextTry(timesPostponed(job), 20, 2_000));
  }
  if (admission.kind === 'probing') {
    const untilProbeEnds = Math.min(1_000, Math.max(50, admission.until - Date.now()));
    await postpone(job, token, waitBeforeNextTry(0, untilProbeEnds, untilProbeEnds * 2));
  }
  if (admission.kind === 'open') {
    // Counted as a failed attempt, without a request: the circuit spares the receiver and the
    // workers, but does not stretch the retry schedule, which still ends in a dead letter.
    const iso = (ms: number) => new Date(ms).toISOString();
    throw new DeliveryError(
      `not sent: circuit open since ${iso(admission.openedAt)} after ${admission.failures} consecutive failures; ` +
        `the receiver is tried again from ${iso(admission.until)}`,
      true,
      null,
      Math.max(0, admission.until - Date.now()) + Math.floor(Math.random() * 250),
    );
  }
}

/** Sends within an admitted place, gives the place back and logs a circuit's change once. */
async function sendAdmitted(
  data: DeliverJob,
  limits: EndpointLimits,
  deps: DeliverDeps,
  log: DeliveryLog,
  send: () => Promise<SendResult>,
): Promise<SendResult> {
  let outcome: 'failed' | 'answered' = 'answered';
  try {
    return await send();
  } catch (error) {
    if (error instanceof DeliveryError && error.retryable) outcome = 'failed';
    throw error;
  } finally {
    const transition = await deps.gate.release(data.destination, data.deliveryId, outcome, limits);
    logCircuitTransition(transition, data.destination, limits, log);
  }
}

function logCircuitTransition(
  transition: CircuitTransition,
  destination: string,
  limits: EndpointLimits,
  log: DeliveryLog,
): void {
  if (!transition) return;
  const facts = { destination, cooldownSeconds: limits.cooldownMs / 1000 };
  if (transition === 'opened') {
    log.warn(
      { ...facts, failures: limits.failureThreshold },
      `circuit opened for ${destination}: ${limits.failureThreshold} consecutive failures; sends paused`,
    );
  } else if (transition === 'reopened') {
    log.warn(facts, `circuit opened again for ${destination}: the probe failed`);
  } else {
    log.info(facts, `circuit closed for ${destination}: the probe got through`);
  }
}

async function disableGoneEndpoint(data: DeliverJob, deps: DeliverDeps, log: DeliveryLog) {
  const state = await deps.disabledEndpoints.disable({
    partnerId: data.destination,
    reason: 'receiver answered HTTP 410 Gone',
    statusCode: 410,
    deliveryId: data.deliveryId,
  });
  // Deliveries in flight when the endpoint went away answer 410 too; the first one tells.
  if (state.disabledByDelivery === data.deliveryId) {
    log.warn(
      { destination: data.destination, disabledAt: state.disabledAt },
      `endpoint of ${data.destination} disabled: it answered 410 Gone; new deliveries to it are dead letters until it is enabled again`,
    );
  }
}

/**
 * Gives the worker slot back: the job goes to the delayed set for `delayMs` without using an
 * attempt, and BullMQ takes the DelayedError as "moved, not failed".
 */
async function postpone(
  job: Job<DeliverJob>,
  token: string | undefined,
  delayMs: number,
): Promise<never> {
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}

/** How many times the job was started without the start counting as an attempt. */
function timesPostponed(job: Job<DeliverJob>): number {
  return Math.max(0, (job.attemptsStarted ?? 0) - job.attemptsMade - 1);
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

/** The job's event: carried by jobs enqueued before jobs named it, else read from the store. */
function eventOf(job: DeliverJob, events: StoredEvents): Promise<CanonicalEvent> {
  if (job.event) return Promise.resolve(job.event);
  if (!job.eventId) throw new UnrecoverableError(`deliver job ${job.deliveryId} has no event`);
  return events.get(job.eventId);
}

/** What a delivery logs: its facts, under its message's and delivery's ids. */
interface DeliveryLog {
  info(facts: object, message: string): void;
  warn(facts: object, message: string): void;
}

/**
 * The job's logger, its pino child made on first use: a child per job costs its bindings'
 * serialisation on every delivery, while at the usual levels most deliveries log nothing.
 */
function deliveryLog(logger: Logger, data: DeliverJob): DeliveryLog {
  let child: Logger | undefined;
  const made = () =>
    (child ??= logger.child({
      messageId: data.messageId,
      correlationId: data.correlationId,
      deliveryId: data.deliveryId,
    }));
  return {
    info: (facts, message) => {
      if (logger.isLevelEnabled('info')) made().info(facts, message);
    },
    warn: (facts, message) => {
      if (logger.isLevelEnabled('warn')) made().warn(facts, message);
    },
  };
}

export function startDeliverWorker(
  connection: Redis,
  concurrency: number,
  options: Omit<DeliverDeps, 'gate' | 'disabledEndpoints' | 'events'>,
): Worker<DeliverJob> {
  // The gate's two scripts per delivery go on a connection of their own that sends the calls
  // of one event-loop turn as one write: with hundreds of deliveries in flight, Redis and this
  // process make one socket read and write per turn, not one per script (each stays atomic).
  const gateConnection = connection.duplicate({ enableAutoPipelining: true });
  gateConnection.on('error', () => undefined);
  const deps: DeliverDeps = {
    ...options,
    gate: new EndpointGate(gateConnection),
    disabledEndpoints: new DisabledEndpoints(options.store.db),
    events: new StoredEvents(options.store),
  };
  const worker = new Worker<DeliverJob>(DELIVER_QUEUE, (job, token) => deliver(job, deps, token), {
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
  // After the running jobs have given their places back.
  worker.on('closed', () => gateConnection.disconnect());
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
    orderKey?: string | null;
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
    // The job names its event; the worker reads it (StoredEvents).
    job = { correlationId: (event.envelope as unknown as CanonicalEvent).correlationid };
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
      ...(delivery.orderKey ? { orderKey: delivery.orderKey } : {}),
      ...job,
    },
    {
      jobId: delivery.replays === 0 ? delivery.id : `${delivery.id}.r${delivery.replays}`,
      attempts: retry.attempts,
      backoff: { type: 'crossdock' },
    },
  );
}
