import { compileXsdPattern } from './xsd-pattern';

describe('compileXsdPattern', () => {
  it('anchors the whole value', () => {
    const regex = compileXsdPattern('[A-Z]{3}');
    expect(regex.test('EUR')).toBe(true);
    expect(regex.test('EURO')).toBe(false);
    expect(regex.test('xEUR')).toBe(false);
  });

  it('treats ^ and $ as ordinary characters, as XSD does', () => {
    expect(compileXsdPattern('^a$').test('^a$')).toBe(true);
    expect(compileXsdPattern('^a$').test('a')).toBe(false);
  });

  it('matches \\d against any Unicode digit and \\w against letters, marks, digits and symbols', () => {
    expect(compileXsdPattern('\\d+').test('12٣')).toBe(true);
    expect(compileXsdPattern('\\w+').test('Émile9+')).toBe(true);
    expect(compileXsdPattern('\\w+').test('a b')).toBe(false);
    expect(compileXsdPattern('[\\w\\-]+').test('a-b')).toBe(true);
  });

  it('supports XML name escapes, \\s, escaped hyphens and Unicode categories', () => {
    expect(compileXsdPattern('\\i\\c*').test('ns:a.b-c')).toBe(true);
    expect(compileXsdPattern('\\i\\c*').test('1abc')).toBe(false);
    expect(compileXsdPattern('a\\sb').test('a\tb')).toBe(true);
    expect(compileXsdPattern('a\\sb').test('a\u00a0b')).toBe(false);
    expect(compileXsdPattern('\\p{Lu}\\-\\d').test('A-1')).toBe(true);
    expect(compileXsdPattern('[0-9A-Z\\-]{1,34}').test('12-AB')).toBe(true);
  });

  it('refuses what has no JS equivalent instead of ignoring it', () => {
    expect(() => compileXsdPattern('[a-z-[aeiou]]')).toThrow(/subtraction/);
    expect(() => compileXsdPattern('\\p{IsBasicLatin}+')).toThrow(/block escape/);
    expect(() => compileXsdPattern('\\b')).toThrow(/not an XSD escape/);
    expect(() => compileXsdPattern('[abc')).toThrow(/unclosed/);
  });
});
