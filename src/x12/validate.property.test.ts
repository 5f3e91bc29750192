import fc from 'fast-check';
import type { Segment } from './model';
import { builtInEdiMapsDir, loadTransactionSetSchemas } from './schema';
import { purchaseOrder850 as purchaseOrder } from './purchase-order.arbitrary';
import { testDelimiters } from './testing';
import { checkTransactionSet, validateTransactionSet } from './validate';

const schemas = loadTransactionSetSchemas([builtInEdiMapsDir()]);
const segmentCodes = ['1', '2', '3', '4', '5', '6', '7', '8'];
const elementCodes = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '12', '13', 'I6'];

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
          // The tree-less walk the outbound side uses finds exactly the same errors.
          expect(checkTransactionSet(segments, schema, delimitersOf(version))).toEqual(
            segmentErrors,
          );
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
