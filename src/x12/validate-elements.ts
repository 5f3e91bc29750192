/**
 * HOT PATH (part of validate.ts): checks one segment's elements against its dictionary entry and
 * fills its tree node. Character loops on charCodeAt, no regexes, no per-element closures; an
 * error list is only created for a segment that has errors. X12.6 rules: the minus sign and the
 * decimal point do not count toward a numeric element's length; R has no exponent and no plus.
 */
import type { Delimiters, ElementError, Segment, SegmentNode } from './model';
import {
  ElementKind,
  type CompiledComposite,
  type CompiledElementUse,
  type CompiledSegment,
  type CompiledSimpleElement,
  type CompiledSyntaxRule,
} from './compiled-schema';

const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const BAD_VALUE_LENGTH = 99; // AK404/IK404 is AN 1/99

/** Checks a segment's elements; writes their values into `node` when given. */
export function checkSegmentElements(
  segment: Segment,
  definition: CompiledSegment,
  delimiters: Delimiters,
  node: SegmentNode | null,
): ElementError[] | null {
  let errors: ElementError[] | null = null;
  const values = segment.elements;
  const uses = definition.elements;
  // Separators read from an ISA are single characters: those are looked for by char code.
  const component = delimiters.component;
  const repetition = delimiters.repetition;
  const isSingleCharacter =
    component.length === 1 && (repetition === null || repetition.length === 1);
  const componentCode = component.charCodeAt(0);
  const repetitionCode = repetition === null ? -1 : repetition.charCodeAt(0);
  for (let p = 0; p < uses.length; p++) {
    const use = uses[p]!;
    const value = values[p] ?? ''; // `?? ''`: tolerate holes in a hand-built elements array
    if (value === '') {
      if (use.required)
        errors = add(errors, error(p + 1, undefined, undefined, use.reference, '1'));
      continue;
    }
    errors = isSingleCharacter
      ? checkScannedElement(
          value,
          use,
          p + 1,
          delimiters,
          componentCode,
          repetitionCode,
          errors,
          node,
        )
      : checkElement(value, use, p + 1, delimiters, errors, node);
  }
  for (let p = uses.length; p < values.length; p++) {
    const extra = values[p];
    if (extra !== undefined && extra !== '') {
      errors = add(errors, error(p + 1, undefined, undefined, undefined, '3', extra));
      break;
    }
  }
  if (definition.rules.length > 0) {
    errors = checkRules(definition.rules, values, definition.references, 0, errors);
  }
  return errors;
}

/**
 * checkElement for single-character separators: one pass over the value finds the separators and
 * the control characters, so a simple element that has neither is checked without searching it
 * again (the common case); anything with a repetition separator goes the general way.
 */
function checkScannedElement(
  value: string,
  use: CompiledElementUse,
  position: number,
  delimiters: Delimiters,
  componentCode: number,
  repetitionCode: number,
  errors: ElementError[] | null,
  node: SegmentNode | null,
): ElementError[] | null {
  let hasComponent = false;
  let hasControl = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === repetitionCode) return checkElement(value, use, position, delimiters, errors, node);
    if (c === componentCode) hasComponent = true;
    else if (c < 0x20 || c === 0x7f) hasControl = true;
  }
  const composite = use.composite;
  if (composite !== null) {
    // One split serves the check and the tree (checkComposite keeps no reference to it).
    const parts = value.split(delimiters.component);
    errors = checkComposite(value, parts, composite, position, undefined, errors);
    if (node !== null) node[use.key] = parts;
    return errors;
  }
  if (node !== null) node[use.key] = value;
  if (hasComponent) {
    return add(errors, error(position, undefined, undefined, use.reference, '13', value));
  }
  const element = use.simple!;
  const kind = element.kind;
  const code =
    kind === ElementKind.N ||
    kind === ElementKind.R ||
    kind === ElementKind.DT ||
    kind === ElementKind.TM
      ? simpleValueError(value, element)
      : hasControl
        ? '6'
        : lengthOrCodeError(value, element);
  if (code === null) return errors;
  return add(errors, error(position, undefined, undefined, use.reference, code, value));
}

function checkElement(
  value: string,
  use: CompiledElementUse,
  position: number,
  delimiters: Delimiters,
  errors: ElementError[] | null,
  node: SegmentNode | null,
): ElementError[] | null {
  const repetition = delimiters.repetition;
  if (repetition !== null && value.indexOf(repetition) >= 0) {
    const parts = value.split(repetition);
    if (parts.length > use.repeat) {
      errors = add(errors, error(position, undefined, use.repeat + 1, use.reference, '12', value));
    }
    const count = Math.min(parts.length, use.repeat);
    for (let r = 0; r < count; r++) {
      const part = parts[r]!;
      if (part !== '') {
        const at = use.repeat > 1 ? r + 1 : undefined;
        errors = checkOccurrence(part, use, position, at, delimiters, errors);
      }
    }
    // A repeated element keeps its raw value in the tree: the tree has no shape for repetitions.
    if (node !== null) node[use.key] = value;
    return errors;
  }
  errors = checkOccurrence(value, use, position, undefined, delimiters, errors);
  if (node !== null) {
    node[use.key] = use.composite !== null ? value.split(delimiters.component) : value;
  }
  return errors;
}

function checkOccurrence(
  value: string,
  use: CompiledElementUse,
  position: number,
  repetition: number | undefined,
  delimiters: Delimiters,
  errors: ElementError[] | null,
): ElementError[] | null {
  if (use.composite !== null) {
    const parts = value.split(delimiters.component);
    return checkComposite(value, parts, use.composite, position, repetition, errors);
  }
  if (value.indexOf(delimiters.component) >= 0) {
    return add(errors, error(position, undefined, repetition, use.reference, '13', value));
  }
  const code = simpleValueError(value, use.simple!);
  if (code === null) return errors;
  return add(errors, error(position, undefined, repetition, use.reference, code, value));
}

function checkComposite(
  value: string,
  parts: string[],
  composite: CompiledComposite,
  position: number,
  repetition: number | undefined,
  errors: ElementError[] | null,
): ElementError[] | null {
  const components = composite.components;
  if (parts.length > components.length) {
    const extra = components.length + 1;
    errors = add(errors, error(position, extra, repetition, undefined, '13', value));
  }
  for (let c = 0; c < components.length; c++) {
    const component = components[c]!;
    const part = c < parts.length ? parts[c]! : '';
    const reference = component.element.ref;
    if (part === '') {
      if (component.required)
        errors = add(errors, error(position, c + 1, repetition, reference, '1'));
      continue;
    }
    const code = simpleValueError(part, component.element);
    if (code !== null)
      errors = add(errors, error(position, c + 1, repetition, reference, code, part));
  }
  if (composite.rules.length > 0) {
    errors = checkRules(composite.rules, parts, composite.references, position, errors);
  }
  return errors;
}

/** The AK403 code for a non-empty simple value, or null when it is valid. */
export function simpleValueError(value: string, element: CompiledSimpleElement): string | null {
  switch (element.kind) {
    case ElementKind.N:
    case ElementKind.R:
      return numericError(value, element);
    case ElementKind.DT:
      return dateError(value, element);
    case ElementKind.TM:
      return timeError(value, element);
    default:
      return stringError(value, element);
  }
}

function stringError(value: string, element: CompiledSimpleElement): string | null {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return '6';
  }
  return lengthOrCodeError(value, element);
}

/** stringError once the characters are known to be valid. */
function lengthOrCodeError(value: string, element: CompiledSimpleElement): string | null {
  if (value.length < element.min) return '4';
  if (value.length > element.max) return '5';
  if (element.codes !== null && !element.codes.has(value)) {
    return element.codesAreComplete ? '7' : 'I6';
  }
  return null;
}

function numericError(value: string, element: CompiledSimpleElement): string | null {
  const decimal = element.kind === ElementKind.R;
  let digits = 0;
  let point = false;
  for (let i = value.charCodeAt(0) === MINUS ? 1 : 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= ZERO && c <= NINE) digits++;
    else if (c === DOT && decimal && !point) point = true;
    else return '6';
  }
  if (digits === 0) return '6';
  if (digits < element.min) return '4';
  if (digits > element.max) return '5';
  return null;
}

function dateError(value: string, element: CompiledSimpleElement): string | null {
  if (!allDigits(value)) return '8';
  if (value.length < element.min) return '4';
  if (value.length > element.max) return '5';
  if (value.length !== 6 && value.length !== 8) return '8';
  const long = value.length === 8;
  const year = long ? digitsAt(value, 0, 4) : digitsAt(value, 0, 2);
  const month = digitsAt(value, long ? 4 : 2, 2);
  const day = digitsAt(value, long ? 6 : 4, 2);
  if (month < 1 || month > 12 || day < 1) return '8';
  // YYMMDD: a year divisible by 4 is taken as leap (2000 was; 1900 and 2100 are outside use).
  const leap = long ? (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 : year % 4 === 0;
  const days =
    month === 2
      ? leap
        ? 29
        : 28
      : month === 4 || month === 6 || month === 9 || month === 11
        ? 30
        : 31;
  return day > days ? '8' : null;
}

function timeError(value: string, element: CompiledSimpleElement): string | null {
  if (!allDigits(value)) return '9';
  if (value.length < element.min) return '4';
  if (value.length > element.max) return '5';
  // HHMM, HHMMSS, HHMMSSd, HHMMSSdd
  if (value.length < 4 || value.length === 5) return '9';
  if (digitsAt(value, 0, 2) > 23 || digitsAt(value, 2, 2) > 59) return '9';
  if (value.length >= 6 && digitsAt(value, 4, 2) > 59) return '9';
  return null;
}

function allDigits(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < ZERO || c > NINE) return false;
  }
  return true;
}

function digitsAt(value: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) n = n * 10 + (value.charCodeAt(i) - ZERO);
  return n;
}

/**
 * X12 syntax notes over `values` (a segment's elements, or a composite's components when
 * `compositePosition` is the composite's element position).
 */
function checkRules(
  rules: CompiledSyntaxRule[],
  values: string[],
  references: Array<string | undefined>,
  compositePosition: number,
  errors: ElementError[] | null,
): ElementError[] | null {
  // Indexed loops, not for..of: this runs for most segments (PO1 has five rules).
  for (let r = 0; r < rules.length; r++) {
    const { rule, positions } = rules[r]!;
    let present = 0;
    for (let k = 0; k < positions.length; k++) if (isPresent(values, positions[k]!)) present++;
    const first = positions[0]!;
    switch (rule) {
      case 'P':
        if (present > 0 && present < positions.length) {
          for (const p of positions)
            if (!isPresent(values, p))
              errors = add(errors, ruleError(references, compositePosition, p, '2'));
        }
        break;
      case 'R':
        if (present === 0)
          errors = add(errors, ruleError(references, compositePosition, first, '2'));
        break;
      case 'E':
        if (present > 1) {
          let seen = 0;
          for (const p of positions) {
            if (isPresent(values, p) && seen++ > 0)
              errors = add(errors, ruleError(references, compositePosition, p, '10', values[p]));
          }
        }
        break;
      case 'C':
        if (isPresent(values, first)) {
          for (const p of positions)
            if (!isPresent(values, p))
              errors = add(errors, ruleError(references, compositePosition, p, '2'));
        }
        break;
      case 'L':
        if (isPresent(values, first) && present === 1)
          errors = add(errors, ruleError(references, compositePosition, positions[1]!, '2'));
        break;
    }
  }
  return errors;
}

function ruleError(
  references: Array<string | undefined>,
  compositePosition: number,
  p: number,
  code: string,
  badValue?: string,
): ElementError {
  return compositePosition > 0
    ? error(compositePosition, p + 1, undefined, references[p], code, badValue)
    : error(p + 1, undefined, undefined, references[p], code, badValue);
}

function isPresent(values: string[], p: number): boolean {
  const value = values[p];
  return value !== undefined && value !== '';
}

function add(errors: ElementError[] | null, found: ElementError): ElementError[] {
  if (errors === null) return [found];
  errors.push(found);
  return errors;
}

function error(
  position: number,
  componentPosition: number | undefined,
  repetition: number | undefined,
  reference: string | undefined,
  code: string,
  badValue?: string,
): ElementError {
  const found: ElementError = { position, code };
  if (componentPosition !== undefined) found.componentPosition = componentPosition;
  if (repetition !== undefined) found.repetition = repetition;
  if (reference !== undefined) found.reference = reference;
  if (badValue !== undefined && badValue !== '') {
    found.badValue =
      badValue.length > BAD_VALUE_LENGTH ? badValue.slice(0, BAD_VALUE_LENGTH) : badValue;
  }
  return found;
}
