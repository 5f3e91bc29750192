/**
 * X12 outbound generation benchmark: canonical Invoice → 810 interchange, on one core, against
 * node-x12's X12Generator on the same documents in the same run.
 *
 * Rows:
 * - crossdock full path: the 810 map (edi-maps/maps/invoice-810.yaml), the tree writer, the
 *   validation of the set against its schema, the envelope and serialisation: all the gateway
 *   does per document before storing it.
 * - crossdock envelope + serialise: wrapInterchange + serializeSegmentsToBuffer (what
 *   assembleInterchange writes the stored bytes with) of already mapped segments.
 * - node-x12 X12Generator: JSEDINotation of the same segments (built outside the timed loop,
 *   so node-x12 is measured on serialisation alone; it has no canonical-document mapping).
 * MB are 10^6 bytes of X12 written. Documents are 20-line and 2,000-line invoices.
 *
 * Run by bench/x12-outbound.ts (`npm run bench`).
 */
import { JSEDINotation, X12Generator } from 'node-x12';
import type { Invoice } from '../src/canonical';
import { loadMaps } from '../src/mapping';
import { buildTransactionSet } from '../src/outbound/x12/build-set';
import { assembleInterchange } from '../src/outbound/x12/interchange';
import { loadOutboundMaps } from '../src/outbound/x12/outbound-maps';
import type { X12OutboundSettings } from '../src/outbound/x12/settings';
import { builtInEdiMapsDir, loadTransactionSetSchemas } from '../src/x12/schema';
import { serializeSegmentsToBuffer, wrapInterchange, type SegmentData } from '../src/x12/serialize';
import { table } from './format';

/** The issue's goal: at least this many times node-x12's generator throughput. */
export const GOAL_RATIO = 10;
const SECONDS_PER_CASE = Number(process.env.BENCH_SECONDS ?? 3);

const settings: X12OutboundSettings = {
  version: '004010',
  interchangeVersion: '00401',
  sender: { qualifier: 'ZZ', id: 'ACMESUPPLY' },
  receiver: { qualifier: 'ZZ', id: 'GLOBEXRETAIL' },
  applicationSender: 'ACMESUPPLY',
  applicationReceiver: 'GLOBEXRETAIL',
  usage: 'P',
  ackRequested: false,
  delimiters: { element: '*', component: '>', repetition: null, segment: '~' },
  lineEnding: '',
  batching: { mode: 'single', maxSets: 1, windowMs: 0 },
  ackWindowMs: null,
};

function invoiceWithLines(count: number): Invoice {
  const lines: Invoice['lines'] = [];
  for (let i = 1; i <= count; i++) {
    lines.push({
      lineNumber: String(i),
      quantity: String((i % 48) + 1),
      unitOfMeasure: 'EA',
      unitPrice: { value: `${(i % 90) + 1}.25`, basis: 'PE' },
      productIds: [
        { scheme: 'UPC', value: String(81234500000 + i).padStart(12, '0') },
        { scheme: 'VendorPart', value: `AH-${i}-SS` },
      ],
      descriptions: [{ text: `Stainless steel item ${i}` }],
      lineAmount: { value: `${((i % 48) + 1) * ((i % 90) + 1)}.00` },
    });
  }
  return {
    invoiceNumber: `INV-${count}`,
    invoiceDate: '2024-03-28',
    poNumber: '4500012345',
    poDate: '2024-03-15',
    currency: 'USD',
    parties: [
      {
        role: 'remitTo',
        name: 'Acme Housewares Co.',
        identifiers: [{ scheme: 'DUNS', value: '987654321' }],
      },
      {
        role: 'billTo',
        name: 'Northwind Retail',
        identifiers: [{ scheme: 'DUNS', value: '123456789' }],
      },
    ],
    lines,
    totals: { totalAmount: { value: '12345.67' } },
  } as Invoice;
}

export interface GenerationRow {
  lines: number;
  tool: string;
  documents: number;
  bytes: number;
  seconds: number;
}

function time(run: () => number): { documents: number; bytes: number; seconds: number } {
  for (let i = 0; i < 20; i++) run(); // warm-up: JIT and inline caches
  let documents = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(Math.round(SECONDS_PER_CASE * 1e9));
  let now = start;
  while (now < until) {
    bytes += run();
    documents++;
    if ((documents & 7) === 0) now = process.hrtime.bigint();
    else if (documents < 8) now = process.hrtime.bigint();
  }
  now = process.hrtime.bigint();
  return { documents, bytes, seconds: Number(now - start) / 1e9 };
}

export function runGenerationBench(): GenerationRow[] {
  const dirs = [builtInEdiMapsDir()];
  const schemas = loadTransactionSetSchemas(dirs);
  const maps = loadMaps(dirs);
  const runtime = { schemas, maps, outboundMaps: loadOutboundMaps(dirs, maps, schemas) };
  const now = new Date('2024-03-28T12:00:00Z');
  const rows: GenerationRow[] = [];
  for (const count of [20, 2000]) {
    const invoice = invoiceWithLines(count);
    const build = () =>
      buildTransactionSet({ kind: 'Invoice', data: invoice }, 'bench', settings, runtime);
    const built = build();
    const segments: SegmentData[] = built.segments;
    const full = () =>
      assembleInterchange([{ ...build(), gs06: '1', st02: '0001' }], settings, '000000001', now)
        .length;
    const serializeOnly = () =>
      serializeSegmentsToBuffer(
        wrapInterchange({
          sender: settings.sender,
          receiver: settings.receiver,
          controlNumber: 1,
          version: '00401',
          usage: 'P',
          ackRequested: false,
          delimiters: settings.delimiters,
          now,
          groups: [
            {
              functionalId: 'IN',
              applicationSender: 'ACMESUPPLY',
              applicationReceiver: 'GLOBEXRETAIL',
              controlNumber: 1,
              version: '004010',
              transactionSets: [segments],
            },
          ],
        }),
        settings.delimiters,
      ).length;
    const jsen = new JSEDINotation([
      '00',
      '          ',
      '00',
      '          ',
      'ZZ',
      'ACMESUPPLY     ',
      'ZZ',
      'GLOBEXRETAIL   ',
      '240328',
      '1200',
      'U',
      '00401',
      '000000001',
      '0',
      'P',
      '>',
    ]);
    const transaction = jsen
      .addFunctionalGroup([
        'IN',
        'ACMESUPPLY',
        'GLOBEXRETAIL',
        '20240328',
        '1200',
        '1',
        'X',
        '004010',
      ])
      .addTransaction(['810', '0001']);
    for (const segment of segments.slice(1)) transaction.addSegment(segment.id, segment.elements);
    const nodeX12 = () =>
      Buffer.byteLength(
        new X12Generator(jsen, {
          elementDelimiter: '*',
          segmentTerminator: '~',
          subElementDelimiter: '>',
        }).toString(),
      );
    for (const [tool, run] of [
      ['crossdock full path (map + validate + envelope)', full],
      ['crossdock envelope + serialise', serializeOnly],
      ['node-x12 X12Generator', nodeX12],
    ] as const) {
      rows.push({ lines: count, tool, ...time(run) });
    }
  }
  return rows;
}

export function generationTable(rows: GenerationRow[]): string {
  const baseline = (lines: number) =>
    rows.find((row) => row.lines === lines && row.tool.startsWith('node-x12'))!;
  return table(
    ['invoice', 'tool', 'documents/s', 'MB/s', 'vs node-x12'],
    rows.map((row) => {
      const base = baseline(row.lines);
      const rate = row.documents / row.seconds;
      return [
        `${row.lines.toLocaleString('en-US')} lines`,
        row.tool,
        Math.round(rate).toLocaleString('en-US'),
        (row.bytes / row.seconds / 1e6).toFixed(1),
        `${(rate / (base.documents / base.seconds)).toFixed(1)}x`,
      ];
    }),
  );
}
