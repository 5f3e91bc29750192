import {
  allocateControlNumbers,
  InterchangeNumberAllocator,
  type InterchangeNumbers,
  type InterchangeSize,
} from './control-numbers';
import type { Database } from './database';
import { GroupCommit } from './group-commit';
import { insertMessagesFromInput, MESSAGE_ROW_COLUMNS, messageRow } from './message-rows';
import { writeDeliveryOutcomes, writeProcessed, type ProcessedBatch } from './step-writes';

export type { ProcessedBatch } from './step-writes';

export type MessageStatus =
  | 'received' // stored and handed to the ingest queue
  | 'enqueue_failed' // stored, but the queue refused it: the sender was told to retry
  | 'receiving' // a streamed body still arriving; not yet handed to any queue
  | 'incomplete' // a streamed body that broke off or exceeded its limit; kept for the operator
  | 'processed'
  | 'rejected' // the content was refused; the reason is in `error`
  | 'unroutable' // no partner could be identified; kept for the operator
  | 'created' // an outbound message (e.g. an X12 ack) made by the gateway
  | 'sent'; // an outbound message that reached its partner

export type DeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'dead';

export interface NewMessage {
  id: string;
  direction: 'inbound' | 'outbound';
  protocol: string;
  partnerId: string | null;
  documentKind: string | null;
  contentType: string | null;
  raw: Buffer;
  sha256: string;
  correlationId: string;
  businessKey: string | null;
  /** For an outbound answer (an ack): the inbound message it answers. */
  answersMessageId?: string | null;
  /** The partner the message's documents are addressed to, when the sender named or implied one. */
  recipientId?: string | null;
}

export interface NewEvent {
  id: string;
  seq: number;
  type: string;
  subject: string | null;
  partnerId: string | null;
  businessKey: string | null;
  envelope: object;
}

export interface NewDelivery {
  id: string;
  eventId: string;
  destination: string;
  channel: string;
  /** Set for an ordered subscription: the subject whose deliveries go one after another. */
  orderKey?: string | null;
}

export interface MessageRecord {
  id: string;
  direction: string;
  protocol: string;
  partnerId: string | null;
  documentKind: string | null;
  contentType: string | null;
  sizeBytes: number;
  sha256: string;
  status: MessageStatus;
  correlationId: string;
  businessKey: string | null;
  error: unknown;
  /** What processing found, e.g. per interchange/group/transaction set of an X12 file. */
  summary: unknown;
  answersMessageId: string | null;
  recipientId: string | null;
  receivedAt: string;
  updatedAt: string;
}

/** An inbound message that brought a given document, as found by `findInboundDocuments`. */
export interface InboundDocumentRecord {
  messageId: string;
  partnerId: string;
  correlationId: string;
  receivedAt: string;
}

/** One message of a business exchange, as the operator's chain view lists it. */
export interface ChainLink {
  id: string;
  direction: string;
  protocol: string;
  partnerId: string | null;
  recipientId: string | null;
  documentKind: string | null;
  businessKey: string | null;
  status: MessageStatus;
  receivedAt: string;
  answersMessageId: string | null;
  /** Outbound X12: the transaction sets of this exchange the interchange carried. */
  x12Sets: Array<{
    transactionSet: string;
    isa13: string | null;
    gs06: string | null;
    st02: string | null;
    status: string;
    ackCode: string | null;
  }>;
}

export interface TimelineEntry {
  stage: string;
  detail: unknown;
  at: string;
}

export interface EventRecord {
  id: string;
  position: string;
  messageId: string;
  type: string;
  subject: string | null;
  envelope: Record<string, unknown>;
  createdAt: string;
}

export interface DeliveryRecord {
  id: string;
  /** Null for a delivery of a stored message (outboundMessageId). */
  eventId: string | null;
  outboundMessageId: string | null;
  messageId: string;
  destination: string;
  channel: string;
  status: DeliveryStatus;
  attempts: number;
  replays: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  /** The subject an ordered subscription delivers in order; null when unordered. */
  orderKey: string | null;
}

export interface DeliveryOutcome {
  deliveryId: string;
  messageId: string;
  status: Exclude<DeliveryStatus, 'pending'>;
  statusCode: number | null;
  error: string | null;
  attempt: number;
}

const MESSAGE_COLUMNS = `id, direction, protocol, partner_id AS "partnerId", document_kind AS "documentKind",
  content_type AS "contentType", size_bytes AS "sizeBytes", sha256, status,
  correlation_id AS "correlationId", business_key AS "businessKey", error,
  summary, answers_message_id AS "answersMessageId", recipient_id AS "recipientId",
  received_at AS "receivedAt", updated_at AS "updatedAt"`;

const DELIVERY_COLUMNS = `id, event_id AS "eventId", outbound_message_id AS "outboundMessageId",
  message_id AS "messageId", destination, channel,
  status, attempts, replays, last_status_code AS "lastStatusCode", last_error AS "lastError",
  created_at AS "createdAt", updated_at AS "updatedAt", delivered_at AS "deliveredAt",
  order_key AS "orderKey"`;

/**
 * Delivery outcomes commit one statement at a time, so under a fan-out the outcomes that
 * arrive while one commits go together in the next: on PGlite a batch of 20 costs about
 * 0.25 ms per outcome and one of 250 about 0.08 (bench/results-fanout.md). An outcome waits
 * at most one commit longer; its job completes only after its own commit either way.
 */
const OUTCOME_COMMITS_IN_FLIGHT = 1;
const OUTCOME_BATCH_LIMIT = 500;

/**
 * The message store's operations. Each write that belongs to one pipeline step is one SQL
 * statement (data-modifying CTEs), so a step is atomic and costs one round trip.
 */
export class MessageStore {
  private readonly processedWrites: GroupCommit<ProcessedBatch, Set<string>>;
  private readonly outcomeWrites: GroupCommit<DeliveryOutcome>;
  private readonly interchangeNumbers: InterchangeNumberAllocator;

  constructor(readonly db: Database) {
    this.processedWrites = new GroupCommit((batches) => writeProcessed(db, batches));
    this.outcomeWrites = new GroupCommit(
      (outcomes) => writeDeliveryOutcomes(db, outcomes),
      OUTCOME_BATCH_LIMIT,
      OUTCOME_COMMITS_IN_FLIGHT,
    );
    this.interchangeNumbers = new InterchangeNumberAllocator(db);
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  /** Stores a batch of received messages and their 'received' timeline entries atomically. */
  async insertMessages(messages: NewMessage[], status: MessageStatus = 'received'): Promise<void> {
    if (messages.length === 0) return;
    await this.db.query(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${MESSAGE_ROW_COLUMNS})
       ), stored AS (
         ${insertMessagesFromInput('$2')}
         RETURNING id, protocol, partner_id
       )
       INSERT INTO timeline (message_id, stage, detail)
       SELECT id, $2, jsonb_build_object('protocol', protocol, 'partnerId', partner_id) FROM stored`,
      [JSON.stringify(messages.map(messageRow)), status],
    );
  }

  async setMessageStatus(
    ids: string[],
    status: MessageStatus,
    detail: Record<string, unknown> | null = null,
  ): Promise<void> {
    await this.db.query(
      `WITH changed AS (
         UPDATE messages SET status = $2, updated_at = now(),
                error = CASE WHEN $3::jsonb IS NULL THEN error ELSE $3::jsonb END
         WHERE id = ANY($1::text[]) RETURNING id)
       INSERT INTO timeline (message_id, stage, detail) SELECT id, $2, $3::jsonb FROM changed`,
      [ids, status, detail === null ? null : JSON.stringify(detail)],
    );
  }

  async loadRaw(messageId: string): Promise<Buffer | undefined> {
    const rows = await this.db.query<{ raw: Buffer }>('SELECT raw FROM messages WHERE id = $1', [
      messageId,
    ]);
    return rows[0]?.raw;
  }

  /**
   * Records what processing a message produced: its events, their deliveries, the message's
   * new status and timeline, in one statement. Re-running it for the same message (a retried
   * job) changes nothing: ids are derived and inserts skip what exists.
   */
  /**
   * Stores a message's events and deliveries (skipping ids that exist) and, with the last
   * batch, its end. Resolves with the ids of the deliveries this call created: only those
   * need a deliver job, so a re-run of processing never sends a webhook twice.
   */
  recordProcessed(input: ProcessedBatch): Promise<Set<string>> {
    return this.processedWrites.run(input);
  }

  recordDeliveryOutcome(outcome: DeliveryOutcome): Promise<void> {
    return this.outcomeWrites.run(outcome);
  }

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    const rows = await this.db.query<MessageRecord>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  /** The outbound messages (acks) made in answer to a message, with their bytes, in order. */
  async getAnswers(messageId: string): Promise<Array<MessageRecord & { raw: Buffer }>> {
    return this.db.query<MessageRecord & { raw: Buffer }>(
      `SELECT ${MESSAGE_COLUMNS}, raw FROM messages WHERE answers_message_id = $1 ORDER BY id`,
      [messageId],
    );
  }

  async getTimeline(messageId: string): Promise<TimelineEntry[]> {
    return this.db.query<TimelineEntry>(
      'SELECT stage, detail, at FROM timeline WHERE message_id = $1 ORDER BY id',
      [messageId],
    );
  }

  async getEventsOfMessage(messageId: string): Promise<EventRecord[]> {
    return this.db.query<EventRecord>(
      `SELECT id, position, message_id AS "messageId", type, subject, envelope,
              created_at AS "createdAt"
       FROM events WHERE message_id = $1 ORDER BY seq`,
      [messageId],
    );
  }

  async getEvent(id: string): Promise<EventRecord | undefined> {
    const rows = await this.db.query<EventRecord>(
      `SELECT id, position, message_id AS "messageId", type, subject, envelope,
              created_at AS "createdAt"
       FROM events WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  async getDeliveriesOfMessage(messageId: string): Promise<DeliveryRecord[]> {
    return this.db.query<DeliveryRecord>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE message_id = $1 ORDER BY id`,
      [messageId],
    );
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const rows = await this.db.query<DeliveryRecord>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  async listDeliveries(filter: {
    status?: DeliveryStatus;
    after?: string;
    limit: number;
  }): Promise<DeliveryRecord[]> {
    return this.db.query<DeliveryRecord>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries
       WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR id > $2)
       ORDER BY id LIMIT $3`,
      [filter.status ?? null, filter.after ?? null, filter.limit],
    );
  }

  /**
   * Puts a dead (or stuck) delivery back to pending for another round of attempts and returns
   * its new replay number, or undefined when it was already delivered or does not exist.
   */
  async reopenDelivery(id: string, reason: string): Promise<DeliveryRecord | undefined> {
    const rows = await this.db.query<DeliveryRecord>(
      `WITH changed AS (
         UPDATE deliveries SET status = 'pending', replays = replays + 1, updated_at = now()
         WHERE id = $1 AND status <> 'delivered'
         RETURNING *
       ), logged AS (
         INSERT INTO timeline (message_id, stage, detail)
         SELECT message_id, 'delivery.replayed',
                jsonb_build_object('deliveryId', id, 'replay', replays, 'reason', $2::text)
         FROM changed
       )
       SELECT id, event_id AS "eventId", outbound_message_id AS "outboundMessageId",
              message_id AS "messageId", destination, channel, status, attempts, replays, last_status_code AS "lastStatusCode", last_error AS "lastError",
              created_at AS "createdAt", updated_at AS "updatedAt", delivered_at AS "deliveredAt",
              order_key AS "orderKey"
       FROM changed`,
      [id, reason],
    );
    return rows[0];
  }

  /** Messages stored but never processed, e.g. when Redis lost its last second of writes. */
  async findUnprocessedMessages(olderThanMs: number, limit: number) {
    return this.db.query<{
      id: string;
      protocol: string;
      partnerId: string | null;
      correlationId: string;
      documentKind: string | null;
      recipientId: string | null;
    }>(
      `SELECT id, protocol, partner_id AS "partnerId", correlation_id AS "correlationId",
              document_kind AS "documentKind", recipient_id AS "recipientId"
       FROM messages
       WHERE status = 'received' AND received_at < now() - make_interval(secs => $1::double precision / 1000)
       ORDER BY received_at LIMIT $2`,
      [olderThanMs, limit],
    );
  }

  /** Deliveries still pending long after they were created: their job may have been lost. */
  async findStalledDeliveries(olderThanMs: number, limit: number): Promise<DeliveryRecord[]> {
    return this.db.query<DeliveryRecord>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries
       WHERE status IN ('pending', 'retrying')
         AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
         -- a document waiting in an X12 batch progresses through its batch's own delivery
         AND NOT EXISTS (SELECT 1 FROM x12_outbound_sets s
                         WHERE s.delivery_id = deliveries.id
                           AND (s.status = 'queued' OR EXISTS (
                                  SELECT 1 FROM deliveries batch
                                  WHERE batch.outbound_message_id = s.message_id)))
       ORDER BY updated_at LIMIT $2`,
      [olderThanMs, limit],
    );
  }

  /**
   * Inbound messages that brought a document of one kind and business key (a PO number), most
   * recent first, optionally from one partner only. A message found by its events too, since an
   * X12 interchange holds many documents but carries one business key.
   */
  async findInboundDocuments(query: {
    documentKind: string;
    eventType: string;
    businessKey: string;
    partnerId?: string;
    limit: number;
  }): Promise<InboundDocumentRecord[]> {
    return this.db.query<InboundDocumentRecord>(
      `SELECT id AS "messageId", partner_id AS "partnerId", correlation_id AS "correlationId",
              received_at AS "receivedAt"
       FROM (
         SELECT m.id, m.partner_id, m.correlation_id, m.received_at
         FROM messages m
         WHERE m.business_key = $3 AND m.document_kind = $1 AND m.direction = 'inbound'
           AND m.status NOT IN ('rejected', 'enqueue_failed', 'incomplete')
         UNION
         SELECT m.id, e.partner_id, m.correlation_id, m.received_at
         FROM events e JOIN messages m ON m.id = e.message_id
         WHERE e.business_key = $3 AND e.type = $2 AND m.direction = 'inbound'
       ) found
       WHERE partner_id IS NOT NULL AND ($4::text IS NULL OR partner_id = $4)
       ORDER BY received_at DESC, id DESC
       LIMIT $5`,
      [
        query.documentKind,
        query.eventType,
        query.businessKey,
        query.partnerId ?? null,
        query.limit,
      ],
    );
  }

  /**
   * Every message of one business exchange (one correlation id), oldest first, with the X12
   * transaction sets of that exchange each outbound interchange carried. An interchange that
   * batches several exchanges' sets is listed in each of their chains.
   */
  async getCorrelationChain(correlationId: string): Promise<ChainLink[]> {
    return this.db.query<ChainLink>(
      `SELECT m.id, m.direction, m.protocol, m.partner_id AS "partnerId",
              m.recipient_id AS "recipientId", m.document_kind AS "documentKind",
              m.business_key AS "businessKey", m.status, m.received_at AS "receivedAt",
              m.answers_message_id AS "answersMessageId",
              COALESCE(jsonb_agg(jsonb_build_object(
                  'transactionSet', s.transaction_set, 'isa13', s.isa13, 'gs06', s.gs06,
                  'st02', s.st02, 'status', s.status, 'ackCode', s.ack_code)
                ORDER BY s.created_at, s.delivery_id) FILTER (WHERE s.delivery_id IS NOT NULL),
                '[]'::jsonb) AS "x12Sets"
       FROM messages m
       LEFT JOIN x12_outbound_sets s ON s.message_id = m.id AND s.correlation_id = $1
       WHERE m.correlation_id = $1
          OR m.id IN (SELECT message_id FROM x12_outbound_sets WHERE correlation_id = $1)
       GROUP BY m.id
       ORDER BY m.received_at, m.id`,
      [correlationId],
    );
  }

  /**
   * Allocates `count` consecutive control numbers of one kind (ISA13, GS06, ST02) for a
   * partner; the row lock of the upsert makes concurrent allocations strictly increasing.
   */
  allocateControlNumbers(partnerId: string, kind: string, count = 1): Promise<string[]> {
    return allocateControlNumbers(this.db, partnerId, kind, count);
  }

  /**
   * ISA13, GS06s and ST02s for one interchange to a partner; the interchanges this process
   * numbers at the same time share one statement (control-numbers.ts).
   */
  allocateInterchangeNumbers(
    partnerId: string,
    size: InterchangeSize,
  ): Promise<InterchangeNumbers> {
    return this.interchangeNumbers.allocate(partnerId, size);
  }
}
