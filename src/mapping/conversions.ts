/**
 * Value conversions the map language offers as pipe functions (`| decimal`, `| N2`, `| date`,
 * `| time`, `| integer`, `| email`). Decimals are converted digit by digit on strings, never
 * through a JS number, so "12345678901234567.89" arrives with every digit it left with.
 * Each function returns the converted value or throws a MapError saying what is wrong.
 */
import { MapError } from './errors';

/** Canonical decimals (common.schema.json#/$defs/Decimal): up to 20 integer and 8 fraction digits. */
const MAX_INTEGER_DIGITS = 20;
const MAX_FRACTION_DIGITS = 8;

export interface DecimalParts {
  negative: boolean;
  integer: string;
  fraction: string;
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * X12 R: optional leading minus, digits with an optional decimal point (".5", "5.", "-12.50"),
 * and, as later X12 versions and JSON numbers allow, an exponent ("1.5E3").
 */
export function parseRealNumber(text: string): DecimalParts | undefined {
  let at = 0;
  const negative = text.charCodeAt(0) === 45; // '-'
  if (negative) at = 1;
  const integerStart = at;
  while (at < text.length && isDigit(text.charCodeAt(at))) at++;
  let integer = text.slice(integerStart, at);
  let fraction = '';
  if (text.charCodeAt(at) === 46) {
    // '.'
    const fractionStart = ++at;
    while (at < text.length && isDigit(text.charCodeAt(at))) at++;
    fraction = text.slice(fractionStart, at);
  }
  if (integer.length + fraction.length === 0) return undefined;
  if (at < text.length && (text[at] === 'E' || text[at] === 'e')) {
    at++;
    let exponentSign = 1;
    if (text[at] === '+' || text[at] === '-') exponentSign = text[at++] === '-' ? -1 : 1;
    const exponentStart = at;
    while (at < text.length && isDigit(text.charCodeAt(at))) at++;
    const exponentDigits = text.slice(exponentStart, at);
    if (exponentDigits.length === 0 || exponentDigits.length > 3) return undefined;
    const shifted = shiftPoint(integer, fraction, exponentSign * Number(exponentDigits));
    integer = shifted.integer;
    fraction = shifted.fraction;
  }
  if (at !== text.length) return undefined;
  return { negative, integer, fraction };
}

function shiftPoint(integer: string, fraction: string, exponent: number) {
  const digits = integer + fraction;
  const point = integer.length + exponent;
  if (point <= 0) return { integer: '', fraction: '0'.repeat(-point) + digits };
  if (point >= digits.length)
    return { integer: digits + '0'.repeat(point - digits.length), fraction: '' };
  return { integer: digits.slice(0, point), fraction: digits.slice(point) };
}

/** Leading zeros go, trailing fraction zeros stay ("12.50" says something "12.5" does not). */
function formatCanonical(parts: DecimalParts, original: unknown): string {
  let start = 0;
  while (start < parts.integer.length - 1 && parts.integer.charCodeAt(start) === 48) start++;
  const integer = parts.integer.length === 0 ? '0' : parts.integer.slice(start);
  let fraction = parts.fraction;
  if (fraction.length > MAX_FRACTION_DIGITS) {
    const dropped = fraction.slice(MAX_FRACTION_DIGITS);
    if (!/^0+$/.test(dropped)) {
      throw new MapError(
        'decimal-out-of-range',
        `has more than ${MAX_FRACTION_DIGITS} significant fraction digits`,
        original,
      );
    }
    fraction = fraction.slice(0, MAX_FRACTION_DIGITS);
  }
  if (integer.length > MAX_INTEGER_DIGITS) {
    throw new MapError(
      'decimal-out-of-range',
      `has more than ${MAX_INTEGER_DIGITS} integer digits`,
      original,
    );
  }
  const isZero = /^0+$/.test(integer) && /^0*$/.test(fraction);
  const sign = parts.negative && !isZero ? '-' : '';
  return fraction.length ? `${sign}${integer}.${fraction}` : `${sign}${integer}`;
}

/**
 * True for text that is already a canonical decimal: digits, at most one '.', with digits on
 * both sides, no leading zero, within the digit limits (most X12 R values are, "12.75", "48").
 */
function isCanonicalDecimal(text: string): boolean {
  const length = text.length;
  if (length === 0 || length > MAX_INTEGER_DIGITS + MAX_FRACTION_DIGITS + 1) return false;
  let point = -1;
  for (let at = 0; at < length; at++) {
    const code = text.charCodeAt(at);
    if (code === 46 && point < 0) point = at;
    else if (code < 48 || code > 57) return false;
  }
  const integerDigits = point < 0 ? length : point;
  if (integerDigits === 0 || point === length - 1) return false;
  if (text.charCodeAt(0) === 48 && integerDigits > 1) return false;
  if (point >= 0 && length - point - 1 > MAX_FRACTION_DIGITS) return false;
  return integerDigits <= MAX_INTEGER_DIGITS;
}

/** X12 R (or a JSON number) → canonical decimal string: '.5' → '0.5', '-12.50' → '-12.50'. */
export function convertDecimal(value: unknown): string {
  if (typeof value === 'string' && isCanonicalDecimal(value)) return value;
  const text = textOf(value);
  const parts = text === undefined ? undefined : parseRealNumber(text);
  if (!parts) throw new MapError('invalid-decimal', 'is not a decimal number', value);
  return formatCanonical(parts, value);
}

/** X12 Nn: digits with `places` implied decimal places: N2 '1250' → '12.50', '-5' → '-0.05'. */
export function convertImpliedDecimal(value: unknown, places: number): string {
  const text = textOf(value);
  const negative = text !== undefined && text.charCodeAt(0) === 45;
  const digits = text === undefined ? '' : negative ? text.slice(1) : text;
  let valid = digits.length > 0;
  for (let at = 0; valid && at < digits.length; at++) valid = isDigit(digits.charCodeAt(at));
  if (!valid) {
    throw new MapError('invalid-decimal', `is not an X12 N${places} number (digits only)`, value);
  }
  const padded = digits.padStart(places + 1, '0');
  const cut = padded.length - places;
  return formatCanonical(
    { negative, integer: padded.slice(0, cut), fraction: padded.slice(cut) },
    value,
  );
}

/** A whole number as a JSON number ('012' → 12, '12.0' → 12), at least `min` when given. */
export function convertInteger(value: unknown, min?: number): number {
  const text = textOf(value);
  const parts = text === undefined ? undefined : parseRealNumber(text);
  if (!parts || !/^0*$/.test(parts.fraction)) {
    throw new MapError('invalid-integer', 'is not a whole number', value);
  }
  const digits = parts.integer.replace(/^0+(?=.)/, '') || '0';
  if (digits.length > 15) throw new MapError('invalid-integer', 'is too large', value);
  const result = parts.negative && digits !== '0' ? -Number(digits) : Number(digits);
  if (min !== undefined && result < min) {
    throw new MapError('invalid-integer', `must be at least ${min}`, value);
  }
  return result;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function allDigits(text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at++) if (!isDigit(text.charCodeAt(at))) return false;
  return true;
}

/**
 * X12 DT → YYYY-MM-DD: CCYYMMDD (8 digits) or YYMMDD (6 digits, as in ISA09 and versions before
 * 004010: years 00-49 are 20xx, 50-99 are 19xx). A value already written YYYY-MM-DD is checked
 * and kept, so the same function serves JSON sources.
 */
export function convertDate(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  let year: string;
  let month: string;
  let day: string;
  if (text.length === 8 && allDigits(text, 0, 8)) {
    [year, month, day] = [text.slice(0, 4), text.slice(4, 6), text.slice(6, 8)];
  } else if (text.length === 6 && allDigits(text, 0, 6)) {
    const yy = Number(text.slice(0, 2));
    year = `${yy < 50 ? 20 : 19}${text.slice(0, 2)}`;
    [month, day] = [text.slice(2, 4), text.slice(4, 6)];
  } else if (
    text.length === 10 &&
    text[4] === '-' &&
    text[7] === '-' &&
    allDigits(text, 0, 4) &&
    allDigits(text, 5, 7) &&
    allDigits(text, 8, 10)
  ) {
    [year, month, day] = [text.slice(0, 4), text.slice(5, 7), text.slice(8, 10)];
  } else {
    throw new MapError('invalid-date', 'is not a date (CCYYMMDD, YYMMDD or YYYY-MM-DD)', value);
  }
  const m = Number(month);
  const d = Number(day);
  const daysInMonth = m === 2 && isLeapYear(Number(year)) ? 29 : DAYS_IN_MONTH[m - 1];
  if (daysInMonth === undefined || d < 1 || d > daysInMonth) {
    throw new MapError('invalid-date', 'is not a calendar date', value);
  }
  return `${year}-${month}-${day}`;
}

/**
 * X12 TM → HH:MM[:SS[.f]]: HHMM, HHMMSS, HHMMSSD or HHMMSSDD (decimal seconds). A value already
 * written HH:MM or HH:MM:SS is checked and kept.
 */
export function convertTime(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  if (text.includes(':')) {
    const match = /^(\d\d):(\d\d)(?::(\d\d)(?:\.\d{1,3})?)?$/.exec(text);
    if (match && isTimeOfDay(match[1]!, match[2]!, match[3] ?? '00')) return text;
  } else if (
    (text.length === 4 || text.length === 6 || text.length === 7 || text.length === 8) &&
    allDigits(text, 0, text.length) &&
    isTimeOfDay(text.slice(0, 2), text.slice(2, 4), text.slice(4, 6) || '00')
  ) {
    let result = `${text.slice(0, 2)}:${text.slice(2, 4)}`;
    if (text.length >= 6) result += `:${text.slice(4, 6)}`;
    if (text.length > 6) result += `.${text.slice(6)}`;
    return result;
  }
  throw new MapError('invalid-time', 'is not a time (HHMM, HHMMSS or HHMMSSD[D])', value);
}

function isTimeOfDay(hours: string, minutes: string, seconds: string): boolean {
  return Number(hours) <= 23 && Number(minutes) <= 59 && Number(seconds) <= 59;
}

/** RFC 5322 dot-atom local part @ a domain of at least two DNS labels (what JSON Schema's email format accepts). */
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

export function checkEmail(value: unknown): string {
  if (typeof value !== 'string' || !EMAIL.test(value)) {
    throw new MapError('invalid-email', 'is not an email address', value);
  }
  return value;
}
