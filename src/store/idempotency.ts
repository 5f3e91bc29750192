import type { Database } from './database';
import { insertMessagesFromInput, MESSAGE_ROW_COLUMNS, messageRow } from './message-rows';
import type { MessageStatus, NewMessage } from './message-store';

/**
 * Idempotency keys (draft-ietf-httpapi-idempotency-key-header): a client's key, scoped to the
 * partner whose credentials sent it, names the one message its first request created. A key
 * is live until it expires, and while its message is not abandoned: a message the ingest
 * queue refused (`enqueue_failed`) was answered 503, so a retry with the same key must be
 * taken afresh, not answered with the failed attempt.
 */
export interface IdempotencyClaim {
  partnerId: string;
  key: string;
  /** Fingerprint of the request the key was first used for. */
  requestHash: string;
  ttlHours: number;
}

/** A live key and what its first request became. */
export interface IdempotencyRecord {
  requestHash: string;
  messageId: string;
  correlationId: string;
  recipientId: string | null;
  status: MessageStatus;
  protocol: string;
  partnerId: string | null;
  documentKind: string | null;
  expiresAt: string;
}

export interface ReceivedMessage {
  message: NewMessage;
  claim?: IdempotencyClaim;
}

export async function findIdempotencyRecord(
  db: Database,
  partnerId: string,
  key: string,
): Promise<IdempotencyRecord | undefined> {
  const rows = await db.query<IdempotencyRecord>(
    `SELECT k.request_hash AS "requestHash", k.message_id AS "messageId",
            m.correlation_id AS "correlationId", m.recipient_id AS "recipientId", m.status,
            m.protocol, m.partner_id AS "partnerId", m.document_kind AS "documentKind",
            k.expires_at AS "expiresAt"
     FROM idempotency_keys k JOIN messages m ON m.id = k.message_id
     WHERE k.partner_id = $1 AND k.key = $2 AND k.expires_at > now()
       AND m.status <> 'enqueue_failed'`,
    [partnerId, key],
  );
  return rows[0];
}

/**
 * Stores a batch of received messages, their 'received' timeline entries and their keys in one
 * statement, so a key exists exactly when its message does. A message whose key is already
 * held by a live earlier request is not stored; the ids of the stored ones are returned.
 * A batch must not hold one key twice (PostgreSQL refuses to claim a row twice in a statement).
 * Hot path: guarded by bench/pipeline.ts.
 */
export async function insertMessagesClaimingKeys(
  db: Database,
  received: ReceivedMessage[],
  status: MessageStatus = 'received',
): Promise<Set<string>> {
  if (received.length === 0) return new Set();
  const rows = received.map(({ message, claim }) => ({
    ...messageRow(message),
    key_partner_id: claim?.partnerId ?? null,
    key: claim?.key ?? null,
    request_hash: claim?.requestHash ?? null,
    ttl_hours: claim?.ttlHours ?? null,
  }));
  const stored = await db.query<{ id: string }>(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${MESSAGE_ROW_COLUMNS},
         key_partner_id text, key text, request_hash text, ttl_hours double precision)
     ), claimed AS (
       INSERT INTO idempotency_keys AS k (partner_id, key, request_hash, message_id, expires_at)
       SELECT key_partner_id, key, request_hash, id,
              now() + make_interval(secs => ttl_hours * 3600)
       FROM input WHERE key IS NOT NULL
       ON CONFLICT (partner_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, message_id = EXCLUDED.message_id,
             created_at = now(), expires_at = EXCLUDED.expires_at
         WHERE k.expires_at <= now()
            OR EXISTS (SELECT 1 FROM messages held
                       WHERE held.id = k.message_id AND held.status = 'enqueue_failed')
       RETURNING message_id
     ), stored AS (
       ${insertMessagesFromInput('$2')}
       WHERE key IS NULL OR id IN (SELECT message_id FROM claimed)
       RETURNING id, protocol, partner_id, recipient_id
     ), logged AS (
       INSERT INTO timeline (message_id, stage, detail)
       SELECT s.id, $2, jsonb_build_object('protocol', s.protocol, 'partnerId', s.partner_id)
                        || jsonb_strip_nulls(jsonb_build_object('recipientId', s.recipient_id,
                                                                'idempotencyKey', i.key))
       FROM stored s JOIN input i ON i.id = s.id
     )
     SELECT id FROM stored`,
    [JSON.stringify(rows), status],
  );
  return new Set(stored.map((row) => row.id));
}

/** Deletes up to `limit` expired keys; returns how many went. */
export async function purgeExpiredIdempotencyKeys(db: Database, limit: number): Promise<number> {
  const rows = await db.query<{ count: number }>(
    `WITH expired AS (
       SELECT partner_id, key FROM idempotency_keys
       WHERE expires_at <= now() ORDER BY expires_at LIMIT $1
     ), purged AS (
       DELETE FROM idempotency_keys k USING expired e
       WHERE k.partner_id = e.partner_id AND k.key = e.key AND k.expires_at <= now()
       RETURNING 1
     )
     SELECT count(*)::integer AS count FROM purged`,
    [limit],
  );
  return rows[0]?.count ?? 0;
}
