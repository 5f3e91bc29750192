/**
 * The store's side of outbound X12: each transaction set sent to a partner (a row of
 * x12_outbound_sets, keyed by the delivery it was made for) and the interchange message that
 * carried it. Built interchanges are stored before they are sent, so a retry resends the same
 * bytes under the same control numbers instead of numbering a second copy.
 */
import { createHash } from 'node:crypto';
import type { Database, Queryable } from './database';

export interface OutboundSetRow {
  deliveryId: string;
  partnerId: string;
  eventId: string | null;
  transactionSet: string;
  functionalId: string;
  version: string;
  businessKey: string | null;
  correlationId: string;
  messageId: string | null;
  isa13: string | null;
  gs06: string | null;
  st02: string | null;
  status: string;
  /** Group batching: the set's segments as JSON while it waits for its interchange. */
  body: string | null;
}

/** The columns of OutboundSetRow but its body, named as its fields: what every reading selects. */
export const OUTBOUND_SET_COLUMNS = `delivery_id AS "deliveryId", partner_id AS "partnerId",
  event_id AS "eventId", transaction_set AS "transactionSet", functional_id AS "functionalId",
  version, business_key AS "businessKey", correlation_id AS "correlationId",
  message_id AS "messageId", isa13, gs06, st02, status`;

const SET_COLUMNS = `${OUTBOUND_SET_COLUMNS}, body`;

export async function findOutboundSet(
  db: Database,
  deliveryId: string,
): Promise<OutboundSetRow | undefined> {
  const rows = await db.query<OutboundSetRow>(
    `SELECT ${SET_COLUMNS} FROM x12_outbound_sets WHERE delivery_id = $1`,
    [deliveryId],
  );
  return rows[0];
}

export interface BuiltInterchange {
  messageId: string;
  partnerId: string;
  raw: Buffer;
  correlationId: string;
  businessKey: string | null;
  /** The document kind for the operator, e.g. "810" or "810,856" for a mixed batch. */
  documentKind: string;
  /** The inbound message the interchange's first document came from. */
  answersMessageId: string | null;
  isa13: string;
  sets: Array<
    Omit<OutboundSetRow, 'messageId' | 'isa13' | 'status' | 'body'> & { gs06: string; st02: string }
  >;
}

/**
 * Stores an interchange message and marks its sets 'assembled' under it, in one transaction.
 * Sets already in another interchange are left alone (a concurrent run won); the sets this call
 * did claim are returned, so the caller knows whether its interchange holds anything.
 */
export async function storeBuiltInterchange(
  tx: Queryable,
  interchange: BuiltInterchange,
): Promise<string[]> {
  await tx.query(
    `WITH stored AS (
       INSERT INTO messages (id, direction, protocol, partner_id, recipient_id, document_kind,
                             content_type, raw, size_bytes, sha256, status, correlation_id,
                             business_key, answers_message_id)
       VALUES ($1, 'outbound', 'x12', $2, $2, $3, 'application/edi-x12', $4, $5, $6, 'created',
               $7, $8, $9)
       ON CONFLICT (id) DO NOTHING
       RETURNING id)
     INSERT INTO timeline (message_id, stage, detail)
     SELECT id, 'created', jsonb_build_object('isa13', $10::text, 'sets', $11::integer) FROM stored`,
    [
      interchange.messageId,
      interchange.partnerId,
      interchange.documentKind,
      interchange.raw,
      interchange.raw.length,
      createHash('sha256').update(interchange.raw).digest('hex'),
      interchange.correlationId,
      interchange.businessKey,
      interchange.answersMessageId,
      interchange.isa13,
      interchange.sets.length,
    ],
  );
  const rows = await tx.query<{ deliveryId: string }>(
    `INSERT INTO x12_outbound_sets AS s (delivery_id, partner_id, event_id, transaction_set,
              functional_id, version, business_key, correlation_id, message_id, isa13, gs06,
              st02, status)
     SELECT r.delivery_id, r.partner_id, r.event_id, r.transaction_set, r.functional_id,
            r.version, r.business_key, r.correlation_id, $2, $3, r.gs06, r.st02, 'assembled'
     FROM jsonb_to_recordset($1::jsonb) AS r(delivery_id text, partner_id text, event_id text,
          transaction_set text, functional_id text, version text, business_key text,
          correlation_id text, gs06 text, st02 text)
     ON CONFLICT (delivery_id) DO UPDATE
       SET message_id = EXCLUDED.message_id, isa13 = EXCLUDED.isa13, gs06 = EXCLUDED.gs06,
           st02 = EXCLUDED.st02, status = 'assembled', body = NULL
       WHERE s.message_id IS NULL
     RETURNING delivery_id AS "deliveryId"`,
    [
      JSON.stringify(
        interchange.sets.map((set) => ({
          delivery_id: set.deliveryId,
          partner_id: set.partnerId,
          event_id: set.eventId,
          transaction_set: set.transactionSet,
          functional_id: set.functionalId,
          version: set.version,
          business_key: set.businessKey,
          correlation_id: set.correlationId,
          gs06: set.gs06,
          st02: set.st02,
        })),
      ),
      interchange.messageId,
      interchange.isa13,
    ],
  );
  return rows.map((row) => row.deliveryId);
}

/**
 * The interchange reached the partner: the message is 'sent', its sets wait for their 997/999
 * until `ackWindowMs` from now (null: no ack expected).
 */
export async function markInterchangeSent(
  db: Database,
  messageId: string,
  ackWindowMs: number | null,
  detail: { location: string; statusCode: number | null },
  sendingDeliveryId: string,
): Promise<void> {
  await db.query(
    `WITH sets AS (
       UPDATE x12_outbound_sets
       SET status = 'sent', sent_at = now(),
           ack_due_at = CASE WHEN $2::double precision IS NULL THEN NULL
                             ELSE now() + make_interval(secs => $2::double precision / 1000) END
       WHERE message_id = $1 AND status = 'assembled'
       RETURNING delivery_id
     ), members AS (
       -- documents of a batch interchange: delivered with it (the sending delivery itself is
       -- recorded by the deliver worker)
       UPDATE deliveries d SET status = 'delivered', delivered_at = now(), updated_at = now()
       FROM sets
       WHERE d.id = sets.delivery_id AND d.id <> $4 AND d.status <> 'delivered'
       RETURNING d.id, d.message_id
     ), member_log AS (
       INSERT INTO timeline (message_id, stage, detail)
       SELECT message_id, 'delivery.delivered',
              jsonb_build_object('deliveryId', id, 'interchange', $1::text)
       FROM members
     ), msg AS (
       UPDATE messages SET status = 'sent', updated_at = now()
       WHERE id = $1 AND status <> 'sent'
       RETURNING id
     )
     INSERT INTO timeline (message_id, stage, detail)
     SELECT id, 'sent', $3::jsonb FROM msg`,
    [messageId, ackWindowMs, JSON.stringify(detail), sendingDeliveryId],
  );
}
