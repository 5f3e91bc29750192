import type { Database } from './database';
import { EVENTS_STORED_CHANNEL } from './event-feed';
import type { DeliveryOutcome, MessageStatus, NewDelivery, NewEvent } from './message-store';

/**
 * What processing a message (or one batch of a large message's events) produced: its
 * events, their deliveries and, with the last batch, how the message ends.
 */
export interface ProcessedBatch {
  messageId: string;
  businessKey: string | null;
  events: NewEvent[];
  deliveries: NewDelivery[];
  /**
   * How the message ends: null for one batch of a large message's events, given with the
   * last. Omitted: processed, with no summary.
   */
  completion?: { status: MessageStatus; summary: unknown; error?: unknown } | null;
}

/**
 * Records the processing of several messages in one statement: events and deliveries
 * inserted (existing ids skipped, so a retried job adds nothing), messages' final status,
 * summary and timeline entry.
 */
export async function writeProcessed(
  db: Database,
  batches: ProcessedBatch[],
): Promise<Array<Set<string>>> {
  const messages = batches.map((b) => {
    const completion: ProcessedBatch['completion'] =
      b.completion === undefined ? { status: 'processed', summary: null } : b.completion;
    return {
      message_id: b.messageId,
      business_key: b.businessKey,
      status: completion?.status ?? null,
      summary: completion?.summary ?? null,
      error: completion?.error ?? null,
    };
  });
  const events = batches.flatMap((b) =>
    b.events.map((e) => ({
      id: e.id,
      message_id: b.messageId,
      seq: e.seq,
      type: e.type,
      subject: e.subject,
      partner_id: e.partnerId,
      business_key: e.businessKey,
      envelope: e.envelope,
    })),
  );
  const deliveries = batches.flatMap((b) =>
    b.deliveries.map((d) => ({
      id: d.id,
      event_id: d.eventId,
      message_id: b.messageId,
      destination: d.destination,
      channel: d.channel,
      order_key: d.orderKey ?? null,
    })),
  );
  const rows = await db.query<{ id: string | null }>(
    `WITH m AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS r(message_id text, business_key text, status text, summary jsonb, error jsonb)
     ), ev AS (
       INSERT INTO events (id, message_id, seq, type, subject, partner_id, business_key, envelope)
       SELECT id, message_id, seq, type, subject, partner_id, business_key, envelope
       FROM jsonb_to_recordset($2::jsonb) AS r(id text, message_id text, seq integer, type text,
            subject text, partner_id text, business_key text, envelope jsonb)
       ON CONFLICT (id) DO NOTHING
       RETURNING id, message_id
     ), dl AS (
       INSERT INTO deliveries (id, event_id, message_id, destination, channel, status, order_key)
       SELECT r.id, r.event_id, r.message_id, r.destination, r.channel, 'pending', r.order_key
       FROM jsonb_to_recordset($3::jsonb)
         AS r(id text, event_id text, message_id text, destination text, channel text,
              order_key text)
       WHERE r.event_id IN (SELECT id FROM ev)
       ON CONFLICT (id) DO NOTHING
       RETURNING id, message_id
     ), msg AS (
       UPDATE messages SET status = m.status, updated_at = now(), summary = m.summary,
              error = COALESCE(m.error, messages.error),
              business_key = COALESCE(m.business_key, messages.business_key)
       FROM m
       WHERE messages.id = m.message_id AND m.status IS NOT NULL
         AND messages.status NOT IN ('processed', 'rejected')
       RETURNING messages.id, m.status, m.error
     )
     , logged AS (
     INSERT INTO timeline (message_id, stage, detail)
     SELECT msg.id, msg.status, jsonb_strip_nulls(jsonb_build_object('error', msg.error,
              'events', (SELECT count(*) FROM events e WHERE e.message_id = msg.id)
                        + (SELECT count(*) FROM ev WHERE ev.message_id = msg.id),
              'deliveries', (SELECT count(*) FROM deliveries d WHERE d.message_id = msg.id)
                        + (SELECT count(*) FROM dl WHERE dl.message_id = msg.id)))
     FROM msg)
     -- One NOTIFY per statement that stored events, delivered when it commits: live-feed
     -- tails in every process read at once instead of waiting for their next poll.
     , announced AS (SELECT pg_notify($4, '') WHERE EXISTS (SELECT 1 FROM ev))
     SELECT id FROM dl UNION ALL SELECT NULL FROM announced`,
    [
      JSON.stringify(messages),
      JSON.stringify(events),
      JSON.stringify(deliveries),
      EVENTS_STORED_CHANNEL,
    ],
  );
  const created = new Set(rows.map((row) => row.id));
  return batches.map((b) => new Set(b.deliveries.map((d) => d.id).filter((id) => created.has(id))));
}

/** Records several delivery attempts' outcomes, and their timeline entries, in one statement. */
export async function writeDeliveryOutcomes(
  db: Database,
  outcomes: DeliveryOutcome[],
): Promise<void[]> {
  const rows = outcomes.map((o) => ({
    delivery_id: o.deliveryId,
    message_id: o.messageId,
    status: o.status,
    status_code: o.statusCode,
    error: o.error,
    attempt: o.attempt,
  }));
  await db.query(
    `WITH o AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(delivery_id text, message_id text,
              status text, status_code integer, error text, attempt integer)
     ), changed AS (
       UPDATE deliveries SET status = o.status, attempts = deliveries.attempts + 1,
              last_status_code = o.status_code, last_error = o.error, updated_at = now(),
              delivered_at = CASE WHEN o.status = 'delivered' THEN now() ELSE deliveries.delivered_at END
       FROM o
       WHERE deliveries.id = o.delivery_id AND deliveries.status <> 'delivered'
       RETURNING deliveries.id, deliveries.destination, o.message_id, o.status, o.status_code,
                 o.error, o.attempt)
     INSERT INTO timeline (message_id, stage, detail)
     SELECT message_id, 'delivery.' || status, jsonb_build_object('deliveryId', id,
            'destination', destination, 'attempt', attempt, 'statusCode', status_code, 'error', error)
     FROM changed`,
    [JSON.stringify(rows)],
  );
  return outcomes.map(() => undefined);
}
