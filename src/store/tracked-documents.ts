import type { Database } from './database';
import type { MessageStatus } from './message-store';

/** A document a partner sent earlier, as a SOAP caller asks after it (tracking id = message id). */
export interface TrackedDocument {
  trackingId: string;
  businessKey: string | null;
  correlationId: string;
  status: MessageStatus;
  receivedAt: string;
}

/** The latest report on a tracked document (e.g. a TransferStatus on a FundsTransfer). */
export interface StatusReport {
  eventId: string;
  data: Record<string, unknown>;
  createdAt: string;
}

/**
 * Finds a document by its tracking id or by its business key, among those this partner sent:
 * a caller never learns about another partner's documents, not even that they exist. By
 * business key the latest one wins (a key may be used again once its document is final).
 */
export async function findTrackedDocument(
  db: Database,
  query: { partnerId: string; documentKind: string; trackingId?: string; businessKey?: string },
): Promise<TrackedDocument | undefined> {
  const byId = query.trackingId !== undefined;
  const rows = await db.query<TrackedDocument>(
    `SELECT id AS "trackingId", business_key AS "businessKey", correlation_id AS "correlationId",
            status, received_at AS "receivedAt"
     FROM messages
     WHERE ${byId ? 'id' : 'business_key'} = $1 AND partner_id = $2 AND document_kind = $3
       AND direction = 'inbound'
     ORDER BY received_at DESC LIMIT 1`,
    [byId ? query.trackingId : query.businessKey, query.partnerId, query.documentKind],
  );
  const row = rows[0];
  return row && { ...row, receivedAt: isoTime(row.receivedAt) };
}

/** pg and PGlite give timestamptz as Date; callers get ISO 8601 text. */
function isoTime(value: unknown): string {
  return new Date(value as string | Date).toISOString();
}

/**
 * The latest event of the reporting type about a tracked document: keyed by its business key
 * or its tracking id, and either from the same partner (a cancellation it asked for), addressed
 * to it, or in the document's correlation; only reports made after the document arrived count.
 */
export async function latestStatusReport(
  db: Database,
  query: { eventType: string; partnerId: string; document: TrackedDocument },
): Promise<StatusReport | undefined> {
  const { document } = query;
  const rows = await db.query<{ eventId: string; envelope: { data?: unknown }; createdAt: string }>(
    `SELECT id AS "eventId", envelope, created_at AS "createdAt"
     FROM events
     WHERE type = $1 AND business_key IN ($2, $3) AND created_at >= $4
       AND (partner_id = $5 OR envelope->>'recipientid' = $5 OR envelope->>'correlationid' = $6)
     ORDER BY position DESC LIMIT 1`,
    [
      query.eventType,
      document.businessKey ?? document.trackingId,
      document.trackingId,
      document.receivedAt,
      query.partnerId,
      document.correlationId,
    ],
  );
  const row = rows[0];
  if (!row) return undefined;
  const data = row.envelope.data;
  return {
    eventId: row.eventId,
    data: data && typeof data === 'object' ? (data as Record<string, unknown>) : {},
    createdAt: isoTime(row.createdAt),
  };
}
