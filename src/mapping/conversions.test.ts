import fc from 'fast-check';
import {
  checkEmail,
  convertDate,
  convertDecimal,
  convertImpliedDecimal,
  convertInteger,
  convertTime,
} from './conversions';
import { mapErrorOf } from './fixtures/map-errors';

const CANONICAL_DECIMAL = /^-?[0-9]{1,20}(\.[0-9]{1,8})?$/;

/** The exact value of a decimal string as a scaled BigInt pair, to compare without floats. */
function exactValue(text: string): { units: bigint; scale: number } {
  const negative = text.startsWith('-');
  const [integer = '', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const units = BigInt(`${integer || '0'}${fraction}`) * (negative ? -1n : 1n);
  return { units, scale: fraction.length };
}

function sameValue(a: string, b: string): boolean {
  const x = exactValue(a);
  const y = exactValue(b);
  const scale = Math.max(x.scale, y.scale);
  return x.units * 10n ** BigInt(scale - x.scale) === y.units * 10n ** BigInt(scale - y.scale);
}

const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

/** X12 R: optional minus, digits, optional point with digits on either side (15 digits at most). */
const x12Real = fc
  .tuple(fc.boolean(), digits(0, 10), fc.boolean(), digits(0, 5))
  .filter(
    ([, integer, hasPoint, fraction]) => integer.length + (hasPoint ? fraction.length : 0) > 0,
  )
  .map(
    ([negative, integer, hasPoint, fraction]) =>
      `${negative ? '-' : ''}${integer}${hasPoint ? `.${fraction}` : ''}`,
  );

describe('convertDecimal (X12 R → canonical decimal)', () => {
  it.each([
    ['.5', '0.5'],
    ['-12.50', '-12.50'],
    ['12.50', '12.50'],
    ['007', '7'],
    ['5.', '5'],
    ['-0.00', '0.00'],
    ['-.25', '-0.25'],
    ['0', '0'],
    ['1.5E3', '1500'],
    ['12345678901234567.89', '12345678901234567.89'],
    ['1.123456780', '1.12345678'],
  ])('%s → %s', (input, expected) => {
    expect(convertDecimal(input)).toBe(expected);
  });

  it('takes JSON numbers too, exponent included', () => {
    expect(convertDecimal(12.5)).toBe('12.5');
    expect(convertDecimal(1.5e-7)).toBe('0.00000015');
    expect(mapErrorOf(() => convertDecimal(1e21)).code).toBe('decimal-out-of-range');
  });

  it.each(['', '-', '.', '1.2.3', '+5', '1,5', ' 5', 'abc', '1e', '0x10'])(
    'rejects %j with a MapError',
    (input) => {
      expect(mapErrorOf(() => convertDecimal(input)).code).toBe('invalid-decimal');
    },
  );

  it('refuses to round: more than 8 significant fraction digits is an error', () => {
    const error = mapErrorOf(() => convertDecimal('0.123456789'));
    expect(error.code).toBe('decimal-out-of-range');
    expect(error.value).toBe('0.123456789');
  });

  it('converts any X12 R value to the equal canonical decimal, keeping every digit', () => {
    fc.assert(
      fc.property(x12Real, (input) => {
        const output = convertDecimal(input);
        expect(output).toMatch(CANONICAL_DECIMAL);
        expect(sameValue(input, output)).toBe(true);
        // Digits preserved: the fraction keeps all its digits, trailing zeros included.
        const fraction = input.split('.')[1] ?? '';
        expect(output.split('.')[1] ?? '').toBe(fraction);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps up to 20 integer digits exactly, beyond any JS number', () => {
    fc.assert(
      fc.property(digits(16, 20), digits(1, 8), (integer, fraction) => {
        const input = `${integer}.${fraction}`;
        const output = convertDecimal(input);
        expect(sameValue(input, output)).toBe(true);
        expect(output).toBe(`${integer.replace(/^0+(?=\d)/, '')}.${fraction}`);
      }),
    );
  });
});

describe('convertImpliedDecimal (X12 Nn)', () => {
  it.each([
    ['1250', 2, '12.50'],
    ['5', 2, '0.05'],
    ['-5', 2, '-0.05'],
    ['000', 2, '0.00'],
    ['0012', 0, '12'],
    ['123456', 4, '12.3456'],
  ])('%s as N%i → %s', (input, places, expected) => {
    expect(convertImpliedDecimal(input, places)).toBe(expected);
  });

  it.each(['12.5', '', '-', 'x1'])('rejects %j', (input) => {
    expect(mapErrorOf(() => convertImpliedDecimal(input, 2)).code).toBe('invalid-decimal');
  });

  it('places the point exactly `places` digits from the right, for any N value', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        digits(1, 15),
        fc.integer({ min: 0, max: 8 }),
        (negative, body, places) => {
          const input = `${negative ? '-' : ''}${body}`;
          const output = convertImpliedDecimal(input, places);
          expect(output).toMatch(CANONICAL_DECIMAL);
          const expected = exactValue(input);
          const actual = exactValue(output);
          expect(actual.scale).toBe(places);
          expect(actual.units).toBe(expected.units);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('convertInteger', () => {
  it('reads whole numbers as JSON numbers', () => {
    expect(convertInteger('012')).toBe(12);
    expect(convertInteger('12.00')).toBe(12);
    expect(convertInteger('-3')).toBe(-3);
  });

  it('rejects fractions, junk and values under the minimum', () => {
    expect(mapErrorOf(() => convertInteger('1.5')).code).toBe('invalid-integer');
    expect(mapErrorOf(() => convertInteger('x')).code).toBe('invalid-integer');
    expect(mapErrorOf(() => convertInteger('0', 1)).reason).toBe('must be at least 1');
  });
});

describe('convertDate (X12 DT → YYYY-MM-DD)', () => {
  it.each([
    ['20240315', '2024-03-15'],
    ['240315', '2024-03-15'],
    ['991231', '1999-12-31'],
    ['20240229', '2024-02-29'],
    ['2024-03-15', '2024-03-15'],
  ])('%s → %s', (input, expected) => {
    expect(convertDate(input)).toBe(expected);
  });

  it.each(['20230229', '20241301', '20240400', '2024031', '2024-3-15', 'MARCH 15', ''])(
    'rejects %j',
    (input) => {
      expect(mapErrorOf(() => convertDate(input)).code).toBe('invalid-date');
    },
  );

  it('accepts every real calendar day as CCYYMMDD', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        (date) => {
          const iso = date.toISOString().slice(0, 10);
          expect(convertDate(iso.replace(/-/g, ''))).toBe(iso);
        },
      ),
    );
  });
});

describe('convertTime (X12 TM → HH:MM[:SS[.f]])', () => {
  it.each([
    ['1400', '14:00'],
    ['093015', '09:30:15'],
    ['0930155', '09:30:15.5'],
    ['09301525', '09:30:15.25'],
    ['14:00', '14:00'],
  ])('%s → %s', (input, expected) => {
    expect(convertTime(input)).toBe(expected);
  });

  it.each(['2400', '1260', '123', '12:60', 'noon'])('rejects %j', (input) => {
    expect(mapErrorOf(() => convertTime(input)).code).toBe('invalid-time');
  });
});

describe('checkEmail', () => {
  it('keeps addresses and refuses the rest', () => {
    expect(checkEmail('dana.whitfield@globex.example')).toBe('dana.whitfield@globex.example');
    expect(mapErrorOf(() => checkEmail('dana at globex')).code).toBe('invalid-email');
    expect(mapErrorOf(() => checkEmail('dana@localhost')).code).toBe('invalid-email');
  });
});
