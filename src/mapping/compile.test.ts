import { mapErrorOf, mapLoadErrorOf } from './fixtures/map-errors';
import { compileMapText, removeMapFolders } from './fixtures/map-folders';

afterAll(removeMapFolders);

const tree = {
  BEG: { BEG03: 'PO-1' },
  PO1Loop: [
    {
      PO1: { PO101: '1', PO102: '2', PO106: 'UP', PO107: '0123' },
      SDQ: [{ SDQ03: 'A', SDQ04: '1', SDQ05: 'B', SDQ06: '1' }],
    },
    { PO1: { PO102: '3', PO106: 'VN', PO107: 'X-9' }, SDQ: [{ SDQ03: 'C', SDQ04: '3' }] },
  ],
};

describe('templates', () => {
  it('plain YAML is literal output, scalars kept as text ($$ for a leading $)', () => {
    const map = compileMapText(`
output:
  kind: purchaseOrder
  code: 007
  price: $$12
  nested: { list: [a, b] }
  nothing: ~
  empty: ''
`);
    expect(map.run({})).toEqual({
      kind: 'purchaseOrder',
      code: '007',
      price: '$12',
      nested: { list: ['a', 'b'] },
    });
  });

  it('leaves out objects and lists that end up empty', () => {
    const map = compileMapText(`
output:
  po: $ BEG.BEG03
  totals: { count: $ CTT.CTT01 }
  refs: [$ REF.REF02]
`);
    expect(map.run(tree)).toEqual({ po: 'PO-1' });
  });

  it('$each makes a list; $value makes items that are not mappings', () => {
    const map = compileMapText(`
output:
  lines:
    $each: PO1Loop
    number: $ (PO1.PO101, @)
    quantity: $ PO1.PO102 | decimal
  numbers:
    $each: PO1Loop.PO1
    $value: $ PO107
`);
    expect(map.run(tree)).toEqual({
      lines: [
        { number: '1', quantity: '2' },
        { number: '2', quantity: '3' },
      ],
      numbers: ['0123', 'X-9'],
    });
  });

  it('an $each inside an $each (in $value) adds to the same list', () => {
    const map = compileMapText(`
output:
  stores:
    $each: PO1Loop.SDQ
    $value:
      $each: . | pairs SDQ03 SDQ22 as store quantity
      store: $ store
      quantity: $ quantity
`);
    expect(map.run(tree)).toEqual({
      stores: [
        { store: 'A', quantity: '1' },
        { store: 'B', quantity: '1' },
        { store: 'C', quantity: '3' },
      ],
    });
  });

  it('a list template joins literal items, expressions (all their values) and $each items', () => {
    const map = compileMapText(`
output:
  ids:
    - first
    - $ PO1Loop.PO1.PO107
    - $each: PO1Loop
      $value: $ PO1.PO102
`);
    expect(map.run(tree)).toEqual({ ids: ['first', '0123', 'X-9', '2', '3'] });
  });

  it('$when keeps an object or an item only when its condition holds', () => {
    const map = compileMapText(`
output:
  price:
    $when: PO1Loop[0].PO1.PO104
    value: $ PO1Loop[0].PO1.PO104
    basis: PE
  upcs:
    $each: PO1Loop
    $when: PO1.PO106 = UP
    id: $ PO1.PO107
`);
    expect(map.run(tree)).toEqual({ upcs: [{ id: '0123' }] });
  });

  it('$from sets the context to a value; $if/$then/$else chooses', () => {
    const map = compileMapText(`
output:
  first:
    $from: PO1Loop[0].PO1
    id: $ PO107
  kind:
    $if: BEG.BEG03 = PO-1
    $then: sample
    $else: other
  exempt:
    $if: X = 1
    $then: $ true
    $else: $ false
`);
    expect(map.run(tree)).toEqual({ first: { id: '0123' }, kind: 'sample', exempt: false });
  });

  it('$use puts a named template in, with keys beside it laid over', () => {
    const map = compileMapText(`
templates:
  line:
    number: $ PO1.PO101
    quantity: $ PO1.PO102
  refs:
    - $ PO1.PO107
output:
  lines:
    $each: PO1Loop
    $use: line
    quantity: ~
    unit: EA
  ids:
    $each: PO1Loop
    $value: { $use: refs }
`);
    expect(map.run(tree)).toEqual({
      lines: [{ number: '1', unit: 'EA' }, { unit: 'EA' }],
      ids: [['0123'], ['X-9']],
    });
  });

  it('$required turns nothing into a MapError at that place in the output', () => {
    const map = compileMapText(`
output:
  lines:
    $each: PO1Loop
    ids:
      $each: PO1 | pairs PO106 PO125
      $required: true
      id: $ value
`);
    expect(map.run(tree)).toEqual({ lines: [{ ids: [{ id: '0123' }] }, { ids: [{ id: 'X-9' }] }] });
    const error = mapErrorOf(() =>
      map.run({ PO1Loop: [tree.PO1Loop[0], { PO1: { PO101: '2' } }] }),
    );
    expect(error.code).toBe('missing-required');
    expect(error.pointer).toBe('/lines/1/ids');
  });

  it('turns an unexpected failure into a MapError with its cause, never a crash', () => {
    const map = compileMapText('output:\n  v: $ X | decimal\n');
    const error = mapErrorOf(() => map.run({ X: { not: 'a number' } }));
    expect(error.code).toBe('invalid-decimal');
    expect(map.run(null)).toEqual({});
    expect(map.run('text')).toEqual({});
    expect(map.run([1, 2])).toEqual({});
  });
});

describe('template errors stop loading with file, path and reason', () => {
  it.each([
    ['output:\n  a:\n    $foreach: X\n', '/output/a/$foreach', /unknown directive "\$foreach"/],
    ['output:\n  a:\n    $then: x\n', '/output/a', /\$then and \$else go with an \$if/],
    ['output:\n  a: { $each: X, $from: Y }\n', '/output/a', /\$each or \$from, not both/],
    ['output:\n  a: { $value: $ X, b: c }\n', '/output/a/b', /has no other output keys/],
    ['output:\n  a: { $use: nowhere }\n', '/output/a/$use', /unknown template "nowhere"/],
    ['output:\n  a: { $when: "X =" }\n', '/output/a/$when', /expected a value/],
    ['output:\n  a: { $required: yes }\n', '/output/a/$required', /must be one of true, false/],
    [
      'templates:\n  a: { $use: b }\n  b: { $use: a }\noutput: { x: y }\n',
      '/templates/a',
      /template "a" uses itself: a → b → a/,
    ],
    [
      'templates:\n  unused: { v: $ X | nope }\noutput: { x: y }\n',
      '/templates/unused/v',
      /unknown function "nope"/,
    ],
    ['codes:\n  t: { unknown: keep }\noutput: { x: y }\n', '/codes/t', /needs values/],
    [
      'codes:\n  t: { values: {}, unknown: maybe }\noutput: { x: y }\n',
      '/codes/t/unknown',
      /must be one of/,
    ],
    ['description: no output\n', '/output', /needs an output template/],
    ['output: { a: b }\nsettings: 1\n', '/settings', /not a known setting/],
    ['output: [a: b\n', '', /not valid YAML/],
  ])('%j', (yaml, pointer, reason) => {
    const error = mapLoadErrorOf(() => compileMapText(yaml));
    expect(error.file).toMatch(/maps\/test\.yaml$/);
    expect(error.pointer).toBe(pointer);
    expect(error.reason).toMatch(reason);
    expect(error.message).toContain(error.file);
  });
});
