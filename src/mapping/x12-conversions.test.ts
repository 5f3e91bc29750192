import fc from 'fast-check';
import { convertDate, convertImpliedDecimal, convertTime } from './conversions';
import { mapErrorOf } from './fixtures/map-errors';
import { compileMapText, removeMapFolders } from './fixtures/map-folders';
import { formatImpliedDecimal, formatX12Date, formatX12Time } from './x12-conversions';

afterAll(removeMapFolders);

const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

const calendarDate = fc
  .date({
    min: new Date('1900-01-01T00:00:00Z'),
    max: new Date('2199-12-31T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((date) => date.toISOString().slice(0, 10));

describe('formatX12Date (x12date)', () => {
  it.each([
    ['2024-03-15', 8, '20240315'],
    ['2024-02-29', 8, '20240229'],
    ['2024-03-15', 6, '240315'],
    ['1999-12-31', 6, '991231'],
    ['20240315', 8, '20240315'],
  ] as const)('%s as %i digits → %s', (input, width, expected) => {
    expect(formatX12Date(input, width)).toBe(expected);
  });

  it.each(['2023-02-29', '2024-13-01', '15.03.2024', '', 20240315])('rejects %j', (input) => {
    expect(mapErrorOf(() => formatX12Date(input)).code).toBe('invalid-date');
  });

  it('refuses a YYMMDD year that would be read back in another century', () => {
    const error = mapErrorOf(() => formatX12Date('2050-01-01', 6));
    expect(error.code).toBe('invalid-date');
    expect(error.reason).toMatch(/1950-2049/);
  });

  it('is undone by date, in both widths', () => {
    fc.assert(
      fc.property(calendarDate, (date) => {
        expect(convertDate(formatX12Date(date))).toBe(date);
        const year = Number(date.slice(0, 4));
        if (year >= 1950 && year <= 2049) expect(convertDate(formatX12Date(date, 6))).toBe(date);
      }),
    );
  });
});

describe('formatX12Time (x12time)', () => {
  it.each([
    ['14:05', '1405'],
    ['14:05:09', '140509'],
    ['14:05:09.5', '1405095'],
    ['14:05:09.25', '14050925'],
    ['14:05:09.250', '14050925'],
    ['1405', '1405'],
  ])('%s → %s', (input, expected) => {
    expect(formatX12Time(input)).toBe(expected);
  });

  it('refuses decimal seconds TM cannot carry, and what is no time', () => {
    expect(mapErrorOf(() => formatX12Time('14:05:09.125')).code).toBe('invalid-time');
    expect(mapErrorOf(() => formatX12Time('24:00')).code).toBe('invalid-time');
    expect(mapErrorOf(() => formatX12Time('2 pm')).code).toBe('invalid-time');
  });

  it('is undone by time', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const time = fc
      .tuple(two(23), two(59), fc.option(fc.tuple(two(59), fc.option(digits(1, 2)))))
      .map(([hh, mm, rest]) => {
        if (!rest) return `${hh}:${mm}`;
        const [ss, fraction] = rest;
        return fraction ? `${hh}:${mm}:${ss}.${fraction}` : `${hh}:${mm}:${ss}`;
      })
      // X12 cannot tell 09.50 from 09.5: compare what TM can carry.
      .filter((text) => !/\.\d*0$/.test(text));
    fc.assert(
      fc.property(time, (text) => {
        expect(convertTime(formatX12Time(text))).toBe(text);
      }),
    );
  });
});

describe('formatImpliedDecimal (toN)', () => {
  it.each([
    ['12.5', 2, '1250'],
    ['-0.05', 2, '-5'],
    ['0.00', 2, '0'],
    ['-0', 2, '0'],
    ['12', 0, '12'],
    ['12.000', 2, '1200'],
    ['007.10', 1, '71'],
    ['12345678901234567890.12', 2, '1234567890123456789012'],
  ] as const)('%s as N%i → %s', (input, places, expected) => {
    expect(formatImpliedDecimal(input, places)).toBe(expected);
  });

  it('refuses to round: a significant digit beyond n places is an error', () => {
    const error = mapErrorOf(() => formatImpliedDecimal('12.345', 2));
    expect(error.code).toBe('decimal-out-of-range');
    expect(error.value).toBe('12.345');
  });

  it.each(['', '-', 'abc', '1,5', '1.2.3'])('rejects %j', (input) => {
    expect(mapErrorOf(() => formatImpliedDecimal(input, 2)).code).toBe('invalid-decimal');
  });

  it('is undone by Nn for any decimal with at most n fraction digits', () => {
    /** The value in units of 10^-places, exactly. */
    const units = (text: string, places: number) => {
      const [integer = '', fraction = ''] = text.replace(/^-/, '').split('.');
      const magnitude = BigInt(`${integer}${fraction.padEnd(places, '0')}`);
      return text.startsWith('-') ? -magnitude : magnitude;
    };
    fc.assert(
      fc.property(
        fc.boolean(),
        digits(1, 15),
        digits(0, 8),
        fc.integer({ min: 0, max: 8 }),
        (negative, integer, fraction, places) => {
          fc.pre(fraction.length <= places);
          const canonical = `${negative ? '-' : ''}${integer}${fraction ? `.${fraction}` : ''}`;
          const back = convertImpliedDecimal(formatImpliedDecimal(canonical, places), places);
          expect(units(back, places)).toBe(units(canonical, places));
          expect(back.split('.')[1]?.length ?? 0).toBe(places);
        },
      ),
    );
  });
});

describe('x12date, x12time and toN in a map', () => {
  it('convert canonical values for an X12 tree', () => {
    const map = compileMapText(`
output:
  BIG:
    BIG01: $ invoiceDate | x12date
    BIG03: $ orderDate | x12date 6
  DTM:
    DTM02: $ shipDate | x12date
    DTM03: $ shipTime | x12time
  TDS:
    TDS01: $ total | toN 2
`);
    expect(
      map.run({
        invoiceDate: '2024-03-20',
        orderDate: '2024-03-15',
        shipDate: '2024-03-18',
        shipTime: '14:30',
        total: '1407.5',
      }),
    ).toEqual({
      BIG: { BIG01: '20240320', BIG03: '240315' },
      DTM: { DTM02: '20240318', DTM03: '1430' },
      TDS: { TDS01: '140750' },
    });
  });

  it('name the output element and the expression when a value does not fit', () => {
    const map = compileMapText('output:\n  TDS:\n    TDS01: $ total | toN 2\n');
    const error = mapErrorOf(() => map.run({ total: '10.005' }));
    expect(error.code).toBe('decimal-out-of-range');
    expect(error.pointer).toBe('/TDS/TDS01');
    expect(error.message).toContain('[from "total | toN 2"]');
  });

  it.each([
    ['output:\n  a: $ d | x12date 4\n', /x12date takes no arguments \(CCYYMMDD\) or 6/],
    ['output:\n  a: $ d | toN\n', /toN takes the number of implied decimals/],
    ['output:\n  a: $ d | toN 10\n', /toN takes the number of implied decimals/],
    ['output:\n  a: $ d | x12time 2\n', /x12time takes no arguments/],
  ])('refuses %j at load', (yaml, reason) => {
    expect(() => compileMapText(yaml)).toThrow(reason);
  });
});
