import type { Database } from './database';

/**
 * The delivery that holds an ordered delivery back: one to the same destination with the same
 * order key (subject) whose event the gateway recorded earlier, still pending or retrying.
 * Dead and delivered ones hold nothing back. Resolves with its id, or undefined when none does.
 */
export async function findEarlierUnfinishedDelivery(
  db: Database,
  delivery: { id: string; destination: string; orderKey: string; eventId: string },
): Promise<string | undefined> {
  // The partial index deliveries_unfinished_in_order finds the few unfinished deliveries of
  // this subject; each is joined to its event for the event's position.
  const rows = await db.query<{ id: string }>(
    `SELECT d.id FROM deliveries d
     JOIN events e ON e.id = d.event_id
     WHERE d.destination = $1 AND d.order_key = $2 AND d.status IN ('pending', 'retrying')
       AND d.id <> $3
       AND e.position < (SELECT position FROM events WHERE id = $4)
     ORDER BY e.position LIMIT 1`,
    [delivery.destination, delivery.orderKey, delivery.id, delivery.eventId],
  );
  return rows[0]?.id;
}
