/**
 * HL hierarchies (856 ship notices, and any set with an HL loop) are sent flat: each HL names
 * its parent in HL02. Maps read them nested, the way the document is meant: the top-level
 * `HLLoop` keeps the entries without a parent, and each entry lists its children in its own
 * `HLLoop`. tree-writer.ts does the reverse when writing.
 */
import type { TransactionSetTree } from './model';

type Entry = Record<string, unknown>;

/**
 * The tree with its top-level HL loops nested by HL02. An entry whose parent is not in the set
 * (a partner's error the validator does not catch) stays at the top, so nothing is dropped.
 * The input is not modified.
 */
export function nestHierarchicalLoops(tree: TransactionSetTree): TransactionSetTree {
  const flat = tree.HLLoop;
  if (!Array.isArray(flat) || flat.length === 0) return tree;
  const copies = (flat as Entry[]).map((entry) => ({ ...entry }));
  const indexById = new Map<string, number>();
  copies.forEach((copy, index) => {
    const id = hlElement(copy, 'HL01');
    if (id !== undefined && !indexById.has(id)) indexById.set(id, index);
  });
  const roots: Entry[] = [];
  copies.forEach((copy, index) => {
    const parentId = hlElement(copy, 'HL02');
    const parentIndex = parentId === undefined ? undefined : indexById.get(parentId);
    // X12: a parent precedes its children; one that does not (or names itself) would make a
    // cycle, so such an entry stays at the top.
    if (parentIndex !== undefined && parentIndex < index) {
      const parent = copies[parentIndex]!;
      ((parent.HLLoop as Entry[] | undefined) ?? (parent.HLLoop = [])).push(copy);
    } else roots.push(copy);
  });
  return { ...tree, HLLoop: roots } as TransactionSetTree;
}

function hlElement(entry: Entry, key: 'HL01' | 'HL02'): string | undefined {
  const hl = entry.HL as Record<string, unknown> | undefined;
  const value = hl?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
