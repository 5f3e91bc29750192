/**
 * Differential test: on every fixture, our segments equal node-x12's (a widely used X12 parser).
 *
 * Known, deliberate differences, normalized here:
 * - node-x12 rewrites ISA13 and IEA02 as integers (`000004512` → `4512`); we keep them as sent,
 *   as the standard's N0 9/9 and the TA1 (TA101 echoes ISA13) need.
 * - node-x12 reads every interchange of a file with the first ISA's delimiters; we re-read them
 *   at each ISA. A file mixing delimiters is compared interchange by interchange.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { X12FatInterchange, X12Parser, type X12Interchange, type X12Segment } from 'node-x12';
import { tokenize } from './tokenize';

const FIXTURES = path.join(__dirname, '../../test/fixtures/x12');
const MIXED_DELIMITERS = 'two-interchanges-mixed-delimiters.x12';

/** Every segment of a node-x12 parse, in file order, as [id, ...elements]. */
function nodeX12Segments(text: string): string[][] {
  const parsed = new X12Parser(true).parse(text); // strict: throws rather than guess
  const interchanges: X12Interchange[] =
    parsed instanceof X12FatInterchange ? parsed.interchanges : [parsed];
  const segments: X12Segment[] = [];
  for (const interchange of interchanges) {
    segments.push(interchange.header);
    for (const group of interchange.functionalGroups) {
      segments.push(group.header);
      for (const transaction of group.transactions) {
        segments.push(transaction.header, ...transaction.segments, transaction.trailer);
      }
      segments.push(group.trailer);
    }
    segments.push(interchange.trailer);
  }
  return segments.map((s) => [s.tag, ...s.elements.map((e) => e.value)]);
}

function ourSegments(bytes: Buffer): string[][] {
  const { segments, errors } = tokenize(bytes);
  expect(errors).toEqual([]);
  return segments.map((s) => {
    const elements = [...s.elements];
    if (s.id === 'ISA') elements[12] = String(Number(elements[12]));
    if (s.id === 'IEA') elements[1] = String(Number(elements[1]));
    return [s.id, ...elements];
  });
}

/** The fixture cut before each ISA, so each part has one set of delimiters. */
function splitInterchanges(text: string): string[] {
  const starts = [...text.matchAll(/ISA(?=[^A-Za-z0-9])/g)].map((m) => m.index);
  return starts.map((start, i) => text.slice(start, starts[i + 1]));
}

describe('segments equal node-x12 X12Parser', () => {
  const names = readdirSync(FIXTURES).filter((n) => n.endsWith('.x12') && n !== MIXED_DELIMITERS);

  it.each(names)('%s', (name) => {
    const bytes = readFileSync(path.join(FIXTURES, name));
    const theirs = nodeX12Segments(bytes.toString('utf8'));
    expect(theirs.length).toBeGreaterThan(4);
    expect(ourSegments(bytes)).toEqual(theirs);
  });

  it(`${MIXED_DELIMITERS}, interchange by interchange`, () => {
    const bytes = readFileSync(path.join(FIXTURES, MIXED_DELIMITERS));
    const parts = splitInterchanges(bytes.toString('utf8'));
    expect(parts).toHaveLength(2);
    expect(ourSegments(bytes)).toEqual(parts.flatMap((part) => nodeX12Segments(part)));
  });
});
