import {
  compareDecimals,
  numberToDecimalString,
  parseDecimal,
  totalDigitsOf,
  fractionDigitsOf,
} from './decimal';

const digits = (lexical: string): NonNullable<ReturnType<typeof parseDecimal>> => {
  const parsed = parseDecimal(lexical);
  if (!parsed) throw new Error(`not a decimal: ${lexical}`);
  return parsed;
};

describe('decimal', () => {
  it('compares beyond the precision of a double', () => {
    expect(compareDecimals(digits('12345678901234567.89'), digits('12345678901234567.9'))).toBe(-1);
    expect(compareDecimals(digits('12345678901234568'), digits('12345678901234567.99'))).toBe(1);
    expect(compareDecimals(digits('-0.00'), digits('+0'))).toBe(0);
    expect(compareDecimals(digits('-2'), digits('-10'))).toBe(1);
    expect(compareDecimals(digits('007.50'), digits('7.5'))).toBe(0);
  });

  it('counts total and fraction digits the XSD way', () => {
    expect(totalDigitsOf(digits('0012.50'))).toBe(3);
    expect(totalDigitsOf(digits('0.0012'))).toBe(4);
    expect(totalDigitsOf(digits('0'))).toBe(1);
    expect(totalDigitsOf(digits('12345678901234567890.1'))).toBe(21);
    expect(fractionDigitsOf(digits('1.10000'))).toBe(1);
  });

  it('refuses what is not a decimal', () => {
    for (const text of ['', '.', '1e5', '1.2.3', '--1', ' 1'])
      expect(parseDecimal(text)).toBeUndefined();
  });

  it('writes numbers without exponents', () => {
    expect(numberToDecimalString(1e-7)).toBe('0.0000001');
    expect(numberToDecimalString(1.5e21)).toBe('1500000000000000000000');
    expect(numberToDecimalString(-2.5e-3)).toBe('-0.0025');
    expect(numberToDecimalString(12.5)).toBe('12.5');
    expect(() => numberToDecimalString(Infinity)).toThrow();
  });
});
