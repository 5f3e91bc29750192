/**
 * Writes a TransactionSetTree (what an outbound map produces, the same shape the validator
 * builds from what it reads) as the segments of one transaction set, in the order its schema
 * defines. The schema decides the order, which key is a segment or a loop and where each element
 * sits, so a map only says what goes where, never in which sequence.
 *
 * Written per outbound document, so once per set: a Map lookup per key, no regexes. The output
 * is ST..last content segment; wrapInterchange (serialize.ts) adds SE with its count.
 *
 * HL hierarchies: an `HLLoop` entry may hold its children as a nested `HLLoop` list. They are
 * written depth-first, and HL01 (1, 2, ... in writing order), HL02 (the parent's HL01) and HL04
 * (1 when the entry has children, else 0) are filled in unless the map gives them: the numbering
 * of an 856 is derived from its nesting, as X12 defines it, rather than computed in the map.
 */
import type {
  CompiledEntry,
  CompiledLevel,
  CompiledSegment,
  CompiledTransactionSet,
} from './compiled-schema';
import type { Delimiters } from './model';
import type { SegmentData } from './serialize';

/** The tree cannot be written: a key the schema does not know, or a value X12 cannot carry. */
export class OutboundTreeError extends Error {
  override name = 'OutboundTreeError';
  constructor(
    /** Where in the tree, e.g. `/HLLoop/2/LIN/LIN03`. */
    readonly pointer: string,
    readonly reason: string,
  ) {
    super(`${pointer}: ${reason}`);
  }
}

type TreeObject = Record<string, unknown>;

export function writeTransactionSet(
  tree: unknown,
  schema: CompiledTransactionSet,
  delimiters: Delimiters,
): SegmentData[] {
  const root = asObject(tree, '');
  const st = root.ST === undefined ? {} : asObject(root.ST, '/ST');
  const out: SegmentData[] = [
    {
      id: 'ST',
      elements: trimTrailing([
        schema.id,
        text(st.ST02 ?? '', '/ST/ST02', delimiters, false),
        text(st.ST03 ?? '', '/ST/ST03', delimiters, false),
      ]),
    },
  ];
  writeLevel(schema.root, root, '', out, delimiters, true);
  return out;
}

function writeLevel(
  level: CompiledLevel,
  node: TreeObject,
  pointer: string,
  out: SegmentData[],
  delimiters: Delimiters,
  isRoot: boolean,
): void {
  for (const key of Object.keys(node)) {
    if (node[key] === undefined) continue;
    if (isRoot && (key === 'ST' || key === 'SE')) continue; // written from the schema and wrap
    if (!entryFor(level, key)) {
      throw new OutboundTreeError(
        `${pointer}/${key}`,
        `is not a segment or loop of ${level.loopId ? `loop ${level.loopId}` : 'the transaction set'} here`,
      );
    }
  }
  for (const entry of level.entries) {
    if (isRoot && (entry.segmentId === 'ST' || entry.segmentId === 'SE') && !entry.loop) continue;
    const value = node[entry.key];
    if (value === undefined || value === null) continue;
    const items = Array.isArray(value) ? (value as unknown[]) : [value];
    const at = `${pointer}/${entry.key}`;
    if (!entry.isArray && items.length > 1) {
      throw new OutboundTreeError(
        at,
        `${entry.key} may occur once here, the tree has ${items.length}`,
      );
    }
    if (entry.loop) {
      const occurrences =
        entry.segmentId === 'HL'
          ? flattenHierarchy(items, at)
          : items.map((item, i) => ({
              node: asObject(item, entry.isArray ? `${at}/${i}` : at),
              pointer: entry.isArray ? `${at}/${i}` : at,
            }));
      for (const occurrence of occurrences) {
        writeLevel(entry.loop, occurrence.node, occurrence.pointer, out, delimiters, false);
      }
    } else {
      items.forEach((item, i) => {
        const where = entry.isArray ? `${at}/${i}` : at;
        out.push(writeSegment(entry.segment, asObject(item, where), where, delimiters));
      });
    }
  }
}

function entryFor(level: CompiledLevel, key: string): CompiledEntry | undefined {
  let byKey = entriesByKey.get(level);
  if (!byKey) {
    byKey = new Map(level.entries.map((entry) => [entry.key, entry]));
    entriesByKey.set(level, byKey);
  }
  return byKey.get(key);
}
const entriesByKey = new WeakMap<CompiledLevel, Map<string, CompiledEntry>>();

/**
 * Nested HL entries in writing order, each with HL01/HL02/HL04 completed. The nested `HLLoop`
 * key is consumed here; what remains of each entry is an ordinary loop occurrence.
 */
function flattenHierarchy(
  items: unknown[],
  pointer: string,
): Array<{ node: TreeObject; pointer: string }> {
  const out: Array<{ node: TreeObject; pointer: string }> = [];
  let counter = 0;
  const visit = (entries: unknown[], at: string, parentId: string) => {
    entries.forEach((entry, i) => {
      const where = `${at}/${i}`;
      const { HLLoop: nested, ...rest } = asObject(entry, where);
      const children =
        nested === undefined || nested === null ? [] : Array.isArray(nested) ? nested : [nested];
      const hl = rest.HL === undefined ? {} : asObject(rest.HL, `${where}/HL`);
      counter++;
      const id = hl.HL01 === undefined ? String(counter) : String(hl.HL01 as string | number);
      const completed: TreeObject = {
        ...hl,
        HL01: id,
        HL02: hl.HL02 ?? (parentId === '' ? undefined : parentId),
        HL04: hl.HL04 ?? (children.length > 0 ? '1' : '0'),
      };
      out.push({ node: { ...rest, HL: completed }, pointer: where });
      visit(children, `${where}/HLLoop`, id);
    });
  };
  visit(items, pointer, '');
  return out;
}

function writeSegment(
  segment: CompiledSegment,
  node: TreeObject,
  pointer: string,
  delimiters: Delimiters,
): SegmentData {
  const positions = elementPositions(segment);
  const elements: string[] = [];
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (value === undefined || value === null) continue;
    const position = positions.get(key);
    if (position === undefined) {
      throw new OutboundTreeError(
        `${pointer}/${key}`,
        `is not an element of segment ${segment.id}`,
      );
    }
    const use = segment.elements[position]!;
    while (elements.length <= position) elements.push('');
    elements[position] = elementText(
      value,
      use.composite !== null,
      use.repeat > 1,
      `${pointer}/${key}`,
      delimiters,
    );
  }
  return { id: segment.id, elements: trimTrailing(elements) };
}

function elementPositions(segment: CompiledSegment): Map<string, number> {
  let positions = positionsBySegment.get(segment);
  if (!positions) {
    positions = new Map(segment.elements.map((use, index) => [use.key, index]));
    positionsBySegment.set(segment, positions);
  }
  return positions;
}
const positionsBySegment = new WeakMap<CompiledSegment, Map<string, number>>();

/**
 * A composite is a list of components; a repeatable element a list of repetitions (of
 * components, for a repeatable composite). Trailing empty components are left out (X12.6).
 */
function elementText(
  value: unknown,
  isComposite: boolean,
  isRepeatable: boolean,
  pointer: string,
  delimiters: Delimiters,
): string {
  if (!Array.isArray(value)) return text(value, pointer, delimiters, isComposite);
  if (isComposite && !(isRepeatable && value.some(Array.isArray))) {
    return compositeText(value, pointer, delimiters);
  }
  if (!isRepeatable) {
    throw new OutboundTreeError(pointer, 'is a simple element: a list cannot be written here');
  }
  if (delimiters.repetition === null) {
    throw new OutboundTreeError(pointer, 'repeats, but this version has no repetition separator');
  }
  return value
    .map((repetition, i) =>
      isComposite && Array.isArray(repetition)
        ? compositeText(repetition, `${pointer}/${i}`, delimiters)
        : text(repetition, `${pointer}/${i}`, delimiters, false),
    )
    .join(delimiters.repetition);
}

function compositeText(components: unknown[], pointer: string, delimiters: Delimiters): string {
  const parts = components.map((component, i) =>
    component === undefined || component === null
      ? ''
      : text(component, `${pointer}/${i}`, delimiters, false),
  );
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.join(delimiters.component);
}

/** One value as X12 text; a delimiter inside it would split it, and X12 has no escape. */
function text(
  value: unknown,
  pointer: string,
  delimiters: Delimiters,
  allowComponent: boolean,
): string {
  let result: string;
  if (typeof value === 'string') result = value;
  else if (typeof value === 'number' && Number.isFinite(value)) result = String(value);
  else
    throw new OutboundTreeError(pointer, `cannot be written as X12 text: ${JSON.stringify(value)}`);
  const found = [
    ['element separator', delimiters.element],
    ['segment terminator', delimiters.segment],
    ['repetition separator', delimiters.repetition],
    ...(allowComponent ? [] : [['component separator', delimiters.component]]),
  ].find(([, delimiter]) => delimiter && result.includes(delimiter));
  if (found) {
    throw new OutboundTreeError(
      pointer,
      `holds the ${found[0]} '${found[1]}', which X12 cannot carry inside a value: ${JSON.stringify(result)}`,
    );
  }
  return result;
}

function asObject(value: unknown, pointer: string): TreeObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OutboundTreeError(
      pointer || '/',
      `must be a segment or loop (an object), not ${JSON.stringify(value)}`,
    );
  }
  return value as TreeObject;
}

function trimTrailing(elements: string[]): string[] {
  let last = elements.length;
  while (last > 0 && elements[last - 1] === '') last--;
  return last === elements.length ? elements : elements.slice(0, last);
}
