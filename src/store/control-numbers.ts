import type { Queryable } from './database';

/**
 * Allocates `count` consecutive control numbers of one kind (ISA13, GS06, ST02) for a partner.
 * One upsert: its row lock makes concurrent allocations strictly increasing, and a number once
 * returned is never returned again, whatever happens to the caller afterwards. Takes a
 * Queryable so a caller can allocate inside its own transaction (PGlite has one connection).
 */
export async function allocateControlNumbers(
  db: Pick<Queryable, 'query'>,
  partnerId: string,
  kind: string,
  count = 1,
): Promise<string[]> {
  const rows = await db.query<{ lastValue: string }>(
    `INSERT INTO control_numbers (partner_id, kind, last_value) VALUES ($1, $2, $3)
     ON CONFLICT (partner_id, kind)
     DO UPDATE SET last_value = control_numbers.last_value + EXCLUDED.last_value
     RETURNING last_value AS "lastValue"`,
    [partnerId, kind, count],
  );
  const last = BigInt(rows[0]!.lastValue);
  return Array.from({ length: count }, (_, i) => (last - BigInt(count - 1 - i)).toString());
}
