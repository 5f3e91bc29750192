/**
 * Checks one simple value (element text or attribute) against its simple type: whitespace
 * normalisation, the built-in lexical space, then every facet of every derivation step. The
 * value that comes out is the normalised lexical form, a string with every digit it came with.
 */
import { compareDecimals, fractionDigitsOf, parseDecimal, totalDigitsOf } from './decimal';
import {
  comparableOf,
  lengthOf,
  lexicalProblem,
  normalizeWhiteSpace,
  type Comparable,
} from './xsd-builtins';
import type { FacetSet, SimpleTypeDefinition } from './xsd-model';

export type SimpleValueCheck = { ok: true; value: string } | { ok: false; message: string };

export function checkSimpleValue(type: SimpleTypeDefinition, raw: string): SimpleValueCheck {
  const value = normalizeWhiteSpace(raw, type.whiteSpace);
  if (type.variety === 'union') {
    const members = type.memberTypes ?? [];
    const fits = members.some((member) => checkSimpleValue(member, raw).ok);
    if (!fits && members.length > 0) {
      return { ok: false, message: `${JSON.stringify(value)} is not a valid ${type.label}` };
    }
  } else if (type.variety === 'list') {
    if (type.itemType) {
      for (const item of value === '' ? [] : value.split(' ')) {
        const check = checkSimpleValue(type.itemType, item);
        if (!check.ok) return check;
      }
    }
  } else {
    const problem = lexicalProblem(type.builtin, value);
    if (problem) return { ok: false, message: problem };
  }
  const problem = facetProblem(type, type.facets, value);
  return problem ? { ok: false, message: problem } : { ok: true, value };
}

function facetProblem(
  type: SimpleTypeDefinition,
  facets: FacetSet,
  value: string,
): string | undefined {
  const isList = type.variety === 'list';
  for (const { kind, value: limit } of facets.lengths) {
    const length = lengthOf(type.builtin, value, isList);
    const unit = isList
      ? 'item(s)'
      : type.builtin.primitive.endsWith('Binary')
        ? 'byte(s)'
        : 'character(s)';
    if (kind === 'length' && length !== limit)
      return `${JSON.stringify(value)} must be exactly ${limit} ${unit} long`;
    if (kind === 'minLength' && length < limit)
      return `${JSON.stringify(value)} is shorter than ${limit} ${unit}`;
    if (kind === 'maxLength' && length > limit)
      return `${JSON.stringify(value)} is longer than ${limit} ${unit}`;
  }
  for (const step of facets.patterns) {
    if (!step.regexes.some((regex) => regex.test(value))) {
      return `${JSON.stringify(value)} does not match the pattern ${step.sources.join(' | ')} of ${type.label}`;
    }
  }
  for (const allowed of facets.enumerations) {
    if (!allowed.some((candidate) => isSameValue(type, candidate, value))) {
      return `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`;
    }
  }
  if (facets.bounds.length > 0) {
    const comparable = comparableOf(type.builtin, value);
    if (comparable) {
      for (const bound of facets.bounds) {
        const limit = comparableOf(type.builtin, normalizeWhiteSpace(bound.value, 'collapse'));
        if (!limit) continue;
        const order = compare(comparable, limit);
        if (bound.kind === 'minInclusive' && order < 0)
          return `${value} is less than the minimum ${bound.value}`;
        if (bound.kind === 'minExclusive' && order <= 0)
          return `${value} must be greater than ${bound.value}`;
        if (bound.kind === 'maxInclusive' && order > 0)
          return `${value} is greater than the maximum ${bound.value}`;
        if (bound.kind === 'maxExclusive' && order >= 0)
          return `${value} must be less than ${bound.value}`;
      }
    }
  }
  if (facets.totalDigits !== undefined || facets.fractionDigits !== undefined) {
    const decimal = parseDecimal(value);
    if (decimal) {
      if (facets.totalDigits !== undefined && totalDigitsOf(decimal) > facets.totalDigits) {
        return `${value} has more than ${facets.totalDigits} digits`;
      }
      if (
        facets.fractionDigits !== undefined &&
        fractionDigitsOf(decimal) > facets.fractionDigits
      ) {
        return `${value} has more than ${facets.fractionDigits} digits after the decimal point`;
      }
    }
  }
  return undefined;
}

function isSameValue(type: SimpleTypeDefinition, candidate: string, value: string): boolean {
  const normalized = normalizeWhiteSpace(candidate, type.whiteSpace);
  if (normalized === value) return true;
  if (type.variety !== 'atomic') return false;
  const a = comparableOf(type.builtin, normalized);
  const b = comparableOf(type.builtin, value);
  return a !== undefined && b !== undefined && compare(a, b) === 0;
}

function compare(a: Comparable, b: Comparable): number {
  if (a.kind === 'decimal' && b.kind === 'decimal') return compareDecimals(a.value, b.value);
  if (a.kind === 'number' && b.kind === 'number')
    return a.value === b.value ? 0 : a.value < b.value ? -1 : 1;
  return 0;
}
