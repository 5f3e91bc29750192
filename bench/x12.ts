/**
 * X12 reading benchmark: our streaming tokenizer (and the envelope reader on top of it) against
 * node-x12's X12Parser and x12-parser's streaming segment parser, on the same generated files of
 * purchase orders (850s with 20 PO1 lines each), in the same run.
 *
 * Each measurement runs in its own child process (a fork of this file), so its peak RSS
 * (`process.resourceUsage().maxRSS`) is its own. MB are 10^6 bytes. Files are generated to a
 * temporary folder with backpressure, so even the 1 GB file is never held in memory by us; the
 * competitors run up to 100 MB by default (node-x12 holds the whole document in memory).
 *
 * Alone: `npm run build && node dist/bench/x12.js` (1 and 100 MB; `BENCH_X12_GB=1` adds 1 GB).
 */
import { fork } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import type { Transform } from 'node:stream';
import { X12FatInterchange, X12Parser, type X12Interchange } from 'node-x12';
import { readInterchanges } from '../src/x12/envelope';
import type { Delimiters } from '../src/x12/model';
import { serializeSegments, wrapInterchange, type SegmentData } from '../src/x12/serialize';
import { X12Tokenizer } from '../src/x12/tokenize';
import { loadMaps } from '../src/mapping';
import { builtInEdiMapsDir, loadTransactionSetSchemas } from '../src/x12/schema';
import { validateTransactionSet } from '../src/x12/validate';
import { table } from './format';

/** The issue's goal for the tokenizer on a 2-core machine. */
export const GOAL_TOKENIZER_MB_PER_SECOND = 150;

const TOOLS = [
  'crossdock tokenizer',
  'crossdock envelope reader',
  'crossdock tokenize + validate',
  'crossdock full path (tokenize + validate + map)',
  'x12-parser',
  'node-x12',
] as const;
export type X12BenchTool = (typeof TOOLS)[number];
const OURS: X12BenchTool[] = [
  'crossdock tokenizer',
  'crossdock envelope reader',
  'crossdock tokenize + validate',
  'crossdock full path (tokenize + validate + map)',
];

export interface X12BenchRow {
  sizeMb: number;
  tool: X12BenchTool;
  bytes: number;
  seconds: number;
  mbPerSecond: number;
  /** Peak resident set of the child process that ran this measurement. */
  peakRssMb: number;
  /** Segments the tool read (the same for every tool on one file, as a sanity check). */
  segments: number;
  /** Set when the measurement failed (e.g. the child ran out of memory). */
  error?: string;
}

export interface X12BenchResults {
  rows: X12BenchRow[];
  /** How fast wrapInterchange + serializeSegments wrote each file (in this process, I/O excluded). */
  serializer: Array<{ sizeMb: number; mbPerSecond: number }>;
  /** Peak RSS of a child that only loads this file: the floor under every figure. */
  idleRssMb: number;
  markdown: string;
}

export async function benchX12(options: {
  sizesMb: number[];
  /** Largest file the other parsers are run on (default 100). */
  competitorsUpToMb?: number;
  log?: (line: string) => void;
}): Promise<X12BenchResults> {
  const log = options.log ?? (() => undefined);
  const competitorsUpToMb = options.competitorsUpToMb ?? 100;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'crossdock-bench-x12-'));
  try {
    const idle = await runChild({ tool: 'idle', file: '', sizeMb: 0 });
    const rows: X12BenchRow[] = [];
    const serializer: X12BenchResults['serializer'] = [];
    for (const sizeMb of options.sizesMb) {
      const file = path.join(dir, `850-${sizeMb}mb.x12`);
      const { bytes, serializeSeconds } = await writePurchaseOrders(file, sizeMb * 1e6);
      serializer.push({ sizeMb, mbPerSecond: bytes / 1e6 / serializeSeconds });
      log(`x12: ${file} (${(bytes / 1e6).toFixed(1)} MB) written`);
      for (const tool of TOOLS) {
        if (!OURS.includes(tool) && sizeMb > competitorsUpToMb) continue;
        const row = await measure(tool, file, sizeMb);
        log(`x12: ${sizeMb} MB ${tool}: ${row.error ?? `${row.mbPerSecond.toFixed(1)} MB/s`}`);
        rows.push(row);
      }
      rmSync(file, { force: true });
    }
    const idleRssMb = idle.maxRssKb / 1024;
    return { rows, serializer, idleRssMb, markdown: formatX12Table(rows, serializer, idleRssMb) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatX12Table(
  rows: X12BenchRow[],
  serializer: X12BenchResults['serializer'],
  idleRssMb: number,
): string {
  const body = rows.map((r) => [
    `${r.sizeMb} MB`,
    r.tool,
    r.error ? `failed: ${r.error}` : r.mbPerSecond.toFixed(1),
    r.error ? '–' : r.seconds.toFixed(2),
    r.error ? '–' : r.peakRssMb.toFixed(0),
    r.error ? '–' : r.segments.toLocaleString('en-US'),
  ]);
  return [
    table(['file', 'reader', 'MB/s', 'seconds', 'peak RSS (MB)', 'segments'], body),
    '',
    `Goal: tokenizer ≥ ${GOAL_TOKENIZER_MB_PER_SECOND} MB/s. Each row ran in its own process; ` +
      `an idle one peaks at ${idleRssMb.toFixed(0)} MB RSS. The serializer wrote the files at ` +
      serializer.map((s) => `${s.mbPerSecond.toFixed(0)} MB/s (${s.sizeMb} MB)`).join(', ') +
      ' (wrapInterchange + serializeSegments, file I/O excluded).',
  ].join('\n');
}

interface ChildJob {
  tool: X12BenchTool | 'idle';
  file: string;
  sizeMb: number;
}
interface ChildReport {
  bytes: number;
  seconds: number;
  segments: number;
  maxRssKb: number;
}

async function measure(tool: X12BenchTool, file: string, sizeMb: number): Promise<X12BenchRow> {
  try {
    const report = await runChild({ tool, file, sizeMb });
    return {
      sizeMb,
      tool,
      bytes: report.bytes,
      seconds: report.seconds,
      mbPerSecond: report.bytes / 1e6 / report.seconds,
      peakRssMb: report.maxRssKb / 1024,
      segments: report.segments,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      sizeMb,
      tool,
      bytes: 0,
      seconds: NaN,
      mbPerSecond: NaN,
      peakRssMb: NaN,
      segments: 0,
      error: message,
    };
  }
}

function runChild(job: ChildJob): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--measure', JSON.stringify(job)], {
      execArgv: job.tool === 'node-x12' ? ['--max-old-space-size=16384'] : [],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let report: ChildReport | undefined;
    let stderr = '';
    child.stderr?.on(
      'data',
      (data: Buffer) => void (stderr = (stderr + data.toString()).slice(-2000)),
    );
    child.on('message', (message) => void (report = message as ChildReport));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (report) resolve(report);
      else reject(new Error(`child exited with ${signal ?? code}: ${lastLine(stderr)}`));
    });
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? 'no output';
}

/** Runs one measurement in this (child) process and reports it to the parent. */
async function runMeasurement(job: ChildJob): Promise<void> {
  const started = performance.now();
  const segments = job.tool === 'idle' ? 0 : await READERS[job.tool](job.file);
  const seconds = (performance.now() - started) / 1000;
  const bytes = job.tool === 'idle' ? 0 : statSync(job.file).size;
  const report: ChildReport = {
    bytes,
    seconds,
    segments,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  process.send!(report);
}

const HIGH_WATER_MARK = 1024 * 1024;

const READERS: Record<X12BenchTool, (file: string) => Promise<number>> = {
  'crossdock tokenizer': async (file) => {
    let segments = 0;
    let failures = 0;
    const tokenizer = new X12Tokenizer({
      segment: () => void segments++,
      error: () => void failures++,
    });
    for await (const chunk of createReadStream(file, { highWaterMark: HIGH_WATER_MARK })) {
      tokenizer.push(chunk as Buffer);
    }
    tokenizer.end();
    if (failures > 0) throw new Error(`${failures} tokenizer errors`);
    return segments;
  },
  'crossdock envelope reader': async (file) => {
    let segments = 0;
    for await (const item of readInterchanges(
      createReadStream(file, { highWaterMark: HIGH_WATER_MARK }),
    )) {
      if (item.kind === 'transaction') segments += item.segments.length;
      else if (item.kind !== 'error')
        segments++; // ISA, GS, GE, IEA
      else throw new Error(item.message);
    }
    return segments;
  },
  'crossdock tokenize + validate': (file) => readValidateAndMap(file, false),
  'crossdock full path (tokenize + validate + map)': (file) => readValidateAndMap(file, true),
  'x12-parser': async (file) => {
    // x12-parser only declares an "exports" map, which this project's module resolution skips.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { X12parser } = require('x12-parser') as { X12parser: new () => Transform };
    let segments = 0;
    const parser = createReadStream(file, { highWaterMark: HIGH_WATER_MARK }).pipe(new X12parser());
    for await (const _segment of parser) segments++;
    return segments;
  },
  'node-x12': async (file) => {
    const parsed = new X12Parser(true).parse(readFileSync(file, 'utf8'));
    const interchanges: X12Interchange[] =
      parsed instanceof X12FatInterchange ? parsed.interchanges : [parsed];
    let segments = 0;
    for (const interchange of interchanges) {
      segments += 2;
      for (const group of interchange.functionalGroups) {
        segments += 2;
        for (const transaction of group.transactions) segments += transaction.segments.length + 2;
      }
    }
    return segments;
  },
};

/**
 * What the process worker does per file, without the store and queues: read the envelopes,
 * validate every set against its schema, and (with `map`) turn every 850 into a canonical
 * PurchaseOrder through edi-maps/maps/850-purchase-order.yaml. Loading and compiling the
 * schemas and maps (once per worker start, well under a second) is inside the timing.
 */
async function readValidateAndMap(file: string, map: boolean): Promise<number> {
  const dirs = [builtInEdiMapsDir()];
  const schemas = loadTransactionSetSchemas(dirs);
  const purchaseOrderMap = loadMaps(dirs).get('850-purchase-order')!;
  let segments = 0;
  let invalid = 0;
  for await (const item of readInterchanges(
    createReadStream(file, { highWaterMark: HIGH_WATER_MARK }),
  )) {
    if (item.kind === 'transaction') {
      segments += item.segments.length;
      const schema = schemas.get(item.group.version, item.setId)!;
      const { segmentErrors, tree } = validateTransactionSet(item.segments, schema, DELIMITERS);
      if (segmentErrors.length > 0) invalid++;
      if (map) purchaseOrderMap.run(tree);
    } else if (item.kind === 'error') {
      throw new Error(item.message);
    } else {
      segments++;
    }
  }
  if (invalid > 0) throw new Error(`${invalid} transaction sets did not validate`);
  return segments;
}

const DELIMITERS: Delimiters = { element: '*', component: '>', repetition: '^', segment: '~' };
const POS_PER_INTERCHANGE = 20;
const PRODUCTS = [
  'Stainless steel water bottle, 750 ml',
  'Bamboo cutting board set',
  'Cast iron skillet 12 in',
  'Linen tea towels, pack of 4',
  'Ceramic mixing bowls, nested set of 3',
];

/** Writes interchanges of 850s until `targetBytes` is reached, timing the serializer. */
async function writePurchaseOrders(
  file: string,
  targetBytes: number,
): Promise<{ bytes: number; serializeSeconds: number }> {
  const out = createWriteStream(file);
  let written = 0;
  let serializeMs = 0;
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648; // a fixed LCG: the same file every run
    return seed % n;
  };
  for (let interchange = 1; written < targetBytes; interchange++) {
    const sets = Array.from({ length: POS_PER_INTERCHANGE }, (_, i) =>
      purchaseOrder(interchange * POS_PER_INTERCHANGE + i, random),
    );
    const started = performance.now();
    const text = serializeSegments(
      wrapInterchange({
        sender: { qualifier: 'ZZ', id: 'GLOBEXRETAIL' },
        receiver: { qualifier: 'ZZ', id: 'ACMESUPPLY' },
        controlNumber: interchange,
        version: '00501',
        usage: 'P',
        ackRequested: false,
        delimiters: DELIMITERS,
        now: new Date(Date.UTC(2024, 2, 12, 9, 15)),
        groups: [
          {
            functionalId: 'PO',
            applicationSender: 'GLOBEXRETAIL',
            applicationReceiver: 'ACMESUPPLY',
            controlNumber: interchange,
            version: '005010',
            transactionSets: sets,
          },
        ],
      }),
      DELIMITERS,
      '\n',
    );
    serializeMs += performance.now() - started;
    written += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes: written, serializeSeconds: serializeMs / 1000 };
}

function purchaseOrder(number: number, random: (n: number) => number): SegmentData[] {
  const segment = (id: string, ...elements: string[]): SegmentData => ({ id, elements });
  const lines: SegmentData[] = [];
  let quantity = 0;
  for (let line = 1; line <= 20; line++) {
    const qty = 1 + random(48);
    const product = random(PRODUCTS.length);
    quantity += qty;
    lines.push(
      segment('PO1', String(line), String(qty), 'EA', (5 + random(9000) / 100).toFixed(2), '', 'UP',
        `0123456${String(10_000 + product * 7 + line).padStart(5, '0')}`, 'VN', `AC-${1000 + product}`, 'BP', `GLX-${55_000 + line}`), // prettier-ignore
      segment('PID', 'F', '', '', '', PRODUCTS[product]!),
    );
  }
  return [
    segment('ST', '850', ''),
    segment('BEG', '00', 'SA', `PO-${String(number).padStart(8, '0')}`, '', '20240312'),
    segment('CUR', 'BY', 'USD'),
    segment('REF', 'DP', '038'),
    segment('PER', 'BD', 'Maria Chen', 'TE', '3125550142', 'EM', 'mchen@globex.example'),
    segment('FOB', 'PP'),
    segment('ITD', '01', '3', '2', '', '30', '', '60'),
    segment('DTM', '002', '20240326'),
    segment('TD5', '', '2', 'UPSN', 'M', 'UPS GROUND'),
    segment('N1', 'ST', 'Globex Distribution Center 4', '92', '0004'),
    segment('N3', '1200 Industrial Pkwy'),
    segment('N4', 'Columbus', 'OH', '43219', 'US'),
    segment('N1', 'BT', 'Globex Retail Accounts Payable', '92', 'AP01'),
    segment('N3', 'PO Box 4410'),
    segment('N4', 'Chicago', 'IL', '60601', 'US'),
    ...lines,
    segment('CTT', '20', String(quantity)),
  ];
}

async function main(): Promise<void> {
  if (process.argv[2] === '--measure') {
    await runMeasurement(JSON.parse(process.argv[3]!) as ChildJob);
    return;
  }
  const sizesMb = [1, 100, ...(process.env.BENCH_X12_GB === '1' ? [1000] : [])];
  const results = await benchX12({ sizesMb, log: (line) => console.log(line) });
  console.log(`\n${results.markdown}`);
  const dir = path.resolve(__dirname, '..', '..', 'bench');
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  writeFileSync(
    path.join(dir, 'results-x12.md'),
    [
      '# X12 benchmark results',
      '',
      `Written by \`npm run bench\` (bench/x12.ts) on ${when} UTC; ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}.`,
      'Generated interchanges of 850s (20 PO1 lines each), the same files for every reader, each measurement in its own',
      "process (peak RSS is that process's). Full path = tokenize + validate against edi-maps/x12 + map to a canonical",
      'PurchaseOrder, what the process worker does per file without the store. Goals: tokenizer ≥ 150 MB/s, full path',
      '≥ 40 MB/s on one core, peak RSS under 200 MB at 1 GB (`BENCH_X12_GB=1` adds the 1 GB file).',
      '',
      results.markdown,
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(dir, 'results-x12.json'),
    `${JSON.stringify({ when, rows: results.rows, serializer: results.serializer, idleRssMb: results.idleRssMb }, null, 2)}\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
