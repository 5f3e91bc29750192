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

/**
 * A partner's counters are past 999999999. Wrapping to 1 would reuse numbers the partner has
 * seen, so nothing more can be numbered until an operator decides (e.g. resets the counters
 * with the partner's agreement).
 */
export class ControlNumbersExhaustedError extends Error {
  override name = 'ControlNumbersExhaustedError';
  constructor(
    readonly partnerId: string,
    readonly largest: string,
  ) {
    super(`control numbers for partner ${partnerId} are exhausted (${largest} > 999999999)`);
  }
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
export interface InterchangeSize {
  groups: number;
  sets: number;
}

/**
 * Numbers one interchange; see allocateInterchangesNumbers. For a caller inside its own
 * transaction (PGlite has one connection): the allocator below is for everyone else.
 */
export async function allocateInterchangeNumbers(
  db: Pick<Queryable, 'query'>,
  partnerId: string,
  size: InterchangeSize,
): Promise<InterchangeNumbers> {
  const [result] = await allocateInterchangesNumbers(db, [{ partnerId, size }]);
  if (result instanceof Error) throw result;
  return result!;
}

type Kind = 'GS06' | 'ISA13' | 'ST02';
const KINDS: readonly Kind[] = ['GS06', 'ISA13', 'ST02'];

function countOf(kind: Kind, size: InterchangeSize): number {
  return kind === 'ISA13' ? 1 : kind === 'GS06' ? size.groups : size.sets;
}

/**
 * Numbers several interchanges, of any partners, in one statement: each (partner, kind) counter
 * moves once by the sum asked of it, and the range it moved over is dealt out to the requests
 * in order, so numbers stay strictly increasing in the order they were asked for. Rows are
 * locked in (partner, kind) order, so concurrent statements cannot deadlock. A request whose
 * partner's counters ran past 999999999 gets an Error instead (the numbers are spent, never
 * wrapped: wrapping would reuse numbers the partner has seen).
 */
export async function allocateInterchangesNumbers(
  db: Pick<Queryable, 'query'>,
  requests: ReadonlyArray<{ partnerId: string; size: InterchangeSize }>,
): Promise<Array<InterchangeNumbers | Error>> {
  const totals = new Map<string, { partnerId: string; kind: Kind; amount: number }>();
  for (const { partnerId, size } of requests) {
    for (const kind of KINDS) {
      const amount = countOf(kind, size);
      if (amount === 0) continue;
      const key = `${partnerId}\u0000${kind}`;
      const total = totals.get(key);
      if (total) total.amount += amount;
      else totals.set(key, { partnerId, kind, amount });
    }
  }
  const counters = [...totals.values()];
  const rows = await db.query<{ partnerId: string; kind: Kind; lastValue: string }>(
    `INSERT INTO control_numbers (partner_id, kind, last_value)
     SELECT partner_id, kind, amount
     FROM unnest($1::text[], $2::text[], $3::bigint[]) AS r(partner_id, kind, amount)
     ORDER BY partner_id, kind
     ON CONFLICT (partner_id, kind)
     DO UPDATE SET last_value = control_numbers.last_value + EXCLUDED.last_value
     RETURNING partner_id AS "partnerId", kind, last_value AS "lastValue"`,
    [counters.map((c) => c.partnerId), counters.map((c) => c.kind), counters.map((c) => c.amount)],
  );
  /** The next number to deal out per (partner, kind). */
  const next = new Map<string, bigint>();
  for (const row of rows) {
    const key = `${row.partnerId}\u0000${row.kind}`;
    next.set(key, BigInt(row.lastValue) - BigInt(totals.get(key)!.amount) + 1n);
  }
  return requests.map(({ partnerId, size }) => {
    const take = (kind: Kind): string[] => {
      const key = `${partnerId}\u0000${kind}`;
      const numbers: string[] = [];
      for (let i = countOf(kind, size); i > 0; i--) {
        const value = next.get(key)!;
        next.set(key, value + 1n);
        numbers.push(value.toString());
      }
      return numbers;
    };
    const isa13 = take('ISA13')[0]!;
    const gs06 = take('GS06');
    const st02 = take('ST02');
    const largest = [isa13, ...gs06, ...st02].reduce((a, b) => (BigInt(b) > BigInt(a) ? b : a));
    if (BigInt(largest) > LARGEST_CONTROL_NUMBER) {
      return new ControlNumbersExhaustedError(partnerId, largest);
    }
    // ST02 is 4 to 9 characters; the counter's low values are padded to the minimum.
    return { isa13: isa13.padStart(9, '0'), gs06, st02: st02.map((n) => n.padStart(4, '0')) };
  });
}

/**
 * Gathers the interchanges a process numbers at the same time into one statement: while one
 * statement is in flight, the requests that arrive wait and go together in the next. The row
 * locks on a partner's counters are held until commit (a WAL flush), so one statement per
 * interchange would cap a partner at one interchange per flush; this way a busy process pays
 * one flush for a whole batch and allocation keeps up with delivery.
 */
export class InterchangeNumberAllocator {
  private waiting: Array<{
    partnerId: string;
    size: InterchangeSize;
    resolve: (numbers: InterchangeNumbers) => void;
    reject: (error: unknown) => void;
  }> = [];
  private isFlushing = false;

  constructor(
    private readonly db: Pick<Queryable, 'query'>,
    private readonly maxBatch = 512,
  ) {}

  allocate(partnerId: string, size: InterchangeSize): Promise<InterchangeNumbers> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ partnerId, size, resolve, reject });
      if (!this.isFlushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.isFlushing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const results = await allocateInterchangesNumbers(this.db, batch);
        batch.forEach((request, i) => {
          const result = results[i]!;
          if (result instanceof Error) request.reject(result);
          else request.resolve(result);
        });
      } catch (error) {
        for (const request of batch) request.reject(error);
      }
    }
    this.isFlushing = false;
  }
}
