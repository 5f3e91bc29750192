/**
 * Parses the expressions of the map language (docs/maps.md) into a syntax tree, once, when a
 * map is loaded. Nothing here runs per message.
 *
 *   expression := operand ('|' call)*
 *   operand    := 'text' | "text" | number | true | false | path
 *   path       := start ('.' step)*        start: '/' (top of the input), '^' (enclosing item),
 *                                           '.' (current item), '@' (its position), or a step
 *   step       := (name | `any key` | '*' | '(' expression (',' expression)* ')') ('-' n)? predicate*
 *   predicate  := '[' integer ']' | '[' condition ']'
 *   condition  := and ('or' and)* ;  and := not ('and' not)* ;  not := 'not' not | '(' condition ')' | test
 *   test       := path (('=' | '!=') literal | 'not'? 'in' '(' literal, ... ')')?
 *   call       := name argument*           arguments are quoted text or bare words (which may
 *                                           hold a path with [filters] and (groups))
 */

export type Literal = string | number | boolean;

export interface Expression {
  head: Operand;
  calls: Call[];
}

export type Operand = { kind: 'literal'; value: Literal } | PathNode;

export interface PathNode {
  kind: 'path';
  start: PathStart;
  steps: StepNode[];
}

export type PathStart =
  | { kind: 'context' }
  | { kind: 'root' }
  | { kind: 'parent'; levels: number }
  | { kind: 'position' };

export type StepNode =
  | {
      kind: 'key';
      key: string;
      /** `REF04-2`: the component at this 0-based position, counting empty ones. */
      component?: number;
      predicates: Predicate[];
    }
  | { kind: 'wildcard'; predicates: Predicate[] }
  | { kind: 'group'; parts: Expression[]; predicates: Predicate[] };

export type Predicate = { kind: 'index'; index: number } | { kind: 'filter'; condition: Condition };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'exists'; path: PathNode }
  | { kind: 'equals'; path: PathNode; value: string; negated: boolean }
  | { kind: 'in'; path: PathNode; values: string[]; negated: boolean };

export interface Call {
  name: string;
  args: string[];
  /** 1-based column of the function name, for error messages. */
  column: number;
}

export class ExpressionSyntaxError extends Error {
  constructor(
    readonly reason: string,
    /** 1-based column in the expression text. */
    readonly column: number,
  ) {
    super(`${reason} (column ${column})`);
    this.name = 'ExpressionSyntaxError';
  }
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;
/** Characters that end a bare word (an unquoted literal or function argument). */
const BARE_WORD_END = new Set([' ', '\t', '\n', '\r', '|', ',', '(', ')', '[', ']']);

class Parser {
  private at = 0;

  constructor(private readonly text: string) {}

  parseWholeExpression(): Expression {
    const expression = this.expression();
    this.expectEnd();
    return expression;
  }

  parseWholeCondition(): Condition {
    const condition = this.condition();
    this.expectEnd();
    return condition;
  }

  private expectEnd(): void {
    this.skipSpace();
    if (this.at < this.text.length) this.fail(`unexpected "${this.text.slice(this.at)}"`);
  }

  private fail(reason: string, at = this.at): never {
    throw new ExpressionSyntaxError(reason, at + 1);
  }

  private skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }

  private peek(): string {
    return this.text[this.at] ?? '';
  }

  /** Consumes `word` when it is next as a whole word. */
  private acceptWord(word: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(word, this.at)) return false;
    const after = this.text[this.at + word.length] ?? '';
    if (NAME_PART.test(after)) return false;
    this.at += word.length;
    return true;
  }

  private expression(): Expression {
    const head = this.operand();
    const calls: Call[] = [];
    for (;;) {
      this.skipSpace();
      if (this.peek() !== '|') break;
      this.at++;
      calls.push(this.call());
    }
    return { head, calls };
  }

  private operand(): Operand {
    this.skipSpace();
    const c = this.peek();
    if (c === "'" || c === '"') return { kind: 'literal', value: this.quoted() };
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(this.text[this.at + 1] ?? ''))) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(this.text.slice(this.at))!;
      this.at += match[0].length;
      return { kind: 'literal', value: Number(match[0]) };
    }
    for (const word of ['true', 'false'] as const) {
      const save = this.at;
      if (this.acceptWord(word)) {
        this.skipSpace();
        if (this.at >= this.text.length || '|,)'.includes(this.peek())) {
          return { kind: 'literal', value: word === 'true' };
        }
        this.at = save;
      }
    }
    return this.path();
  }

  private quoted(): string {
    const quote = this.peek();
    const start = this.at;
    this.at++;
    let value = '';
    for (;;) {
      if (this.at >= this.text.length) this.fail('text is not closed with a quote', start);
      const c = this.text[this.at++]!;
      if (c === quote) {
        if (this.peek() === quote) {
          value += quote; // a doubled quote stands for itself
          this.at++;
          continue;
        }
        return value;
      }
      value += c;
    }
  }

  path(): PathNode {
    this.skipSpace();
    const c = this.peek();
    let start: PathStart;
    const steps: StepNode[] = [];
    if (c === '/') {
      this.at++;
      start = { kind: 'root' };
      if (this.startsStep()) steps.push(this.step());
    } else if (c === '^') {
      this.at++;
      let levels = 1;
      while (this.text.startsWith('.^', this.at)) {
        this.at += 2;
        levels++;
      }
      start = { kind: 'parent', levels };
    } else if (c === '@') {
      this.at++;
      return { kind: 'path', start: { kind: 'position' }, steps };
    } else if (c === '.') {
      this.at++;
      start = { kind: 'context' };
      if (this.startsStep()) steps.push(this.step());
    } else if (this.startsStep()) {
      start = { kind: 'context' };
      steps.push(this.step());
    } else {
      this.fail(
        c ? `expected a path, text or number, not "${c}"` : 'expected a path, text or number',
      );
    }
    while (this.peek() === '.' && this.startsStep(this.at + 1)) {
      this.at++;
      steps.push(this.step());
    }
    return { kind: 'path', start, steps };
  }

  private startsStep(at = this.at): boolean {
    const c = this.text[at] ?? '';
    return NAME_START.test(c) || c === '`' || c === '*' || c === '(';
  }

  private step(): StepNode {
    const c = this.peek();
    let step: StepNode;
    if (c === '*') {
      this.at++;
      step = { kind: 'wildcard', predicates: [] };
    } else if (c === '(') {
      this.at++;
      const parts = [this.expression()];
      for (;;) {
        this.skipSpace();
        if (this.peek() === ',') {
          this.at++;
          parts.push(this.expression());
        } else if (this.peek() === ')') {
          this.at++;
          break;
        } else {
          this.fail('expected "," or ")"');
        }
      }
      step = { kind: 'group', parts, predicates: [] };
    } else {
      const key = this.name();
      // X12 component notation: REF04-2 is the second component of REF04. Unlike [1] it counts
      // empty components too: in IK401 `3::2` the third component is 2.
      const component = /^-([0-9]+)/.exec(this.text.slice(this.at));
      if (component) {
        const position = Number(component[1]);
        if (position < 1) this.fail('component positions start at 1');
        this.at += component[0].length;
        step = { kind: 'key', key, component: position - 1, predicates: [] };
      } else {
        step = { kind: 'key', key, predicates: [] };
      }
    }
    while (this.peek() === '[') step.predicates.push(this.predicate());
    return step;
  }

  private name(): string {
    if (this.peek() === '`') {
      const end = this.text.indexOf('`', this.at + 1);
      if (end < 0) this.fail('key is not closed with a backtick');
      const key = this.text.slice(this.at + 1, end);
      this.at = end + 1;
      return key;
    }
    const start = this.at;
    while (this.at < this.text.length && NAME_PART.test(this.text[this.at]!)) this.at++;
    if (start === this.at) this.fail('expected a name');
    return this.text.slice(start, this.at);
  }

  private predicate(): Predicate {
    this.at++; // '['
    this.skipSpace();
    const index = /^-?[0-9]+\s*\]/.exec(this.text.slice(this.at));
    if (index) {
      this.at += index[0].length;
      return { kind: 'index', index: parseInt(index[0], 10) };
    }
    const condition = this.condition();
    this.skipSpace();
    if (this.peek() !== ']') this.fail('expected "]"');
    this.at++;
    return { kind: 'filter', condition };
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.acceptWord('or')) left = { kind: 'or', left, right: this.conjunction() };
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.acceptWord('and')) left = { kind: 'and', left, right: this.negation() };
    return left;
  }

  private negation(): Condition {
    if (this.acceptWord('not')) return { kind: 'not', operand: this.negation() };
    this.skipSpace();
    if (this.peek() === '(') {
      // Either a parenthesised condition or a path whose first step is a group: try the first.
      const save = this.at;
      try {
        this.at++;
        const inner = this.condition();
        this.skipSpace();
        if (this.peek() === ')') {
          this.at++;
          this.skipSpace();
          if (this.peek() !== '.' && this.peek() !== '[') return inner;
        }
      } catch (error) {
        if (!(error instanceof ExpressionSyntaxError)) throw error;
      }
      this.at = save;
    }
    return this.test();
  }

  private test(): Condition {
    const path = this.path();
    this.skipSpace();
    if (this.text.startsWith('!=', this.at)) {
      this.at += 2;
      return { kind: 'equals', path, value: this.literal(), negated: true };
    }
    if (this.peek() === '=') {
      this.at++;
      return { kind: 'equals', path, value: this.literal(), negated: false };
    }
    const save = this.at;
    const negated = this.acceptWord('not');
    if (this.acceptWord('in')) return { kind: 'in', path, values: this.literalList(), negated };
    this.at = save;
    return { kind: 'exists', path };
  }

  private literal(): string {
    this.skipSpace();
    const c = this.peek();
    if (c === "'" || c === '"') return this.quoted();
    const word = this.bareWord();
    if (!word) this.fail('expected a value');
    return word;
  }

  private literalList(): string[] {
    this.skipSpace();
    const open = this.peek();
    const close = open === '(' ? ')' : open === '[' ? ']' : '';
    if (!close) this.fail('expected a list like (ST, BT)');
    this.at++;
    const values = [this.literal()];
    for (;;) {
      this.skipSpace();
      if (this.peek() === ',') {
        this.at++;
        values.push(this.literal());
      } else if (this.peek() === close) {
        this.at++;
        return values;
      } else {
        this.fail(`expected "," or "${close}"`);
      }
    }
  }

  private bareWord(): string {
    const start = this.at;
    while (this.at < this.text.length && !BARE_WORD_END.has(this.text[this.at]!)) this.at++;
    return this.text.slice(start, this.at);
  }

  /** A bare argument; brackets and parentheses inside it nest (`TD5[TD502 = 2].(TD502, TD503)`). */
  private argument(): string {
    const start = this.at;
    let depth = 0;
    while (this.at < this.text.length) {
      const c = this.text[this.at]!;
      if (c === '[' || c === '(') depth++;
      else if (c === ']' || c === ')') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && BARE_WORD_END.has(c)) break;
      else if (c === "'" || c === '"') {
        const close = this.text.indexOf(c, this.at + 1);
        if (close > 0) this.at = close;
      }
      this.at++;
    }
    return this.text.slice(start, this.at);
  }

  private call(): Call {
    this.skipSpace();
    const column = this.at + 1;
    if (!NAME_START.test(this.peek())) this.fail('expected a function name after "|"');
    const name = this.name();
    const args: string[] = [];
    for (;;) {
      this.skipSpace();
      const c = this.peek();
      if (c === '' || c === '|' || c === ',' || c === ')' || c === ']') break;
      if (c === "'" || c === '"') {
        args.push(this.quoted());
        continue;
      }
      const word = this.argument();
      if (!word) this.fail(`unexpected "${c}"`);
      args.push(word);
    }
    return { name, args, column };
  }
}

export function parseExpression(text: string): Expression {
  return new Parser(text).parseWholeExpression();
}

export function parseCondition(text: string): Condition {
  return new Parser(text).parseWholeCondition();
}
