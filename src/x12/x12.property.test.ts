/**
 * Properties of the reading core as a whole: what the serializer writes, the tokenizer and the
 * envelope reader read back unchanged, whatever the delimiters, line breaks and chunking; and
 * whatever is done to the bytes, reading never throws and ends with well-formed items.
 */
import fc from 'fast-check';
import { readInterchangesSync, type EnvelopeItem } from './envelope';
import type { Delimiters, Segment } from './model';
import { serializeSegments, wrapInterchange, type SegmentData } from './serialize';
import { tokenize, X12Tokenizer, type TokenizeError } from './tokenize';

const ENVELOPE_IDS = new Set(['ISA', 'IEA', 'GS', 'GE', 'ST', 'SE']);
const SEPARATORS = ['*', '|', '^', ':', '>', '!', '\\', '{', '}', '+', "'", '\x1c', '\x1d', '\x1f'];

const delimitersArb: fc.Arbitrary<Delimiters> = fc
  .tuple(
    fc.shuffledSubarray(SEPARATORS, { minLength: 3, maxLength: 3 }),
    fc.constantFrom('~', '\n', '\r', '\x1e'),
  )
  .map(([[element, component, repetition], segment]) => ({
    element: element!,
    component: component!,
    repetition: repetition!,
    segment,
  }));

function valueArb(delimiters: Delimiters): fc.Arbitrary<string> {
  const chars = [
    ...'AZaz09 .-/#&',
    'é',
    '€',
    '“',
    '🚚',
    delimiters.component,
    delimiters.repetition!,
  ];
  return fc.string({ unit: fc.constantFrom(...chars), maxLength: 12 });
}

// Built once: `chain` below builds the interchange arbitrary per sample, and stringMatching is slow to build.
const applicationIdArb = fc.stringMatching(/^[A-Z0-9]{2,15}$/);
const senderIdArb = fc.stringMatching(/^[A-Z0-9]{1,15}$/);
const nowArb = fc.date({
  min: new Date('2000-01-01'),
  max: new Date('2099-12-31'),
  noInvalidDate: true,
});
const segmentIdArb = fc
  .stringMatching(/^[A-Z][A-Z0-9]{1,2}$/)
  .filter((id) => !ENVELOPE_IDS.has(id));

function interchangeArb(delimiters: Delimiters): fc.Arbitrary<SegmentData[]> {
  const segmentArb = fc.record({
    id: segmentIdArb,
    elements: fc.array(valueArb(delimiters), { maxLength: 8 }),
  });
  const setArb = fc
    .tuple(fc.constantFrom('850', '856', '810'), fc.array(segmentArb, { maxLength: 6 }))
    .map(([id, body]) => [{ id: 'ST', elements: [id, ''] }, ...body]);
  const groupArb = fc.record({
    functionalId: fc.constantFrom('PO', 'SH', 'IN'),
    applicationSender: applicationIdArb,
    applicationReceiver: applicationIdArb,
    controlNumber: fc.integer({ min: 1, max: 999_999_999 }),
    version: fc.constantFrom('004010', '005010'),
    transactionSets: fc.array(setArb, { minLength: 1, maxLength: 3 }),
  });
  return fc
    .record({
      senderId: senderIdArb,
      controlNumber: fc.integer({ min: 0, max: 999_999_999 }),
      version: fc.constantFrom('00401', '00501'),
      groups: fc.array(groupArb, { maxLength: 3 }),
      now: nowArb,
      hasTa1: fc.boolean(),
    })
    .map(({ senderId, controlNumber, version, groups, now, hasTa1 }) =>
      wrapInterchange({
        sender: { qualifier: 'ZZ', id: senderId },
        receiver: { qualifier: '01', id: '123456789' },
        controlNumber,
        version,
        usage: 'P',
        ackRequested: false,
        delimiters,
        now,
        groups,
        ta1: hasTa1
          ? { id: 'TA1', elements: ['000000001', '240312', '0915', 'A', '000'] }
          : undefined,
      }),
    );
}

/** One to three interchanges, each with its own delimiters and line breaks, back to back. */
const streamArb = fc.array(
  delimitersArb.chain((delimiters) =>
    fc.record({
      delimiters: fc.constant(delimiters),
      segments: interchangeArb(delimiters),
      lineEnding: fc.constantFrom('', '\n', '\r\n'),
    }),
  ),
  { minLength: 1, maxLength: 3 },
);

function writeStream(
  stream: Array<{ delimiters: Delimiters; segments: SegmentData[]; lineEnding: string }>,
) {
  const text = stream
    .map((i) => serializeSegments(i.segments, i.delimiters, i.lineEnding))
    .join('');
  const expected = stream
    .flatMap((i) => i.segments)
    .map((s) => [s.id, ...trimTrailingEmpty(s.elements)]);
  return { bytes: Buffer.from(text, 'utf8'), expected };
}

function trimTrailingEmpty(elements: string[]): string[] {
  let end = elements.length;
  while (end > 0 && elements[end - 1] === '') end--;
  return elements.slice(0, end);
}

function tokenizeAt(bytes: Buffer, cuts: number[]) {
  const segments: Segment[] = [];
  const errors: TokenizeError[] = [];
  const tokenizer = new X12Tokenizer({
    segment: (s) => void segments.push(s),
    error: (e) => void errors.push(e),
  });
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    tokenizer.push(bytes.subarray(from, Math.min(cut, bytes.length)));
    from = Math.min(cut, bytes.length);
  }
  tokenizer.push(bytes.subarray(from));
  tokenizer.end();
  return { segments, errors };
}

/** Throws unless the items open and close properly, with nothing opened after a fatal error. */
function checkWellFormed(items: EnvelopeItem[]): void {
  let depth = 0; // 0 outside, 1 in an interchange, 2 in a group
  let hasFailed = false;
  for (const item of items) {
    const opens =
      item.kind !== 'groupEnd' && item.kind !== 'interchangeEnd' && item.kind !== 'error';
    if (hasFailed && opens) throw new Error(`${item.kind} after a fatal error`);
    switch (item.kind) {
      case 'interchange':
        if (depth !== 0) throw new Error('interchange inside an interchange');
        depth = 1;
        break;
      case 'group':
        if (depth !== 1) throw new Error('group outside an interchange');
        depth = 2;
        break;
      case 'ta1':
        if (depth !== 1) throw new Error('TA1 outside an interchange or inside a group');
        break;
      case 'transaction':
        if (depth !== 2) throw new Error('transaction outside a group');
        if (item.segments[0]?.id !== 'ST') throw new Error('transaction not starting with ST');
        if (!item.setErrors.every((code) => /^\d+$/.test(code))) throw new Error('bad AK5 code');
        break;
      case 'groupEnd':
        if (depth !== 2) throw new Error('groupEnd without its group');
        depth = 1;
        break;
      case 'interchangeEnd':
        if (depth !== 1) throw new Error('interchangeEnd with a group open or no interchange');
        if (!item.errors.every((e) => /^\d{3}$/.test(e.code))) throw new Error('bad TA1 code');
        depth = 0;
        break;
      case 'error':
        if (!/^\d{3}$/.test(item.code)) throw new Error(`bad error code ${item.code}`);
        if (item.fatal) hasFailed = true;
        break;
    }
  }
  if (depth !== 0) throw new Error('the items end with something open');
}

describe('what the serializer writes reads back unchanged', () => {
  it('as segments, whatever the delimiters and line breaks', () => {
    fc.assert(
      fc.property(streamArb, (stream) => {
        const { bytes, expected } = writeStream(stream);
        const { segments, errors } = tokenize(bytes);
        expect(errors).toEqual([]);
        expect(segments.map((s) => [s.id, ...s.elements])).toEqual(expected);
      }),
    );
  });

  it('the same whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat(), { maxLength: 6 }), (stream, cuts) => {
        const { bytes } = writeStream(stream);
        expect(
          tokenizeAt(
            bytes,
            cuts.map((c) => c % (bytes.length + 1)),
          ),
        ).toEqual(tokenize(bytes));
      }),
    );
  });

  it('as envelopes without a single error', () => {
    fc.assert(
      fc.property(streamArb, (stream) => {
        const items = [...readInterchangesSync(writeStream(stream).bytes)];
        checkWellFormed(items);
        expect(items.filter((i) => i.kind === 'error')).toEqual([]);
        for (const item of items) {
          if (item.kind === 'interchangeEnd') expect(item.errors).toEqual([]);
          if (item.kind === 'groupEnd') expect(item.errors).toEqual([]);
          if (item.kind === 'transaction') expect(item.setErrors).toEqual([]);
        }
        expect(items.filter((i) => i.kind === 'interchange')).toHaveLength(stream.length);
      }),
    );
  });
});

type Damage =
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'overwrite'; at: number; byte: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
  }),
  fc.record({
    kind: fc.constant('overwrite' as const),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 60 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function damage(bytes: Buffer, d: Damage): Buffer {
  const at = d.at % (bytes.length + 1);
  switch (d.kind) {
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + d.length)]);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), d.bytes, bytes.subarray(at)]);
    case 'overwrite':
      return at < bytes.length
        ? Buffer.concat([bytes.subarray(0, at), Buffer.from([d.byte]), bytes.subarray(at + 1)])
        : bytes;
    case 'duplicate':
      return Buffer.concat([bytes.subarray(0, at + d.length), bytes.subarray(at)]);
    case 'truncate':
      return bytes.subarray(0, at);
  }
}

/** Segment-level damage: drop, repeat or cut short segments and elements before writing. */
function damageSegments(segments: SegmentData[], picks: number[]): SegmentData[] {
  const out = [...segments];
  for (const pick of picks) {
    if (out.length === 0) break;
    const i = pick % out.length;
    const segment = out[i]!;
    switch (pick % 4) {
      case 0:
        out.splice(i, 1);
        break;
      case 1:
        out.splice(i, 0, segment);
        break;
      case 2:
        out[i] = {
          ...segment,
          elements: segment.elements.slice(0, pick % (segment.elements.length + 1)),
        };
        break;
      case 3:
        out[i] = {
          ...segment,
          elements: segment.elements.map((e) => (/^\d+$/.test(e) ? String(Number(e) + 1) : e)),
        };
        break;
    }
  }
  return out;
}

describe('damaged input never throws and always ends well-formed', () => {
  const readAll = (bytes: Buffer, chunkBytes: number) => {
    const items = [...readInterchangesSync(bytes, { chunkBytes })];
    checkWellFormed(items);
    return items;
  };

  it('byte-level damage, read whole or in chunks, with the same items', () => {
    fc.assert(
      fc.property(
        streamArb,
        fc.array(damageArb, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 64 }),
        (stream, damages, chunkBytes) => {
          const bytes = damages.reduce(damage, writeStream(stream).bytes);
          expect(readAll(bytes, chunkBytes)).toEqual(readAll(bytes, bytes.length + 1));
        },
      ),
    );
  });

  it('missing, repeated and shortened segments, and wrong counts', () => {
    fc.assert(
      fc.property(
        streamArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        (stream, picks) => {
          const damaged = stream.map((i) => ({
            ...i,
            segments: damageSegments(i.segments, picks),
          }));
          const text = damaged
            .map((i) => serializeSegments(i.segments, i.delimiters, i.lineEnding))
            .join('');
          readAll(Buffer.from(text), 97);
        },
      ),
    );
  });

  it('random bytes, with or without an ISA in front', () => {
    const isa =
      'ISA*00*          *00*          *ZZ*A              *ZZ*B              *240312*0915*U*00401*000000001*0*P*>~';
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (random, withIsa) => {
        const bytes = withIsa ? Buffer.concat([Buffer.from(isa), random]) : Buffer.from(random);
        readAll(bytes, 13);
      }),
    );
  });
});
