/**
 * The runtime of a compiled template: one closure per template node, built once at load.
 * Parents call their children's closures directly (no method lookup on a dozen node classes),
 * which is what keeps a map run cheap: see bench/mapping.ts.
 *
 * A node produces a value or undefined (absent: its key is left out). Nodes that make any
 * number of list items (`$each`, an expression inside a list) can also append to the list
 * being built. Errors become MapErrors that know where in the output they happened.
 */
import { MapError } from './errors';
import type { Evaluator, Scope, Test } from './evaluation';
import { copyData } from './input-copies';

export type Produce = (scope: Scope) => unknown;
export type Append = (scope: Scope, out: unknown[]) => void;

export interface TemplateNode {
  produce: Produce;
  /** Set on nodes that add any number of items to a list being built. */
  append?: Append;
  /** An `$each`: inside another `$each` its items join the outer list instead of nesting. */
  isEach?: boolean;
}

/** The MapError for anything thrown while producing the value at `output`. */
export function located(error: unknown, output: readonly string[], expression?: string): MapError {
  const mapError =
    error instanceof MapError
      ? error
      : new MapError(
          'internal',
          `the map failed: ${error instanceof Error ? error.message : String(error)}`,
          undefined,
          { cause: error },
        );
  mapError.locate(output, expression);
  return mapError;
}

function copyIfData(value: unknown): unknown {
  return typeof value === 'object' ? copyData(value) : value;
}

export const ABSENT: TemplateNode = { produce: () => undefined };

export function literalNode(value: unknown): TemplateNode {
  return { produce: () => value };
}

/** A field's expression: its first value (every value, as a list, with `| list`). */
export function expressionNode(expression: Evaluator, output: string[]): TemplateNode {
  if (expression.yieldsList) {
    return {
      produce: (scope) => {
        try {
          const values: unknown[] = [];
          expression.all(scope.value, scope, values);
          return copyData(values);
        } catch (error) {
          throw located(error, output, expression.source);
        }
      },
    };
  }
  return {
    produce: (scope) => {
      try {
        return copyIfData(expression.first(scope.value, scope));
      } catch (error) {
        throw located(error, output, expression.source);
      }
    },
  };
}

/** An expression as an item of a list contributes every value it has. */
export function expressionItemsNode(expression: Evaluator, output: string[]): TemplateNode {
  const append: Append = (scope, out) => {
    const values: unknown[] = [];
    try {
      expression.all(scope.value, scope, values);
    } catch (error) {
      const mapError = located(error, output, expression.source);
      mapError.addPosition(out.length);
      throw mapError;
    }
    for (const value of values) out.push(copyIfData(value));
  };
  return { produce: (scope) => producedList(append, scope), append };
}

function producedList(append: Append, scope: Scope): unknown {
  const out: unknown[] = [];
  append(scope, out);
  return out.length ? out : undefined;
}

export function fieldsNode(keys: string[], nodes: TemplateNode[]): TemplateNode {
  const produces = nodes.map((node) => node.produce);
  const count = produces.length;
  return {
    produce: (scope) => {
      let out: Record<string, unknown> | undefined;
      for (let i = 0; i < count; i++) {
        const value = produces[i]!(scope);
        if (value !== undefined) (out ??= {})[keys[i]!] = value;
      }
      return out;
    },
  };
}

export function listNode(items: TemplateNode[]): TemplateNode {
  return {
    produce: (scope) => {
      const out: unknown[] = [];
      for (const item of items) {
        if (item.append) {
          item.append(scope, out);
          continue;
        }
        let value: unknown;
        try {
          value = item.produce(scope);
        } catch (error) {
          if (error instanceof MapError) error.addPosition(out.length);
          throw error;
        }
        if (value !== undefined) out.push(value);
      }
      return out.length ? out : undefined;
    },
  };
}

/** `$each`: the body once per value of `items`, each value the context of its item. */
export function eachNode(
  items: Evaluator,
  guard: Test | undefined,
  body: TemplateNode,
  output: string[],
): TemplateNode {
  // A body that is itself an $each adds its items to this list rather than a nested one.
  const splices = body.isEach === true;
  const bodyAppend = body.append;
  const bodyProduce = body.produce;
  const itemOutput = [...output, '*'];
  // The items of one run share one scope object, moved from item to item: nothing keeps a scope
  // after the body has produced its item. `produce` has already made the isSurelyEmpty check.
  const appendItems = (scope: Scope, out: unknown[]): void => {
    const values: unknown[] = [];
    try {
      items.all(scope.value, scope, values);
    } catch (error) {
      throw located(error, output, items.source);
    }
    if (values.length === 0) return;
    const itemScope: Scope = { value: undefined, parent: scope, root: scope.root, position: 0 };
    for (let k = 0; k < values.length; k++) {
      const item = values[k];
      itemScope.value = item;
      itemScope.position = k + 1;
      try {
        if (guard && !guard(item, itemScope)) continue;
        if (splices) {
          bodyAppend!(itemScope, out);
          continue;
        }
        const value = bodyProduce(itemScope);
        if (value !== undefined) out.push(value);
      } catch (error) {
        const mapError = located(error, itemOutput);
        if (!splices) mapError.addPosition(out.length);
        throw mapError;
      }
    }
  };
  const append: Append = (scope, out) => {
    if (!items.isSurelyEmpty(scope.value)) appendItems(scope, out);
  };
  return {
    produce: (scope) =>
      items.isSurelyEmpty(scope.value) ? undefined : producedList(appendItems, scope),
    append,
    isEach: true,
  };
}

/** `$from`: the body with the first value of `item` as its context. */
export function fromNode(
  item: Evaluator,
  guard: Test | undefined,
  body: TemplateNode,
  output: string[],
): TemplateNode {
  const produceBody = body.produce;
  return {
    produce: (scope) => {
      if (item.isSurelyEmpty(scope.value)) return undefined;
      try {
        const value = item.first(scope.value, scope);
        if (value === undefined) return undefined;
        const itemScope: Scope = { value, parent: scope, root: scope.root, position: 1 };
        if (guard && !guard(value, itemScope)) return undefined;
        return produceBody(itemScope);
      } catch (error) {
        throw located(error, output, item.source);
      }
    },
  };
}

/** How a `$pairs` directive writes items into a segment's repeated element pairs. */
export interface ElementPairsSpec {
  items: Evaluator;
  guard: Test | undefined;
  /** The [qualifier, value] element ids of each pair, in order. */
  pairs: ReadonlyArray<readonly [string, string]>;
  /** For messages: `LIN02 LIN31`. */
  elements: string;
  qualifier: TemplateNode;
  value: TemplateNode;
}

/**
 * `$pairs`: the segment's own fields, then one pair of elements per item (the reverse of
 * `| pairs`). An item with neither a qualifier nor a value takes no pair.
 */
export function elementPairsNode(
  fields: TemplateNode,
  spec: ElementPairsSpec,
  output: string[],
): TemplateNode {
  const { items, guard, pairs } = spec;
  const produceFields = fields.produce;
  const produceQualifier = spec.qualifier.produce;
  const produceValue = spec.value.produce;
  const tooMany = () =>
    located(
      new MapError(
        'too-many',
        `has more items than the ${pairs.length} pairs of ${spec.elements} hold`,
      ),
      output,
      items.source,
    );
  /** An error of the item that would go into pair `pair`, element `side` (0 or 1). */
  const itemError = (error: unknown, pair: number, side: 0 | 1) => {
    if (pair >= pairs.length) return tooMany();
    const mapError = located(error, [...output, '*']);
    mapError.addPosition(pairs[pair]![side]);
    return mapError;
  };
  return {
    produce: (scope) => {
      let segment = produceFields(scope) as Record<string, unknown> | undefined;
      if (items.isSurelyEmpty(scope.value)) return segment;
      const values: unknown[] = [];
      try {
        items.all(scope.value, scope, values);
      } catch (error) {
        throw located(error, output, items.source);
      }
      const itemScope: Scope = { value: undefined, parent: scope, root: scope.root, position: 0 };
      let pair = 0;
      for (let k = 0; k < values.length; k++) {
        itemScope.value = values[k];
        itemScope.position = k + 1;
        let qualifier: unknown;
        let value: unknown;
        try {
          if (guard && !guard(values[k], itemScope)) continue;
          qualifier = produceQualifier(itemScope);
        } catch (error) {
          throw itemError(error, pair, 0);
        }
        try {
          value = produceValue(itemScope);
        } catch (error) {
          throw itemError(error, pair, 1);
        }
        if (qualifier === undefined && value === undefined) continue;
        if (pair >= pairs.length) throw tooMany();
        const [qualifierId, valueId] = pairs[pair++]!;
        segment ??= {};
        if (qualifier !== undefined) segment[qualifierId] = qualifier;
        if (value !== undefined) segment[valueId] = value;
      }
      return segment;
    },
  };
}

/** `$when`: the body only when the condition holds. */
export function whenNode(guard: Test, body: TemplateNode, output: string[]): TemplateNode {
  const produceBody = body.produce;
  return {
    produce: (scope) => {
      let holds: boolean;
      try {
        holds = guard(scope.value, scope);
      } catch (error) {
        throw located(error, output);
      }
      return holds ? produceBody(scope) : undefined;
    },
  };
}

/** `$if` / `$then` / `$else`. */
export function ifNode(
  condition: Test,
  then: TemplateNode,
  otherwise: TemplateNode,
  output: string[],
): TemplateNode {
  const produceThen = then.produce;
  const produceOtherwise = otherwise.produce;
  return {
    produce: (scope) => {
      let holds: boolean;
      try {
        holds = condition(scope.value, scope);
      } catch (error) {
        throw located(error, output);
      }
      return holds ? produceThen(scope) : produceOtherwise(scope);
    },
  };
}

/** `$required: true`: nothing produced is a MapError, not a missing key. */
export function requiredNode(inner: TemplateNode, output: string[]): TemplateNode {
  const produceInner = inner.produce;
  const appendInner = inner.append;
  const missing = () =>
    located(
      new MapError('missing-required', 'is required but nothing in the input maps to it'),
      output,
    );
  return {
    produce: (scope) => {
      const value = produceInner(scope);
      if (value !== undefined) return value;
      throw missing();
    },
    append:
      appendInner &&
      ((scope, out) => {
        const before = out.length;
        appendInner(scope, out);
        if (out.length === before) throw missing();
      }),
    isEach: inner.isEach,
  };
}
