import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  readInterchanges,
  readInterchangesSync,
  type EnvelopeItem,
  type EnvelopeOptions,
} from './envelope';

const FIXTURES = path.join(__dirname, '../../test/fixtures/x12');

const ISA_FIELDS = [
  '00', '          ', '00', '          ', 'ZZ', 'GLOBEXRETAIL   ', 'ZZ', 'ACMESUPPLY     ',
  '240312', '0915', 'U', '00401', '000000101', '0', 'P', '>',
]; // prettier-ignore

/** The ISA with some fields (by ISA position) replaced. */
function isa(changes: Record<number, string> = {}): string {
  const fields = ISA_FIELDS.map((value, i) => changes[i + 1] ?? value);
  return ['ISA', ...fields].join('*');
}
const GS = 'GS*PO*GLOBEXRETAIL*ACMESUPPLY*20240312*0915*101*X*004010';
const SET = ['ST*850*0001', 'BEG*00*SA*PO-1**20240312', 'PO1*1*2*EA*3.5**UP*012345678905', 'CTT*1'];
const SE = 'SE*5*0001';
const GE = 'GE*1*101';
const IEA = 'IEA*1*000000101';
const x12 = (...segments: string[]): string => segments.map((s) => `${s}~`).join('');
const valid = (): string[] => [isa(), GS, ...SET, SE, GE, IEA];

function read(
  input: string | Buffer,
  options?: EnvelopeOptions & { chunkBytes?: number },
): EnvelopeItem[] {
  return [...readInterchangesSync(input, options)];
}

/** One line per item, with its codes: easy to compare whole sequences. */
function outline(items: EnvelopeItem[]): string[] {
  return items.map((item) => {
    switch (item.kind) {
      case 'interchange':
        return `ISA ${item.header.controlNumber}`;
      case 'group':
        return `GS ${item.header.controlNumber}`;
      case 'ta1':
        return `TA1 ${item.segment.elements[0]}`;
      case 'transaction':
        return `ST ${item.setId}/${item.controlNumber} ${item.segments.length} [${item.setErrors}]`;
      case 'groupEnd':
        return `GE ${item.transactionCount} [${item.errors}]`;
      case 'interchangeEnd':
        return `IEA ${item.groupCount} [${item.errors.map((e) => e.code)}]`;
      case 'error':
        return `error ${item.code}${item.fatal ? ' fatal' : ''}`;
    }
  });
}

const ta1Codes = (items: EnvelopeItem[]): string[] =>
  items.flatMap((item) => (item.kind === 'interchangeEnd' ? item.errors.map((e) => e.code) : []));

describe('readInterchangesSync', () => {
  it('reads a purchase order interchange with its headers', () => {
    const items = read(readFileSync(path.join(FIXTURES, '850-basic-004010.x12')));
    expect(outline(items)).toEqual([
      'ISA 000004512',
      'GS 4512',
      'ST 850/0001 24 []',
      'GE 1 []',
      'IEA 1 []',
    ]);
    const [interchange, group, transaction] = items;
    expect(interchange).toMatchObject({
      headerErrors: [],
      header: {
        senderQualifier: 'ZZ',
        senderId: 'GLOBEXRETAIL',
        receiverId: 'ACMESUPPLY',
        date: '240312',
        time: '0915',
        version: '00401',
        usage: 'P',
        delimiters: { element: '*', component: '>', repetition: null, segment: '~' },
        offset: 0,
      },
    });
    expect(group).toMatchObject({ header: { functionalId: 'PO', version: '004010', offset: 106 } });
    expect(transaction?.kind === 'transaction' && transaction.segments.at(-1)?.id).toBe('SE');
  });

  it.each(readdirSync(FIXTURES).filter((name) => name.endsWith('.x12')))(
    'reads %s without errors',
    (name) => {
      const items = read(readFileSync(path.join(FIXTURES, name)));
      expect(items.filter((item) => item.kind === 'error')).toEqual([]);
      expect(ta1Codes(items)).toEqual([]);
      for (const item of items) {
        if (item.kind === 'groupEnd') expect(item.errors).toEqual([]);
        if (item.kind === 'transaction') expect(item.setErrors).toEqual([]);
      }
    },
  );

  it('reads interchanges back to back, each with its own delimiters', () => {
    const items = read(readFileSync(path.join(FIXTURES, 'two-interchanges-mixed-delimiters.x12')), {
      chunkBytes: 7,
    });
    expect(outline(items)).toEqual([
      'ISA 000004522',
      'GS 4522',
      'ST 850/0001 20 []',
      'GE 1 []',
      'IEA 1 []',
      'ISA 000004523',
      'GS 4523',
      'ST 850/0001 22 []',
      'GE 1 []',
      'IEA 1 []',
    ]);
  });

  describe('transaction set errors (AK5)', () => {
    it.each([
      ['2: SE missing', [isa(), GS, ...SET, GE, IEA], '2'],
      ['3: SE02 differs from ST02', [isa(), GS, ...SET, 'SE*5*0002', GE, IEA], '3'],
      ['4: SE01 is not the segment count', [isa(), GS, ...SET, 'SE*4*0001', GE, IEA], '4'],
      ['4: SE01 is not a number', [isa(), GS, ...SET, 'SE*five*0001', GE, IEA], '4'],
      ['6: ST01 empty', [isa(), GS, 'ST**0001', ...SET.slice(1), SE, GE, IEA], '6'],
      ['7: ST02 empty', [isa(), GS, 'ST*850', ...SET.slice(1), 'SE*5', GE, IEA], '7'],
    ])('%s', (_name, segments, code) => {
      const items = read(x12(...segments));
      const transaction = items.find((item) => item.kind === 'transaction');
      expect(transaction).toMatchObject({ setErrors: [code] });
      expect(ta1Codes(items)).toEqual([]);
    });

    it('5: a segment dropped for its length, still counted in SE01', () => {
      const long = `REF*ZZ*${'x'.repeat(300)}`;
      const items = read(x12(isa(), GS, ...SET, long, 'SE*6*0001', GE, IEA), {
        maxSegmentBytes: 200,
      });
      expect(outline(items)).toEqual([
        'ISA 000000101',
        'GS 101',
        'error 024',
        'ST 850/0001 5 [5]',
        'GE 1 []',
        'IEA 1 []',
      ]);
    });

    it('keeps only ST and SE of a set over maxSegmentsPerSet, and says so', () => {
      const items = read(x12(...valid()), { maxSegmentsPerSet: 3 });
      const transaction = items.find((item) => item.kind === 'transaction');
      expect(transaction).toMatchObject({
        overflow: { limit: 'segments', max: 3 },
        setErrors: ['5'],
      });
      expect(transaction?.kind === 'transaction' && transaction.segments.map((s) => s.id)).toEqual([
        'ST',
        'SE',
      ]);
    });

    it('stops keeping a set over maxSetBytes', () => {
      const items = read(x12(...valid()), { maxSetBytes: 20 });
      expect(items.find((item) => item.kind === 'transaction')).toMatchObject({
        overflow: { limit: 'bytes', max: 20 },
        setErrors: ['5'],
      });
    });
  });

  describe('functional group errors (AK9, X12 element 716)', () => {
    it.each([
      ['3: GE missing', [isa(), GS, ...SET, SE, IEA], ['3']],
      ['4: GE02 differs from GS06', [isa(), GS, ...SET, SE, 'GE*1*102', IEA], ['4']],
      ['5: GE01 is not the number of sets', [isa(), GS, ...SET, SE, 'GE*2*101', IEA], ['5']],
      [
        '6: GS06 is not a control number',
        [isa(), GS.replace('*101*', '*A1*'), ...SET, SE, 'GE*1*A1', IEA],
        ['6'],
      ],
    ])('%s', (_name, segments, codes) => {
      const items = read(x12(...segments));
      expect(items.find((item) => item.kind === 'groupEnd')).toMatchObject({ errors: codes });
    });

    it('counts every ST, closing a set left open by the next ST', () => {
      const items = read(x12(isa(), GS, ...SET, ...SET, SE, 'GE*2*101', IEA));
      expect(outline(items)).toEqual([
        'ISA 000000101',
        'GS 101',
        'ST 850/0001 4 [2]',
        'ST 850/0001 5 []',
        'GE 2 []',
        'IEA 1 []',
      ]);
    });
  });

  describe('interchange errors (TA1)', () => {
    it.each([
      ['001: IEA02 differs from ISA13', [isa(), GS, ...SET, SE, GE, 'IEA*1*000000102'], '001'],
      [
        '021: IEA01 is not the number of groups',
        [isa(), GS, ...SET, SE, GE, 'IEA*2*000000101'],
        '021',
      ],
      ['023: IEA missing', [isa(), GS, ...SET, SE, GE], '023'],
      ['024: a segment between ISA and GS', [isa(), 'REF*DP*038', GS, ...SET, SE, GE, IEA], '024'],
      ['024: a segment between GS and ST', [isa(), GS, 'REF*DP*038', ...SET, SE, GE, IEA], '024'],
      ['024: ST outside a group', [isa(), ...SET, SE, IEA.replace('*1*', '*0*')], '024'],
      ['024: GE without GS', [isa(), 'GE*0*1', IEA.replace('*1*', '*0*')], '024'],
      ['024: an invalid GS', [isa(), 'GS*PO*A*B', ...SET, SE, 'GE*1*', IEA], '024'],
    ])('%s', (_name, segments, code) => {
      expect(ta1Codes(read(x12(...segments)))).toEqual([code]);
    });

    it('yields TA1 segments between ISA and GS, and only there', () => {
      const ta1 = 'TA1*000004512*240312*0915*A*000';
      const items = read(x12(isa(), ta1, GS, ...SET, SE, GE, IEA));
      expect(outline(items)).toEqual([
        'ISA 000000101',
        'TA1 000004512',
        'GS 101',
        'ST 850/0001 5 []',
        'GE 1 []',
        'IEA 1 []',
      ]);
      expect(ta1Codes(read(x12(isa(), GS, ta1, ...SET, SE, GE, IEA)))).toEqual(['024']);
    });

    it('reports a run of stray segments once', () => {
      const items = read(x12(isa(), 'REF*DP*038', 'REF*IA*1', 'N1*ST*X', GS, ...SET, SE, GE, IEA));
      expect(ta1Codes(items)).toEqual(['024']);
    });

    it.each([
      [1, '99', '010'],
      [2, 'secret', '011'],
      [3, '05', '012'],
      [4, 'pw', '013'],
      [5, 'z!', '005'],
      [6, '               ', '006'],
      [7, 'Z', '007'],
      [8, 'ACME', '008'],
      [9, '240230', '014'],
      [10, '2460', '015'],
      [11, '^', '016'],
      [12, '4010', '017'],
      [13, '1234X6789', '018'],
      [14, '2', '019'],
      [15, 'X', '020'],
    ])('ISA%s = %j is error %s', (position, value, code) => {
      const controlNumber = position === 13 ? value : '000000101';
      const items = read(
        x12(isa({ [position]: value }), GS, ...SET, SE, GE, `IEA*1*${controlNumber}`),
      );
      expect(items[0]).toMatchObject({
        kind: 'interchange',
        headerErrors: [expect.objectContaining({ code })],
      });
      expect(ta1Codes(items)).toEqual([code]);
    });

    it('016: a U where 00501 wants a repetition separator', () => {
      expect(ta1Codes(read(x12(isa({ 11: 'U', 12: '00501' }), IEA.replace('*1*', '*0*'))))).toEqual(
        ['016'],
      );
    });
  });

  describe('input that is not X12, or breaks off', () => {
    it.each([
      ['JSON', '{"purchaseOrder": {}}', '022'],
      ['binary', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00]), '022'],
      ['a truncated ISA', isa().slice(0, 50), '023'],
      ['an alphanumeric element separator', isa().replace(/\*/g, 'Q'), '026'],
      ['a bad component separator', isa({ 16: '*' }) + '~', '027'],
      ['an empty input', '', '023'],
    ])('%s: one fatal error item', (_name, input, code) => {
      expect(outline(read(input))).toEqual([`error ${code} fatal`]);
    });

    it('closes what is open when the input breaks off mid-segment', () => {
      const text = x12(isa(), GS, ...SET).slice(0, -4);
      expect(outline(read(text))).toEqual([
        'ISA 000000101',
        'GS 101',
        'error 023',
        'ST 850/0001 4 [2]',
        'GE 1 [3]',
        'IEA 1 [023]',
      ]);
    });

    it('closes the open interchange when a new ISA begins before its IEA', () => {
      const text = x12(isa(), GS, ...SET, ...valid());
      expect(outline(read(text))).toEqual([
        'ISA 000000101',
        'GS 101',
        'ST 850/0001 4 [2]',
        'GE 1 [3]',
        'IEA 1 [023]',
        'ISA 000000101',
        'GS 101',
        'ST 850/0001 5 []',
        'GE 1 []',
        'IEA 1 []',
      ]);
    });

    it('closes the open interchange before stopping at an unreadable ISA', () => {
      const text = x12(isa(), GS) + 'ISA*00*  ';
      expect(outline(read(text))).toEqual([
        'ISA 000000101',
        'GS 101',
        'error 023 fatal',
        'GE 0 [3]',
        'IEA 1 [023]',
      ]);
    });

    it('reports data after the last IEA without a fatal error', () => {
      const items = read(x12(...valid(), GS, 'ST*850*2'));
      expect(outline(items).slice(5)).toEqual(['error 024']);
    });
  });
});

describe('readInterchanges', () => {
  it('reads a file stream in small chunks like the whole buffer', async () => {
    const file = path.join(FIXTURES, 'two-interchanges.x12');
    const items: EnvelopeItem[] = [];
    for await (const item of readInterchanges(createReadStream(file, { highWaterMark: 13 }))) {
      items.push(item);
    }
    expect(items).toEqual(read(readFileSync(file)));
  });

  it('stops reading the source at a fatal error', async () => {
    let chunksRead = 0;
    let isClosed = false;
    async function* source(): AsyncGenerator<string> {
      try {
        for (;;) {
          chunksRead++;
          yield 'not x12 at all, and it never ends ';
        }
      } finally {
        isClosed = true;
      }
    }
    const items: EnvelopeItem[] = [];
    for await (const item of readInterchanges(source())) items.push(item);
    expect(outline(items)).toEqual(['error 022 fatal']);
    expect(chunksRead).toBe(1);
    expect(isClosed).toBe(true);
  });
});
