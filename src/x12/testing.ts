/**
 * Test inputs for the validator and ack tests: turns `ST*850*0001~BEG*00*SA*PO1**20240105~...`
 * into Segment[] by plain splitting. Not a tokenizer (tokenize.ts is): no ISA, no delimiter
 * detection, no release characters.
 */
import type { CompiledTransactionSet } from './compiled-schema';
import { nestHierarchicalLoops } from './hierarchy';
import type { Delimiters, Segment, SegmentError, TransactionSetTree } from './model';
import { serializeSegments } from './serialize';
import { writeTransactionSet } from './tree-writer';
import { validateTransactionSet } from './validate';

export const testDelimiters: Delimiters = {
  element: '*',
  component: ':',
  repetition: '^',
  segment: '~',
};

export function segmentsFromText(text: string, delimiters: Delimiters = testDelimiters): Segment[] {
  let offset = 0;
  const segments: Segment[] = [];
  for (const raw of text.split(delimiters.segment)) {
    const body = raw.replace(/^[\r\n]+/, '');
    if (body !== '') {
      const [id, ...elements] = body.split(delimiters.element);
      segments.push({ id: id!, elements, offset: offset + raw.length - body.length });
    }
    offset += raw.length + 1;
  }
  return segments;
}

/** The reverse, for readable expectations. */
export function textFromSegments(
  segments: Array<{ id: string; elements: string[] }>,
  delimiters: Delimiters = testDelimiters,
): string {
  return segments
    .map((segment) => [segment.id, ...segment.elements].join(delimiters.element))
    .join(delimiters.segment)
    .concat(delimiters.segment);
}

/**
 * What round-trip tests of outbound maps need: the tree written as a transaction set, as X12
 * text, read back and validated against the same schema, with its HL loops nested again, so an
 * inbound map can read it.
 */
export function rewriteThroughX12(
  tree: unknown,
  schema: CompiledTransactionSet,
  delimiters: Delimiters = testDelimiters,
): { text: string; segmentErrors: SegmentError[]; tree: TransactionSetTree } {
  const segments = writeTransactionSet(tree, schema, delimiters);
  segments[0]!.elements[1] = '0001';
  segments.push({ id: 'SE', elements: [String(segments.length + 1), '0001'], offset: 0 });
  const text = serializeSegments(segments, delimiters);
  const read = segmentsFromText(text, delimiters);
  const { segmentErrors, tree: readTree } = validateTransactionSet(read, schema, delimiters);
  return { text, segmentErrors, tree: nestHierarchicalLoops(readTree) };
}
