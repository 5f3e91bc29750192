import { Queue } from 'bullmq';
import Redis, { type RedisOptions } from 'ioredis';
import type { CanonicalEvent } from '../canonical';

/**
 * Queue names and job shapes. All keys share the `{crossdock}` hash tag so a Redis Cluster
 * keeps each queue's keys in one slot, as BullMQ's Lua scripts require.
 */
export const QUEUE_PREFIX = '{crossdock}';
export const INGEST_QUEUE = 'ingest';
export const DELIVER_QUEUE = 'deliver';

/** Bodies up to this size ride in the job so processing needs no store read. */
export const INLINE_BODY_LIMIT = 64 * 1024;

export interface IngestJob {
  messageId: string;
  correlationId: string;
  protocol: string;
  partnerId: string | null;
  documentKind: string | null;
  /** The partner the message's documents are addressed to, when the sender named or implied one. */
  recipientId?: string;
  /**
   * The sender waits for its acks in the HTTP answer (X12 `?ack=sync`, or a partner in sync ack
   * mode): they are not sent again over its channel. Lost when a message is re-enqueued by the
   * reconciler, whose sender has long stopped waiting.
   */
  acksInAnswer?: boolean;
  /** The raw body as base64 when it is small; otherwise the worker reads it from the store. */
  body?: string;
}

export interface DeliverJob {
  deliveryId: string;
  /** Null for a delivery of a stored message rather than of an event. */
  eventId: string | null;
  messageId: string;
  correlationId: string;
  destination: string;
  channel: string;
  /**
   * The event to send. Jobs the process worker adds name it by `eventId` only (the deliver
   * worker reads it from the store once per process for all its destinations); jobs added
   * before that carry it, and still work. Absent when `outboundMessageId` is set.
   */
  event?: CanonicalEvent;
  /** A stored outbound message (an X12 ack or batch interchange) to send as it is. */
  outboundMessageId?: string;
  /** An ordered subscription's subject: the delivery waits for earlier ones of it. */
  orderKey?: string;
}

export function redisConnection(url: string, purpose: 'producer' | 'worker'): Redis {
  const options: RedisOptions =
    purpose === 'producer'
      ? // Intake must answer 503 at once when Redis is away, not hold the partner's request.
        { maxRetriesPerRequest: 1, enableOfflineQueue: false }
      : // Workers wait out a Redis restart; BullMQ requires this for blocking commands.
        { maxRetriesPerRequest: null };
  const connection = new Redis(url, { ...options, lazyConnect: false });
  // ioredis reports every failed reconnect as an 'error' event; readiness checks report it instead.
  connection.on('error', () => undefined);
  return connection;
}

/** Resolves when the connection is ready; start-up fails with a clear reason if it never is. */
export function waitForRedis(connection: Redis, url: string, timeoutMs = 15_000): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      connection.off('ready', onReady);
      reject(
        new Error(
          `Redis at ${new URL(url).host} did not answer within ${timeoutMs / 1000} s; check REDIS_URL`,
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    connection.once('ready', onReady);
  });
}

export interface Queues {
  ingest: Queue<IngestJob>;
  deliver: Queue<DeliverJob>;
  close(): Promise<void>;
}

export function openQueues(connection: Redis): Queues {
  const common = { connection, prefix: QUEUE_PREFIX, skipWaitingForReady: true };
  const ingest = new Queue<IngestJob>(INGEST_QUEUE, {
    ...common,
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 500, jitter: 1 },
      removeOnComplete: true,
      removeOnFail: { age: 14 * 24 * 3600 },
    },
  });
  const deliver = new Queue<DeliverJob>(DELIVER_QUEUE, {
    ...common,
    defaultJobOptions: {
      removeOnComplete: true,
      removeOnFail: { age: 14 * 24 * 3600 },
    },
  });
  for (const queue of [ingest, deliver]) queue.on('error', () => undefined);
  return {
    ingest,
    deliver,
    close: async () => {
      await Promise.all([ingest.close(), deliver.close()]);
    },
  };
}
