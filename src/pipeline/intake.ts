import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Logger } from '../log';
import {
  findIdempotencyRecord,
  insertMessagesClaimingKeys,
  purgeExpiredIdempotencyKeys,
  type IdempotencyClaim,
} from '../store/idempotency';
import type { MessageStore, NewMessage } from '../store/message-store';
import { newCorrelationId, newMessageId } from '../store/ids';
import { INLINE_BODY_LIMIT, type IngestJob } from './queues';

export type { IdempotencyClaim } from '../store/idempotency';

export interface IntakeRequest {
  protocol: string;
  partnerId: string | null;
  documentKind: string | null;
  contentType: string | null;
  raw: Buffer;
  businessKey: string | null;
  /** The sender's own correlation id (e.g. an X-Correlation-ID header), if it gave one. */
  correlationId?: string;
  /** The partner the message's documents are addressed to, when the sender named or implied one. */
  recipientId?: string | null;
  /** The client's idempotency key: a repeat of the request gets the first one's receipt. */
  idempotency?: IdempotencyClaim;
}

export interface IntakeReceipt {
  messageId: string;
  correlationId: string;
  recipientId: string | null;
  /** True when this is the receipt of an earlier request with the same idempotency key. */
  replayed: boolean;
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

/** The idempotency key was first used for a different request (HTTP 422). */
export class IdempotencyKeyReusedError extends Error {
  override name = 'IdempotencyKeyReusedError';
  constructor(
    readonly key: string,
    readonly messageId: string,
  ) {
    super(`idempotency key "${key}" was first used for a different request (${messageId})`);
  }
}

/** Another request holding the idempotency key has not settled (HTTP 409); retry later. */
export class IdempotencyKeyBusyError extends Error {
  override name = 'IdempotencyKeyBusyError';
  constructor(readonly key: string) {
    super(`idempotency key "${key}" is held by a request that has not settled`);
  }
}

interface Pending {
  message: NewMessage;
  claim?: IdempotencyClaim;
  /** Times this request lost its key to another that then did not hold it. */
  claimRetries: number;
  resolve(receipt: IntakeReceipt): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 256;
const MAX_FLUSHES_IN_FLIGHT = 4;
const MAX_CLAIM_RETRIES = 2;
const PURGE_EVERY_MS = 60_000;
const PURGE_BATCH = 1000;

/**
 * The first hop: store the raw message, put its ingest job in Redis, and only then let the
 * caller answer the sender. Requests arriving together are committed together (group
 * commit): one multi-row INSERT and one addBulk per batch, which is what lets intake keep up
 * with thousands of requests a second. An idle gateway flushes each request at once.
 *
 * Idempotency keys are written in the same statement as their messages. Two requests with one
 * key never both store a message: the second waits on the first's key row (PostgreSQL's unique
 * index) and then answers as a replay of the first. A replay is only answered once the first
 * message's ingest job is known to be queued, so it never acknowledges less than the first did.
 *
 * Hot path: guarded by bench/pipeline.ts.
 */
export class Intake {
  private pending: Pending[] = [];
  private flushesInFlight = 0;
  private flushScheduled = false;
  private lastPurgeAt = 0;

  constructor(
    private readonly store: MessageStore,
    private readonly ingestQueue: Queue<IngestJob>,
    private readonly logger: Logger,
  ) {}

  /**
   * Stores the message and queues its ingest job; resolves when both are done. A request
   * whose idempotency key an earlier request holds resolves with that one's receipt instead.
   */
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
      recipientId: request.recipientId ?? null,
    };
    return new Promise<IntakeReceipt>((resolve, reject) => {
      this.pending.push({
        message,
        claim: request.idempotency,
        claimRetries: 0,
        resolve,
        reject,
      });
      this.scheduleFlush();
    });
  }

  /**
   * The receipt of the live earlier request with this key, if there is one; it throws
   * IdempotencyKeyReusedError when that request was a different one. Lets a repeat be answered
   * before anything else about it is looked at.
   */
  async receiptOf(claim: IdempotencyClaim): Promise<IntakeReceipt | undefined> {
    let earlier;
    try {
      earlier = await findIdempotencyRecord(this.store.db, claim.partnerId, claim.key);
    } catch (error) {
      throw new IntakeUnavailableError('store', { cause: error });
    }
    if (!earlier) return undefined;
    if (earlier.requestHash !== claim.requestHash) {
      throw new IdempotencyKeyReusedError(claim.key, earlier.messageId);
    }
    if (earlier.status === 'received') {
      // The first request may be between its commit and its enqueue (or Redis may have lost
      // the job): make sure the job is there. Job ids are message ids, so an existing job is
      // left as it is.
      try {
        await this.ingestQueue.add(
          earlier.protocol,
          ingestJobFor({ ...earlier, id: earlier.messageId }),
          { jobId: earlier.messageId },
        );
      } catch (error) {
        throw new IntakeUnavailableError('queue', { cause: error });
      }
    }
    return {
      messageId: earlier.messageId,
      correlationId: earlier.correlationId,
      recipientId: earlier.recipientId,
      replayed: true,
    };
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
    const batch = this.takeBatch();
    if (batch.length === 0) return;
    this.flushesInFlight++;
    try {
      await this.commit(batch);
    } finally {
      this.flushesInFlight--;
      if (this.pending.length > 0) this.scheduleFlush();
    }
  }

  /** The next batch; a second request with a key already in it waits for the next one. */
  private takeBatch(): Pending[] {
    const taken = this.pending.splice(0, MAX_BATCH);
    if (!taken.some((entry) => entry.claim)) return taken;
    const keys = new Set<string>();
    const batch: Pending[] = [];
    const later: Pending[] = [];
    for (const entry of taken) {
      const key = entry.claim && `${entry.claim.partnerId}\u0000${entry.claim.key}`;
      if (key !== undefined && keys.has(key)) {
        later.push(entry);
      } else {
        if (key !== undefined) keys.add(key);
        batch.push(entry);
      }
    }
    if (later.length > 0) this.pending.unshift(...later);
    return batch;
  }

  private async commit(batch: Pending[]): Promise<void> {
    const hasClaims = batch.some((entry) => entry.claim);
    let stored: Set<string> | undefined;
    try {
      // Without keys, the plainer statement: it is measurably cheaper per batch.
      if (hasClaims) stored = await insertMessagesClaimingKeys(this.store.db, batch);
      else await this.store.insertMessages(batch.map((entry) => entry.message));
    } catch (error) {
      this.logger.error(
        { err: error, messages: batch.length },
        'intake: message store refused a batch',
      );
      const unavailable = new IntakeUnavailableError('store', { cause: error });
      for (const entry of batch) entry.reject(unavailable);
      return;
    }
    if (stored) {
      // Requests whose key another request holds stored nothing: they answer as its replay.
      const isStored = (entry: Pending) => stored.has(entry.message.id);
      for (const entry of batch) if (!isStored(entry)) void this.settleLoser(entry);
      batch = batch.filter(isStored);
      this.purgeExpiredKeysNow();
      if (batch.length === 0) return;
    }
    const messages = batch.map((entry) => entry.message);
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
      entry.resolve({
        messageId: entry.message.id,
        correlationId: entry.message.correlationId,
        recipientId: entry.message.recipientId ?? null,
        replayed: false,
      });
    }
  }

  /**
   * A request whose key was held when its batch was stored. The holder committed before this
   * statement went on (the key's unique index made it wait), so its receipt is there to read;
   * only when the holder is gone again (its message refused by the queue, or its key expired
   * in between) does this request try once more to take the key.
   */
  private async settleLoser(entry: Pending): Promise<void> {
    const claim = entry.claim!;
    try {
      const earlier = await this.receiptOf(claim);
      if (earlier) return entry.resolve(earlier);
      if (entry.claimRetries >= MAX_CLAIM_RETRIES) {
        return entry.reject(new IdempotencyKeyBusyError(claim.key));
      }
      entry.claimRetries++;
      this.pending.push(entry);
      this.scheduleFlush();
    } catch (error) {
      entry.reject(error);
    }
  }

  /** Expired keys are only ever overwritten by their next use; this keeps the rest from piling up. */
  private purgeExpiredKeysNow(): void {
    const now = Date.now();
    if (now - this.lastPurgeAt < PURGE_EVERY_MS) return;
    this.lastPurgeAt = now;
    purgeExpiredIdempotencyKeys(this.store.db, PURGE_BATCH).then(
      (purged) => {
        if (purged > 0) this.logger.debug({ purged }, 'intake: purged expired idempotency keys');
      },
      (error: unknown) =>
        this.logger.warn({ err: error }, 'intake: could not purge expired idempotency keys'),
    );
  }
}

export function ingestJobFor(message: {
  id: string;
  correlationId: string;
  protocol: string;
  partnerId: string | null;
  documentKind: string | null;
  recipientId?: string | null;
  raw?: Buffer;
  acksInAnswer?: boolean;
}): IngestJob {
  return {
    messageId: message.id,
    correlationId: message.correlationId,
    protocol: message.protocol,
    partnerId: message.partnerId,
    documentKind: message.documentKind,
    ...(message.recipientId ? { recipientId: message.recipientId } : {}),
    ...(message.acksInAnswer ? { acksInAnswer: true } : {}),
    ...(message.raw && message.raw.length <= INLINE_BODY_LIMIT
      ? { body: message.raw.toString('base64') }
      : {}),
  };
}
