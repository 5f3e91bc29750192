import fc from 'fast-check';
import {
  buildFunctionalAck,
  groupAcceptance,
  setAcceptance,
  type AckSegment,
  type FunctionalAckInput,
} from './ack';
import type { Delimiters, FunctionalGroupHeader, SegmentError } from './model';
import { builtInEdiMapsDir, loadTransactionSetSchemas } from './schema';
import { segmentsFromText, testDelimiters, textFromSegments } from './testing';
import { validateTransactionSet } from './validate';

const schemas = loadTransactionSetSchemas([builtInEdiMapsDir()]);
const delimiters4010: Delimiters = { ...testDelimiters, repetition: null };

const group = (version: string): FunctionalGroupHeader => ({
  functionalId: 'PO',
  applicationSender: 'ACME',
  applicationReceiver: 'CROSSDOCK',
  date: '20240105',
  time: '1200',
  controlNumber: '17',
  agency: 'X',
  version,
  offset: 0,
});

/** Validates an ack's own segments against edi-maps' 997 or 999 of `version`. */
function errorsOfAck(ack: AckSegment[], version: string, delimiters: Delimiters) {
  const schema = schemas.get(version, ack[0]!.elements[0]!)!;
  const segments = ack.map((segment) => ({ ...segment, offset: 0 }));
  return validateTransactionSet(segments, schema, delimiters).segmentErrors;
}

const badSegmentErrors: SegmentError[] = [
  { segmentId: 'BEG', position: 2, code: '3', elementErrors: [] },
  {
    segmentId: 'REF',
    position: 4,
    code: '8',
    elementErrors: [
      { position: 4, componentPosition: 2, reference: '127', code: '1' },
      { position: 2, reference: '127', code: '13', badValue: '04:2' },
    ],
  },
  {
    segmentId: 'N4',
    position: 9,
    loopId: 'N1',
    code: '8',
    elementErrors: [{ position: 2, reference: '156', code: 'I6', badValue: 'Q' }],
  },
];

describe('buildFunctionalAck: 997 for a 004010 group', () => {
  const input: FunctionalAckInput = {
    kind: '997',
    group: group('004010'),
    controlNumber: '0001',
    delimiters: delimiters4010,
    sets: [
      { setId: '850', controlNumber: '0001', segmentErrors: [], setErrors: [] },
      { setId: '850', controlNumber: '0002', segmentErrors: badSegmentErrors, setErrors: ['18'] },
      { setId: '860', controlNumber: '0003', segmentErrors: [], setErrors: ['1'] },
    ],
    groupErrors: [],
    receivedSetCount: 3,
  };

  it('acknowledges accepted and rejected sets with 004010 codes only', () => {
    const ack = buildFunctionalAck(input);
    expect(textFromSegments(ack).split('~')).toEqual([
      'ST*997*0001',
      'AK1*PO*17',
      'AK2*850*0001',
      'AK5*A',
      'AK2*850*0002',
      'AK3*BEG*2**3',
      'AK3*REF*4**8',
      'AK4*4:2*127*1',
      'AK4*2*127*6*042', // 004010 has no "too many components": an invalid character there
      'AK5*R*5', // 18 is a 005010 code; the I6 warning is a 999's business
      'AK2*860*0003',
      'AK5*R*1',
      'AK9*P*3*3*1',
      'SE*14*0001',
      '',
    ]);
    expect(errorsOfAck(ack, '004010', delimiters4010)).toEqual([]);
  });

  it('validates against the 005010 997 when the group is 005010, with AK103', () => {
    const ack = buildFunctionalAck({
      ...input,
      group: group('005010'),
      delimiters: testDelimiters,
      sets: input.sets.map((set) => ({ ...set, implementationRef: '005010X999' })),
    });
    const text = textFromSegments(ack);
    expect(text).toContain('AK1*PO*17*005010~');
    expect(text).toContain('AK2*850*0002*005010X999~');
    expect(text).toContain('AK4*2*127*13*042~');
    expect(text).toContain('AK5*R*18*5~');
    expect(errorsOfAck(ack, '005010', testDelimiters)).toEqual([]);
  });
});

describe('buildFunctionalAck: 999', () => {
  const input: FunctionalAckInput = {
    kind: '999',
    group: group('005010X231A1'),
    controlNumber: '0002',
    delimiters: testDelimiters,
    sets: [
      { setId: '850', controlNumber: '0001', segmentErrors: [], setErrors: [] },
      {
        setId: '850',
        controlNumber: '0002',
        implementationRef: '005010X231A1',
        segmentErrors: [badSegmentErrors[2]!],
        setErrors: [],
      },
      { setId: '850', controlNumber: '0003', segmentErrors: badSegmentErrors, setErrors: [] },
    ],
    groupErrors: [],
    receivedSetCount: 3,
  };

  it('reports implementation findings as accepted with errors and syntax errors as rejected', () => {
    const ack = buildFunctionalAck(input);
    expect(textFromSegments(ack).split('~')).toEqual([
      'ST*999*0002',
      'AK1*PO*17*005010X231A1',
      'AK2*850*0001',
      'IK5*A',
      'AK2*850*0002*005010X231A1',
      'IK3*N4*9*N1*8',
      'IK4*2*156*I6*Q',
      'IK5*E*I5',
      'AK2*850*0003',
      'IK3*BEG*2**3',
      'IK3*REF*4**8',
      'IK4*4:2*127*1',
      'IK4*2*127*13*042',
      'IK3*N4*9*N1*8',
      'IK4*2*156*I6*Q',
      'IK5*R*5',
      'AK9*P*3*3*2',
      'SE*18*0002',
      '',
    ]);
    expect(errorsOfAck(ack, '005010', testDelimiters)).toEqual([]);
  });

  it('rejects the group on group errors and writes their codes', () => {
    const ack = buildFunctionalAck({ ...input, groupErrors: ['5'], includedSetCount: 4 });
    expect(textFromSegments(ack)).toContain('AK9*R*4*3*2*5~');
    expect(errorsOfAck(ack, '005010', testDelimiters)).toEqual([]);
  });

  it('writes only what its elements can hold', () => {
    const ack = buildFunctionalAck({
      ...input,
      sets: [
        {
          setId: '850',
          controlNumber: '0001',
          segmentErrors: [
            { segmentId: 'b@d*x', position: 3, code: '1', elementErrors: [] },
            { segmentId: '~', position: 4, code: '1', elementErrors: [] },
            {
              segmentId: 'N1',
              position: 5,
              code: '8',
              elementErrors: [
                { position: 140, code: '3', badValue: 'a*b:c^d~e\u0001' + 'x'.repeat(200) },
              ],
            },
          ],
          setErrors: [],
        },
      ],
      receivedSetCount: 1,
    });
    const text = textFromSegments(ack);
    expect(text).toContain('IK3*BDX*3**1~IK3*N1*5**8~');
    expect(text).toContain(`IK4*99**3*abcde${'x'.repeat(94)}~`);
    expect(errorsOfAck(ack, '005010', testDelimiters)).toEqual([]);
  });
});

describe('acceptance codes', () => {
  it('AK501: A, E only for implementation findings, R for any syntax or envelope error', () => {
    const none = { segmentErrors: [], setErrors: [] };
    expect(setAcceptance('997', '004010', none)).toEqual({ code: 'A', reasons: [] });
    expect(setAcceptance('999', '005010', { ...none, setErrors: ['I6'] })).toEqual({
      code: 'E',
      reasons: ['I6'],
    });
    expect(setAcceptance('997', '005010', { ...none, setErrors: ['I6'] })).toEqual({
      code: 'A',
      reasons: [],
    });
    expect(setAcceptance('997', '004010', { ...none, setErrors: ['3', '4'] })).toEqual({
      code: 'R',
      reasons: ['3', '4'],
    });
    const implementationOnly = { ...none, segmentErrors: [badSegmentErrors[2]!] };
    expect(setAcceptance('999', '005010', implementationOnly).code).toBe('E');
    expect(setAcceptance('997', '005010', implementationOnly).code).toBe('A');
  });

  it('AK901: A all accepted, E some with errors, P some rejected, R none accepted', () => {
    expect(groupAcceptance(['A', 'A'], 2, [])).toEqual({ code: 'A', accepted: 2 });
    expect(groupAcceptance(['A', 'E'], 2, [])).toEqual({ code: 'E', accepted: 2 });
    expect(groupAcceptance(['A', 'R', 'E'], 3, [])).toEqual({ code: 'P', accepted: 2 });
    expect(groupAcceptance(['R', 'R'], 2, [])).toEqual({ code: 'R', accepted: 0 });
    expect(groupAcceptance(['A'], 1, ['4'])).toEqual({ code: 'R', accepted: 1 });
    expect(groupAcceptance([], 0, [])).toEqual({ code: 'R', accepted: 0 });
    // Sets without an AK2 (an errors-only 997) count as accepted.
    expect(groupAcceptance(['R'], 3, [])).toEqual({ code: 'P', accepted: 2 });
  });
});

describe('acks of corrupted sets validate against our own 997/999', () => {
  const lines = [
    'ST*850*0001',
    'BEG*00*SA*PO-1001**20240105',
    'REF*DP*042**AN:PO-0999',
    'DTM*002*20240115*0830',
    'N1*ST*Acme Warehouse*92*WH-01',
    'N4*Springfield*IL*62701*US',
    'PO1*1*10*EA*9.25**UP*012345678905',
    'PID*F****Widget, blue',
    'CTT*1',
    'SE*10*0001',
  ];
  const edit = fc.record({
    line: fc.nat(),
    element: fc.nat({ max: 8 }),
    value: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom('', 'ZZZ', '20241399', '2599', 'A:B:C:D:E:F:G', 'x^y', 'Q'),
    ),
    id: fc.option(fc.string({ maxLength: 4 }), { nil: undefined }),
  });

  it.each([
    ['997', '004010'],
    ['997', '005010'],
    ['999', '005010'],
  ] as const)('%s for %s groups', (kind, version) => {
    const delimiters = version === '004010' ? delimiters4010 : testDelimiters;
    fc.assert(
      fc.property(
        fc.array(edit, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (edits, envelope) => {
          const segments = segmentsFromText(lines.join('~'));
          for (const { line, element, value, id } of edits) {
            const segment = segments[line % segments.length]!;
            if (id !== undefined) segment.id = id;
            else segment.elements[element] = value;
          }
          for (const segment of segments) {
            segment.elements = Array.from(segment.elements, (value) => value ?? '');
          }
          const validation = validateTransactionSet(
            segments,
            schemas.get(version, '850')!,
            delimiters,
          );
          const ack = buildFunctionalAck({
            kind,
            group: group(version),
            controlNumber: '0001',
            delimiters,
            sets: [
              {
                setId: '850',
                controlNumber: '0001',
                segmentErrors: validation.segmentErrors,
                setErrors: envelope ? ['4'] : [],
              },
            ],
            groupErrors: envelope ? ['5'] : [],
            receivedSetCount: 1,
          });
          expect(errorsOfAck(ack, version, delimiters)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
