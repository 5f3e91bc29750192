import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Logger } from '../log';
import type { MessageStore, NewMessage } from '../store/message-store';
import { newCorrelationId, newMessageId } from '../store/ids';
import { INLINE_BODY_LIMIT, type IngestJob } from './queues';

export interface IntakeRequest {
  protocol: string;
  partnerId: string | null;
  documentKind: string | null;
  contentType: string | null;
  raw: Buffer;
  businessKey: string | null;
  /** The sender's own correlation id (e.g. an X-Correlation-ID header), if it gave one. */
  correlationId?: string;
}

export interface IntakeReceipt {
  messageId: string;
  correlationId: string;
}

/** Intake could not make the message durable; the sender should retry (HTTP 503). */
export class IntakeUnavailableError extends Error {
  override name = 'IntakeUnavailableError';
  constructor(
    readonly dependency: 'store' | 'queue',
    options: { cause: unknown },
  ) {
    super(`message store or queue unavailable: ${dependency}`, options);
  }
}

interface Pending {
  message: NewMessage;
  resolve(receipt: IntakeReceipt): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 256;
const MAX_FLUSHES_IN_FLIGHT = 4;

/**
 * The first hop: store the raw message, put its ingest job in Redis, and only then let the
 * caller answer the sender. Requests arriving together are committed together (group
 * commit): one multi-row INSERT and one addBulk per batch, which is what lets intake keep up
 * with thousands of requests a second. An idle gateway flushes each request at once.
 *
 * Hot path: guarded by bench/pipeline.ts.
 */
export class Intake {
  private pending: Pending[] = [];
  private flushesInFlight = 0;
  private flushScheduled = false;

  constructor(
    private readonly store: MessageStore,
    private readonly ingestQueue: Queue<IngestJob>,
    private readonly logger: Logger,
  ) {}

  accept(request: IntakeRequest): Promise<IntakeReceipt> {
    const message: NewMessage = {
      id: newMessageId(),
      direction: 'inbound',
      protocol: request.protocol,
      partnerId: request.partnerId,
      documentKind: request.documentKind,
      contentType: request.contentType,
      raw: request.raw,
      sha256: createHash('sha256').update(request.raw).digest('hex'),
      correlationId: request.correlationId ?? newCorrelationId(),
      businessKey: request.businessKey,
    };
    return new Promise<IntakeReceipt>((resolve, reject) => {
      this.pending.push({ message, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushesInFlight >= MAX_FLUSHES_IN_FLIGHT) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    this.flushesInFlight++;
    try {
      await this.commit(batch);
    } finally {
      this.flushesInFlight--;
      if (this.pending.length > 0) this.scheduleFlush();
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    const messages = batch.map((entry) => entry.message);
    try {
      await this.store.insertMessages(messages);
    } catch (error) {
      this.logger.error(
        { err: error, messages: messages.length },
        'intake: message store refused a batch',
      );
      const unavailable = new IntakeUnavailableError('store', { cause: error });
      for (const entry of batch) entry.reject(unavailable);
      return;
    }
    try {
      await this.ingestQueue.addBulk(
        messages.map((m) => ({ name: m.protocol, data: ingestJobFor(m), opts: { jobId: m.id } })),
      );
    } catch (error) {
      this.logger.error(
        { err: error, messages: messages.length },
        'intake: ingest queue refused a batch',
      );
      // The bytes stay stored for the operator, marked so nobody mistakes them for in flight;
      // the sender is told to retry and will send them again.
      await this.store
        .setMessageStatus(
          messages.map((m) => m.id),
          'enqueue_failed',
          { reason: 'ingest queue unavailable; sender was answered 503' },
        )
        .catch((markError: unknown) =>
          this.logger.error({ err: markError }, 'intake: could not mark messages enqueue_failed'),
        );
      const unavailable = new IntakeUnavailableError('queue', { cause: error });
      for (const entry of batch) entry.reject(unavailable);
      return;
    }
    for (const entry of batch) {
      entry.resolve({ messageId: entry.message.id, correlationId: entry.message.correlationId });
    }
  }
}

export function ingestJobFor(message: {
  id: string;
  correlationId: string;
  protocol: string;
  partnerId: string | null;
  documentKind: string | null;
  raw?: Buffer;
}): IngestJob {
  return {
    messageId: message.id,
    correlationId: message.correlationId,
    protocol: message.protocol,
    partnerId: message.partnerId,
    documentKind: message.documentKind,
    ...(message.raw && message.raw.length <= INLINE_BODY_LIMIT
      ? { body: message.raw.toString('base64') }
      : {}),
  };
}
