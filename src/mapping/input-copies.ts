/**
 * Copies of input data placed in the output: whole values (`$ CSH` copies the CSH segment) and
 * what is left of a value once the parts a map already used are taken out (`| without`), which
 * is how a map carries the X12 elements the canonical model has no place for into
 * `extensions` instead of dropping them. Copies never share objects with the input.
 */
import { isAbsent, type Scope, type Test } from './evaluation';
import type { Condition, Expression, PathNode } from './expression-parser';

/** A deep copy of plain data without absent values; undefined when nothing is left. */
export function copyData(value: unknown): unknown {
  if (isAbsent(value)) return undefined;
  if (Array.isArray(value)) return copyList(value, (item) => copyData(item));
  if (typeof value === 'object') {
    let copy: Record<string, unknown> | undefined;
    for (const key in value) {
      const left = copyData((value as Record<string, unknown>)[key]);
      if (left !== undefined) (copy ??= {})[key] = left;
    }
    return copy;
  }
  return value;
}

/**
 * A list's items copied one by one; an item with nothing left keeps its place as `{}` (or ''
 * in a composite), so positions still match the input. Undefined when no item has anything.
 */
function copyList(
  items: unknown[],
  copyItem: (item: unknown, position: number) => unknown,
): unknown {
  const copy: unknown[] = new Array(items.length);
  let anyLeft = false;
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    const left = copyItem(item, k);
    if (left !== undefined) anyLeft = true;
    copy[k] = left ?? (typeof item === 'object' && item !== null ? {} : '');
  }
  return anyLeft ? copy : undefined;
}

type RemovalPredicate =
  | { kind: 'filter'; test: Test }
  | { kind: 'index'; index: number }
  /** `REF04-2`: a composite's component, counted with the empty ones. */
  | { kind: 'component'; index: number };

/** One step of the paths to take out, shared by the paths that start alike. */
interface RemovalNode {
  /** Told apart by their text: `DTM[DTM02]` and `DTM` are two nodes. */
  signature: string;
  predicates: RemovalPredicate[];
  /** The values this step selects go entirely. */
  remove: boolean;
  /** What to take out inside the values it selects. */
  inner: Level;
}

/** What to take out of one object: the nodes for each of its keys. */
interface Level {
  byKey: Map<string, KeyPlan>;
}

/** The nodes of one key, sorted once: those without filters apply to the whole value. */
interface KeyPlan {
  removeAll: boolean;
  /** Some filtered node has a position (`[0]`): selections need the whole list. */
  hasPositions: boolean;
  /** Inner levels of the nodes without filters, merged. */
  always: Level | undefined;
  filtered: RemovalNode[];
}

interface RemovalPath {
  steps: { key: string; signature: string; predicates: RemovalPredicate[] }[];
}

/** The paths of one `| without`, compiled: `BEG.BEG01`, `TD5[TD502 = 2][0].(TD502, TD503)`. */
export class Removal {
  private readonly level: Level;

  constructor(paths: PathNode[], compileCondition: (condition: Condition) => Test) {
    const expanded = paths.flatMap((path) => expandGroups(path, compileCondition));
    const root: DraftNode[] = [];
    for (const path of expanded) insert(root, path, 0);
    this.level = planLevel(root);
  }

  /** A copy of `value` without what the paths name; undefined when nothing is left. */
  apply(value: unknown): unknown {
    const scope: Scope = { value, parent: undefined, root: value, position: 1 };
    return copyExcept(value, this.level, scope);
  }
}

/** Trie of steps before planning: nodes of one level, keyed by key then signature. */
interface DraftNode {
  key: string;
  signature: string;
  predicates: RemovalPredicate[];
  remove: boolean;
  children: DraftNode[];
}

function insert(level: DraftNode[], path: RemovalPath, i: number): void {
  const step = path.steps[i]!;
  let node = level.find((n) => n.key === step.key && n.signature === step.signature);
  if (!node) {
    node = { ...step, remove: false, children: [] };
    level.push(node);
  }
  if (i === path.steps.length - 1) node.remove = true;
  else insert(node.children, path, i + 1);
}

function planLevel(nodes: DraftNode[]): Level {
  const byKey = new Map<string, KeyPlan>();
  for (const key of new Set(nodes.map((n) => n.key))) {
    const ofKey = nodes.filter((n) => n.key === key);
    const plain = ofKey.filter((n) => n.predicates.length === 0);
    byKey.set(key, {
      removeAll: plain.some((n) => n.remove),
      hasPositions: ofKey.some((n) => n.predicates.some((p) => p.kind !== 'filter')),
      always: plain.length ? planLevel(plain.flatMap((n) => n.children)) : undefined,
      filtered: ofKey
        .filter((n) => n.predicates.length > 0)
        .map((n) => ({
          signature: n.signature,
          predicates: n.predicates,
          remove: n.remove,
          inner: planLevel(n.children),
        })),
    });
  }
  return { byKey };
}

function mergeLevels(levels: Level[]): Level | undefined {
  if (levels.length <= 1) return levels[0];
  const byKey = new Map<string, KeyPlan>();
  for (const level of levels) {
    for (const [key, plan] of level.byKey) {
      const seen = byKey.get(key);
      if (!seen) {
        byKey.set(key, plan);
        continue;
      }
      const always = [seen.always, plan.always].filter((l): l is Level => l !== undefined);
      byKey.set(key, {
        removeAll: seen.removeAll || plan.removeAll,
        hasPositions: seen.hasPositions || plan.hasPositions,
        always: mergeLevels(always),
        filtered: [...seen.filtered, ...plan.filtered],
      });
    }
  }
  return { byKey };
}

function copyExcept(value: unknown, level: Level | undefined, scope: Scope): unknown {
  if (!level || level.byKey.size === 0) return copyData(value);
  if (isAbsent(value)) return undefined;
  if (Array.isArray(value)) return copyList(value, (item) => copyExcept(item, level, scope));
  if (typeof value !== 'object') return value;
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    const plan = level.byKey.get(key);
    const left = plan ? copyKey(child, plan, scope) : copyData(child);
    if (left !== undefined) (copy ??= {})[key] = left;
  }
  return copy;
}

function copyKey(raw: unknown, plan: KeyPlan, scope: Scope): unknown {
  if (plan.removeAll || isAbsent(raw)) return undefined;
  if (plan.filtered.length === 0) return copyExcept(raw, plan.always, scope);
  // Filters alone are decided item by item; a position needs the whole list first.
  const candidates = Array.isArray(raw) ? raw : [raw];
  const selections = plan.hasPositions
    ? plan.filtered.map((node) => select(node.predicates, candidates, scope))
    : undefined;
  if (!Array.isArray(raw)) return copyFilteredItem(raw, 0, plan, selections, scope);
  const copy: unknown[] = new Array(raw.length);
  let anyLeft = false;
  for (let k = 0; k < raw.length; k++) {
    const item = raw[k];
    const left = copyFilteredItem(item, k, plan, selections, scope);
    if (left !== undefined) anyLeft = true;
    copy[k] = left ?? (typeof item === 'object' && item !== null ? {} : '');
  }
  return anyLeft ? copy : undefined;
}

function copyFilteredItem(
  item: unknown,
  position: number,
  plan: KeyPlan,
  selections: Set<number>[] | undefined,
  scope: Scope,
): unknown {
  let only = plan.always;
  let several: Level[] | undefined;
  for (let n = 0; n < plan.filtered.length; n++) {
    const node = plan.filtered[n]!;
    const isSelected = selections
      ? selections[n]!.has(position)
      : !isAbsent(item) && passesAll(node.predicates, item, scope);
    if (!isSelected) continue;
    if (node.remove) return undefined;
    if (only === undefined) only = node.inner;
    else (several ??= [only]).push(node.inner);
  }
  return copyExcept(item, several ? mergeLevels(several) : only, scope);
}

function passesAll(predicates: RemovalPredicate[], item: unknown, scope: Scope): boolean {
  for (const predicate of predicates) {
    if (predicate.kind === 'filter' && !predicate.test(item, scope)) return false;
  }
  return true;
}

/** Positions (in `candidates`) left after the predicates, applied in order. */
function select(predicates: RemovalPredicate[], candidates: unknown[], scope: Scope): Set<number> {
  let positions: number[] = [];
  for (let k = 0; k < candidates.length; k++) if (!isAbsent(candidates[k])) positions.push(k);
  for (const predicate of predicates) {
    if (predicate.kind === 'filter') {
      positions = positions.filter((k) => predicate.test(candidates[k], scope));
    } else if (predicate.kind === 'component') {
      positions = positions.includes(predicate.index) ? [predicate.index] : [];
    } else {
      const at = predicate.index < 0 ? positions.length + predicate.index : predicate.index;
      positions = at >= 0 && at < positions.length ? [positions[at]!] : [];
    }
  }
  return new Set(positions);
}

/** `A.(B, C).D` becomes `A.B.D` and `A.C.D`; groups hold plain paths only. */
function expandGroups(
  path: PathNode,
  compileCondition: (condition: Condition) => Test,
): RemovalPath[] {
  if (path.start.kind !== 'context') {
    throw new Error('paths to leave out start at the value itself (no /, ^ or @)');
  }
  let expanded: RemovalPath[] = [{ steps: [] }];
  for (const step of path.steps) {
    if (step.kind === 'group') {
      if (step.predicates.length) throw new Error('a group here takes no filters');
      const alternatives = step.parts.flatMap((part) =>
        expandGroups(pathOf(part), compileCondition),
      );
      expanded = expanded.flatMap((prefix) =>
        alternatives.map((tail) => ({ steps: [...prefix.steps, ...tail.steps] })),
      );
      continue;
    }
    if (step.kind === 'wildcard') throw new Error('* cannot be left out; name the keys');
    const predicates = step.predicates.map((p): RemovalPredicate =>
      p.kind === 'index' ? p : { kind: 'filter', test: compileCondition(p.condition) },
    );
    if (step.component !== undefined) {
      predicates.unshift({ kind: 'component', index: step.component });
    }
    const compiled = {
      key: step.key,
      signature: JSON.stringify([step.component, step.predicates]),
      predicates,
    };
    expanded = expanded.map((prefix) => ({ steps: [...prefix.steps, compiled] }));
  }
  if (expanded.some((p) => p.steps.length === 0)) throw new Error('a path to leave out is empty');
  return expanded;
}

function pathOf(expression: Expression): PathNode {
  if (expression.head.kind !== 'path' || expression.calls.length) {
    throw new Error('a group here holds paths only');
  }
  return expression.head;
}
