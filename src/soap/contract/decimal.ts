/**
 * Exact decimal arithmetic on lexical forms, enough for XSD facets: amounts and big integers are
 * compared digit by digit and never pass through a JS number, which would round
 * 12345678901234567.89 to 12345678901234568.
 */

export interface DecimalDigits {
  negative: boolean;
  /** Integer digits without leading zeros ('' for zero). */
  integer: string;
  /** Fraction digits without trailing zeros. */
  fraction: string;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** The digits of an xsd:decimal lexical form, or undefined when it is not one. */
export function parseDecimal(lexical: string): DecimalDigits | undefined {
  const match = DECIMAL.exec(lexical);
  if (!match) return undefined;
  const integerPart = match[2] ?? '';
  const fractionPart = match[3] ?? '';
  if (integerPart === '' && fractionPart === '') return undefined;
  const integer = integerPart.replace(/^0+/, '');
  const fraction = fractionPart.replace(/0+$/, '');
  const isZero = integer === '' && fraction === '';
  return { negative: match[1] === '-' && !isZero, integer, fraction };
}

export function compareDecimals(a: DecimalDigits, b: DecimalDigits): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  const magnitude = compareMagnitudes(a, b);
  return a.negative ? -magnitude : magnitude;
}

function compareMagnitudes(a: DecimalDigits, b: DecimalDigits): number {
  if (a.integer.length !== b.integer.length) return a.integer.length < b.integer.length ? -1 : 1;
  if (a.integer !== b.integer) return a.integer < b.integer ? -1 : 1;
  const width = Math.max(a.fraction.length, b.fraction.length);
  const fractionA = a.fraction.padEnd(width, '0');
  const fractionB = b.fraction.padEnd(width, '0');
  if (fractionA === fractionB) return 0;
  return fractionA < fractionB ? -1 : 1;
}

/**
 * XSD totalDigits: the value must be i / 10^n with |i| < 10^totalDigits and n <= totalDigits,
 * so 0012.50 has 3 digits and 0.0012 has 4.
 */
export function totalDigitsOf(value: DecimalDigits): number {
  if (value.integer === '') return Math.max(1, value.fraction.length);
  return value.integer.length + value.fraction.length;
}

export function fractionDigitsOf(value: DecimalDigits): number {
  return value.fraction.length;
}

/**
 * A JS number as a plain decimal string ('1e-7' becomes '0.0000001'), for writing numbers a
 * mapping produced. Integers beyond 2^53 were already rounded by whoever made the number.
 */
export function numberToDecimalString(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`${value} is not a finite number`);
  const text = String(value);
  const exponential = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!exponential) return text;
  const sign = exponential[1] ?? '';
  const digits = (exponential[2] ?? '') + (exponential[3] ?? '');
  const pointAt = 1 + Number(exponential[4]);
  if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return sign + digits + '0'.repeat(pointAt - digits.length);
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}
