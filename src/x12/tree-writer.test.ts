import { builtInEdiMapsDir, loadTransactionSetSchemas } from './schema';
import { rewriteThroughX12, testDelimiters, textFromSegments } from './testing';
import { OutboundTreeError, writeTransactionSet } from './tree-writer';
import { nestHierarchicalLoops } from './hierarchy';
import type { TransactionSetTree } from './model';

const schemas = loadTransactionSetSchemas([builtInEdiMapsDir()]);
const schema856 = schemas.get('004010', '856')!;
const schema810 = schemas.get('005010', '810')!;

describe('writeTransactionSet', () => {
  it('writes segments in schema order whatever order the tree lists them in', () => {
    const tree = {
      CTT: { CTT01: 1 },
      TDS: { TDS01: '1250' },
      IT1Loop: [{ IT1: { IT101: '1', IT102: '5', IT103: 'EA', IT104: '2.50' } }],
      BIG: { BIG01: '20240328', BIG02: 'INV-1' },
    };
    expect(textFromSegments(writeTransactionSet(tree, schema810, testDelimiters))).toBe(
      'ST*810~BIG*20240328*INV-1~IT1*1*5*EA*2.50~TDS*1250~CTT*1~',
    );
  });

  it('numbers a nested HL hierarchy depth-first and nests it back when read', () => {
    const item = (upc: string) => ({
      HL: { HL03: 'I' },
      LIN: { LIN02: 'UP', LIN03: upc },
      SN1: { SN102: '6', SN103: 'EA' },
    });
    const tree = {
      BSN: { BSN01: '00', BSN02: 'ASN-1', BSN03: '20240328', BSN04: '1200' },
      HLLoop: [
        {
          HL: { HL03: 'S' },
          TD1: [{ TD101: 'CTN25', TD102: 2 }],
          HLLoop: [
            {
              HL: { HL03: 'O' },
              PRF: { PRF01: 'PO-1' },
              HLLoop: [
                {
                  HL: { HL03: 'P' },
                  MAN: [{ MAN01: 'GM', MAN02: '000123456789012345' }],
                  HLLoop: [item('1'), item('2')],
                },
                { HL: { HL03: 'P' }, HLLoop: [item('3')] },
              ],
            },
          ],
        },
      ],
      CTT: { CTT01: 3 },
    };
    const { text, segmentErrors, tree: read } = rewriteThroughX12(tree, schema856);
    expect(segmentErrors).toEqual([]);
    expect(text.match(/HL\*[^~]*/g)).toEqual([
      'HL*1**S*1',
      'HL*2*1*O*1',
      'HL*3*2*P*1',
      'HL*4*3*I*0',
      'HL*5*3*I*0',
      'HL*6*2*P*1',
      'HL*7*6*I*0',
    ]);
    const shipment = (read.HLLoop as Array<Record<string, any>>)[0]!;
    const packs = shipment.HLLoop[0].HLLoop as Array<Record<string, any>>;
    expect(packs.map((pack) => pack.HLLoop.map((i: any) => i.LIN.LIN03))).toEqual([
      ['1', '2'],
      ['3'],
    ]);
  });

  it('keeps HL numbers the map gives', () => {
    const segments = writeTransactionSet(
      {
        BSN: { BSN01: '00', BSN02: 'A', BSN03: '20240101', BSN04: '1200' },
        HLLoop: [{ HL: { HL01: '10', HL03: 'S', HL04: '0' } }],
      },
      schema856,
      testDelimiters,
    );
    expect(segments.find((s) => s.id === 'HL')!.elements).toEqual(['10', '', 'S', '0']);
  });

  it('joins composites with the component separator, without trailing empty components', () => {
    const segments = writeTransactionSet(
      {
        BSN: { BSN01: '00', BSN02: 'A', BSN03: '20240101', BSN04: '1200' },
        HLLoop: [
          {
            HL: { HL03: 'S' },
            MEA: [{ MEA01: 'PD', MEA02: 'WT', MEA03: '12.5', MEA04: ['LB', '', '1', ''] }],
          },
        ],
      },
      schema856,
      { ...testDelimiters, component: '>' },
    );
    expect(segments.find((s) => s.id === 'MEA')!.elements).toEqual(['PD', 'WT', '12.5', 'LB>>1']);
  });

  it.each([
    [{ BIG: { BIG01: '20240101', BIG99: 'x' } }, '/BIG/BIG99', 'is not an element of segment BIG'],
    [{ BEG: { BEG01: '00' } }, '/BEG', 'is not a segment or loop of the transaction set here'],
    [{ BIG: { BIG01: '2024~0101' } }, '/BIG/BIG01', "holds the segment terminator '~'"],
    [{ BIG: { BIG02: 'A*B' } }, '/BIG/BIG02', "holds the element separator '*'"],
    [{ BIG: [{ BIG01: '1' }, { BIG01: '2' }] }, '/BIG', 'may occur once here'],
    [{ BIG: { BIG01: { nested: true } } }, '/BIG/BIG01', 'cannot be written as X12 text'],
  ])('refuses %j at %s', (tree, pointer, reason) => {
    let error: unknown;
    try {
      writeTransactionSet(tree, schema810, testDelimiters);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OutboundTreeError);
    expect((error as OutboundTreeError).pointer).toBe(pointer);
    expect((error as OutboundTreeError).reason).toContain(reason);
  });
});

describe('nestHierarchicalLoops', () => {
  it('keeps an entry whose parent is missing or later at the top', () => {
    const tree = {
      HLLoop: [
        { HL: { HL01: '1', HL03: 'S' } },
        { HL: { HL01: '2', HL02: '9', HL03: 'O' } },
        { HL: { HL01: '3', HL02: '4', HL03: 'P' } },
        { HL: { HL01: '4', HL02: '1', HL03: 'O' } },
      ],
    };
    const nested = nestHierarchicalLoops(tree as unknown as TransactionSetTree);
    expect((nested.HLLoop as any[]).map((e) => e.HL.HL01)).toEqual(['1', '2', '3']);
    expect((nested.HLLoop as any[])[0].HLLoop.map((e: any) => e.HL.HL01)).toEqual(['4']);
    expect(tree.HLLoop[0]).not.toHaveProperty('HLLoop');
  });
});
