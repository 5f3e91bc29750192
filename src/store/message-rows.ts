/**
 * Messages as the batch inserts pass them to PostgreSQL: one JSON array of rows, whatever the
 * batch's size one parameter, read back by `jsonb_to_recordset($n::jsonb) AS r(...)` with
 * MESSAGE_ROW_COLUMNS. JSON has no bytes, so the raw message travels as base64.
 */
import type { NewMessage } from './message-store';

/** One message's row; a statement may add its own fields after these (and their columns). */
export function messageRow(message: NewMessage) {
  return {
    id: message.id,
    direction: message.direction,
    protocol: message.protocol,
    partner_id: message.partnerId,
    document_kind: message.documentKind,
    content_type: message.contentType,
    raw: message.raw.toString('base64'),
    size_bytes: message.raw.length,
    sha256: message.sha256,
    correlation_id: message.correlationId,
    business_key: message.businessKey,
    answers_message_id: message.answersMessageId ?? null,
    recipient_id: message.recipientId ?? null,
  };
}

/** The column definition of messageRow's fields. */
export const MESSAGE_ROW_COLUMNS = `id text, direction text, protocol text, partner_id text,
  document_kind text, content_type text, raw text, size_bytes integer, sha256 text,
  correlation_id text, business_key text, answers_message_id text, recipient_id text`;

/**
 * Stores the rows of the CTE `input` (messageRow's columns) as messages with `status`, an SQL
 * expression such as `$2`; the statement goes on with its own WHERE and RETURNING.
 */
export function insertMessagesFromInput(status: string): string {
  return `INSERT INTO messages (id, direction, protocol, partner_id, document_kind, content_type,
                               raw, size_bytes, sha256, status, correlation_id, business_key,
                               answers_message_id, recipient_id)
         SELECT id, direction, protocol, partner_id, document_kind, content_type,
                decode(raw, 'base64'), size_bytes, sha256, ${status}, correlation_id,
                business_key, answers_message_id, recipient_id
         FROM input`;
}
