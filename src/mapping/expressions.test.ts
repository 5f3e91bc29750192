import { MapError, MapLoadError } from './errors';
import { compileMapText, removeMapFolders } from './fixtures/map-folders';

afterAll(removeMapFolders);

/** The value of one expression over `input`, through a one-field map. */
function evaluate(expression: string, input: unknown, codes = ''): unknown {
  const map = compileMapText(`${codes}\noutput:\n  v: "$ ${expression.replace(/"/g, '\\"')}"\n`);
  return (map.run(input) as { v?: unknown }).v;
}

const order = {
  BEG: { BEG01: '00', BEG03: 'PO-1', BEG05: '20240315' },
  REF: [
    { REF01: 'DP', REF02: '081' },
    { REF01: 'IA', REF02: 'V-1', REF04: ['PO', '4500011111'] },
    { REF01: 'PD', REF02: 'SPRING', REF03: 'SPRING EVENT' },
  ],
  N1Loop: [
    { N1: { N101: 'BY', N102: 'GLOBEX' } },
    { N1: { N101: 'ST', N102: 'DC 42' }, N3: [{ N301: '1 MAIN ST', N302: 'DOCK 4' }] },
    { N1: { N101: 'BT', N102: 'GLOBEX AP' }, N3: [{ N301: 'PO BOX 9' }] },
  ],
  TD5: [
    { TD502: 'ZZ', TD503: 'OWN' },
    { TD502: '2', TD503: 'ODFL' },
  ],
  PO1: { PO101: '1', PO106: 'UP', PO107: '0123', PO110: 'VN', PO111: 'A-1', PO108: 'ZZ' },
};

describe('paths', () => {
  it('step into segments and elements; a field takes the first value', () => {
    expect(evaluate('BEG.BEG03', order)).toBe('PO-1');
    expect(evaluate('REF.REF02', order)).toBe('081');
    expect(evaluate('REF.REF02 | list', order)).toEqual(['081', 'V-1', 'SPRING']);
  });

  it('work the same whether a segment is one object or an array of them', () => {
    expect(evaluate('REF.REF02', { REF: { REF02: 'one' } })).toBe('one');
    expect(evaluate('BEG.BEG03', { BEG: [{ BEG03: 'in a list' }] })).toBe('in a list');
  });

  it('filter on qualifiers with =, !=, in, not in, and, or, not', () => {
    expect(evaluate('REF[REF01 = IA].REF02', order)).toBe('V-1');
    expect(evaluate("REF[REF01 = 'PD'].REF03", order)).toBe('SPRING EVENT');
    expect(evaluate('REF[REF01 != PD].REF02 | list', order)).toEqual(['081', 'V-1']);
    expect(evaluate('N1Loop[N1.N101 in (ST, BT)].N1.N102 | list', order)).toEqual([
      'DC 42',
      'GLOBEX AP',
    ]);
    expect(evaluate('N1Loop[N1.N101 in [ST, BT]].N1.N102 | list', order)).toEqual([
      'DC 42',
      'GLOBEX AP',
    ]);
    expect(evaluate('N1Loop[N1.N101 not in (ST, BT)].N1.N102', order)).toBe('GLOBEX');
    expect(evaluate('REF[REF01 = PD or REF01 = DP].REF02 | list', order)).toEqual([
      '081',
      'SPRING',
    ]);
    expect(evaluate('REF[REF02 and not REF03].REF01 | list', order)).toEqual(['DP', 'IA']);
    expect(evaluate('REF[(REF01 = PD or REF01 = IA) and REF04].REF02', order)).toBe('V-1');
  });

  it('pick by position, from the end, and filter after picking', () => {
    expect(evaluate('REF[1].REF02', order)).toBe('V-1');
    expect(evaluate('REF[-1].REF02', order)).toBe('SPRING');
    expect(evaluate('REF[REF01 != DP][0].REF02', order)).toBe('V-1');
    expect(evaluate('TD5[TD502 = 2][0].TD503', order)).toBe('ODFL');
    expect(evaluate('TD5[0][TD502 = 2].TD503', order)).toBeUndefined();
  });

  it('read components by X12 position (REF04-2) or index (REF04[1])', () => {
    expect(evaluate('REF.REF04-2', order)).toBe('4500011111');
    expect(evaluate('REF.REF04[1]', order)).toBe('4500011111');
    expect(evaluate('REF.REF04-1', order)).toBe('PO');
    // A simple value read as a composite is its own first component.
    expect(evaluate('BEG.BEG03-1', order)).toBe('PO-1');
    expect(evaluate('BEG.BEG03-2', order)).toBeUndefined();
  });

  it('count empty components in X12 positions, not in [index] positions', () => {
    const ack = {
      IK4: [
        { IK401: ['3', '', '2'] },
        {
          IK401: [
            ['4', '', '1'],
            ['5', '2'],
          ],
        },
      ],
    };
    expect(evaluate('IK4[0].IK401-2', ack)).toBeUndefined();
    expect(evaluate('IK4[0].IK401-3', ack)).toBe('2');
    expect(evaluate('IK4[0].IK401[1]', ack)).toBe('2');
    // A repeated composite: the component of each repetition.
    expect(evaluate('IK4[1].IK401-2 | list', ack)).toEqual(['2']);
    expect(evaluate('IK4[1].IK401-3 | list', ack)).toEqual(['1']);
    expect(evaluate('. | without IK4.IK401-3', { IK4: { IK401: ['3', '', '2'] } })).toEqual({
      IK4: { IK401: ['3', '', ''] },
    });
  });

  it('group alternatives and concatenations with ( , )', () => {
    expect(evaluate('(BEG.BEG04, BEG.BEG03)', order)).toBe('PO-1');
    expect(evaluate("(N1Loop[1].N1.N102, N1Loop[1].N3.(N301, N302)) | join ', '", order)).toBe(
      'DC 42, 1 MAIN ST, DOCK 4',
    );
  });

  it('reach the whole input with /, the enclosing item with ^ and the position with @', () => {
    const map = compileMapText(`
output:
  parties:
    $each: N1Loop
    n: $ @
    po: $ /BEG.BEG03
    lines:
      $each: N3
      street: $ N301
      party: $ ^.N1.N102
`);
    expect(map.run(order)).toEqual({
      parties: [
        { n: '1', po: 'PO-1' },
        { n: '2', po: 'PO-1', lines: [{ street: '1 MAIN ST', party: 'DC 42' }] },
        { n: '3', po: 'PO-1', lines: [{ street: 'PO BOX 9', party: 'GLOBEX AP' }] },
      ],
    });
  });

  it('read keys with other characters in backticks, and every key with *', () => {
    expect(evaluate('`order-id`', { 'order-id': 'A-1' })).toBe('A-1');
    expect(evaluate('BEG.* | list', { BEG: { BEG01: '00', BEG03: 'X' } })).toEqual(['00', 'X']);
  });

  it('write literals in quotes (doubled quote inside), numbers and booleans', () => {
    expect(evaluate("'it''s'", {})).toBe("it's");
    expect(evaluate('12', {})).toBe(12);
    expect(evaluate('true', {})).toBe(true);
  });

  it('leave absent, null and empty values out', () => {
    expect(
      compileMapText('output:\n  a: $ X\n  b: $ Y\n  c: $ Z\n').run({ Y: null, Z: '' }),
    ).toEqual({});
  });
});

describe('functions', () => {
  const codes = `
codes:
  scheme:
    values: { UP: UPC, VN: VendorPart }
  strict:
    values: { A: allowance, C: charge }
    unknown: error
  omitting:
    values: { A: allowance }
    unknown: omit
  role:
    values: { BY: buyer }
    default: other
`;

  it('code tables: keep the raw code, omit, default, or fail', () => {
    expect(evaluate('X | code scheme', { X: 'UP' }, codes)).toBe('UPC');
    expect(evaluate('X | code scheme', { X: 'IN' }, codes)).toBe('IN');
    expect(evaluate('X | code omitting', { X: 'C' }, codes)).toBeUndefined();
    expect(evaluate('X | code role', { X: 'ZZ' }, codes)).toBe('other');
    expect(() => evaluate('X | code strict', { X: 'N' }, codes)).toThrow(
      /\/v: is not a code of table "strict" \(value "N"\)/,
    );
    expect(evaluate('X | unmapped role', { X: 'ZZ' }, codes)).toBe('ZZ');
    expect(evaluate('X | unmapped role', { X: 'BY' }, codes)).toBeUndefined();
  });

  it('pairs: repeated qualifier/value elements, in element order, with names of choice', () => {
    expect(evaluate('PO1 | pairs PO106 PO125 | list', order)).toEqual([
      { qualifier: 'UP', value: '0123' },
      { qualifier: 'ZZ' },
      { qualifier: 'VN', value: 'A-1' },
    ]);
    expect(
      evaluate('SDQ | pairs SDQ03 SDQ06 as store quantity | list', {
        SDQ: { SDQ03: '0117', SDQ04: '12', SDQ05: '0233', SDQ06: '6' },
      }),
    ).toEqual([
      { store: '0117', quantity: '12' },
      { store: '0233', quantity: '6' },
    ]);
  });

  it('conversions: decimal, N2, integer, date, time, email', () => {
    expect(evaluate('X | decimal', { X: '.5' })).toBe('0.5');
    expect(evaluate('X | N2', { X: '1250' })).toBe('12.50');
    expect(evaluate('X | integer 1', { X: '012' })).toBe(12);
    expect(evaluate('X | date', { X: '240315' })).toBe('2024-03-15');
    expect(evaluate('X | time', { X: '0930' })).toBe('09:30');
    expect(evaluate('X | email', { X: 'a@b.example' })).toBe('a@b.example');
  });

  it('text: trim, upper, lower, match, maxLength', () => {
    expect(evaluate('X | trim | lower', { X: '  EN ' })).toBe('en');
    expect(evaluate('X | trim', { X: '   ' })).toBeUndefined();
    expect(evaluate('X | upper', { X: 'usd' })).toBe('USD');
    expect(evaluate("X | match '^[A-Z]{3}$'", { X: 'USD' })).toBe('USD');
    expect(() => evaluate("X | match '^[A-Z]{3}$'", { X: 'US' })).toThrow(/does not match/);
    expect(() => evaluate('X | maxLength 3', { X: 'ABCD' })).toThrow(/longer than 3/);
  });

  it('sequences: first, last, count, join, list, default, required', () => {
    expect(evaluate('REF.REF01 | last', order)).toBe('PD');
    expect(evaluate('REF | count', order)).toBe(3);
    expect(evaluate('REF.REF01 | join /', order)).toBe('DP/IA/PD');
    expect(evaluate('X | default EA', {})).toBe('EA');
    expect(evaluate('X | default EA', { X: 'CA' })).toBe('CA');
    expect(() => evaluate('X | required', {})).toThrow(/\/v: is required/);
  });

  it('without: a copy of what a map did not use, positions kept, filters honoured', () => {
    expect(
      evaluate(
        '. | without BEG.(BEG01, BEG03) REF.(REF01, REF02) REF[REF01 = PD].REF03 N1Loop PO1 TD5[TD502 = 2][0]',
        order,
      ),
    ).toEqual({
      BEG: { BEG05: '20240315' },
      REF: [{}, { REF04: ['PO', '4500011111'] }, {}],
      TD5: [{ TD502: 'ZZ', TD503: 'OWN' }, {}],
    });
    expect(evaluate('. | without BEG', { BEG: { BEG01: '00' } })).toBeUndefined();
  });

  it('copies input data placed in the output, never sharing it', () => {
    const input = { CSH: [{ CSH01: 'SC' }] };
    const value = evaluate('CSH | list', input) as { CSH01: string }[];
    expect(value).toEqual([{ CSH01: 'SC' }]);
    value[0]!.CSH01 = 'changed';
    expect(input.CSH[0]!.CSH01).toBe('SC');
  });
});

describe('expression errors stop loading with file, path and column', () => {
  function loadError(expression: string, codes = ''): MapLoadError {
    try {
      evaluate(expression, {}, codes);
    } catch (error) {
      if (error instanceof MapLoadError) return error;
      throw error;
    }
    throw new Error('expected a MapLoadError');
  }

  it.each([
    ['BEG.BEG03 |', /expected a function name after "\|" \(column 12\)/],
    ['REF[REF01 = IA', /expected "\]"/],
    ['BEG.BEG05 | dat', /unknown function "dat"/],
    ['X | code nowhere', /unknown code table "nowhere"/],
    ['X | pairs PO106 PO124', /spanning whole pairs/],
    ["X | match '('", /not a valid pattern/],
    ['X | without /BEG', /paths to leave out start at the value itself/],
    ["'open", /not closed with a quote/],
  ])('%s', (expression, reason) => {
    const error = loadError(expression);
    expect(error.file).toMatch(/maps\/test\.yaml$/);
    expect(error.pointer).toBe('/output/v');
    expect(error.reason).toMatch(reason);
  });

  it('a MapError at run time names the file, the output pointer, the value and the expression', () => {
    const map = compileMapText('output:\n  lines:\n    $each: L\n    d: $ D | date\n');
    let error: unknown;
    try {
      map.run({ L: [{ D: '20240101' }, { D: '20241301' }] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MapError);
    const mapError = error as MapError;
    expect(mapError.file).toBe(map.file);
    expect(mapError.pointer).toBe('/lines/1/d');
    expect(mapError.code).toBe('invalid-date');
    expect(mapError.value).toBe('20241301');
    expect(mapError.expression).toBe('D | date');
    expect(mapError.message).toContain('/lines/1/d: is not a calendar date (value "20241301")');
  });
});
