/**
 * The vocabulary shared by the expression evaluators, the pipe functions and the template
 * compiler: scopes, evaluators, what counts as absent.
 */
import type { CodeTable } from './code-tables';

/** Where an expression is evaluated: the current item, the items enclosing it, the input. */
export interface Scope {
  value: unknown;
  parent: Scope | undefined;
  root: unknown;
  /** 1-based position of the current item in its `$each` (1 outside any). */
  position: number;
}

export type Test = (value: unknown, scope: Scope) => boolean;

export interface Evaluator {
  readonly source: string;
  /** True when the expression ends in `| list`: a field gets every value, as a list. */
  readonly yieldsList: boolean;
  /** The first value, or undefined when there is none. */
  first(value: unknown, scope: Scope): unknown;
  /**
   * The only value (undefined: none) when the walk can tell cheaply that there is at most one,
   * else MANY: then use first or all.
   */
  only(value: unknown, scope: Scope): unknown;
  /** Appends every value, in order. */
  all(value: unknown, scope: Scope, out: unknown[]): void;
  /**
   * A quick look that says there is surely no value (the key the path starts with is not
   * there), so an `$each` over an optional segment the input lacks costs next to nothing.
   * False means "maybe".
   */
  isSurelyEmpty(value: unknown): boolean;
}

export interface ExpressionContext {
  codes: ReadonlyMap<string, CodeTable>;
}

/** A problem found while compiling an expression; the template compiler adds file and path. */
export class ExpressionCompileError extends Error {
  constructor(
    readonly reason: string,
    readonly column?: number,
  ) {
    super(column ? `${reason} (column ${column})` : reason);
    this.name = 'ExpressionCompileError';
  }
}

/** Returned by Evaluator.only when there may be several values. */
export const MANY: unique symbol = Symbol('many values');

export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '' || typeof value === 'function';
}
