/**
 * Writes a TransactionSetTree (what an outbound map produces, the same shape the validator
 * builds from what it reads) as the segments of one transaction set, in the order its schema
 * defines. The schema decides the order, which key is a segment or a loop and where each element
 * sits, so a map only says what goes where, never in which sequence.
 *
 * HOT PATH, written for speed on purpose: it runs for every outbound document (guarded by
 * bench/x12-generate.ts, row "crossdock full path"). The lookups it needs are built once per
 * schema (LevelPlan, SegmentPlan); per segment or loop key written it makes one Map lookup, an
 * element's position is read from its key, values are checked for delimiters in a char-code
 * loop, and where-in-the-tree pointers are only made for an error (the walk keeps a path of
 * keys and indexes). The output is ST..last content segment (offsets
 * 0: they were never read); wrapInterchange (serialize.ts) adds SE with its count.
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
/** Where the walk is: keys and list indexes from the root, made into a pointer for an error. */
type TreePath = Array<string | number>;

function pointerOf(path: TreePath, ...more: Array<string | number>): string {
  let pointer = '';
  for (const part of path) pointer += `/${part}`;
  for (const part of more) pointer += `/${part}`;
  return pointer;
}

/** A level's lookups: tree key to entry index, and each entry's loop or segment plan. */
interface LevelPlan {
  level: CompiledLevel;
  indexOfKey: Map<string, number>;
  entries: EntryPlan[];
}

interface EntryPlan {
  entry: CompiledEntry;
  loop: LevelPlan | null;
  segment: SegmentPlan;
}

interface SegmentPlan {
  segment: CompiledSegment;
  /** Tree key (e.g. IT101) to element position. */
  positionOfKey: Map<string, number>;
}

/** Built once per schema and kept as long as the schema is. */
const plans = new WeakMap<CompiledTransactionSet, LevelPlan>();

function planOf(schema: CompiledTransactionSet): LevelPlan {
  let plan = plans.get(schema);
  if (!plan) {
    const segmentPlans = new Map<CompiledSegment, SegmentPlan>();
    plan = planLevel(schema.root, segmentPlans);
    plans.set(schema, plan);
  }
  return plan;
}

function planLevel(
  level: CompiledLevel,
  segmentPlans: Map<CompiledSegment, SegmentPlan>,
): LevelPlan {
  return {
    level,
    indexOfKey: new Map(level.entries.map((entry, index) => [entry.key, index])),
    entries: level.entries.map((entry) => ({
      entry,
      loop: entry.loop ? planLevel(entry.loop, segmentPlans) : null,
      segment: planSegment(entry.segment, segmentPlans),
    })),
  };
}

function planSegment(
  segment: CompiledSegment,
  segmentPlans: Map<CompiledSegment, SegmentPlan>,
): SegmentPlan {
  let plan = segmentPlans.get(segment);
  if (!plan) {
    plan = {
      segment,
      positionOfKey: new Map(segment.elements.map((use, index) => [use.key, index])),
    };
    segmentPlans.set(segment, plan);
  }
  return plan;
}

/**
 * The delimiters as char codes, for the checks made per value (-1: none). Delimiters that are
 * not single characters are looked for with `includes` instead.
 */
interface DelimiterCodes {
  delimiters: Delimiters;
  isSingleCharacter: boolean;
  element: number;
  segment: number;
  repetition: number;
  component: number;
}

function delimiterCodes(delimiters: Delimiters): DelimiterCodes {
  const { element, segment, repetition, component } = delimiters;
  return {
    delimiters,
    isSingleCharacter:
      element.length === 1 &&
      segment.length === 1 &&
      component.length === 1 &&
      (repetition === null || repetition.length === 1),
    element: element.charCodeAt(0),
    segment: segment.charCodeAt(0),
    repetition: repetition === null ? -1 : repetition.charCodeAt(0),
    component: component.charCodeAt(0),
  };
}

export function writeTransactionSet(
  tree: unknown,
  schema: CompiledTransactionSet,
  delimiters: Delimiters,
): Segment[] {
  const codes = delimiterCodes(delimiters);
  const root = asObject(tree, []);
  const st = root.ST === undefined ? {} : asObject(root.ST, ['ST']);
  const out: Segment[] = [
    {
      id: 'ST',
      elements: trimTrailing([
        schema.id,
        text(st.ST02 ?? '', ['ST', 'ST02'], codes, false),
        text(st.ST03 ?? '', ['ST', 'ST03'], codes, false),
      ]),
      offset: 0,
    },
  ];
  writeLevel(planOf(schema), root, [], out, codes, true);
  return out;
}

/**
 * HOT (bench/x12-generate.ts): once per loop occurrence. The node's own keys are put in schema
 * order: a map writes a few of the many segments a level allows, so this costs a lookup per key
 * written rather than one per key the schema has. Maps usually give keys in schema order
 * already; then nothing is sorted.
 */
function writeLevel(
  plan: LevelPlan,
  node: TreeObject,
  path: TreePath,
  out: Segment[],
  codes: DelimiterCodes,
  isRoot: boolean,
): void {
  // Entry index and value, pairwise: one small list per occurrence, no object per key.
  const present: unknown[] = [];
  let isInOrder = true;
  let previous = -1;
  for (const key in node) {
    const value = node[key];
    if (value === undefined || value === null) continue;
    if (isRoot && (key === 'ST' || key === 'SE')) continue; // written from the schema and wrap
    const index = plan.indexOfKey.get(key);
    if (index === undefined) {
      const loopId = plan.level.loopId;
      throw new OutboundTreeError(
        pointerOf(path, key),
        `is not a segment or loop of ${loopId ? `loop ${loopId}` : 'the transaction set'} here`,
      );
    }
    if (index < previous) isInOrder = false;
    previous = index;
    present.push(index, value);
  }
  if (!isInOrder) sortPairs(present);
  for (let p = 0; p < present.length; p += 2) {
    const { entry, loop, segment } = plan.entries[present[p] as number]!;
    const value = present[p + 1];
    const isList = Array.isArray(value);
    const count = isList ? (value as unknown[]).length : 1;
    if (!entry.isArray && count > 1) {
      throw new OutboundTreeError(
        pointerOf(path, entry.key),
        `${entry.key} may occur once here, the tree has ${count}`,
      );
    }
    path.push(entry.key);
    if (loop && entry.segmentId === 'HL') {
      const items = isList ? (value as unknown[]) : [value];
      for (const occurrence of flattenHierarchy(items, path)) {
        writeLevel(loop, occurrence.node, occurrence.path, out, codes, false);
      }
      path.pop();
      continue;
    }
    for (let i = 0; i < count; i++) {
      if (entry.isArray) path.push(i);
      const item = asObject(isList ? (value as unknown[])[i] : value, path);
      if (loop) writeLevel(loop, item, path, out, codes, false);
      else out.push(writeSegment(segment, item, path, codes));
      if (entry.isArray) path.pop();
    }
    path.pop();
  }
}

/** Insertion sort of [index, value] pairs by index: only for a map that gave keys out of order. */
function sortPairs(pairs: unknown[]): void {
  for (let p = 2; p < pairs.length; p += 2) {
    const index = pairs[p] as number;
    const value = pairs[p + 1];
    let q = p - 2;
    for (; q >= 0 && (pairs[q] as number) > index; q -= 2) {
      pairs[q + 2] = pairs[q];
      pairs[q + 3] = pairs[q + 1];
    }
    pairs[q + 2] = index;
    pairs[q + 3] = value;
  }
}

/**
 * Nested HL entries in writing order, each with HL01/HL02/HL04 completed. The nested `HLLoop`
 * key is consumed here; what remains of each entry is an ordinary loop occurrence.
 */
function flattenHierarchy(
  items: unknown[],
  path: TreePath,
): Array<{ node: TreeObject; path: TreePath }> {
  const out: Array<{ node: TreeObject; path: TreePath }> = [];
  let counter = 0;
  const visit = (entries: unknown[], at: TreePath, parentId: string) => {
    entries.forEach((entry, i) => {
      const where = [...at, i];
      const { HLLoop: nested, ...rest } = asObject(entry, where);
      const children =
        nested === undefined || nested === null ? [] : Array.isArray(nested) ? nested : [nested];
      const hl = rest.HL === undefined ? {} : asObject(rest.HL, [...where, 'HL']);
      counter++;
      const id = hl.HL01 === undefined ? String(counter) : String(hl.HL01 as string | number);
      const completed: TreeObject = {
        ...hl,
        HL01: id,
        HL02: hl.HL02 ?? (parentId === '' ? undefined : parentId),
        HL04: hl.HL04 ?? (children.length > 0 ? '1' : '0'),
      };
      out.push({ node: { ...rest, HL: completed }, path: where });
      visit(children, [...where, 'HLLoop'], id);
    });
  };
  visit(items, [...path], '');
  return out;
}

/** HOT (bench/x12-generate.ts): once per segment written. */
function writeSegment(
  plan: SegmentPlan,
  node: TreeObject,
  path: TreePath,
  codes: DelimiterCodes,
): Segment {
  const elements: string[] = [];
  for (const key in node) {
    const value = node[key];
    if (value === undefined || value === null) continue;
    const position = positionOf(plan, key);
    if (position === undefined) {
      throw new OutboundTreeError(
        pointerOf(path, key),
        `is not an element of segment ${plan.segment.id}`,
      );
    }
    while (elements.length <= position) elements.push('');
    const use = plan.segment.elements[position]!;
    const isComposite = use.composite !== null;
    // The common case, a plain value, without building its pointer.
    elements[position] =
      typeof value === 'string' && !holdsDelimiter(value, codes, isComposite)
        ? value
        : elementText(value, isComposite, use.repeat > 1, [...path, key], codes);
  }
  return { id: plan.segment.id, elements: trimTrailing(elements), offset: 0 };
}

/**
 * A tree key is the segment id and the element's two-digit position (IT104): the position is
 * read from its digits and confirmed, which is cheaper than hashing the key; the Map answers
 * anything else.
 */
function positionOf(plan: SegmentPlan, key: string): number | undefined {
  const at = plan.segment.id.length;
  if (key.length === at + 2) {
    const tens = key.charCodeAt(at) - 48;
    const ones = key.charCodeAt(at + 1) - 48;
    const position = tens * 10 + ones - 1;
    const use = plan.segment.elements[position];
    if (tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 && use?.key === key) {
      return position;
    }
  }
  return plan.positionOfKey.get(key);
}

/**
 * A composite is a list of components; a repeatable element a list of repetitions (of
 * components, for a repeatable composite). Trailing empty components are left out (X12.6).
 */
function elementText(
  value: unknown,
  isComposite: boolean,
  isRepeatable: boolean,
  path: TreePath,
  codes: DelimiterCodes,
): string {
  if (!Array.isArray(value)) return text(value, path, codes, isComposite);
  if (isComposite && !(isRepeatable && value.some(Array.isArray))) {
    return compositeText(value, path, codes);
  }
  if (!isRepeatable) {
    throw new OutboundTreeError(
      pointerOf(path),
      'is a simple element: a list cannot be written here',
    );
  }
  const { repetition } = codes.delimiters;
  if (repetition === null) {
    throw new OutboundTreeError(
      pointerOf(path),
      'repeats, but this version has no repetition separator',
    );
  }
  return value
    .map((item, i) =>
      isComposite && Array.isArray(item)
        ? compositeText(item, [...path, i], codes)
        : text(item, [...path, i], codes, false),
    )
    .join(repetition);
}

function compositeText(components: unknown[], path: TreePath, codes: DelimiterCodes): string {
  const parts = components.map((component, i) =>
    component === undefined || component === null
      ? ''
      : text(component, [...path, i], codes, false),
  );
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.join(codes.delimiters.component);
}

/** One value as X12 text; a delimiter inside it would split it, and X12 has no escape. */
function text(
  value: unknown,
  path: TreePath,
  codes: DelimiterCodes,
  allowComponent: boolean,
): string {
  let result: string;
  if (typeof value === 'string') result = value;
  else if (typeof value === 'number' && Number.isFinite(value)) result = String(value);
  else
    throw new OutboundTreeError(
      pointerOf(path),
      `cannot be written as X12 text: ${JSON.stringify(value)}`,
    );
  if (holdsDelimiter(result, codes, allowComponent)) {
    throw delimiterInside(result, pointerOf(path), codes.delimiters);
  }
  return result;
}

/**
 * HOT (bench/x12-generate.ts): once per element written. A char-code loop: for X12's short
 * values that is cheaper than a native search call per delimiter.
 */
function holdsDelimiter(value: string, codes: DelimiterCodes, allowComponent: boolean): boolean {
  if (!codes.isSingleCharacter) return holdsDelimiterText(value, codes.delimiters, allowComponent);
  const component = allowComponent ? -1 : codes.component;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (
      code === codes.element ||
      code === codes.segment ||
      code === codes.repetition ||
      code === component
    ) {
      return true;
    }
  }
  return false;
}

function holdsDelimiterText(
  value: string,
  delimiters: Delimiters,
  allowComponent: boolean,
): boolean {
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

function asObject(value: unknown, path: TreePath): TreeObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OutboundTreeError(
      pointerOf(path) || '/',
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
