import type { Database } from './database';
import { MESSAGE_ROW_COLUMNS, messageRow } from './message-rows';
import type { NewMessage } from './message-store';

/** An answer's way to its partner: the partner's outbound channel, when it has one for X12. */
export interface AnswerDelivery {
  id: string;
  /** The inbound message answered (the delivery shows under it for the operator). */
  messageId: string;
  answerId: string;
  destination: string;
  channel: string;
}

/**
 * Stores the answers to an inbound message (TA1, 997, 999) and their deliveries in one
 * statement. Ids are derived from the inbound message, so a retried processing job finds both
 * stored and adds nothing; only the deliveries this call created are returned, to be enqueued.
 */
export async function storeAnswers(
  db: Database,
  answers: NewMessage[],
  deliveries: AnswerDelivery[],
): Promise<Set<string>> {
  if (answers.length === 0) return new Set();
  const rows = await db.query<{ id: string }>(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${MESSAGE_ROW_COLUMNS})
     ), stored AS (
       -- An answer is outbound and addressed to its own partner, whatever its row says.
       INSERT INTO messages (id, direction, protocol, partner_id, recipient_id, document_kind,
                             content_type, raw, size_bytes, sha256, status, correlation_id,
                             business_key, answers_message_id)
       SELECT id, 'outbound', protocol, partner_id, partner_id, document_kind, content_type,
              decode(raw, 'base64'), size_bytes, sha256, 'created', correlation_id, business_key,
              answers_message_id
       FROM input
       ON CONFLICT (id) DO NOTHING
       RETURNING id, protocol, partner_id
     ), logged AS (
       INSERT INTO timeline (message_id, stage, detail)
       SELECT id, 'created', jsonb_build_object('protocol', protocol, 'partnerId', partner_id)
       FROM stored
     )
     INSERT INTO deliveries (id, event_id, message_id, destination, channel, status,
                             outbound_message_id)
     SELECT d.id, NULL, d.message_id, d.destination, d.channel, 'pending', d.answer_id
     FROM jsonb_to_recordset($2::jsonb) AS d(id text, message_id text, answer_id text,
          destination text, channel text)
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    [
      JSON.stringify(answers.map(messageRow)),
      JSON.stringify(
        deliveries.map((d) => ({
          id: d.id,
          message_id: d.messageId,
          answer_id: d.answerId,
          destination: d.destination,
          channel: d.channel,
        })),
      ),
    ],
  );
  return new Set(rows.map((row) => row.id));
}
