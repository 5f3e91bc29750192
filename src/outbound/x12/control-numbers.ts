import { allocateControlNumbers } from '../../store/control-numbers';
import type { Queryable } from '../../store/database';

export interface InterchangeNumbers {
  isa13: string;
  /** GS06 per functional group (GS01) of the interchange. */
  gs06: ReadonlyMap<string, string>;
  /** ST02 for each set, in order. */
  st02: string[];
}

/**
 * Control numbers for one interchange to a partner: one ISA13, one GS06 per group, one ST02 per
 * set, from the partner's counters in the store (shared with the acks the inbound side sends,
 * so no two interchanges to a partner ever carry the same ISA13). A number allocated for an
 * interchange that is then never stored is skipped, never reused.
 */
export async function allocateInterchangeNumbers(
  db: Pick<Queryable, 'query'>,
  partnerId: string,
  functionalIds: readonly string[],
  setCount: number,
): Promise<InterchangeNumbers> {
  const groups = [...new Set(functionalIds)];
  const [isa13] = await allocateControlNumbers(db, partnerId, 'ISA13', 1);
  const gs06 = await allocateControlNumbers(db, partnerId, 'GS06', groups.length);
  const st02 = await allocateControlNumbers(db, partnerId, 'ST02', setCount);
  return {
    isa13: isa13!.padStart(9, '0'),
    gs06: new Map(groups.map((id, i) => [id, gs06[i]!])),
    // ST02 is 4 to 9 characters; the counter's low digits keep it short while it can.
    st02: st02.map((n) => n.padStart(4, '0')),
  };
}
