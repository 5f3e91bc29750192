/**
 * HOT PATH: validates one transaction set (ST..SE as read) against its compiled schema and builds
 * its TransactionSetTree in the same single pass. Written for speed on purpose: one loop over the
 * segments, a Map lookup per open loop level, the walk's state in typed arrays sized once per set,
 * no closures or regexes per segment; the only objects made per segment are its tree node and the
 * errors it earns. Guarded by bench/x12.ts, row "crossdock tokenize + validate".
 *
 * The walk follows X12 sequencing: a segment is looked for at or after the current position of
 * the innermost open loop, then of each enclosing level (leaving the inner loops); a loop's first
 * segment starts a new occurrence. It never throws: whatever the sequence, it yields errors.
 */
import type {
  Delimiters,
  Segment,
  SegmentError,
  SegmentNode,
  TransactionSetTree,
  TreeValue,
} from './model';
import type { CompiledLevel, CompiledTransactionSet } from './compiled-schema';
import { checkSegmentElements } from './validate-elements';

export interface TransactionSetValidation {
  segmentErrors: SegmentError[];
  tree: TransactionSetTree;
}

export function validateTransactionSet(
  segments: Segment[],
  schema: CompiledTransactionSet,
  delimiters: Delimiters,
): TransactionSetValidation {
  return walk(segments, schema, delimiters, true);
}

/**
 * The errors only, for a set the gateway wrote itself (src/outbound/x12/build-set.ts): the same
 * walk without building the tree nobody would read.
 */
export function checkTransactionSet(
  segments: Segment[],
  schema: CompiledTransactionSet,
  delimiters: Delimiters,
): SegmentError[] {
  return walk(segments, schema, delimiters, false).segmentErrors;
}

function walk(
  segments: Segment[],
  schema: CompiledTransactionSet,
  delimiters: Delimiters,
  buildsTree: boolean,
): TransactionSetValidation {
  const errors: SegmentError[] = [];
  const size = schema.depth + 1;
  const levels: CompiledLevel[] = new Array<CompiledLevel>(size);
  const trees: TransactionSetTree[] = new Array<TransactionSetTree>(size);
  /** Index of the entry last matched at each open level (-1: none yet). */
  const at = new Int32Array(size);
  /** Uses of that entry (for a loop: occurrences) in the level's current occurrence. */
  const uses = new Float64Array(size);
  const tree: TransactionSetTree = {};
  levels[0] = schema.root;
  trees[0] = tree;
  at[0] = -1;
  let depth = 0;

  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const position = i + 1;
    const id = segment.id;
    let d = depth;
    let index = -1;
    for (; d >= 0; d--) {
      const found = levels[d]!.index.get(id);
      // A loop's first segment is matched one level up, where it starts a new occurrence.
      if (found !== undefined && found >= at[d]! && (d === 0 || found > 0)) {
        index = found;
        break;
      }
    }
    if (index < 0) {
      const code = schema.segments.has(id) ? misplacedCode(id, schema, levels, depth) : '1';
      errors.push(segmentError(id, position, null, code));
      continue;
    }
    for (; depth > d; depth--) {
      const level = levels[depth]!;
      reportMissing(level, at[depth]! + 1, level.entries.length, position, errors);
    }
    const level = levels[d]!;
    reportMissing(level, at[d]! + 1, index, position, errors);
    if (index === at[d]) uses[d]!++;
    else {
      at[d] = index;
      uses[d] = 1;
    }
    const entry = level.entries[index]!;
    const isOverMax = uses[d]! > entry.max;
    const node: SegmentNode | null = buildsTree ? {} : null;
    // schema-compile.ts: an entry's segment is the dictionary's, so the level lookup above is
    // also the dictionary lookup (an id the dictionary lacks is never in a level).
    const elementErrors = checkSegmentElements(segment, entry.segment, delimiters, node);
    let loopId = level.loopId;
    let code = isOverMax ? '5' : '8';
    if (entry.loop === null) {
      if (!isOverMax && node !== null) attach(trees[d]!, entry.key, entry.isArray, node);
    } else {
      // Not a computed-key literal: V8 builds those through a slow runtime path.
      const occurrence: TransactionSetTree = {};
      if (node !== null) {
        occurrence[entry.loop.entries[0]!.key] = node;
        if (!isOverMax) attach(trees[d]!, entry.key, entry.isArray, occurrence);
      }
      depth = d + 1;
      levels[depth] = entry.loop;
      trees[depth] = occurrence;
      at[depth] = 0;
      uses[depth] = 1;
      loopId = entry.loop.loopId;
      if (isOverMax) code = '4';
    }
    if (isOverMax || elementErrors !== null) {
      const found = segmentError(id, position, loopId, code);
      if (elementErrors !== null) found.elementErrors = elementErrors;
      errors.push(found);
    }
  }

  // What is still missing is reported where it was expected: after the last segment.
  const end = segments.length + 1;
  for (; depth >= 0; depth--) {
    const level = levels[depth]!;
    reportMissing(level, at[depth]! + 1, level.entries.length, end, errors);
  }
  return { segmentErrors: errors, tree };
}

function attach(
  parent: TransactionSetTree,
  key: string,
  isArray: boolean,
  value: SegmentNode | TransactionSetTree,
): void {
  if (!isArray) {
    // model.ts: one allowed at most once is a single object (a loop too, though TreeValue's
    // union names only arrays of loop occurrences).
    parent[key] = value as TreeValue;
    return;
  }
  const list = parent[key] as Array<SegmentNode | TransactionSetTree> | undefined;
  if (list === undefined) parent[key] = [value] as TreeValue;
  else list.push(value);
}

function reportMissing(
  level: CompiledLevel,
  from: number,
  to: number,
  position: number,
  errors: SegmentError[],
): void {
  for (let k = from; k < to; k++) {
    const entry = level.entries[k]!;
    if (entry.required) {
      const loopId = entry.loop !== null ? entry.loop.loopId : level.loopId;
      errors.push(segmentError(entry.segmentId, position, loopId, '3'));
    }
  }
}

/** 7 when an open level has the segment earlier, 2 when the set has it elsewhere, else 6. */
function misplacedCode(
  id: string,
  schema: CompiledTransactionSet,
  levels: CompiledLevel[],
  depth: number,
): string {
  for (let d = 0; d <= depth; d++) if (levels[d]!.index.has(id)) return '7';
  return schema.segmentIds.has(id) ? '2' : '6';
}

function segmentError(
  segmentId: string,
  position: number,
  loopId: string | null,
  code: string,
): SegmentError {
  const found: SegmentError = { segmentId, position, code, elementErrors: [] };
  if (loopId !== null) found.loopId = loopId;
  return found;
}
