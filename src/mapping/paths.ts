/**
 * Paths into the input (`BEG.BEG03`, `REF[REF01 = IA].REF02`, `PO4.PO413-2`, `/CUR.CUR02`,
 * `^.SDQ01`), compiled once into step objects and walked per value.
 *
 * A path yields a sequence of values. Stepping into a key of an array steps into each element,
 * and arrays met along the way are flattened into the sequence, so `REF.REF02` works whether
 * REF occurs once (an object) or many times (an array), and the same map serves X12 versions
 * that differ in how often a segment may repeat. Absent values (undefined, null, '') never
 * appear in a sequence. `first` stops at the first value found, and plain-key paths over
 * objects take a loop with no allocation. This runs for every field of every document: keep it
 * free of per-call closures and regexes (bench/mapping.ts guards it).
 */
import type {
  Condition,
  Expression,
  PathNode,
  PathStart,
  Predicate,
  StepNode,
} from './expression-parser';
import { MANY, isAbsent, type Evaluator, type Scope, type Test } from './evaluation';

/** How a path compiles the conditions in its filters and the expressions in its groups. */
export interface PathCompilers {
  condition(condition: Condition): Test;
  expression(expression: Expression): Evaluator;
}

export const acceptAny: Test = () => true;

interface CompiledStep {
  find(value: object, scope: Scope, steps: CompiledStep[], i: number, test: Test): unknown;
  collect(value: object, scope: Scope, steps: CompiledStep[], i: number, out: unknown[]): void;
}

function findIn(
  steps: CompiledStep[],
  i: number,
  value: unknown,
  scope: Scope,
  test: Test,
): unknown {
  if (isAbsent(value)) return undefined;
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) {
      const found = findIn(steps, i, value[k], scope, test);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (i === steps.length) return test(value, scope) ? value : undefined;
  if (typeof value !== 'object') return undefined;
  return steps[i]!.find(value as object, scope, steps, i, test);
}

function collectIn(
  steps: CompiledStep[],
  i: number,
  value: unknown,
  scope: Scope,
  out: unknown[],
): void {
  if (isAbsent(value)) return;
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) collectIn(steps, i, value[k], scope, out);
    return;
  }
  if (i === steps.length) {
    out.push(value);
    return;
  }
  if (typeof value !== 'object') return;
  steps[i]!.collect(value as object, scope, steps, i, out);
}

type CompiledPredicate = { kind: 'filter'; test: Test } | { kind: 'index'; index: number };

/**
 * The candidates of one step for one input item, narrowed by the step's predicates in order
 * (filters and positions), handed on to the rest of the path. Shared by key, wildcard and
 * group steps. The usual shapes (filters, then at most one position from the start) stream
 * without building a list.
 */
class Selection {
  readonly isPlain: boolean;
  private readonly filters: Test[];
  /** Position among the candidates that pass the filters. */
  private readonly index: number | undefined;
  /** Set when the predicates are not filters followed by one position counted from the start. */
  private readonly general: CompiledPredicate[] | undefined;

  constructor(predicates: CompiledPredicate[]) {
    this.isPlain = predicates.length === 0;
    const firstIndex = predicates.findIndex((p) => p.kind === 'index');
    const last = predicates[predicates.length - 1];
    const streams =
      firstIndex < 0 ||
      (firstIndex === predicates.length - 1 && last?.kind === 'index' && last.index >= 0);
    this.filters = predicates.flatMap((p) => (p.kind === 'filter' ? [p.test] : []));
    this.index = streams && last?.kind === 'index' ? last.index : undefined;
    this.general = streams ? undefined : predicates;
  }

  private passes(candidate: unknown, scope: Scope): boolean {
    for (let f = 0; f < this.filters.length; f++) {
      if (!this.filters[f]!(candidate, scope)) return false;
    }
    return true;
  }

  /** The candidates left after every predicate, in order. */
  private selected(raw: unknown, scope: Scope): unknown[] {
    let candidates = (Array.isArray(raw) ? raw : [raw]).filter((c) => !isAbsent(c));
    for (const predicate of this.general!) {
      if (predicate.kind === 'filter') {
        candidates = candidates.filter((c) => predicate.test(c, scope));
      } else {
        const at = predicate.index < 0 ? candidates.length + predicate.index : predicate.index;
        candidates = at >= 0 && at < candidates.length ? [candidates[at]] : [];
      }
    }
    return candidates;
  }

  find(raw: unknown, scope: Scope, steps: CompiledStep[], i: number, test: Test): unknown {
    if (isAbsent(raw)) return undefined;
    if (this.general) return findIn(steps, i + 1, this.selected(raw, scope), scope, test);
    if (!Array.isArray(raw)) {
      if (!this.passes(raw, scope) || (this.index !== undefined && this.index !== 0))
        return undefined;
      return findIn(steps, i + 1, raw, scope, test);
    }
    let n = 0;
    for (let k = 0; k < raw.length; k++) {
      const candidate = raw[k];
      if (isAbsent(candidate) || !this.passes(candidate, scope)) continue;
      if (this.index !== undefined) {
        if (n++ === this.index) return findIn(steps, i + 1, candidate, scope, test);
        continue;
      }
      const found = findIn(steps, i + 1, candidate, scope, test);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  collect(raw: unknown, scope: Scope, steps: CompiledStep[], i: number, out: unknown[]): void {
    if (isAbsent(raw)) return;
    if (this.general) {
      collectIn(steps, i + 1, this.selected(raw, scope), scope, out);
      return;
    }
    if (!Array.isArray(raw)) {
      if (!this.passes(raw, scope) || (this.index !== undefined && this.index !== 0)) return;
      collectIn(steps, i + 1, raw, scope, out);
      return;
    }
    let n = 0;
    for (let k = 0; k < raw.length; k++) {
      const candidate = raw[k];
      if (isAbsent(candidate) || !this.passes(candidate, scope)) continue;
      if (this.index !== undefined) {
        if (n++ === this.index) {
          collectIn(steps, i + 1, candidate, scope, out);
          return;
        }
        continue;
      }
      collectIn(steps, i + 1, candidate, scope, out);
    }
  }
}

class KeyStep implements CompiledStep {
  constructor(
    private readonly key: string,
    private readonly selection: Selection,
    /** `REF04-2`: the component at this position, empty components counted. */
    private readonly component: number | undefined,
  ) {}

  private rawOf(value: object): unknown {
    const raw = (value as Record<string, unknown>)[this.key];
    return this.component === undefined ? raw : componentOf(raw, this.component);
  }

  find(value: object, scope: Scope, steps: CompiledStep[], i: number, test: Test): unknown {
    const raw = this.rawOf(value);
    if (this.selection.isPlain) return findIn(steps, i + 1, raw, scope, test);
    return this.selection.find(raw, scope, steps, i, test);
  }

  collect(value: object, scope: Scope, steps: CompiledStep[], i: number, out: unknown[]): void {
    const raw = this.rawOf(value);
    if (this.selection.isPlain) collectIn(steps, i + 1, raw, scope, out);
    else this.selection.collect(raw, scope, steps, i, out);
  }
}

/**
 * One component of a composite (a list of components; a lone value is its first component).
 * A repeated composite, a list of such lists, gives that component of each repetition.
 */
export function componentOf(composite: unknown, position: number): unknown {
  if (!Array.isArray(composite)) return position === 0 ? composite : undefined;
  if (!composite.some(Array.isArray)) return composite[position];
  return composite.map((repetition) => componentOf(repetition, position));
}

class WildcardStep implements CompiledStep {
  constructor(private readonly selection: Selection) {}

  find(value: object, scope: Scope, steps: CompiledStep[], i: number, test: Test): unknown {
    return this.selection.find(Object.values(value), scope, steps, i, test);
  }

  collect(value: object, scope: Scope, steps: CompiledStep[], i: number, out: unknown[]): void {
    this.selection.collect(Object.values(value), scope, steps, i, out);
  }
}

/** `(a, b)`: the values of each expression in turn, relative to the same item. */
class GroupStep implements CompiledStep {
  constructor(
    readonly parts: Evaluator[],
    private readonly selection: Selection,
  ) {}

  private values(value: object, scope: Scope): unknown[] {
    const values: unknown[] = [];
    for (const part of this.parts) part.all(value, scope, values);
    return values;
  }

  find(value: object, scope: Scope, steps: CompiledStep[], i: number, test: Test): unknown {
    if (test === acceptAny && this.selection.isPlain && i === steps.length - 1) {
      // `(PO1.PO101, @)` as a last step: the first value of the first part that has one.
      for (const part of this.parts) {
        const found = part.first(value, scope);
        if (found !== undefined)
          return Array.isArray(found) ? findIn(steps, i + 1, found, scope, test) : found;
      }
      return undefined;
    }
    return this.selection.find(this.values(value, scope), scope, steps, i, test);
  }

  collect(value: object, scope: Scope, steps: CompiledStep[], i: number, out: unknown[]): void {
    this.selection.collect(this.values(value, scope), scope, steps, i, out);
  }
}

/** Where a path starts: the value handed in, the input's top, an enclosing item. */
function startOf(start: PathStart): ((value: unknown, scope: Scope) => unknown) | undefined {
  switch (start.kind) {
    case 'context':
      return undefined;
    case 'root':
      return (_value, scope) => scope.root;
    case 'position':
      return (_value, scope) => String(scope.position);
    case 'parent': {
      const levels = start.levels;
      return (_value, scope) => {
        let at: Scope | undefined = scope;
        for (let n = 0; n < levels && at; n++) at = at.parent;
        return at?.value;
      };
    }
  }
}

/**
 * Most paths are plain keys (`PO1.PO102`) over objects: walk those in a loop, and hand over to
 * the general walk only when an array is met.
 */
function findAlong(
  keys: string[],
  steps: CompiledStep[],
  value: unknown,
  scope: Scope,
  test: Test,
): unknown {
  let at = value;
  for (let i = 0; i < keys.length; i++) {
    if (typeof at !== 'object' || at === null) return undefined;
    if (Array.isArray(at)) return findIn(steps, i, at, scope, test);
    at = (at as Record<string, unknown>)[keys[i]!];
  }
  if (Array.isArray(at)) return findIn(steps, keys.length, at, scope, test);
  return isAbsent(at) || !test(at, scope) ? undefined : at;
}

/** Property keys as V8 keeps them (internalized), so lookups by them take the fast path. */
export function internalize(key: string): string {
  return Object.keys({ [key]: true })[0]!;
}

export class PathEvaluator implements Evaluator {
  readonly yieldsList = false;
  private readonly steps: CompiledStep[];
  private readonly start: ((value: unknown, scope: Scope) => unknown) | undefined;
  /** Set when every step is a plain key. */
  private readonly keys: string[] | undefined;
  /** The key the path starts with, when it starts with one from the current value. */
  private readonly leadingKey: string | undefined;
  /** The parts of the group the path starts with (`(CTPLoop.CTP, CTP)[CTP03]`). */
  private readonly leadingGroup: Evaluator[] | undefined;

  constructor(
    readonly source: string,
    node: PathNode,
    compilers: PathCompilers,
  ) {
    this.start = startOf(node.start);
    this.steps = node.steps.map((step) => compileStep(step, compilers));
    const isPlain = node.steps.every(
      (step) => step.kind === 'key' && step.predicates.length === 0 && step.component === undefined,
    );
    this.keys = isPlain
      ? node.steps.map((step) => internalize((step as { key: string }).key))
      : undefined;
    const first = node.steps[0];
    this.leadingKey =
      node.start.kind === 'context' && first?.kind === 'key' ? internalize(first.key) : undefined;
    const leading = this.steps[0];
    this.leadingGroup =
      node.start.kind === 'context' && leading instanceof GroupStep ? leading.parts : undefined;
  }

  isSurelyEmpty(value: unknown): boolean {
    if (this.leadingGroup) {
      for (const part of this.leadingGroup) if (!part.isSurelyEmpty(value)) return false;
      return true;
    }
    return (
      this.leadingKey !== undefined &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      (value as Record<string, unknown>)[this.leadingKey] === undefined
    );
  }

  find(value: unknown, scope: Scope, test: Test): unknown {
    const from = this.start ? this.start(value, scope) : value;
    if (this.keys) return findAlong(this.keys, this.steps, from, scope, test);
    return findIn(this.steps, 0, from, scope, test);
  }

  first(value: unknown, scope: Scope): unknown {
    return this.find(value, scope, acceptAny);
  }

  only(value: unknown, scope: Scope): unknown {
    if (!this.keys) return MANY;
    let at = this.start ? this.start(value, scope) : value;
    for (let i = 0; i < this.keys.length; i++) {
      if (typeof at !== 'object' || at === null) return undefined;
      if (Array.isArray(at)) return MANY;
      at = (at as Record<string, unknown>)[this.keys[i]!];
    }
    if (Array.isArray(at)) return MANY;
    return isAbsent(at) ? undefined : at;
  }

  all(value: unknown, scope: Scope, out: unknown[]): void {
    collectIn(this.steps, 0, this.start ? this.start(value, scope) : value, scope, out);
  }
}

function compileStep(step: StepNode, compilers: PathCompilers): CompiledStep {
  const selection = compileSelection(step.predicates, compilers);
  switch (step.kind) {
    case 'key':
      return new KeyStep(internalize(step.key), selection, step.component);
    case 'wildcard':
      return new WildcardStep(selection);
    case 'group':
      return new GroupStep(
        step.parts.map((part) => compilers.expression(part)),
        selection,
      );
  }
}

function compileSelection(predicates: Predicate[], compilers: PathCompilers): Selection {
  return new Selection(
    predicates.map((predicate) =>
      predicate.kind === 'index'
        ? predicate
        : { kind: 'filter', test: compilers.condition(predicate.condition) },
    ),
  );
}
