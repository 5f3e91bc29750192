import fc from 'fast-check';
import { readInterchangesSync } from './envelope';
import type { Delimiters } from './model';
import { purchaseOrder850 } from './purchase-order.arbitrary';
import { builtInEdiMapsDir, loadTransactionSetSchemas } from './schema';
import { serializeSegments, wrapInterchange } from './serialize';
import { validateTransactionSet } from './validate';

const schemas = loadTransactionSetSchemas([builtInEdiMapsDir()]);

// Separator sets partners really use; the generator's data never contains these characters.
const delimiterSets: Delimiters[] = [
  { element: '*', component: '>', repetition: '^', segment: '~' },
  { element: '|', component: ':', repetition: '`', segment: '\n' },
  { element: '^', component: '\\', repetition: '{', segment: "'" },
];

test('random valid 850s, written as interchanges with any separators, tokenize and validate with no error', () => {
  fc.assert(
    fc.property(
      purchaseOrder850,
      fc.constantFrom(...delimiterSets),
      fc.constantFrom('', '\r\n', '\n'),
      fc.integer({ min: 1, max: 4096 }),
      ({ version, lineCount, segments }, delimiters, lineEnding, chunkBytes) => {
        const interchange = wrapInterchange({
          sender: { qualifier: 'ZZ', id: 'GLOBEXRETAIL' },
          receiver: { qualifier: 'ZZ', id: 'ACMESUPPLY' },
          controlNumber: 1,
          version: version === '004010' ? '00401' : '00501',
          usage: 'T',
          ackRequested: false,
          delimiters: version === '004010' ? { ...delimiters, repetition: null } : delimiters,
          now: new Date('2026-11-25T12:00:00Z'),
          groups: [
            {
              functionalId: 'PO',
              applicationSender: 'GLOBEXRETAIL',
              applicationReceiver: 'ACMESUPPLY',
              controlNumber: 1,
              version,
              transactionSets: [segments.slice(0, -1)],
            },
          ],
        });
        const text = serializeSegments(
          interchange,
          version === '004010' ? { ...delimiters, repetition: null } : delimiters,
          delimiters.segment === '\n' ? '' : lineEnding,
        );
        const items = [...readInterchangesSync(text, { chunkBytes })];
        expect(items.filter((i) => i.kind === 'error')).toEqual([]);
        const sets = items.flatMap((i) => (i.kind === 'transaction' ? [i] : []));
        expect(sets).toHaveLength(1);
        expect(sets[0]!.setErrors).toEqual([]);
        const read = sets[0]!;
        const { segmentErrors, tree } = validateTransactionSet(
          read.segments,
          schemas.get(version, '850')!,
          items[0]!.kind === 'interchange' ? items[0]!.header.delimiters : delimiters,
        );
        expect(segmentErrors).toEqual([]);
        expect(tree.PO1Loop).toHaveLength(lineCount);
      },
    ),
    { numRuns: 200 },
  );
});
