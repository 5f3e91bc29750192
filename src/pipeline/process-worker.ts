import { createHash } from 'node:crypto';
import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type Redis from 'ioredis';
import { createEvent } from '../canonical';
import type { Logger } from '../log';
import type { PartnerRegistry } from '../partners/registry';
import { readRawMessage } from '../store/message-chunks';
import { storeAnswers, type AnswerDelivery } from '../store/outbound-answers';
import { deliveryIdFor, eventIdFor } from '../store/ids';
import type { MessageStore, NewDelivery, NewEvent, NewMessage } from '../store/message-store';
import { DEFAULT_RETRY_POLICY } from './backoff';
import type { Conclusion, InterpretedDocument, Interpreter, MessageBody } from './interpreter';
import { INGEST_QUEUE, QUEUE_PREFIX, type DeliverJob, type IngestJob } from './queues';
import { routeEvent } from './routing';
import { orderKeyFor } from '../outbound/delivery-guard/ordering';

export interface ProcessDeps {
  store: MessageStore;
  partners: PartnerRegistry;
  interpreters: ReadonlyMap<string, Interpreter>;
  deliverQueue: Queue<DeliverJob>;
  logger: Logger;
  /** The `source` of events, e.g. the gateway's public base URL. */
  eventSource: string;
}

/** Events are stored and their deliveries enqueued this many at a time. */
const EVENT_BATCH = 500;

interface Batch {
  events: NewEvent[];
  deliveries: NewDelivery[];
  jobs: Array<{ name: string; data: DeliverJob; opts: object }>;
}

/**
 * The second hop, one job per inbound message: interpret it into canonical events, store
 * them with one delivery per subscribed destination, then enqueue the deliveries in bulk.
 * Ids are derived from the message id, so a retried job repeats nothing.
 */
export async function processMessage(job: IngestJob, deps: ProcessDeps): Promise<void> {
  const log = deps.logger.child({ messageId: job.messageId, correlationId: job.correlationId });
  const interpret = deps.interpreters.get(job.protocol);
  if (!interpret) throw new UnrecoverableError(`no interpreter for protocol ${job.protocol}`);
  const interpretation = await interpret({
    body: messageBody(job, deps.store),
    job,
    partner: job.partnerId ? deps.partners.get(job.partnerId) : undefined,
    partners: deps.partners,
    store: deps.store,
    db: deps.store.db,
  });

  let seq = 0;
  let firstBusinessKey: string | null = null;
  let batch: Batch = { events: [], deliveries: [], jobs: [] };
  const flush = async (completion?: Conclusion) => {
    const created = await deps.store.recordProcessed({
      messageId: job.messageId,
      businessKey: firstBusinessKey,
      events: batch.events,
      deliveries: batch.deliveries,
      completion: completion
        ? {
            status: completion.status,
            summary: completion.summary ?? null,
            error: completion.reason ? { reason: completion.reason } : null,
          }
        : null,
    });
    // Only deliveries this run created get a job: a re-run of a message whose deliveries were
    // already stored (and perhaps sent) adds none. Should this run stop between the store and
    // the queue, the reconciler enqueues its still-pending deliveries.
    const jobs = batch.jobs.filter((job) => created.has(job.data.deliveryId));
    if (jobs.length > 0) await deps.deliverQueue.addBulk(jobs);
    batch = { events: [], deliveries: [], jobs: [] };
  };

  for await (const document of interpretation.documents) {
    seq++;
    firstBusinessKey ??= document.businessKey;
    addDocument(batch, document, seq, job, deps);
    if (batch.events.length >= EVENT_BATCH) await flush();
  }
  const conclusion = await interpretation.conclude();
  if (conclusion.answers?.length) await sendAnswers(conclusion, job, deps);
  await flush(conclusion);
  if (conclusion.status === 'processed') {
    log.info({ events: seq, answers: conclusion.answers?.length ?? 0 }, 'message processed');
  } else {
    log.warn(
      { status: conclusion.status, reason: conclusion.reason, events: seq },
      'message not processed',
    );
  }
}

function addDocument(
  batch: Batch,
  document: InterpretedDocument,
  seq: number,
  job: IngestJob,
  deps: ProcessDeps,
): void {
  const eventId = eventIdFor(job.messageId, seq);
  const partnerId = document.partnerId ?? job.partnerId ?? 'unknown';
  const event = createEvent({
    id: eventId,
    source: `${deps.eventSource}/partners/${partnerId}`,
    kind: document.kind,
    subject: document.subject ?? undefined,
    data: document.data,
    partnerId,
    recipientId: document.recipientId,
    messageId: job.messageId,
    correlationId: job.correlationId,
  });
  batch.events.push({
    id: eventId,
    seq,
    type: event.type,
    subject: document.subject,
    partnerId,
    businessKey: document.businessKey,
    envelope: event,
  });
  for (const route of routeEvent(event, deps.partners)) {
    const deliveryId = deliveryIdFor(eventId, route.destination);
    const destination = deps.partners.get(route.destination);
    const orderKey = destination ? orderKeyFor(event, destination) : null;
    batch.deliveries.push({
      id: deliveryId,
      eventId,
      destination: route.destination,
      channel: route.channel,
      orderKey,
    });
    const retry = {
      ...DEFAULT_RETRY_POLICY,
      ...deps.partners.get(route.destination)?.config.outbound?.retry,
    };
    batch.jobs.push({
      name: route.channel,
      data: {
        deliveryId,
        eventId,
        messageId: job.messageId,
        correlationId: job.correlationId,
        destination: route.destination,
        channel: route.channel,
        // No event: the deliver worker reads it from the store once per event, not per job.
        ...(orderKey ? { orderKey } : {}),
      },
      opts: { jobId: deliveryId, attempts: retry.attempts, backoff: { type: 'crossdock' } },
    });
  }
}

/**
 * Acks and other answers are stored as outbound messages linked to the message they answer,
 * and sent over the partner's X12 channel when it has one, unless the sender waits for them in
 * its HTTP answer; otherwise they wait in the store for the operator.
 */
async function sendAnswers(
  conclusion: Conclusion,
  job: IngestJob,
  deps: ProcessDeps,
): Promise<void> {
  const answers: NewMessage[] = (conclusion.answers ?? []).map((answer, index) => ({
    // Derived id: a retried job finds its answers already stored and adds none.
    id: `ans_${job.messageId.slice(4)}_${index + 1}`,
    direction: 'outbound',
    protocol: answer.protocol,
    partnerId: answer.partnerId,
    documentKind: answer.documentKind,
    contentType: answer.contentType,
    raw: answer.raw,
    sha256: createHash('sha256').update(answer.raw).digest('hex'),
    correlationId: job.correlationId,
    businessKey: answer.businessKey,
    answersMessageId: job.messageId,
  }));
  const deliveries: AnswerDelivery[] = [];
  for (const answer of answers) {
    const outbound = deps.partners.get(answer.partnerId ?? '')?.config.outbound;
    // A sender that waits for its acks in the HTTP answer would otherwise get each one twice.
    if (answer.protocol === 'x12' && outbound?.channel.startsWith('x12-') && !job.acksInAnswer) {
      deliveries.push({
        id: `dlv_${answer.id}`,
        messageId: job.messageId,
        answerId: answer.id,
        destination: answer.partnerId!,
        channel: outbound.channel,
      });
    }
  }
  const created = await storeAnswers(deps.store.db, answers, deliveries);
  const jobs = deliveries
    .filter((delivery) => created.has(delivery.id))
    .map((delivery) => {
      const retry = {
        ...DEFAULT_RETRY_POLICY,
        ...deps.partners.get(delivery.destination)?.config.outbound?.retry,
      };
      const data: DeliverJob = {
        deliveryId: delivery.id,
        eventId: null,
        messageId: job.messageId,
        correlationId: job.correlationId,
        destination: delivery.destination,
        channel: delivery.channel,
        outboundMessageId: delivery.answerId,
      };
      return {
        name: delivery.channel,
        data,
        opts: { jobId: delivery.id, attempts: retry.attempts, backoff: { type: 'crossdock' } },
      };
    });
  if (jobs.length > 0) await deps.deliverQueue.addBulk(jobs);
}

function messageBody(job: IngestJob, store: MessageStore): MessageBody {
  const inline = job.body !== undefined ? Buffer.from(job.body, 'base64') : undefined;
  return {
    async bytes() {
      if (inline) return inline;
      const chunks: Buffer[] = [];
      for await (const chunk of readRawMessage(store.db, job.messageId)) chunks.push(chunk);
      if (chunks.length === 0)
        throw new UnrecoverableError(`message ${job.messageId} is not in the store`);
      return Buffer.concat(chunks);
    },
    stream() {
      if (!inline) return readRawMessage(store.db, job.messageId);
      return (async function* () {
        yield inline;
      })();
    },
  };
}

export function startProcessWorker(
  connection: Redis,
  concurrency: number,
  deps: ProcessDeps,
): Worker<IngestJob> {
  const worker = new Worker<IngestJob>(
    INGEST_QUEUE,
    async (job: Job<IngestJob>) => processMessage(job.data, deps),
    {
      connection,
      prefix: QUEUE_PREFIX,
      concurrency,
      autorun: true,
    },
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
