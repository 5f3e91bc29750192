/**
 * The two ways a map fails. A MapLoadError stops start-up: the map file is wrong (bad YAML,
 * not a valid map, an expression that does not parse, an unknown code table). A MapError is
 * one input the map cannot turn into a valid output (a date that is no date, a code a strict
 * table does not know, a required value missing): it names the map file, where in the output
 * it happened and the value, so an operator can tell the partner exactly what to fix.
 */

/** Why one input could not be mapped. */
export type MapErrorCode =
  | 'missing-required'
  | 'unknown-code'
  | 'invalid-date'
  | 'invalid-time'
  | 'invalid-decimal'
  | 'decimal-out-of-range'
  | 'invalid-integer'
  | 'pattern-mismatch'
  | 'too-long'
  | 'invalid-email'
  | 'too-many'
  | 'internal';

export class MapError extends Error {
  override name = 'MapError';
  /** The map file (for a partner override, the override file) that was running. */
  file = '';
  /** RFC 6901 pointer into the output being built, e.g. `/lines/3/productIds/0/scheme`. */
  pointer = '';
  /** The expression that produced the value, as written in the map. */
  expression?: string;
  /** Output path with `*` for list items, filled in by the node that caught it. */
  private staticPath?: readonly string[];
  /**
   * What each `*` of the output path stands for, outermost first: a list item's position, or
   * for a `$pairs` item the element it was going into.
   */
  private readonly positions: Array<number | string> = [];

  constructor(
    readonly code: MapErrorCode,
    readonly reason: string,
    readonly value?: unknown,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }

  /** Called by the innermost template node that sees the error: where it sits in the output. */
  locate(staticPath: readonly string[], expression?: string): void {
    if (this.staticPath) return;
    this.staticPath = staticPath;
    if (expression !== undefined) this.expression = expression;
  }

  /** Called by each enclosing list, innermost first, with the item's position in its list. */
  addPosition(position: number | string): void {
    this.positions.unshift(position);
  }

  /** Called once by CompiledMap.run: fills in the file and the final message. */
  finish(file: string): this {
    this.file = file;
    let next = 0;
    const tokens = (this.staticPath ?? []).map((token) =>
      token === '*' ? String(this.positions[next++] ?? '*') : escapePointerToken(token),
    );
    this.pointer = tokens.length ? `/${tokens.join('/')}` : '';
    const value = this.value === undefined ? '' : ` (value ${JSON.stringify(this.value)})`;
    const from = this.expression ? ` [from "${this.expression}"]` : '';
    this.message = `${file}: ${this.pointer || '/'}: ${this.reason}${value}${from}`;
    return this;
  }
}

/** A map file that cannot be used; start-up stops with the file, the path in it and why. */
export class MapLoadError extends Error {
  override name = 'MapLoadError';
  constructor(
    readonly file: string,
    /** RFC 6901 pointer into the map file, e.g. `/output/lines/quantity`. */
    readonly pointer: string,
    readonly reason: string,
  ) {
    super(`${file}${pointer ? ` at ${pointer}` : ''}: ${reason}`);
  }
}

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointerOf(path: readonly string[]): string {
  return path.map((token) => `/${escapePointerToken(token)}`).join('');
}
