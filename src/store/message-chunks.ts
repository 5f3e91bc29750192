import type { Database } from './database';
import type { MessageStatus } from './message-store';

/** A streamed body is stored in pieces of this size: bounded memory at any file size. */
export const CHUNK_BYTES = 1024 * 1024;
const CHUNKS_PER_READ = 4;

export interface StreamedMessageStart {
  id: string;
  protocol: string;
  partnerId: string | null;
  contentType: string | null;
  correlationId: string;
}

/**
 * Writes of a body that arrives as a stream (an X12 file of any size): the message row first,
 * invisible to workers (status `receiving`), then its chunks, then its final status. Only
 * after `finish` may the sender be answered.
 */
export async function beginStreamedMessage(
  db: Database,
  start: StreamedMessageStart,
): Promise<void> {
  await db.query(
    `WITH stored AS (
       INSERT INTO messages (id, direction, protocol, partner_id, content_type, raw, size_bytes,
                             sha256, status, correlation_id)
       VALUES ($1, 'inbound', $2, $3, $4, NULL, 0, '', 'receiving', $5)
       RETURNING id)
     INSERT INTO timeline (message_id, stage, detail)
     SELECT id, 'receiving', jsonb_build_object('protocol', $2::text, 'partnerId', $3::text) FROM stored`,
    [start.id, start.protocol, start.partnerId, start.contentType, start.correlationId],
  );
}

export async function appendChunk(
  db: Database,
  messageId: string,
  seq: number,
  data: Buffer,
): Promise<void> {
  await db.query('INSERT INTO message_chunks (message_id, seq, data) VALUES ($1, $2, $3)', [
    messageId,
    seq,
    data,
  ]);
}

export async function finishStreamedMessage(
  db: Database,
  messageId: string,
  outcome: {
    status: MessageStatus;
    sizeBytes: number;
    sha256: string;
    partnerId?: string | null;
    error?: Record<string, unknown> | null;
  },
): Promise<void> {
  await db.query(
    `WITH changed AS (
       UPDATE messages SET status = $2, size_bytes = $3, sha256 = $4,
              partner_id = COALESCE($5, partner_id), error = $6::jsonb, updated_at = now()
       WHERE id = $1 RETURNING id)
     INSERT INTO timeline (message_id, stage, detail)
     SELECT id, $2, jsonb_build_object('sizeBytes', $3::bigint, 'error', $6::jsonb) FROM changed`,
    [
      messageId,
      outcome.status,
      outcome.sizeBytes,
      outcome.sha256,
      outcome.partnerId ?? null,
      outcome.error ? JSON.stringify(outcome.error) : null,
    ],
  );
}

/** The stored bytes of a message, a few chunks at a time (or whole, if stored whole). */
export async function* readRawMessage(db: Database, messageId: string): AsyncGenerator<Buffer> {
  const [whole] = await db.query<{ raw: Buffer | null }>('SELECT raw FROM messages WHERE id = $1', [
    messageId,
  ]);
  if (!whole) return;
  if (whole.raw) {
    yield whole.raw;
    return;
  }
  for (let next = 0; ; next += CHUNKS_PER_READ) {
    const rows = await db.query<{ data: Buffer }>(
      'SELECT data FROM message_chunks WHERE message_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3',
      [messageId, next, CHUNKS_PER_READ],
    );
    for (const row of rows) yield row.data;
    if (rows.length < CHUNKS_PER_READ) return;
  }
}
