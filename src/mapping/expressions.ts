/**
 * Turns parsed expressions and conditions into evaluators, once per map, at load: a path
 * (paths.ts) or a literal, then the `| function` stages (functions.ts), and the conditions of
 * filters, `$when` and `$if`.
 */
import type { Condition, Expression, Operand, PathNode } from './expression-parser';
import {
  ExpressionCompileError,
  MANY,
  isAbsent,
  type Evaluator,
  type ExpressionContext,
  type Scope,
  type Test,
} from './evaluation';
import { compileCall, type Stage } from './functions';
import { PathEvaluator, acceptAny, type PathCompilers } from './paths';

function pathCompilers(context: ExpressionContext): PathCompilers {
  return {
    condition: (condition) => compileParsedCondition(condition, context),
    expression: (expression) => compileParsedExpression('(group)', expression, context),
  };
}

function compilePath(node: PathNode, context: ExpressionContext, source = ''): PathEvaluator {
  return new PathEvaluator(source, node, pathCompilers(context));
}

// ---- conditions --------------------------------------------------------------------------

function isComparable(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

export function compileParsedCondition(condition: Condition, context: ExpressionContext): Test {
  switch (condition.kind) {
    case 'and': {
      const left = compileParsedCondition(condition.left, context);
      const right = compileParsedCondition(condition.right, context);
      return (value, scope) => left(value, scope) && right(value, scope);
    }
    case 'or': {
      const left = compileParsedCondition(condition.left, context);
      const right = compileParsedCondition(condition.right, context);
      return (value, scope) => left(value, scope) || right(value, scope);
    }
    case 'not': {
      const operand = compileParsedCondition(condition.operand, context);
      return (value, scope) => !operand(value, scope);
    }
    case 'exists': {
      const path = compilePath(condition.path, context);
      return (value, scope) => path.find(value, scope, acceptAny) !== undefined;
    }
    case 'equals': {
      const path = compilePath(condition.path, context);
      const expected = condition.value;
      const matches: Test = (found) => isComparable(found) && String(found) === expected;
      return condition.negated
        ? (value, scope) => path.find(value, scope, matches) === undefined
        : (value, scope) => path.find(value, scope, matches) !== undefined;
    }
    case 'in': {
      const path = compilePath(condition.path, context);
      const expected = new Set(condition.values);
      const matches: Test = (found) => isComparable(found) && expected.has(String(found));
      return condition.negated
        ? (value, scope) => path.find(value, scope, matches) === undefined
        : (value, scope) => path.find(value, scope, matches) !== undefined;
    }
  }
}

// ---- pipelines ---------------------------------------------------------------------------

class LiteralEvaluator implements Evaluator {
  readonly yieldsList = false;
  constructor(
    readonly source: string,
    private readonly value: unknown,
  ) {}

  first(): unknown {
    return isAbsent(this.value) ? undefined : this.value;
  }

  all(_value: unknown, _scope: Scope, out: unknown[]): void {
    if (!isAbsent(this.value)) out.push(this.value);
  }

  isSurelyEmpty(): boolean {
    return isAbsent(this.value);
  }

  only(): unknown {
    return this.first();
  }
}

/** An operand followed by `| function` stages. */
class PipelineEvaluator implements Evaluator {
  readonly yieldsList: boolean;
  /**
   * When every stage maps one value to at most one value (date, decimal, code...) or only
   * looks at the first value (first, default, required), the first result is computed from
   * the operand's first value alone, without building the sequence.
   */
  private readonly mapStages: Stage[] | undefined;
  private readonly firstStages: Stage[] | undefined;
  /** Every stage turns nothing into nothing (not so for default, count, required). */
  private readonly keepsEmpty: boolean;

  constructor(
    readonly source: string,
    private readonly head: Evaluator,
    private readonly stages: Stage[],
  ) {
    this.yieldsList = stages.some((stage) => stage.marksList);
    this.keepsEmpty = stages.every((stage) => stage.keepsEmpty !== false);
    const split = stages.findIndex((stage) => stage.kind !== 'map');
    const maps = split < 0 ? stages : stages.slice(0, split);
    const rest = split < 0 ? [] : stages.slice(split);
    if (rest.every((stage) => stage.onFirst !== undefined)) {
      this.mapStages = maps;
      this.firstStages = rest;
    }
  }

  first(value: unknown, scope: Scope): unknown {
    if (this.mapStages && this.firstStages) {
      const only = this.head.only(value, scope);
      if (only !== MANY) return this.finish(this.mapOne(only));
      const first = this.head.first(value, scope);
      const mapped = this.mapOne(first);
      // A value the stages dropped may have a successor that they keep: look at them all.
      if (first === undefined || mapped !== undefined) return this.finish(mapped);
    }
    const values: unknown[] = [];
    this.all(value, scope, values);
    return values[0];
  }

  only(value: unknown, scope: Scope): unknown {
    if (!this.mapStages || !this.firstStages) return MANY;
    const only = this.head.only(value, scope);
    return only === MANY ? MANY : this.finish(this.mapOne(only));
  }

  private mapOne(value: unknown): unknown {
    let result = value;
    for (let s = 0; result !== undefined && s < this.mapStages!.length; s++) {
      result = this.mapStages![s]!.map!(result);
      if (isAbsent(result)) result = undefined;
    }
    return result;
  }

  private finish(value: unknown): unknown {
    let result = value;
    for (let s = 0; s < this.firstStages!.length; s++)
      result = this.firstStages![s]!.onFirst!(result);
    return result;
  }

  isSurelyEmpty(value: unknown): boolean {
    return this.keepsEmpty && this.head.isSurelyEmpty(value);
  }

  all(value: unknown, scope: Scope, out: unknown[]): void {
    let values: unknown[] = [];
    this.head.all(value, scope, values);
    for (const stage of this.stages) values = stage.apply(values);
    for (const item of values) out.push(item);
  }
}

export function compileParsedExpression(
  source: string,
  expression: Expression,
  context: ExpressionContext,
): Evaluator {
  const head = compileOperand(source, expression.head, context);
  if (expression.calls.length === 0) return head;
  const stages = expression.calls.map((call) => {
    try {
      return compileCall(call, context, (condition) => compileParsedCondition(condition, context));
    } catch (error) {
      if (error instanceof ExpressionCompileError && error.column === undefined) {
        throw new ExpressionCompileError(error.reason, call.column);
      }
      throw error;
    }
  });
  return new PipelineEvaluator(source, head, stages);
}

function compileOperand(source: string, operand: Operand, context: ExpressionContext): Evaluator {
  if (operand.kind === 'literal') return new LiteralEvaluator(source, operand.value);
  return compilePath(operand, context, source);
}
