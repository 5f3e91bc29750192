/**
 * Repeated element pairs of an X12 segment, named by the first element of the first pair and
 * the last element of the last pair: `PO106 PO125` is PO106/PO107, PO108/PO109, ... PO124/PO125.
 * Read by `| pairs` (inbound) and written by `$pairs` (outbound).
 */

/** The [first, second] element ids of each pair, or undefined when the two ids span no whole pairs. */
export function elementPairs(from: string, to: string): Array<[string, string]> | undefined {
  const first = /^(.*?)([0-9]{2})$/.exec(from);
  const last = /^(.*?)([0-9]{2})$/.exec(to);
  if (!first || !last || first[1] !== last[1]) return undefined;
  const start = Number(first[2]);
  const span = Number(last[2]) - start;
  if (span < 1 || span % 2 === 0) return undefined;
  const id = (position: number) => `${first[1]}${String(position).padStart(2, '0')}`;
  const pairs: Array<[string, string]> = [];
  for (let position = start; position < start + span; position += 2) {
    pairs.push([id(position), id(position + 1)]);
  }
  return pairs;
}
