/**
 * The functions an expression can pipe its values through (`$ BEG.BEG05 | date`). Each is
 * checked and prepared when the map is compiled (its code table found, its pattern compiled),
 * so running it is a plain function call.
 */
import { MapError } from './errors';
import {
  checkEmail,
  convertDate,
  convertDecimal,
  convertImpliedDecimal,
  convertInteger,
  convertTime,
} from './conversions';
import { parseExpression, type Call, type Condition } from './expression-parser';
import { ExpressionCompileError, isAbsent, type ExpressionContext, type Test } from './evaluation';
import { elementPairs } from './element-pairs';
import { Removal } from './input-copies';
import { formatImpliedDecimal, formatX12Date, formatX12Time } from './x12-conversions';
import type { CodeTable } from './code-tables';

export interface Stage {
  /** `map`: one value in, at most one out (undefined drops it). `sequence`: the whole sequence. */
  kind: 'map' | 'sequence';
  map?: (value: unknown) => unknown;
  apply(values: unknown[]): unknown[];
  /** For a sequence stage that only looks at the first value: the first result from it. */
  onFirst?: (first: unknown) => unknown;
  /** `| list`: a field gets all the values, as a list. */
  marksList?: boolean;
  /** False when an empty sequence can come out non-empty (default, count) or fail (required). */
  keepsEmpty?: boolean;
}

function mapStage(map: (value: unknown) => unknown): Stage {
  return {
    kind: 'map',
    map,
    apply(values) {
      const out: unknown[] = [];
      for (const value of values) {
        const mapped = map(value);
        if (!isAbsent(mapped)) out.push(mapped);
      }
      return out;
    },
  };
}

function sequenceStage(
  apply: (values: unknown[]) => unknown[],
  onFirst?: (first: unknown) => unknown,
): Stage {
  return { kind: 'sequence', apply, onFirst };
}

function expectArgs(call: Call, min: number, max: number, usage: string): void {
  if (call.args.length < min || call.args.length > max) {
    throw new ExpressionCompileError(`${call.name} takes ${usage}`, call.column);
  }
}

function onStrings(transform: (text: string) => string): (value: unknown) => unknown {
  return (value) => {
    if (typeof value !== 'string') return value;
    const result = transform(value);
    return result === '' ? undefined : result;
  };
}

function tableOf(call: Call, context: ExpressionContext): CodeTable {
  expectArgs(call, 1, 1, 'the name of a code table, e.g. | code partyRole');
  const table = context.codes.get(call.args[0]!);
  if (!table) {
    const known = [...context.codes.keys()].join(', ') || 'none';
    throw new ExpressionCompileError(
      `unknown code table "${call.args[0]}" (tables: ${known})`,
      call.column,
    );
  }
  return table;
}

function requiredValue(): never {
  throw new MapError('missing-required', 'is required but the input has no value for it');
}

/** `pairs PO106 PO125 [as qualifier value]`: repeated element pairs as {qualifier, value} items. */
function pairsStage(call: Call): Stage {
  const usage = 'the first and last element of the pairs, e.g. | pairs PO106 PO125 [as scheme id]';
  const [from, to, as, firstName = 'qualifier', secondName = 'value'] = call.args;
  if (
    (call.args.length !== 2 && call.args.length !== 5) ||
    (call.args.length === 5 && as !== 'as')
  ) {
    throw new ExpressionCompileError(`pairs takes ${usage}`, call.column);
  }
  const pairs = elementPairs(from!, to!);
  if (!pairs) {
    throw new ExpressionCompileError(
      `pairs needs two elements of one segment spanning whole pairs, like PO106 PO125`,
      call.column,
    );
  }
  // Pairs are read by the template right away; one object shape keeps those reads fast.
  const makePair =
    firstName === 'qualifier' && secondName === 'value'
      ? (a: unknown, b: unknown) => ({ qualifier: a, value: b })
      : (a: unknown, b: unknown) => ({ [firstName]: a, [secondName]: b });
  // Element id → slot (pair index × 2, + 1 for the second of the pair). The segment's own keys
  // are walked (a PO1 has a handful of its 25 elements), not every possible element id.
  const slotOf = new Map<string, number>();
  const pairCount = pairs.length;
  pairs.forEach(([a, b], pair) => {
    slotOf.set(a, 2 * pair);
    slotOf.set(b, 2 * pair + 1);
  });
  return sequenceStage((values) => {
    const out: unknown[] = [];
    for (const value of values) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
      const segment = value as Record<string, unknown>;
      let slots: unknown[] | undefined;
      for (const key in segment) {
        const slot = slotOf.get(key);
        if (slot === undefined || isAbsent(segment[key])) continue;
        (slots ??= new Array(2 * pairCount))[slot] = segment[key];
      }
      if (!slots) continue;
      for (let pair = 0; pair < pairCount; pair++) {
        const a = slots[2 * pair];
        const b = slots[2 * pair + 1];
        if (a !== undefined || b !== undefined) out.push(makePair(a, b));
      }
    }
    return out;
  });
}

function numberArg(call: Call, text: string | undefined, usage: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(text)) throw new ExpressionCompileError(`${call.name} takes ${usage}`);
  return Number(text);
}

type Compiler = (
  call: Call,
  context: ExpressionContext,
  compileCondition: (condition: Condition) => Test,
) => Stage;

const FUNCTIONS: Record<string, Compiler> = {
  trim: (call) => {
    expectArgs(call, 0, 0, 'no arguments');
    return mapStage(onStrings((text) => text.trim()));
  },
  upper: (call) => {
    expectArgs(call, 0, 0, 'no arguments');
    return mapStage(onStrings((text) => text.toUpperCase()));
  },
  lower: (call) => {
    expectArgs(call, 0, 0, 'no arguments');
    return mapStage(onStrings((text) => text.toLowerCase()));
  },
  decimal: (call) => {
    expectArgs(call, 0, 0, 'no arguments (for implied decimals use | N2)');
    return mapStage(convertDecimal);
  },
  integer: (call) => {
    expectArgs(call, 0, 1, 'an optional minimum, e.g. | integer 1');
    const min = numberArg(call, call.args[0], 'an optional minimum, e.g. | integer 1');
    return mapStage((value) => convertInteger(value, min));
  },
  date: (call) => {
    expectArgs(call, 0, 0, 'no arguments');
    return mapStage(convertDate);
  },
  time: (call) => {
    expectArgs(call, 0, 0, 'no arguments');
    return mapStage(convertTime);
  },
  x12date: (call) => {
    const usage = 'no arguments (CCYYMMDD) or 6 (YYMMDD), e.g. | x12date 6';
    expectArgs(call, 0, 1, usage);
    const digits = call.args[0] ?? '8';
    if (digits !== '6' && digits !== '8')
      throw new ExpressionCompileError(`x12date takes ${usage}`);
    return mapStage((value) => formatX12Date(value, digits === '6' ? 6 : 8));
  },
  x12time: (call) => {
    expectArgs(call, 0, 0, 'no arguments');
    return mapStage(formatX12Time);
  },
  toN: (call) => {
    const usage = 'the number of implied decimals, 0 to 9, e.g. | toN 2';
    expectArgs(call, 1, 1, usage);
    if (!/^[0-9]$/.test(call.args[0]!)) throw new ExpressionCompileError(`toN takes ${usage}`);
    const places = Number(call.args[0]);
    return mapStage((value) => formatImpliedDecimal(value, places));
  },
  email: (call) => {
    expectArgs(call, 0, 0, 'no arguments');
    return mapStage(checkEmail);
  },
  code: (call, context) => {
    const table = tableOf(call, context);
    return mapStage((value) => table.lookup(value));
  },
  codeOf: (call, context) => {
    const table = tableOf(call, context);
    return mapStage((value) => table.codeOf(value));
  },
  unmapped: (call, context) => {
    const table = tableOf(call, context);
    return mapStage((value) => (table.has(value) ? undefined : value));
  },
  match: (call) => {
    expectArgs(call, 1, 1, "a regular expression in quotes, e.g. | match '^[A-Z]{3}$'");
    let pattern: RegExp;
    try {
      pattern = new RegExp(call.args[0]!, 'u');
    } catch (error) {
      throw new ExpressionCompileError(`not a valid pattern: ${(error as Error).message}`);
    }
    const source = call.args[0]!;
    return mapStage((value) => {
      if (pattern.test(String(value))) return value;
      throw new MapError('pattern-mismatch', `does not match ${source}`, value);
    });
  },
  maxLength: (call) => {
    expectArgs(call, 1, 1, 'a length, e.g. | maxLength 40');
    const max = numberArg(call, call.args[0], 'a length, e.g. | maxLength 40')!;
    return mapStage((value) => {
      if (String(value).length <= max) return value;
      throw new MapError('too-long', `is longer than ${max} characters`, value);
    });
  },
  pairs: (call) => pairsStage(call),
  without: (call, _context, compileCondition) => {
    if (call.args.length === 0) {
      throw new ExpressionCompileError(
        'without takes the paths to leave out, e.g. | without BEG.BEG03 TD5[0].TD503',
      );
    }
    let removal: Removal;
    try {
      const paths = call.args.map((arg) => {
        const parsed = parseExpression(arg);
        if (parsed.head.kind !== 'path' || parsed.calls.length)
          throw new Error(`"${arg}" is not a path`);
        return parsed.head;
      });
      removal = new Removal(paths, compileCondition);
    } catch (error) {
      throw new ExpressionCompileError(`without: ${(error as Error).message}`);
    }
    return mapStage((value) => removal.apply(value));
  },
  first: (call) => {
    expectArgs(call, 0, 0, 'no arguments');
    return sequenceStage(
      (values) => values.slice(0, 1),
      (first) => first,
    );
  },
  last: (call) => {
    expectArgs(call, 0, 0, 'no arguments');
    return sequenceStage((values) => values.slice(-1));
  },
  join: (call) => {
    expectArgs(call, 0, 1, "an optional separator, e.g. | join ', '");
    const separator = call.args[0] ?? '';
    return sequenceStage((values) => (values.length ? [values.map(String).join(separator)] : []));
  },
  count: (call) => {
    expectArgs(call, 0, 0, 'no arguments');
    return { ...sequenceStage((values) => [values.length]), keepsEmpty: false };
  },
  list: (call) => {
    expectArgs(call, 0, 0, 'no arguments');
    return {
      ...sequenceStage(
        (values) => values,
        (first) => first,
      ),
      marksList: true,
    };
  },
  default: (call) => {
    expectArgs(call, 1, 1, "the value to use when there is none, e.g. | default 'EA'");
    const fallback = call.args[0]!;
    return {
      ...sequenceStage(
        (values) => (values.length ? values : [fallback]),
        (first) => (first === undefined ? fallback : first),
      ),
      keepsEmpty: false,
    };
  },
  required: (call) => {
    expectArgs(call, 0, 0, 'no arguments');
    return {
      ...sequenceStage(
        (values) => (values.length ? values : requiredValue()),
        (first) => (first === undefined ? requiredValue() : first),
      ),
      keepsEmpty: false,
    };
  },
};

/** X12 numeric types: N0 ... N9, the digit being the number of implied decimal places. */
function impliedDecimal(call: Call): Stage | undefined {
  const match = /^N([0-9])$/.exec(call.name);
  if (!match) return undefined;
  expectArgs(call, 0, 0, 'no arguments');
  const places = Number(match[1]);
  return mapStage((value) => convertImpliedDecimal(value, places));
}

export const functionNames = [...Object.keys(FUNCTIONS), 'N0 ... N9'];

export function compileCall(
  call: Call,
  context: ExpressionContext,
  compileCondition: (condition: Condition) => Test,
): Stage {
  const stage =
    impliedDecimal(call) ??
    (Object.hasOwn(FUNCTIONS, call.name)
      ? FUNCTIONS[call.name]!(call, context, compileCondition)
      : undefined);
  if (!stage) {
    throw new ExpressionCompileError(
      `unknown function "${call.name}" (functions: ${functionNames.join(', ')})`,
      call.column,
    );
  }
  return stage;
}
