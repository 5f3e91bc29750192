/**
 * Writes a TransactionSetTree (what an outbound map produces, the same shape the validator
 * builds from what it reads) as the segments of one transaction set, in the order its schema
 * defines. The schema decides the order, which key is a segment or a loop and where each element
 * sits, so a map only says what goes where, never in which sequence.
 *
 * Written per outbound document, so once per set: a Map lookup per key, no regexes. The output
 * is ST..last content segment (offsets 0: they were never read); wrapInterchange (serialize.ts)
 * adds SE with its count.
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
import type { Delimiters, Segment } from './model';

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
): Segment[] {
  const root = asObject(tree, '');
  const st = root.ST === undefined ? {} : asObject(root.ST, '/ST');
  const out: Segment[] = [
    {
      id: 'ST',
      elements: trimTrailing([
        schema.id,
        text(st.ST02 ?? '', '/ST/ST02', delimiters, false),
        text(st.ST03 ?? '', '/ST/ST03', delimiters, false),
      ]),
      offset: 0,
    },
  ];
  writeLevel(schema.root, root, '', out, delimiters, true);
  return out;
}

function writeLevel(
  level: CompiledLevel,
  node: TreeObject,
  pointer: string,
  out: Segment[],
  delimiters: Delimiters,
  isRoot: boolean,
): void {
  // The node's own keys, put in schema order: a map writes a few of the many segments a level
  // allows, so this costs a lookup per key written rather than one per key the schema has.
  const present: Array<{ entry: CompiledEntry; index: number; value: unknown }> = [];
  for (const key in node) {
    const value = node[key];
    if (value === undefined || value === null) continue;
    if (isRoot && (key === 'ST' || key === 'SE')) continue; // written from the schema and wrap
    const found = entryIndex(level).get(key);
    if (found === undefined) {
      throw new OutboundTreeError(
        `${pointer}/${key}`,
        `is not a segment or loop of ${level.loopId ? `loop ${level.loopId}` : 'the transaction set'} here`,
      );
    }
    present.push({ entry: level.entries[found]!, index: found, value });
  }
  if (present.length > 1) present.sort((a, b) => a.index - b.index);
  for (const { entry, value } of present) {
    const at = `${pointer}/${entry.key}`;
    const items = Array.isArray(value) ? (value as unknown[]) : [value];
    if (!entry.isArray && items.length > 1) {
      throw new OutboundTreeError(
        at,
        `${entry.key} may occur once here, the tree has ${items.length}`,
      );
    }
    if (entry.loop && entry.segmentId === 'HL') {
      for (const occurrence of flattenHierarchy(items, at)) {
        writeLevel(entry.loop, occurrence.node, occurrence.pointer, out, delimiters, false);
      }
      continue;
    }
    for (let i = 0; i < items.length; i++) {
      const where = entry.isArray ? `${at}/${i}` : at;
      const item = asObject(items[i], where);
      if (entry.loop) writeLevel(entry.loop, item, where, out, delimiters, false);
      else out.push(writeSegment(entry.segment, item, where, delimiters));
    }
  }
}

/** Tree key (segment id or `<id>Loop`) → entry index, per level, built once. */
function entryIndex(level: CompiledLevel): Map<string, number> {
  let byKey = entriesByKey.get(level);
  if (!byKey) {
    byKey = new Map(level.entries.map((entry, index) => [entry.key, index]));
    entriesByKey.set(level, byKey);
  }
  return byKey;
}
const entriesByKey = new WeakMap<CompiledLevel, Map<string, number>>();

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
): Segment {
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
      pointer,
      key,
      delimiters,
    );
  }
  return { id: segment.id, elements: trimTrailing(elements), offset: 0 };
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
  segmentPointer: string,
  key: string,
  delimiters: Delimiters,
): string {
  // The common case, a plain value, without building its pointer.
  if (typeof value === 'string' && !holdsDelimiter(value, delimiters, isComposite)) return value;
  const pointer = `${segmentPointer}/${key}`;
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
  if (holdsDelimiter(result, delimiters, allowComponent)) {
    throw delimiterInside(result, pointer, delimiters);
  }
  return result;
}

/** Checked without allocating: this runs once per element written. */
function holdsDelimiter(value: string, delimiters: Delimiters, allowComponent: boolean): boolean {
  return (
    value.includes(delimiters.element) ||
    value.includes(delimiters.segment) ||
    (delimiters.repetition !== null && value.includes(delimiters.repetition)) ||
    (!allowComponent && value.includes(delimiters.component))
  );
}

function delimiterInside(
  value: string,
  pointer: string,
  delimiters: Delimiters,
): OutboundTreeError {
  const [name, delimiter] = (
    [
      ['element separator', delimiters.element],
      ['segment terminator', delimiters.segment],
      ['repetition separator', delimiters.repetition],
      ['component separator', delimiters.component],
    ] as const
  ).find(([, d]) => d !== null && value.includes(d))!;
  return new OutboundTreeError(
    pointer,
    `holds the ${name} '${delimiter}', which X12 cannot carry inside a value: ${JSON.stringify(value)}`,
  );
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
