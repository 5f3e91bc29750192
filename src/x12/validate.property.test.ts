import fc from 'fast-check';
import type { Segment } from './model';
import { builtInEdiMapsDir, loadTransactionSetSchemas } from './schema';
import { segmentsFromText, testDelimiters } from './testing';
import { validateTransactionSet } from './validate';

const schemas = loadTransactionSetSchemas([builtInEdiMapsDir()]);
const segmentCodes = ['1', '2', '3', '4', '5', '6', '7', '8'];
const elementCodes = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '12', '13', 'I6'];

const alphanumeric = (min: number, max: number) =>
  fc.stringMatching(new RegExp(`^[A-Z0-9]{${min},${max}}$`));
const text = (min: number, max: number) =>
  fc.stringMatching(new RegExp(`^[A-Za-z0-9][A-Za-z0-9 .,-]{${min - 1},${max - 1}}$`));
const date = fc
  .date({
    min: new Date('1990-01-01T00:00:00Z'),
    max: new Date('2089-12-31T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString().slice(0, 10).replaceAll('-', ''));
const time = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, '0')}${String(m).padStart(2, '0')}`);
const price = fc
  .tuple(fc.integer({ min: 0, max: 99999 }), fc.integer({ min: 0, max: 99 }))
  .map(([whole, cents]) => (cents ? `${whole}.${String(cents).padStart(2, '0')}` : `${whole}`));

const party = fc.record({
  code: fc.constantFrom('ST', 'BT', 'BY', 'SF', 'VN'),
  name: text(1, 60),
  id: alphanumeric(2, 20),
  street: fc.option(text(1, 55), { nil: undefined }),
  city: fc.option(text(2, 30), { nil: undefined }),
});
const line = fc.record({
  quantity: fc.integer({ min: 1, max: 99999 }),
  unit: fc.constantFrom('EA', 'CA', 'BX', 'PK', 'DZ', 'LB'),
  price,
  upc: fc.stringMatching(/^[0-9]{12}$/),
  description: fc.option(text(1, 80), { nil: undefined }),
  delivery: fc.option(date, { nil: undefined }),
});

/** A valid 004010 or 005010 850 built from random business data. */
const purchaseOrder = fc
  .record({
    version: fc.constantFrom('004010', '005010'),
    control: fc.stringMatching(/^[0-9]{4,9}$/),
    purpose: fc.constantFrom('00', '01', '05', '07'),
    type: fc.constantFrom('SA', 'RL', 'DS', 'KN'),
    number: alphanumeric(1, 22),
    date,
    time,
    references: fc.array(fc.tuple(fc.constantFrom('DP', 'IA', 'VR', 'CT'), alphanumeric(1, 30)), {
      maxLength: 3,
    }),
    parties: fc.array(party, { maxLength: 4 }),
    lines: fc.array(line, { minLength: 1, maxLength: 6 }),
    totals: fc.boolean(),
  })
  .map((po) => {
    const lines = [`ST*850*${po.control}`, `BEG*${po.purpose}*${po.type}*${po.number}**${po.date}`];
    for (const [qualifier, value] of po.references) lines.push(`REF*${qualifier}*${value}`);
    lines.push(`DTM*002*${po.date}*${po.time}`);
    for (const p of po.parties) {
      lines.push(`N1*${p.code}*${p.name}*92*${p.id}`);
      if (p.street) lines.push(`N3*${p.street}`);
      if (p.city) lines.push(`N4*${p.city}*IL*62701*US`);
    }
    po.lines.forEach((l, index) => {
      lines.push(`PO1*${index + 1}*${l.quantity}*${l.unit}*${l.price}**UP*${l.upc}`);
      if (l.description) lines.push(`PID*F****${l.description}`);
      if (l.delivery) lines.push(`DTM*002*${l.delivery}`);
    });
    if (po.totals) lines.push(`CTT*${po.lines.length}`);
    lines.push(`SE*${lines.length + 1}*${po.control}`);
    return {
      version: po.version,
      lineCount: po.lines.length,
      segments: segmentsFromText(lines.join('~')),
    };
  });

const delimitersOf = (version: string) =>
  version === '004010' ? { ...testDelimiters, repetition: null } : testDelimiters;

describe('validateTransactionSet properties', () => {
  it('finds no error in random valid 850s, and a PO1 loop per line', () => {
    fc.assert(
      fc.property(purchaseOrder, ({ version, lineCount, segments }) => {
        const schema = schemas.get(version, '850')!;
        const { segmentErrors, tree } = validateTransactionSet(
          segments,
          schema,
          delimitersOf(version),
        );
        expect(segmentErrors).toEqual([]);
        expect(tree.PO1Loop).toHaveLength(lineCount);
      }),
      { numRuns: 300 },
    );
  });

  const corruption = fc.oneof(
    fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), keep: fc.nat({ max: 4 }) }),
    fc.record({ kind: fc.constant('empty' as const), at: fc.nat(), element: fc.nat({ max: 12 }) }),
    fc.record({
      kind: fc.constant('value' as const),
      at: fc.nat(),
      element: fc.nat({ max: 30 }),
      value: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.constantFrom('ZZ', 'X', '-', '.', '1.2.3', '99999999999999999999', '20241340', '2561'),
        fc.string({ maxLength: 5 }).map((s) => s.repeat(120)),
        fc.constantFrom('A:B:C:D:E:F:G:H', 'A^B^C', ':', '^'),
      ),
    }),
    fc.record({ kind: fc.constant('id' as const), at: fc.nat(), id: fc.string({ maxLength: 4 }) }),
  );

  type Corruption = typeof corruption extends fc.Arbitrary<infer T> ? T : never;

  function corrupt(segments: Segment[], change: Corruption) {
    if (segments.length === 0) return;
    const at = change.at % segments.length;
    const segment = segments[at]!;
    switch (change.kind) {
      case 'drop':
        segments.splice(at, 1);
        break;
      case 'duplicate':
        segments.splice(at, 0, { ...segment, elements: [...segment.elements] });
        break;
      case 'swap': {
        const other = change.with % segments.length;
        [segments[at], segments[other]] = [segments[other]!, segment];
        break;
      }
      case 'truncate':
        segment.elements = segment.elements.slice(0, change.keep);
        break;
      case 'empty':
        segment.elements[change.element] = '';
        break;
      case 'value':
        while (segment.elements.length < change.element) segment.elements.push('');
        segment.elements[change.element] = change.value;
        break;
      case 'id':
        segment.id = change.id;
        break;
    }
  }

  it('never throws on corrupted sets and reports only X12 codes at real positions', () => {
    fc.assert(
      fc.property(
        purchaseOrder,
        fc.array(corruption, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('850', '855', '856', '810', '997'),
        ({ version, segments }, changes, setId) => {
          for (const change of changes) corrupt(segments, change);
          const schema = schemas.get(version, setId)!;
          const { segmentErrors } = validateTransactionSet(segments, schema, delimitersOf(version));
          for (const error of segmentErrors) {
            expect(segmentCodes).toContain(error.code);
            expect(error.position).toBeGreaterThanOrEqual(1);
            expect(error.position).toBeLessThanOrEqual(segments.length + 1);
            for (const element of error.elementErrors) {
              expect(elementCodes).toContain(element.code);
              expect(element.position).toBeGreaterThanOrEqual(1);
              expect((element.badValue ?? '').length).toBeLessThanOrEqual(99);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws on any sequence of arbitrary segments', () => {
    const anySegment = fc.record({
      id: fc.oneof(
        fc.constantFrom('ST', 'SE', 'HL', 'PO1', 'N1', 'CTT', 'LS', 'LE', 'AK2'),
        fc.string({ maxLength: 4 }),
      ),
      elements: fc.array(fc.string({ maxLength: 12 }), { maxLength: 8 }),
      offset: fc.nat(),
    });
    fc.assert(
      fc.property(fc.array(anySegment, { maxLength: 60 }), (segments) => {
        for (const schema of schemas.all()) {
          const { segmentErrors } = validateTransactionSet(segments, schema, testDelimiters);
          for (const error of segmentErrors) expect(segmentCodes).toContain(error.code);
        }
      }),
      { numRuns: 200 },
    );
  });
});
