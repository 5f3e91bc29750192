/**
 * Control-number allocation rate: allocateInterchangeNumbers (one UPSERT ... RETURNING moving a
 * partner's ISA13, GS06 and ST02 counters together) with several allocators contending for the
 * same partner, as deliver workers do when they assemble interchanges at once. A call numbers
 * one interchange of one group with 1 or 10 transaction sets.
 *
 * PostgreSQL: 4 worker processes (forks of this file, one connection each) for ~5 s, with 1 and
 * 10 sets per interchange. PGlite: 4 concurrent allocation loops in one process (PGlite is
 * single-process), on a data directory as `npm start` uses. Prints a Markdown table.
 *
 * Alone: `npm run build && node dist/bench/control-numbers.js`; PostgreSQL rows need
 * BENCH_DATABASE_URL (or DATABASE_URL), which gets a fresh database, dropped afterwards.
 * BENCH_CONTROL_NUMBERS_SECONDS sets the duration of each measurement (default 5).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPglite, openPostgres, type Database } from '../src/store/database';
import { allocateInterchangeNumbers } from '../src/store/control-numbers';
import { migrate } from '../src/store/migrate';
import { MessageStore } from '../src/store/message-store';
import { createBenchDatabase } from './bench-database';
import { Cleanup } from './cleanup';
import { int, ms, table } from './format';
import { percentile } from './load-generator';

const PARTNER = 'globex-retail';
const WORKERS = 4;
/** Sets per interchange, and concurrent callers per allocator (deliver jobs in one process). */
const CASES = [
  { batch: 1, callers: 1 },
  { batch: 10, callers: 1 },
  { batch: 1, callers: 16 },
];

export interface ControlNumberBenchRow {
  store: 'postgres' | 'pglite';
  /** How the allocators ran: separate processes or concurrent loops in one process. */
  allocators: string;
  batch: number;
  seconds: number;
  calls: number;
  numbers: number;
  callsPerSecond: number;
  numbersPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

interface AllocatorReport {
  calls: number;
  elapsedMs: number;
  latenciesMs: number[];
}

interface WorkerJob {
  databaseUrl: string;
  batch: number;
  callers: number;
  durationMs: number;
}

/**
 * Allocates for `durationMs` from `callers` concurrent loops sharing the store's allocator, as a
 * worker's concurrent deliver jobs do, each loop one call at a time, timing each call.
 */
async function allocateFor(
  store: MessageStore,
  batch: number,
  callers: number,
  durationMs: number,
): Promise<AllocatorReport> {
  const latenciesMs: number[] = [];
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() - begin < durationMs) {
        const started = performance.now();
        await store.allocateInterchangeNumbers(PARTNER, { groups: 1, sets: batch });
        latenciesMs.push(performance.now() - started);
      }
    }),
  );
  return { calls: latenciesMs.length, elapsedMs: performance.now() - begin, latenciesMs };
}

/** A forked worker: connects, says it is ready, waits for the start signal, reports. */
async function runWorker(job: WorkerJob): Promise<void> {
  const db = await openPostgres(job.databaseUrl, 1);
  try {
    const store = new MessageStore(db);
    await store.ping();
    await new Promise<void>((resolve) => {
      process.once('message', () => resolve());
      process.send!('ready');
    });
    const report = await allocateFor(store, job.batch, job.callers, job.durationMs);
    await new Promise<void>((resolve) => process.send!(report, () => resolve()));
  } finally {
    await db.close();
    // The IPC channel would keep this process alive.
    process.disconnect();
  }
}

async function measurePostgresProcesses(
  databaseUrl: string,
  batch: number,
  callers: number,
  durationMs: number,
  cleanup: Cleanup,
): Promise<ControlNumberBenchRow> {
  const workers = Array.from({ length: WORKERS }, () => {
    const job: WorkerJob = { databaseUrl, batch, callers, durationMs };
    const child = fork(__filename, ['--worker', JSON.stringify(job)]);
    cleanup.trackPid(child.pid);
    let markReady: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const report = new Promise<AllocatorReport>((resolve, reject) => {
      child.on('message', (message) => {
        if (message === 'ready') markReady();
        else resolve(message as AllocatorReport);
      });
      child.on('exit', (code) => {
        cleanup.untrackPid(child.pid);
        if (code !== 0) reject(new Error(`allocation worker exited with ${code}`));
      });
    });
    return { child, ready, report };
  });
  await Promise.all(workers.map((worker) => worker.ready));
  // Started together, so the measured window has all four contending for the row.
  workers.forEach((worker) => worker.child.send('go'));
  const reports = await Promise.all(workers.map((worker) => worker.report));
  return summarize('postgres', `${WORKERS} processes × ${callers} callers`, batch, reports);
}

async function measurePgliteLoops(
  db: Database,
  batch: number,
  callers: number,
  durationMs: number,
): Promise<ControlNumberBenchRow> {
  // PGlite is one process: the four allocators are four stores (four batching allocators).
  const reports = await Promise.all(
    Array.from({ length: WORKERS }, () =>
      allocateFor(new MessageStore(db), batch, callers, durationMs),
    ),
  );
  return summarize(
    'pglite',
    `${WORKERS} allocators × ${callers} callers, 1 process`,
    batch,
    reports,
  );
}

function summarize(
  store: ControlNumberBenchRow['store'],
  allocators: string,
  batch: number,
  reports: AllocatorReport[],
): ControlNumberBenchRow {
  const calls = reports.reduce((sum, report) => sum + report.calls, 0);
  const latencies = reports.flatMap((report) => report.latenciesMs);
  const seconds = Math.max(...reports.map((report) => report.elapsedMs)) / 1000;
  return {
    store,
    allocators,
    batch,
    seconds,
    calls,
    numbers: calls * batch,
    callsPerSecond: calls / seconds,
    numbersPerSecond: (calls * batch) / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

export async function benchControlNumbers(options: {
  databaseUrl?: string;
  durationMs: number;
  log: (line: string) => void;
}): Promise<{ rows: ControlNumberBenchRow[]; markdown: string }> {
  const rows: ControlNumberBenchRow[] = [];
  const cleanup = new Cleanup();
  try {
    if (options.databaseUrl) {
      const database = await createBenchDatabase(options.databaseUrl, cleanup);
      const db = await openPostgres(database.url, 1);
      await migrate(db);
      await db.close();
      for (const { batch, callers } of CASES) {
        options.log(`postgres: ${WORKERS} processes × ${callers} callers, ${batch} sets each`);
        rows.push(
          await measurePostgresProcesses(database.url, batch, callers, options.durationMs, cleanup),
        );
      }
    } else {
      options.log('postgres: skipped (set BENCH_DATABASE_URL to measure it)');
    }
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crossdock-bench-control-numbers-'));
    cleanup.add(`remove ${dataDir}`, async () => rmSync(dataDir, { recursive: true, force: true }));
    const db = await openPglite(dataDir);
    cleanup.add('close PGlite', () => db.close());
    await migrate(db);
    for (const { batch, callers } of CASES) {
      options.log(`pglite: ${WORKERS} allocators × ${callers} callers, ${batch} sets each`);
      rows.push(await measurePgliteLoops(db, batch, callers, options.durationMs));
    }
  } finally {
    await cleanup.runAll();
  }
  const markdown = table(
    [
      'store',
      'allocators',
      'sets per interchange',
      'interchanges/s',
      'sets/s',
      'call p50 ms',
      'call p99 ms',
    ],
    rows.map((row) => [
      row.store,
      row.allocators,
      String(row.batch),
      int(row.callsPerSecond),
      int(row.numbersPerSecond),
      ms(row.p50Ms),
      ms(row.p99Ms),
    ]),
  );
  return { rows, markdown };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--worker') {
    await runWorker(JSON.parse(process.argv[3]!) as WorkerJob);
    return;
  }
  const seconds = Number(process.env.BENCH_CONTROL_NUMBERS_SECONDS ?? 5);
  const results = await benchControlNumbers({
    databaseUrl: process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL,
    durationMs: seconds * 1000,
    log: (line) => console.log(line),
  });
  console.log(
    `\nControl numbers: all allocators number interchanges for the same partner for ${seconds} s each; ${os.cpus().length} cores, Node ${process.version}.\n`,
  );
  console.log(results.markdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
