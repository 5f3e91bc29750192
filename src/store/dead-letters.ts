import type { Database } from './database';

export interface DeadLetterFilter {
  /** Only deliveries to this partner. */
  destination?: string;
  /** Only those that died at or after this moment (ISO 8601). */
  since?: string;
  /** Only those that died before this moment (ISO 8601). */
  until?: string;
}

/** Dead letters matching the filter, a page at a time by id (pass the last id as `after`). */
export async function findDeadLetters(
  db: Database,
  query: DeadLetterFilter & { after?: string; limit: number },
): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM deliveries
     WHERE status = 'dead'
       AND ($1::text IS NULL OR destination = $1)
       AND ($2::timestamptz IS NULL OR updated_at >= $2::timestamptz)
       AND ($3::timestamptz IS NULL OR updated_at < $3::timestamptz)
       AND ($4::text IS NULL OR id > $4)
     ORDER BY id LIMIT $5`,
    [
      query.destination ?? null,
      query.since ?? null,
      query.until ?? null,
      query.after ?? null,
      query.limit,
    ],
  );
  return rows.map((row) => row.id);
}
