/**
 * Code tables declared in a map's `codes:` section: X12 qualifier → canonical name, with a
 * rule for codes the table does not list (keep the raw code, leave the value out, use a
 * default, or fail the mapping). Maps that write X12 read a table backwards (`| codeOf`):
 * canonical name → the first code, in the table's order, that maps to it.
 */
import { MapError } from './errors';
import { isPlainObject } from './merge';

export type UnknownCodeRule = 'keep' | 'omit' | 'error';

export class CodeTable {
  private readonly values: Map<string, string>;
  /** Canonical value → code; the first code listed wins when several map to one value. */
  private readonly codes = new Map<string, string>();

  constructor(
    readonly name: string,
    values: Record<string, string>,
    readonly unknown: UnknownCodeRule,
    readonly fallback?: string,
  ) {
    this.values = new Map(Object.entries(values));
    for (const [code, value] of this.values)
      if (!this.codes.has(value)) this.codes.set(value, code);
  }

  has(code: unknown): boolean {
    return this.values.has(String(code));
  }

  /** The table's value for a code, or what the unknown-code rule says (undefined: leave it out). */
  lookup(code: unknown): unknown {
    const hit = this.values.get(typeof code === 'string' ? code : String(code));
    if (hit !== undefined) return hit;
    if (this.fallback !== undefined) return this.fallback;
    switch (this.unknown) {
      case 'keep':
        return code;
      case 'omit':
        return undefined;
      case 'error':
        throw new MapError('unknown-code', `is not a code of table "${this.name}"`, code);
    }
  }

  /**
   * The code for a canonical value, or what the unknown-code rule says. A table's default
   * (`other`) stands for every code it does not list, so it has no code of its own unless one
   * maps to it explicitly.
   */
  codeOf(value: unknown): unknown {
    const key = typeof value === 'string' ? value : String(value);
    const hit = this.codes.get(key);
    if (hit !== undefined) return hit;
    if (key === this.fallback) {
      throw new MapError(
        'unknown-code',
        `has no code in table "${this.name}" (it is the table's default for codes it does not list)`,
        value,
      );
    }
    switch (this.unknown) {
      case 'keep':
        return value;
      case 'omit':
        return undefined;
      case 'error':
        throw new MapError('unknown-code', `is not a value of table "${this.name}"`, value);
    }
  }
}

/** The tables of a (merged) `codes:` section; `fail` reports a table that cannot be used. */
export function buildCodeTables(
  codes: Record<string, unknown>,
  fail: (name: string, reason: string) => never,
): Map<string, CodeTable> {
  const tables = new Map<string, CodeTable>();
  for (const [name, table] of Object.entries(codes)) {
    if (table === null || table === undefined) continue;
    if (!isPlainObject(table) || !isPlainObject(table.values)) {
      fail(name, 'a code table needs values: a mapping of code to value');
    }
    const hasDefault = typeof table.default === 'string';
    if (hasDefault && typeof table.unknown === 'string') {
      fail(name, 'give unknown or default, not both (set the other to ~ in an override)');
    }
    const values: Record<string, string> = {};
    for (const [code, value] of Object.entries(table.values)) {
      if (typeof value === 'string') values[code] = value;
    }
    const unknown = (typeof table.unknown === 'string' ? table.unknown : 'keep') as UnknownCodeRule;
    tables.set(
      name,
      new CodeTable(name, values, unknown, hasDefault ? (table.default as string) : undefined),
    );
  }
  return tables;
}
