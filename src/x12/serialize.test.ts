import fc from 'fast-check';
import { readInterchangesSync } from './envelope';
import type { Delimiters } from './model';
import {
  formatCcyymmdd,
  formatHhmm,
  formatYymmdd,
  serializeSegments,
  serializeSegmentsToBuffer,
  wrapInterchange,
  type InterchangeSpec,
} from './serialize';

const DELIMITERS: Delimiters = { element: '*', component: '>', repetition: '^', segment: '~' };
const NOW = new Date(Date.UTC(2024, 2, 12, 9, 5));

function spec(overrides: Partial<InterchangeSpec> = {}): InterchangeSpec {
  return {
    sender: { qualifier: 'ZZ', id: 'ACMESUPPLY' },
    receiver: { qualifier: '01', id: '123456789' },
    controlNumber: 790,
    version: '00501',
    usage: 'T',
    ackRequested: true,
    delimiters: DELIMITERS,
    now: NOW,
    groups: [
      {
        functionalId: 'IN',
        applicationSender: 'ACMESUPPLY',
        applicationReceiver: 'GLOBEXRETAIL',
        controlNumber: 802,
        version: '005010',
        transactionSets: [
          [
            { id: 'ST', elements: ['810', ''] },
            { id: 'BIG', elements: ['20240320', 'INV-55012', '', 'PO-2024-00871'] },
            { id: 'TDS', elements: ['87600'] },
          ],
          [
            { id: 'ST', elements: ['810', '0777'] },
            { id: 'BIG', elements: ['20240320', 'INV-55013'] },
            { id: 'SE', elements: ['99', 'wrong'] },
          ],
        ],
      },
    ],
    ...overrides,
  };
}

describe('serializeSegments', () => {
  it('joins elements, drops trailing empty ones, and ends each segment', () => {
    const text = serializeSegments(
      [
        { id: 'N1', elements: ['ST', 'Globex DC 4', '', '', ''] },
        { id: 'REF', elements: ['ZZ', '', '', 'DP>038^IA>1'] },
      ],
      DELIMITERS,
      '\r\n',
    );
    expect(text).toBe('N1*ST*Globex DC 4~\r\nREF*ZZ***DP>038^IA>1~\r\n');
  });

  it('refuses a value holding the element separator or terminator', () => {
    expect(() =>
      serializeSegments([{ id: 'PID', elements: ['F', '', '', '', 'A*B'] }], DELIMITERS),
    ).toThrow(/PID05/);
    expect(() => serializeSegments([{ id: 'N3', elements: ['1~2'] }], DELIMITERS)).toThrow(/N301/);
  });
});

describe('wrapInterchange', () => {
  it('writes a fixed-width ISA and every count and control number', () => {
    const text = serializeSegments(wrapInterchange(spec()), DELIMITERS, '\n');
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'ISA*00*          *00*          *ZZ*ACMESUPPLY     *01*123456789      *240312*0905*^*00501*000000790*1*T*>~',
    );
    expect(lines[0]).toHaveLength(106);
    expect(lines.slice(1)).toEqual([
      'GS*IN*ACMESUPPLY*GLOBEXRETAIL*20240312*0905*802*X*005010~',
      'ST*810*0001~',
      'BIG*20240320*INV-55012**PO-2024-00871~',
      'TDS*87600~',
      'SE*4*0001~',
      'ST*810*0777~',
      'BIG*20240320*INV-55013~',
      'SE*3*0777~',
      'GE*2*802~',
      'IEA*1*000000790~',
      '',
    ]);
  });

  it('reads back without a single envelope error', () => {
    const items = [...readInterchangesSync(serializeSegments(wrapInterchange(spec()), DELIMITERS))];
    expect(items.map((item) => item.kind)).toEqual([
      'interchange',
      'group',
      'transaction',
      'transaction',
      'groupEnd',
      'interchangeEnd',
    ]);
    for (const item of items) {
      if (item.kind === 'interchangeEnd') expect(item.errors).toEqual([]);
      if (item.kind === 'groupEnd') expect(item.errors).toEqual([]);
      if (item.kind === 'transaction') expect(item.setErrors).toEqual([]);
    }
  });

  it('writes U in ISA11 before 00402, and a TA1 after the ISA', () => {
    const ta1 = { id: 'TA1', elements: ['000004512', '240312', '0915', 'A', '000'] };
    const segments = wrapInterchange(spec({ version: '00401', groups: [], ta1 }));
    expect(segments.map((s) => s.id)).toEqual(['ISA', 'TA1', 'IEA']);
    expect(segments[0]?.elements[10]).toBe('U');
    expect(segments[2]?.elements).toEqual(['0', '000000790']);
  });

  it.each<[string, Partial<InterchangeSpec>]>([
    ['a sender id over 15 characters', { sender: { qualifier: 'ZZ', id: 'A'.repeat(16) } }],
    ['a control number over nine digits', { controlNumber: 1_000_000_000 }],
    ['a version that is not 5 digits', { version: '5010' }],
    ['00501 without a repetition separator', { delimiters: { ...DELIMITERS, repetition: null } }],
    ['delimiters that clash', { delimiters: { ...DELIMITERS, component: '*' } }],
  ])('throws on %s (a caller mistake)', (_name, overrides) => {
    expect(() => wrapInterchange(spec(overrides))).toThrow(RangeError);
  });

  it('throws on a transaction set that does not start with ST', () => {
    const groups = spec().groups.map((g) => ({
      ...g,
      transactionSets: [[{ id: 'BIG', elements: [] }]],
    }));
    expect(() => wrapInterchange(spec({ groups }))).toThrow(/must start with ST/);
  });
});

describe('dates and times', () => {
  it('are written in UTC', () => {
    const date = new Date(Date.UTC(2031, 0, 2, 23, 59));
    expect([formatYymmdd(date), formatCcyymmdd(date), formatHhmm(date)]).toEqual([
      '310102',
      '20310102',
      '2359',
    ]);
  });
});

describe('serializeSegmentsToBuffer', () => {
  // Values mostly ASCII, sometimes non-ASCII or holding a delimiter, as the gateway may meet.
  const value = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
    { weight: 1, arbitrary: fc.constantFrom('A*B', 'C~', '>x', 'Zürich', '东京', '😀') },
  );
  const segments = fc.array(
    fc.record({
      id: fc.constantFrom('BIG', 'N1', 'IT1', 'PID'),
      elements: fc.array(value, { maxLength: 8 }),
    }),
    { minLength: 1, maxLength: 6 },
  );
  const delimiters = fc.constantFrom<Delimiters>(
    DELIMITERS,
    { element: '|', component: '^', repetition: '{', segment: '\n' },
    { element: 'é', component: ':', repetition: null, segment: '~' },
  );

  it('writes the same bytes as the string serializer, and refuses what it refuses', () => {
    fc.assert(
      fc.property(segments, delimiters, fc.constantFrom('', '\n', '\r\n'), (input, d, ending) => {
        let expected: Buffer | Error;
        try {
          expected = Buffer.from(serializeSegments(input, d, ending), 'utf8');
        } catch (error) {
          expected = error as Error;
        }
        if (expected instanceof Error) {
          expect(() => serializeSegmentsToBuffer(input, d, ending)).toThrow(expected.message);
        } else {
          expect(serializeSegmentsToBuffer(input, d, ending).equals(expected)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
