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

export interface InterchangeNumbers {
  /** ISA13, nine digits. */
  isa13: string;
  /** One GS06 per functional group, in order. */
  gs06: string[];
  /** One ST02 per transaction set, in order (at least four digits). */
  st02: string[];
}

/** X12.5: ISA13 is nine digits; GS06 and ST02 fit in nine as well. */
const LARGEST_CONTROL_NUMBER = 999_999_999n;

/**
 * Control numbers for one interchange to a partner: one ISA13, one GS06 per group, one ST02 per
 * set, from the partner's counters in the store (shared with the acks the inbound side sends,
 * so no two interchanges to a partner ever carry the same ISA13). The three counters move in
 * one statement: one round trip per interchange, and their rows are always locked in the same
 * order (ISA13, GS06, ST02 sort that way), so concurrent allocations cannot deadlock. A number
 * allocated for an interchange that is then never stored is skipped, never reused.
 */
export async function allocateInterchangeNumbers(
  db: Pick<Queryable, 'query'>,
  partnerId: string,
  size: { groups: number; sets: number },
): Promise<InterchangeNumbers> {
  const counts = { GS06: size.groups, ISA13: 1, ST02: size.sets };
  const kinds = (Object.keys(counts) as Array<keyof typeof counts>).filter(
    (kind) => counts[kind] > 0,
  );
  const rows = await db.query<{ kind: keyof typeof counts; lastValue: string }>(
    `INSERT INTO control_numbers (partner_id, kind, last_value)
     SELECT $1, kind, amount FROM unnest($2::text[], $3::bigint[]) AS r(kind, amount)
     ORDER BY kind
     ON CONFLICT (partner_id, kind)
     DO UPDATE SET last_value = control_numbers.last_value + EXCLUDED.last_value
     RETURNING kind, last_value AS "lastValue"`,
    [partnerId, kinds, kinds.map((kind) => counts[kind])],
  );
  const range = (kind: keyof typeof counts): string[] => {
    const row = rows.find((candidate) => candidate.kind === kind);
    if (!row) return [];
    const last = BigInt(row.lastValue);
    if (last > LARGEST_CONTROL_NUMBER) {
      // Wrapping to 1 would reuse numbers the partner has seen; an operator must decide.
      throw new Error(
        `${kind} control numbers for partner ${partnerId} are exhausted (${last} > 999999999)`,
      );
    }
    return Array.from({ length: counts[kind] }, (_, i) =>
      (last - BigInt(counts[kind] - 1 - i)).toString(),
    );
  };
  return {
    isa13: range('ISA13')[0]!.padStart(9, '0'),
    gs06: range('GS06'),
    // ST02 is 4 to 9 characters; the counter's low values are padded to the minimum.
    st02: range('ST02').map((n) => n.padStart(4, '0')),
  };
}
