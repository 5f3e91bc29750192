import { elementPairs } from './element-pairs';
import { MapLoadError } from './errors';
import { mapErrorOf, mapLoadErrorOf } from './fixtures/map-errors';
import { compileMapText, removeMapFolders, writeMapFolder } from './fixtures/map-folders';
import { loadMaps } from './index';

afterAll(removeMapFolders);

describe('elementPairs', () => {
  it('names the pairs from the first to the last element', () => {
    expect(elementPairs('LIN02', 'LIN07')).toEqual([
      ['LIN02', 'LIN03'],
      ['LIN04', 'LIN05'],
      ['LIN06', 'LIN07'],
    ]);
    expect(elementPairs('IT106', 'IT125')).toHaveLength(10);
  });

  it.each([
    ['LIN02', 'LIN02'],
    ['LIN02', 'LIN04'],
    ['LIN02', 'PO103'],
    ['LIN', 'LIN03'],
  ])('refuses %s %s', (from, to) => {
    expect(elementPairs(from, to)).toBeUndefined();
  });
});

const lineMap = `
codes:
  productIdScheme:
    values: { UP: UPC, VN: VendorPart, BP: BuyerPart }
output:
  LINLoop:
    $each: lines
    LIN:
      LIN01: $ lineNumber
      $pairs:
        $each: productIds
        elements: LIN02 LIN07
        qualifier: $ scheme | codeOf productIdScheme
        value: $ value
`;

const line = (productIds: unknown[]) => ({ lines: [{ lineNumber: '1', productIds }] });

describe('$pairs: items into a segment’s repeated element pairs', () => {
  it('writes qualifier and value of each item into the next pair, the reverse of | pairs', () => {
    const map = compileMapText(lineMap);
    expect(
      map.run(
        line([
          { scheme: 'UPC', value: '012345678905' },
          { scheme: 'VendorPart', value: 'V-100' },
        ]),
      ),
    ).toEqual({
      LINLoop: [
        { LIN: { LIN01: '1', LIN02: 'UP', LIN03: '012345678905', LIN04: 'VN', LIN05: 'V-100' } },
      ],
    });
  });

  it('reads back with | pairs to the same items', () => {
    const out = compileMapText(lineMap);
    const back = compileMapText(`
codes:
  productIdScheme:
    values: { UP: UPC, VN: VendorPart, BP: BuyerPart }
output:
  lines:
    $each: LINLoop
    lineNumber: $ LIN.LIN01
    productIds:
      $each: LIN | pairs LIN02 LIN07
      scheme: $ qualifier | code productIdScheme
      value: $ value
`);
    const document = line([
      { scheme: 'BuyerPart', value: 'B-7' },
      { scheme: 'IN', value: '55' },
      { scheme: 'UPC', value: '0001' },
    ]);
    expect(back.run(out.run(document))).toEqual(document);
  });

  it('skips items with nothing to write and honours $when', () => {
    const map = compileMapText(`
output:
  LIN:
    $pairs:
      $each: ids
      $when: kind != internal
      elements: LIN02 LIN05
      qualifier: $ q
      value: $ v
`);
    expect(
      map.run({ ids: [{ q: 'UP', v: '1', kind: 'internal' }, {}, { q: 'VN', v: '2' }] }),
    ).toEqual({ LIN: { LIN02: 'VN', LIN03: '2' } });
    expect(map.run({ ids: [] })).toEqual({});
  });

  it('more items than pairs is a too-many MapError at the segment', () => {
    const map = compileMapText(lineMap);
    const ids = ['1', '2', '3', '4'].map((value) => ({ scheme: 'UPC', value }));
    const error = mapErrorOf(() => map.run(line(ids)));
    expect(error.code).toBe('too-many');
    expect(error.pointer).toBe('/LINLoop/0/LIN');
    expect(error.message).toMatch(/more items than the 3 pairs of LIN02 LIN07 hold/);
  });

  it('an error in an item names the element it was going into', () => {
    const map = compileMapText(`
codes:
  scheme: { values: { UP: UPC }, unknown: error }
output:
  LIN:
    $pairs:
      $each: ids
      elements: LIN02 LIN05
      qualifier: $ scheme | codeOf scheme
      value: $ value | required
`);
    const unknown = mapErrorOf(() =>
      map.run({
        ids: [
          { scheme: 'UPC', value: '1' },
          { scheme: 'EAN', value: '2' },
        ],
      }),
    );
    expect(unknown.code).toBe('unknown-code');
    expect(unknown.pointer).toBe('/LIN/LIN04');
    const missing = mapErrorOf(() => map.run({ ids: [{ scheme: 'UPC' }] }));
    expect(missing.code).toBe('missing-required');
    expect(missing.pointer).toBe('/LIN/LIN03');
  });

  it('is merged key by key by an override', () => {
    const dir = writeMapFolder({
      'maps/lines.yaml': lineMap,
      'partners/acme/lines.yaml': `
extends: maps/lines.yaml
output:
  LINLoop:
    LIN:
      $pairs:
        $when: scheme != BuyerPart # Acme wants no buyer part numbers
`,
    });
    const acme = loadMaps([dir]).get('lines', 'acme')!;
    const document = line([
      { scheme: 'BuyerPart', value: 'B-7' },
      { scheme: 'UPC', value: '0001' },
    ]);
    expect(acme.run(document)).toEqual({
      LINLoop: [{ LIN: { LIN01: '1', LIN02: 'UP', LIN03: '0001' } }],
    });
  });

  it.each([
    [
      'output:\n  LIN:\n    $pairs: { elements: LIN02 LIN03, value: $ v }\n',
      '/output/LIN/$pairs/$each',
      /\$pairs needs \$each/,
    ],
    [
      'output:\n  LIN:\n    $pairs: { $each: ids, value: $ v }\n',
      '/output/LIN/$pairs/elements',
      /\$pairs needs elements/,
    ],
    [
      'output:\n  LIN:\n    $pairs: { $each: ids, elements: LIN02 LIN04 }\n',
      '/output/LIN/$pairs/elements',
      /spanning whole pairs/,
    ],
    [
      'output:\n  LIN:\n    LIN03: x\n    $pairs: { $each: ids, elements: LIN02 LIN05 }\n',
      '/output/LIN/$pairs/elements',
      /LIN03 is written by the mapping and by \$pairs/,
    ],
    [
      'output:\n  LIN:\n    $value: x\n    $pairs: { $each: ids, elements: LIN02 LIN03 }\n',
      '/output/LIN/$pairs',
      /does not go with \$value/,
    ],
    [
      'output:\n  LIN:\n    $pairs: { $each: ids, elements: LIN02 LIN03, other: x }\n',
      '/output/LIN/$pairs/other',
      /is not a key of \$pairs/,
    ],
  ])('refuses %j at load', (yaml, pointer, reason) => {
    const error = mapLoadErrorOf(() => compileMapText(yaml));
    expect(error).toBeInstanceOf(MapLoadError);
    expect(error.pointer).toBe(pointer);
    expect(error.reason).toMatch(reason);
  });
});
