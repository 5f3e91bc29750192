import type { Delimiters, SegmentError } from './model';
import { builtInEdiMapsDir, loadTransactionSetSchemas } from './schema';
import { ElementKind, type CompiledSimpleElement } from './compiled-schema';
import { segmentsFromText, testDelimiters } from './testing';
import { validateTransactionSet } from './validate';
import { simpleValueError } from './validate-elements';

const schemas = loadTransactionSetSchemas([builtInEdiMapsDir()]);
const po4010 = schemas.get('004010', '850')!;
const po5010 = schemas.get('005010', '850')!;
const delimiters4010: Delimiters = { ...testDelimiters, repetition: null };

const goodPurchaseOrder = [
  'ST*850*0001',
  'BEG*00*SA*PO-1001**20240105',
  'CUR*BY*USD',
  'REF*DP*042',
  'REF*IA*V-778**AN:PO-0999',
  'PER*BD*Jane Buyer*TE*5555550100*EM*jane@example.com',
  'FOB*PP',
  'SAC*C*D240***1500',
  'ITD*01*3*2**10**30',
  'DTM*002*20240115*0830',
  'TD5*O*2*UPSN*U*UPS Ground',
  'N9*L1*NOTES',
  'MSG*Leave at dock 4',
  'N1*ST*Acme Warehouse*92*WH-01',
  'N3*100 Main St',
  'N4*Springfield*IL*62701*US',
  'N1*BT*Acme Corp*92*HQ',
  'PO1*1*10*EA*9.25**UP*012345678905*VP*WID-1',
  'PID*F****Widget, blue',
  'DTM*002*20240120',
  'PO1*2*5*CA*20**UP*012345678912',
  'CTT*2*15',
  'SE*23*0001',
];

/** Validates the good 850 after `change` edits its lines. */
function errorsAfter(
  change: (lines: string[]) => void,
  schema = po4010,
  delimiters = delimiters4010,
): SegmentError[] {
  const lines = [...goodPurchaseOrder];
  change(lines);
  return validateTransactionSet(segmentsFromText(lines.join('~')), schema, delimiters)
    .segmentErrors;
}
const replace = (line: string, by: string) => (lines: string[]) => {
  const index = lines.indexOf(line);
  if (index < 0) throw new Error(`no line ${line}`);
  lines[index] = by;
};
const insertAfter =
  (line: string, ...added: string[]) =>
  (lines: string[]) =>
    lines.splice(lines.indexOf(line) + 1, 0, ...added);

describe('validateTransactionSet on a good 850', () => {
  it('finds no error in either version', () => {
    expect(errorsAfter(() => {})).toEqual([]);
    expect(errorsAfter(() => {}, po5010, testDelimiters)).toEqual([]);
  });

  it('builds the tree the maps read', () => {
    const segments = segmentsFromText(goodPurchaseOrder.join('~'));
    const { tree } = validateTransactionSet(segments, po4010, delimiters4010);
    expect(tree).toEqual({
      ST: { ST01: '850', ST02: '0001' },
      BEG: { BEG01: '00', BEG02: 'SA', BEG03: 'PO-1001', BEG05: '20240105' },
      CUR: { CUR01: 'BY', CUR02: 'USD' },
      REF: [
        { REF01: 'DP', REF02: '042' },
        { REF01: 'IA', REF02: 'V-778', REF04: ['AN', 'PO-0999'] },
      ],
      PER: [
        {
          PER01: 'BD',
          PER02: 'Jane Buyer',
          PER03: 'TE',
          PER04: '5555550100',
          PER05: 'EM',
          PER06: 'jane@example.com',
        },
      ],
      FOB: [{ FOB01: 'PP' }],
      SACLoop: [{ SAC: { SAC01: 'C', SAC02: 'D240', SAC05: '1500' } }],
      ITD: [{ ITD01: '01', ITD02: '3', ITD03: '2', ITD05: '10', ITD07: '30' }],
      DTM: [{ DTM01: '002', DTM02: '20240115', DTM03: '0830' }],
      TD5: [{ TD501: 'O', TD502: '2', TD503: 'UPSN', TD504: 'U', TD505: 'UPS Ground' }],
      N9Loop: [{ N9: { N901: 'L1', N902: 'NOTES' }, MSG: [{ MSG01: 'Leave at dock 4' }] }],
      N1Loop: [
        {
          N1: { N101: 'ST', N102: 'Acme Warehouse', N103: '92', N104: 'WH-01' },
          N3: [{ N301: '100 Main St' }],
          N4: [{ N401: 'Springfield', N402: 'IL', N403: '62701', N404: 'US' }],
        },
        { N1: { N101: 'BT', N102: 'Acme Corp', N103: '92', N104: 'HQ' } },
      ],
      PO1Loop: [
        {
          PO1: {
            PO101: '1',
            PO102: '10',
            PO103: 'EA',
            PO104: '9.25',
            PO106: 'UP',
            PO107: '012345678905',
            PO108: 'VP',
            PO109: 'WID-1',
          },
          PIDLoop: [{ PID: { PID01: 'F', PID05: 'Widget, blue' } }],
          DTM: [{ DTM01: '002', DTM02: '20240120' }],
        },
        {
          PO1: {
            PO101: '2',
            PO102: '5',
            PO103: 'CA',
            PO104: '20',
            PO106: 'UP',
            PO107: '012345678912',
          },
        },
      ],
      CTTLoop: { CTT: { CTT01: '2', CTT02: '15' } },
      SE: { SE01: '23', SE02: '0001' },
    });
  });
});

describe('segment errors (AK304/IK304) at their positions', () => {
  it('1: unrecognized segment id', () => {
    expect(errorsAfter(replace('FOB*PP', 'ZZZ*PP'))).toEqual([
      { segmentId: 'ZZZ', position: 7, code: '1', elementErrors: [] },
    ]);
  });

  it('6: a known segment that this set does not define', () => {
    expect(errorsAfter(insertAfter('FOB*PP', 'BSN*00*SHIP1*20240101*1200'))).toEqual([
      { segmentId: 'BSN', position: 8, code: '6', elementErrors: [] },
    ]);
  });

  it('2: a segment of this set where no open loop holds it', () => {
    expect(errorsAfter(insertAfter('DTM*002*20240115*0830', 'N2*Extra name'))).toEqual([
      { segmentId: 'N2', position: 11, code: '2', elementErrors: [] },
    ]);
  });

  it('3: a required segment missing, reported where it was expected', () => {
    expect(errorsAfter((lines) => lines.splice(1, 1))).toEqual([
      { segmentId: 'BEG', position: 2, code: '3', elementErrors: [] },
    ]);
    expect(errorsAfter((lines) => lines.pop())).toEqual([
      { segmentId: 'SE', position: 23, code: '3', elementErrors: [] },
    ]);
    const noLines = (lines: string[]) => lines.splice(17, 4);
    expect(errorsAfter(noLines)).toEqual([
      { segmentId: 'PO1', position: 18, loopId: 'PO1', code: '3', elementErrors: [] },
    ]);
  });

  it('4: a loop over its maximum repeat', () => {
    expect(errorsAfter(insertAfter('CTT*2*15', 'CTT*2*15'))).toEqual([
      { segmentId: 'CTT', position: 23, loopId: 'CTT', code: '4', elementErrors: [] },
    ]);
  });

  it('5: a segment over its maximum use', () => {
    expect(errorsAfter(insertAfter('CUR*BY*USD', 'CUR*SE*CAD'))).toEqual([
      { segmentId: 'CUR', position: 4, code: '5', elementErrors: [] },
    ]);
  });

  it('7: a segment out of sequence', () => {
    expect(errorsAfter(insertAfter('N4*Springfield*IL*62701*US', 'DTM*010*20240110'))).toEqual([
      { segmentId: 'DTM', position: 17, code: '7', elementErrors: [] },
    ]);
    expect(errorsAfter(insertAfter('CUR*BY*USD', 'BEG*00*SA*PO-1002**20240105'))).toEqual([
      { segmentId: 'BEG', position: 4, code: '7', elementErrors: [] },
    ]);
  });
});

describe('element errors (AK403/IK403) under AK304 8', () => {
  const elementErrorsAfter = (
    line: string,
    by: string,
    schema = po4010,
    delimiters = delimiters4010,
  ) => {
    const errors = errorsAfter(replace(line, by), schema, delimiters);
    expect(errors).toHaveLength(1);
    const position = goodPurchaseOrder.indexOf(line) + 1;
    expect(errors[0]).toMatchObject({ segmentId: by.split('*')[0], position, code: '8' });
    return errors[0]!.elementErrors;
  };
  const BEG = 'BEG*00*SA*PO-1001**20240105';

  it('1: required element missing, also inside a composite', () => {
    expect(elementErrorsAfter(BEG, 'BEG*00*SA***20240105')).toEqual([
      { position: 3, reference: '324', code: '1' },
    ]);
    expect(elementErrorsAfter('REF*DP*042', 'REF*DP*042**AN')).toEqual([
      { position: 4, componentPosition: 2, reference: '127', code: '1' },
    ]);
  });

  it('2: conditional required element missing (paired, required, conditional rules)', () => {
    const PER = 'PER*BD*Jane Buyer*TE*5555550100*EM*jane@example.com';
    expect(elementErrorsAfter(PER, 'PER*BD*Jane Buyer*TE')).toEqual([
      { position: 4, reference: '364', code: '2' },
    ]);
    expect(elementErrorsAfter('REF*DP*042', 'REF*DP')).toEqual([
      { position: 2, reference: '127', code: '2' },
    ]);
    expect(elementErrorsAfter('DTM*002*20240120', 'DTM*002')).toEqual([
      { position: 2, reference: '373', code: '2' },
    ]);
  });

  it('3: too many data elements', () => {
    expect(elementErrorsAfter('N3*100 Main St', 'N3*100 Main St*Suite 2*Back door')).toEqual([
      { position: 3, code: '3', badValue: 'Back door' },
    ]);
  });

  it('4 and 5: too short, too long', () => {
    expect(elementErrorsAfter('N4*Springfield*IL*62701*US', 'N4*S*IL*62701*US')).toEqual([
      { position: 1, reference: '19', code: '4', badValue: 'S' },
    ]);
    const long = 'P'.repeat(23);
    expect(elementErrorsAfter(BEG, `BEG*00*SA*${long}**20240105`)).toEqual([
      { position: 3, reference: '324', code: '5', badValue: long },
    ]);
  });

  it('6: invalid character', () => {
    expect(elementErrorsAfter('CTT*2*15', 'CTT*2O*15')).toEqual([
      { position: 1, reference: '354', code: '6', badValue: '2O' },
    ]);
    expect(elementErrorsAfter('N3*100 Main St', 'N3*100 Main\u0007St')).toEqual([
      { position: 1, reference: '166', code: '6', badValue: '100 Main\u0007St' },
    ]);
  });

  it('7: invalid code value in a complete list, I6 outside a common one', () => {
    expect(elementErrorsAfter('SAC*C*D240***1500', 'SAC*X*D240***1500')).toEqual([
      { position: 1, reference: '248', code: '7', badValue: 'X' },
    ]);
    expect(elementErrorsAfter(BEG, 'BEG*00*Q9*PO-1001**20240105')).toEqual([
      { position: 2, reference: '92', code: 'I6', badValue: 'Q9' },
    ]);
  });

  it('8 and 9: invalid date, invalid time', () => {
    expect(elementErrorsAfter(BEG, 'BEG*00*SA*PO-1001**20240230')).toEqual([
      { position: 5, reference: '373', code: '8', badValue: '20240230' },
    ]);
    const DTM = 'DTM*002*20240115*0830';
    expect(elementErrorsAfter(DTM, 'DTM*002*20240115*2460')).toEqual([
      { position: 3, reference: '337', code: '9', badValue: '2460' },
    ]);
  });

  it('10: exclusion condition violated', () => {
    const TD5 = 'TD5*O*2*UPSN*U*UPS Ground';
    const twoKinds = 'TD5*O*2*UPSN*U*UPS Ground~TD3*TL*********53FT';
    expect(errorsAfter(replace(TD5, twoKinds))).toEqual([
      {
        segmentId: 'TD3',
        position: 12,
        code: '8',
        elementErrors: [{ position: 10, reference: '24', code: '10', badValue: '53FT' }],
      },
    ]);
  });

  it('12: too many repetitions (005010, ISA11 separator)', () => {
    const N1 = 'N1*BT*Acme Corp*92*HQ';
    expect(elementErrorsAfter(N1, 'N1*BT*Acme^Corp*92*HQ', po5010, testDelimiters)).toEqual([
      { position: 2, repetition: 2, reference: '93', code: '12', badValue: 'Acme^Corp' },
    ]);
  });

  it('13: too many components, and a component separator in a simple element', () => {
    expect(elementErrorsAfter('REF*DP*042', 'REF*DP*042**AN:1:BM:2:CO:3:XX')).toEqual([
      { position: 4, componentPosition: 7, code: '13', badValue: 'AN:1:BM:2:CO:3:XX' },
    ]);
    expect(elementErrorsAfter('REF*DP*042', 'REF*DP*04:2')).toEqual([
      { position: 2, reference: '127', code: '13', badValue: '04:2' },
    ]);
  });

  it('keeps element errors of a segment over its maximum use', () => {
    expect(errorsAfter(insertAfter('CUR*BY*USD', 'CUR*BY*US'))).toEqual([
      {
        segmentId: 'CUR',
        position: 4,
        code: '5',
        elementErrors: [{ position: 2, reference: '100', code: '4', badValue: 'US' }],
      },
    ]);
  });
});

describe('simple element types (X12.6)', () => {
  const element = (type: keyof typeof ElementKind, min: number, max: number) =>
    ({
      ref: '1',
      name: 'test',
      kind: ElementKind[type],
      decimals: 0,
      min,
      max,
      codes: null,
      codesAreComplete: true,
    }) satisfies CompiledSimpleElement;

  it.each([
    ['N', 1, 6, '-12345', null],
    ['N', 1, 6, '000001', null],
    ['N', 1, 6, '1234567', '5'],
    ['N', 2, 6, '-1', '4'],
    ['N', 1, 6, '1.5', '6'],
    ['N', 1, 6, '+1', '6'],
    ['N', 1, 6, '-', '6'],
    ['R', 1, 4, '-12.34', null],
    ['R', 1, 4, '.5', null],
    ['R', 1, 4, '7.', null],
    ['R', 1, 4, '123.45', '5'],
    ['R', 1, 4, '1e5', '6'],
    ['R', 1, 4, '1.2.3', '6'],
    ['R', 1, 4, '+1', '6'],
    ['DT', 8, 8, '20240229', null],
    ['DT', 8, 8, '20000229', null],
    ['DT', 8, 8, '20230229', '8'],
    ['DT', 8, 8, '19000229', '8'],
    ['DT', 8, 8, '20241301', '8'],
    ['DT', 8, 8, '20240431', '8'],
    ['DT', 8, 8, '2024010', '4'],
    ['DT', 8, 8, '2024-1-1', '8'],
    ['DT', 6, 6, '240229', null],
    ['DT', 6, 6, '230229', '8'],
    ['TM', 4, 8, '2359', null],
    ['TM', 4, 8, '235959', null],
    ['TM', 4, 8, '23595999', null],
    ['TM', 4, 8, '2400', '9'],
    ['TM', 4, 8, '235960', '9'],
    ['TM', 4, 8, '12345', '9'],
    ['TM', 4, 8, '12:30', '9'],
    ['TM', 4, 8, '123', '4'],
    ['AN', 2, 3, 'a b', null],
    ['AN', 2, 3, 'abcd', '5'],
  ] as const)('%s %i/%i %j -> %s', (type, min, max, value, code) => {
    expect(simpleValueError(value, element(type, min, max))).toBe(code);
  });
});

describe('robustness', () => {
  it('tolerates holes in a hand-built elements array (fast-check seed -1752470292)', () => {
    const segments = segmentsFromText(goodPurchaseOrder.join('~'));
    const dtm = segments[9]!;
    dtm.elements[17] = 'late';
    const { segmentErrors } = validateTransactionSet(segments, po4010, delimiters4010);
    expect(segmentErrors).toEqual([
      {
        segmentId: 'DTM',
        position: 10,
        code: '8',
        elementErrors: [{ position: 18, code: '3', badValue: 'late' }],
      },
    ]);
  });
});
