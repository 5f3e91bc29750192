import fc from 'fast-check';
import { matchesEventPattern } from './routing';

describe('matchesEventPattern', () => {
  test.each([
    ['com.crossdock.purchase-order', 'com.crossdock.purchase-order', true],
    ['com.crossdock.purchase-order', 'com.crossdock.purchase-order-acknowledgment', false],
    ['com.crossdock.*', 'com.crossdock.invoice', true],
    ['com.crossdock.*', 'org.other.invoice', false],
    ['*', 'anything', true],
    ['com.*.invoice', 'com.crossdock.invoice', true],
    ['com.*.invoice', 'com.crossdock.invoice.v2', false],
    ['*order*', 'com.crossdock.purchase-order-acknowledgment', true],
    ['a*a', 'a', false],
  ])('%s against %s: %s', (pattern, type, expected) => {
    expect(matchesEventPattern(pattern, type)).toBe(expected);
  });

  test('agrees with an equivalent regular expression on any input', () => {
    const token = fc.constantFrom('a', 'b', '.', '-');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(token, fc.constant('*')), { maxLength: 8 }),
        fc.array(token, { maxLength: 10 }),
        (p, t) => {
          const pattern = p.join('');
          const type = t.join('');
          const regex = new RegExp(`^${pattern.replace(/[.-]/g, '\\$&').replace(/\*/g, '.*')}$`);
          expect(matchesEventPattern(pattern, type)).toBe(regex.test(type));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
