/**
 * Code tables declared in a map's `codes:` section: X12 qualifier → canonical name, with a
 * rule for codes the table does not list (keep the raw code, leave the value out, use a
 * default, or fail the mapping).
 */
import { MapError } from './errors';
import { isPlainObject } from './merge';

export type UnknownCodeRule = 'keep' | 'omit' | 'error';

export class CodeTable {
  private readonly values: Map<string, string>;

  constructor(
    readonly name: string,
    values: Record<string, string>,
    readonly unknown: UnknownCodeRule,
    readonly fallback?: string,
  ) {
    this.values = new Map(Object.entries(values));
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
