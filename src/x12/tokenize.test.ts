import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Delimiters, Segment } from './model';
import { serializeSegments, wrapInterchange, type SegmentData } from './serialize';
import { tokenize, X12Tokenizer, type TokenizeError, type TokenizerOptions } from './tokenize';

const FIXTURES = path.join(__dirname, '../../test/fixtures/x12');
const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));

const ISA_401 =
  'ISA*00*          *00*          *ZZ*GLOBEXRETAIL   *ZZ*ACMESUPPLY     *240312*0915*U*00401*000004512*0*P*>';

/** Feeds `input` cut at `cuts`, as a stream would. */
function tokenizeInChunks(input: Buffer, cuts: number[], options?: TokenizerOptions) {
  const segments: Segment[] = [];
  const errors: TokenizeError[] = [];
  const tokenizer = new X12Tokenizer(
    { segment: (s) => void segments.push(s), error: (e) => void errors.push(e) },
    options,
  );
  let from = 0;
  for (const cut of cuts) {
    tokenizer.push(input.subarray(from, cut));
    from = cut;
  }
  tokenizer.push(input.subarray(from));
  tokenizer.end();
  return { segments, errors };
}

const values = (segments: Segment[]) => segments.map((s) => [s.id, ...s.elements]);

/** A small 850 interchange as segments, written with any delimiters. */
function sample850(version: string, delimiters: Delimiters): SegmentData[] {
  return wrapInterchange({
    sender: { qualifier: 'ZZ', id: 'GLOBEXRETAIL' },
    receiver: { qualifier: 'ZZ', id: 'ACMESUPPLY' },
    controlNumber: 4512,
    version,
    usage: 'P',
    ackRequested: false,
    delimiters,
    now: new Date(Date.UTC(2024, 2, 12, 9, 15)),
    groups: [
      {
        functionalId: 'PO',
        applicationSender: 'GLOBEXRETAIL',
        applicationReceiver: 'ACMESUPPLY',
        controlNumber: 4512,
        version: version === '00401' ? '004010' : '005010',
        transactionSets: [
          [
            { id: 'ST', elements: ['850', '0001'] },
            { id: 'BEG', elements: ['00', 'SA', 'PO-2024-00871', '', '20240312'] },
            { id: 'REF', elements: ['CN', '1Z999AA1', '', 'DP>038'] },
            { id: 'PO1', elements: ['1', '24', 'EA', '12.5', '', 'UP', '012345678905'] },
            { id: 'PID', elements: ['F', '', '', '', 'Gourde « Été », 750 ml'] },
            { id: 'CTT', elements: ['1', '24'] },
          ],
        ],
      },
    ],
  });
}

describe('tokenize', () => {
  it('reads ids, elements and byte offsets', () => {
    const input = fixture('850-basic-004010.x12');
    const { segments, errors } = tokenize(input);
    expect(errors).toEqual([]);
    expect(segments.map((s) => s.id).slice(0, 4)).toEqual(['ISA', 'GS', 'ST', 'BEG']);
    expect(segments[1]).toEqual({
      id: 'GS',
      elements: ['PO', 'GLOBEXRETAIL', 'ACMESUPPLY', '20240312', '0915', '4512', 'X', '004010'],
      offset: 106,
    });
    for (const segment of segments) {
      expect(input.toString('latin1', segment.offset, segment.offset + segment.id.length)).toBe(
        segment.id,
      );
    }
  });

  it.each<[string, Delimiters, string]>([
    ['pipes and carets', { element: '|', component: ':', repetition: '^', segment: '~' }, ''],
    [
      'carets as elements, newline terminator',
      { element: '^', component: ':', repetition: '!', segment: '\n' },
      '',
    ],
    ['colons as elements', { element: ':', component: '\\', repetition: '{', segment: "'" }, ''],
    [
      'control characters',
      { element: '\x1d', component: '\x1f', repetition: '\x1e', segment: '\x1c' },
      '',
    ],
    ['CR line breaks', { element: '*', component: '>', repetition: '^', segment: '~' }, '\r'],
    ['LF line breaks', { element: '*', component: '>', repetition: '^', segment: '~' }, '\n'],
    ['CRLF line breaks', { element: '*', component: '>', repetition: '^', segment: '~' }, '\r\n'],
    [
      'CR terminator with LF line breaks',
      { element: '*', component: '>', repetition: '^', segment: '\r' },
      '\n',
    ],
  ])('reads %s', (_name, delimiters, lineEnding) => {
    const expected = sample850('00501', delimiters);
    const text = serializeSegments(expected, delimiters, lineEnding);
    const { segments, errors } = tokenize(text);
    expect(errors).toEqual([]);
    expect(values(segments)).toEqual(values(expected as Segment[]));
  });

  it('skips a BOM and leading whitespace, and counts them in offsets', () => {
    const text = `${ISA_401}~GS*PO*A*B*20240312*0915*1*X*004010~`;
    const { segments, errors } = tokenize(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`  \r\n${text}`)]),
    );
    expect(errors).toEqual([]);
    expect(segments.map((s) => [s.id, s.offset])).toEqual([
      ['ISA', 7],
      ['GS', 7 + 106],
    ]);
  });

  it('re-reads the delimiters at every ISA', () => {
    const { segments, errors } = tokenize(fixture('two-interchanges-mixed-delimiters.x12'));
    expect(errors).toEqual([]);
    const isas = segments.filter((s) => s.id === 'ISA');
    expect(isas.map((s) => s.elements[15])).toEqual(['>', ':']);
    expect(segments.filter((s) => s.id === 'IEA').map((s) => s.elements)).toEqual([
      ['1', '000004522'],
      ['1', '000004523'],
    ]);
    expect(segments.find((s) => s.id === 'PER' && s.offset > isas[1]!.offset)?.elements).toEqual([
      'BD', 'Maria Chen', 'TE', '3125550142', 'EM', 'mchen@globex.example',
    ]); // prettier-ignore
  });

  it('decodes UTF-8 values, and keeps bytes that are not UTF-8 as latin1', () => {
    const { segments } = tokenize(fixture('856-hl-005010.x12'));
    expect(segments.find((s) => s.id === 'PID')?.elements[4]).toBe('Gourde inox « Été » 750 ml');
    const latin1 = Buffer.concat([
      Buffer.from(`${ISA_401}~N4*`),
      Buffer.from([0x4d, 0x6f, 0x6e, 0x74, 0x72, 0xe9, 0x61, 0x6c]),
      Buffer.from('*QC~'),
    ]);
    expect(tokenize(latin1).segments[1]?.elements).toEqual(['Montréal', 'QC']);
  });

  describe('gives the same segments whatever the chunk boundaries', () => {
    const names = readdirSync(FIXTURES).filter((name) => name.endsWith('.x12'));
    it.each(names)('%s, cut at every byte', (name) => {
      const input = fixture(name);
      const whole = tokenize(input);
      expect(whole.errors).toEqual([]);
      for (let cut = 0; cut <= input.length; cut++) {
        expect(tokenizeInChunks(input, [cut])).toEqual(whole);
      }
      const everyByte = Array.from({ length: input.length }, (_, i) => i + 1);
      expect(tokenizeInChunks(input, everyByte)).toEqual(whole);
    });

    it('cuts inside multi-byte UTF-8 characters', () => {
      const input = Buffer.from(`${ISA_401}~PID*F****€uro “déjà” 🚚~`);
      const whole = tokenize(input);
      expect(whole.segments[1]?.elements[4]).toBe('€uro “déjà” 🚚');
      for (let cut = 106; cut < input.length; cut++) {
        expect(tokenizeInChunks(input, [cut, Math.min(cut + 2, input.length)])).toEqual(whole);
      }
    });
  });

  describe('bounds memory', () => {
    it('reports a segment over maxSegmentBytes with its offset and reads on', () => {
      const long = `REF*ZZ*${'x'.repeat(500)}`;
      const input = Buffer.from(`${ISA_401}~BEG*00~${long}~CTT*1~`);
      for (const cuts of [[], [150, 300, 450, 600]]) {
        const { segments, errors } = tokenizeInChunks(input, cuts, { maxSegmentBytes: 300 });
        expect(segments.map((s) => s.id)).toEqual(['ISA', 'BEG', 'CTT']);
        expect(errors).toEqual([
          expect.objectContaining({
            code: '024',
            offset: 113,
            fatal: false,
            isSegmentDropped: true,
          }),
        ]);
      }
    });

    it('reads a 1 MB segment with the default limit', () => {
      const input = Buffer.from(`${ISA_401}~MSG*${'x'.repeat(1_000_000)}~`);
      const { segments, errors } = tokenizeInChunks(input, [65_536, 300_000, 700_000]);
      expect(errors).toEqual([]);
      expect(segments[1]?.elements[0]).toHaveLength(1_000_000);
    });

    it('refuses a maxSegmentBytes shorter than an ISA (a programmer mistake)', () => {
      expect(() => tokenize('', { maxSegmentBytes: 10 })).toThrow(RangeError);
    });
  });

  describe('bad input', () => {
    it.each([
      ['JSON', '{"order": 1}', '022'],
      ['binary garbage', Buffer.from([0x00, 0xff, 0x13, 0x37, 0x80, 0x81]), '022'],
      ['an empty input', '', '023'],
      ['whitespace only', ' \r\n ', '023'],
      ['a truncated ISA', ISA_401.slice(0, 80), '023'],
      ['an alphanumeric element separator', ISA_401.replace(/\*/g, 'Z'), '026'],
    ])('ends with one fatal error for %s', (_name, input, code) => {
      const { segments, errors } = tokenize(input);
      expect(segments).toEqual([]);
      expect(errors).toEqual([expect.objectContaining({ code, fatal: true })]);
    });

    it.each([
      ['a first byte missing', `${ISA_401}~`.slice(1)],
      ['leading blanks before something else', `          *00*${ISA_401.slice(7)}~`],
    ])('judges %s the same whatever the chunk sizes (kept property seeds)', (_name, text) => {
      const input = Buffer.from(text);
      const whole = tokenize(input);
      expect(whole.errors).toEqual([expect.objectContaining({ code: '022', fatal: true })]);
      const everyByte = Array.from({ length: input.length }, (_, i) => i + 1);
      expect(tokenizeInChunks(input, everyByte)).toEqual(whole);
    });

    it('reports a last segment without terminator, and still returns it', () => {
      const { segments, errors } = tokenize(`${ISA_401}~IEA*1*000004512`);
      expect(segments.map((s) => s.id)).toEqual(['ISA', 'IEA']);
      expect(errors).toEqual([expect.objectContaining({ code: '023', offset: 106, fatal: false })]);
    });

    it('stops at a later ISA it cannot read, after what came before', () => {
      const { segments, errors } = tokenize(`${ISA_401}~BEG*00~ISA*00*   ~`);
      expect(segments.map((s) => s.id)).toEqual(['ISA', 'BEG']);
      expect(errors).toEqual([expect.objectContaining({ code: '023', fatal: true, offset: 113 })]);
    });

    it('takes a segment id that merely starts with ISA for an ordinary segment', () => {
      const { segments } = tokenize(`${ISA_401}~ISAX*1~`);
      expect(values(segments).at(-1)).toEqual(['ISAX', '1']);
    });

    it('throws when pushed after end (a programmer mistake)', () => {
      const tokenizer = new X12Tokenizer({ segment: () => undefined, error: () => undefined });
      tokenizer.end();
      expect(() => tokenizer.push(Buffer.from('ISA'))).toThrow(/after end/);
    });
  });
});
