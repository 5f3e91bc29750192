import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Logger } from '../log';
import {
  appendChunk,
  beginStreamedMessage,
  CHUNK_BYTES,
  finishStreamedMessage,
} from '../store/message-chunks';
import type { MessageStatus, MessageStore } from '../store/message-store';
import { newCorrelationId, newMessageId } from '../store/ids';
import { IntakeUnavailableError, ingestJobFor } from './intake';
import type { IngestJob } from './queues';

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(
    readonly limit: number,
    readonly messageId: string,
  ) {
    super(`the body exceeds the limit of ${limit} bytes`);
  }
}

export class BodyAbortedError extends Error {
  override name = 'BodyAbortedError';
  constructor(
    readonly messageId: string,
    options: { cause: unknown },
  ) {
    super('the body broke off before it ended', options);
  }
}

export interface StreamedIntakeRequest {
  protocol: string;
  partnerId: string | null;
  contentType: string | null;
  correlationId?: string;
  /** The body, chunk by chunk; read with back-pressure, never held whole. */
  body: AsyncIterable<Buffer>;
  maxBytes: number;
  /** Sees every byte as it passes, e.g. to summarise the envelopes while storing. */
  observe?: (chunk: Buffer) => void;
  /**
   * How the stored message ends: `received` hands it to the ingest queue; `unroutable` or
   * `rejected` keep it for the operator only.
   */
  status: Extract<MessageStatus, 'received' | 'unroutable' | 'rejected'>;
  error?: Record<string, unknown>;
  /** The sender waits for its acks in the HTTP answer (see IngestJob.acksInAnswer). */
  acksInAnswer?: boolean;
}

export interface StreamedIntakeReceipt {
  messageId: string;
  correlationId: string;
  sizeBytes: number;
}

/**
 * Intake for bodies of any size (X12 files): the bytes go into the store in 1 MiB chunks as
 * they arrive, then the message is marked received and its ingest job added. The caller may
 * answer the sender only when this resolves. A body over the limit or cut off is kept as
 * `incomplete`, with the reason, and never processed.
 */
export async function receiveStream(
  request: StreamedIntakeRequest,
  deps: { store: MessageStore; ingestQueue: Queue<IngestJob>; logger: Logger },
): Promise<StreamedIntakeReceipt> {
  const db = deps.store.db;
  const messageId = newMessageId();
  const correlationId = request.correlationId ?? newCorrelationId();
  try {
    await beginStreamedMessage(db, {
      id: messageId,
      protocol: request.protocol,
      partnerId: request.partnerId,
      contentType: request.contentType,
      correlationId,
    });
  } catch (error) {
    throw new IntakeUnavailableError('store', { cause: error });
  }

  const hash = createHash('sha256');
  let size = 0;
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let inline: Buffer | undefined;
  const writePending = async () => {
    if (pendingBytes === 0) return;
    const chunk = Buffer.concat(pending, pendingBytes);
    if (seq === 0) inline = chunk;
    pending = [];
    pendingBytes = 0;
    try {
      await appendChunk(db, messageId, seq++, chunk);
    } catch (error) {
      throw new IntakeUnavailableError('store', { cause: error });
    }
  };
  const endAs = async (status: MessageStatus, error: Record<string, unknown> | null) =>
    finishStreamedMessage(db, messageId, {
      status,
      sizeBytes: size,
      sha256: hash.digest('hex'),
      error,
    });

  try {
    for await (const piece of request.body) {
      const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
      size += chunk.length;
      if (size > request.maxBytes) {
        await writePending();
        await endAs('incomplete', {
          reason: `body exceeds the limit of ${request.maxBytes} bytes; the first ${size - chunk.length} bytes are kept`,
        });
        throw new BodyTooLargeError(request.maxBytes, messageId);
      }
      hash.update(chunk);
      request.observe?.(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= CHUNK_BYTES) await writePending();
    }
    await writePending();
  } catch (error) {
    if (error instanceof BodyTooLargeError || error instanceof IntakeUnavailableError) throw error;
    await endAs('incomplete', { reason: 'the body broke off before it ended' }).catch(
      () => undefined,
    );
    throw new BodyAbortedError(messageId, { cause: error });
  }

  try {
    await endAs(request.status, request.error ?? null);
  } catch (error) {
    throw new IntakeUnavailableError('store', { cause: error });
  }
  if (request.status === 'received') {
    try {
      await deps.ingestQueue.add(
        request.protocol,
        ingestJobFor({
          id: messageId,
          correlationId,
          protocol: request.protocol,
          partnerId: request.partnerId,
          documentKind: null,
          raw: seq === 1 ? inline : undefined,
          acksInAnswer: request.acksInAnswer,
        }),
        { jobId: messageId },
      );
    } catch (error) {
      deps.logger.error(
        { err: error, messageId },
        'streamed intake: ingest queue refused the message',
      );
      await deps.store
        .setMessageStatus([messageId], 'enqueue_failed', {
          reason: 'ingest queue unavailable; sender was answered 503',
        })
        .catch(() => undefined);
      throw new IntakeUnavailableError('queue', { cause: error });
    }
  }
  return { messageId, correlationId, sizeBytes: size };
}
