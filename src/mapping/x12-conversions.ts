/**
 * Conversions for maps that write X12 (`| x12date`, `| x12time`, `| toN 2`): canonical values
 * to X12 DT, TM and Nn text. They are the inverses of `date`, `time` and `N0`..`N9` in
 * conversions.ts, and like them work on strings digit by digit, never through a JS number.
 * Whatever X12 cannot carry exactly is a MapError, not a silent rounding.
 */
import { convertDate, convertTime, parseRealNumber, textOf } from './conversions';
import { MapError } from './errors';

/**
 * A date (YYYY-MM-DD, or anything `date` reads) → X12 DT: CCYYMMDD, or YYMMDD with `digits` 6.
 * YYMMDD is read back as 1950-2049 (convertDate), so a year outside that is an error.
 */
export function formatX12Date(value: unknown, digits: 6 | 8 = 8): string {
  const date = convertDate(value);
  const ccyymmdd = `${date.slice(0, 4)}${date.slice(5, 7)}${date.slice(8, 10)}`;
  if (digits === 8) return ccyymmdd;
  const year = Number(date.slice(0, 4));
  if (year < 1950 || year > 2049) {
    throw new MapError('invalid-date', 'has a year YYMMDD cannot carry (1950-2049)', value);
  }
  return ccyymmdd.slice(2);
}

/** X12 TM is HHMM, HHMMSS or HHMMSS with one or two digits of decimal seconds (337: 4-8 long). */
const MAX_SECOND_FRACTION_DIGITS = 2;

/** A time (HH:MM[:SS[.f]], or anything `time` reads) → X12 TM: HHMM[SS[d[d]]]. */
export function formatX12Time(value: unknown): string {
  const time = convertTime(value);
  const hhmm = `${time.slice(0, 2)}${time.slice(3, 5)}`;
  if (time.length === 5) return hhmm;
  const fraction = time.slice(9).replace(/0+$/, '');
  if (fraction.length > MAX_SECOND_FRACTION_DIGITS) {
    throw new MapError(
      'invalid-time',
      `has more than ${MAX_SECOND_FRACTION_DIGITS} digits of decimal seconds (X12 TM carries ${MAX_SECOND_FRACTION_DIGITS})`,
      value,
    );
  }
  return `${hhmm}${time.slice(6, 8)}${fraction}`;
}

/**
 * An exact decimal → X12 Nn text with `places` implied decimals: '12.5' N2 → '1250',
 * '-0.05' N2 → '-5'. Fraction zeros past `places` are dropped; a significant digit there is an
 * error (the amount would change).
 */
export function formatImpliedDecimal(value: unknown, places: number): string {
  const text = textOf(value);
  const parts = text === undefined ? undefined : parseRealNumber(text);
  if (!parts) throw new MapError('invalid-decimal', 'is not a decimal number', value);
  let fraction = parts.fraction;
  if (fraction.length > places) {
    if (!/^0+$/.test(fraction.slice(places))) {
      throw new MapError(
        'decimal-out-of-range',
        `has more than ${places} significant fraction digits, which X12 N${places} cannot carry`,
        value,
      );
    }
    fraction = fraction.slice(0, places);
  }
  const digits = `${parts.integer}${fraction.padEnd(places, '0')}`.replace(/^0+/, '');
  if (digits === '') return '0';
  return parts.negative ? `-${digits}` : digits;
}
