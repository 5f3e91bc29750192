import type { Database } from './database';

export interface ReceivedInterchange {
  messageId: string;
  /** Its position in the message (a file may hold several interchanges). */
  seq: number;
  partnerId: string | null;
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  controlNumber: string;
}

/**
 * Records an interchange and answers whether the same sender already sent the same ISA13
 * within the window: the id of the message that first brought it, or null. Recording the
 * same (message, seq) again (a retried job) returns the first answer unchanged.
 */
export async function recordInterchange(
  db: Database,
  interchange: ReceivedInterchange,
  duplicateWindowMs: number,
): Promise<string | null> {
  const rows = await db.query<{ duplicateOf: string | null }>(
    `INSERT INTO x12_interchanges (message_id, seq, partner_id, sender_qualifier, sender_id,
                                   receiver_qualifier, receiver_id, control_number, duplicate_of)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (
       SELECT message_id FROM x12_interchanges
       WHERE sender_qualifier = $4 AND sender_id = $5 AND control_number = $8
         AND message_id <> $1 AND duplicate_of IS NULL
         AND received_at > now() - make_interval(secs => $9::double precision / 1000)
       ORDER BY received_at LIMIT 1))
     ON CONFLICT (message_id, seq) DO UPDATE SET seq = EXCLUDED.seq
     RETURNING duplicate_of AS "duplicateOf"`,
    [
      interchange.messageId,
      interchange.seq,
      interchange.partnerId,
      interchange.senderQualifier,
      interchange.senderId,
      interchange.receiverQualifier,
      interchange.receiverId,
      interchange.controlNumber,
      duplicateWindowMs,
    ],
  );
  return rows[0]?.duplicateOf ?? null;
}
