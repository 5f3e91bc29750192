/**
 * Code tables declared in a map's `codes:` section: X12 qualifier → canonical name, with a
 * rule for codes the table does not list (keep the raw code, leave the value out, use a
 * default, or fail the mapping).
 */
import { MapError } from './errors';

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
