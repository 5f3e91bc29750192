/**
 * Test inputs for the validator and ack tests: turns `ST*850*0001~BEG*00*SA*PO1**20240105~...`
 * into Segment[] by plain splitting. Not a tokenizer (tokenize.ts is): no ISA, no delimiter
 * detection, no release characters.
 */
import type { Delimiters, Segment } from './model';

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
