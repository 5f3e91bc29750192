/**
 * The claims of MessageStore.allocateControlNumbers (one UPSERT ... RETURNING per call): numbers
 * handed to concurrent allocators, in several processes, are distinct and increase for each
 * allocator; a process killed mid-allocation loses at most what it had in flight (gaps), and
 * nothing is ever handed out twice, after a restart included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { openPglite } from '../src/store/database';
import { migrate } from '../src/store/migrate';
import { MessageStore } from '../src/store/message-store';
import { createPostgresDatabase, openMigrated, type TestDatabase } from './support/databases';

const WORKER = path.join(__dirname, 'support', 'allocate-control-numbers.js');
const PARTNER = 'globex-retail';
const WORKERS = 4;
const NUMBERS_PER_WORKER = 500;
const MAX_BATCH = 3;
const LOOPS_IN_KILLED_WORKER = 4;

jest.setTimeout(120_000);

beforeAll(() => {
  if (!existsSync(path.join(__dirname, '..', 'dist', 'src', 'store', 'message-store.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
  }
});

interface WorkerOptions {
  databaseUrl?: string;
  pgliteDir?: string;
  migrate?: boolean;
  count: number;
  loops?: number;
  waitForGo?: boolean;
}

/** A worker process and everything it reported, as it reports it. */
class AllocatorProcess {
  readonly child: ChildProcess;
  /** Numbers per allocation loop, in the order the loop received them. */
  readonly byLoop = new Map<number, bigint[]>();
  requests = 0;
  answers = 0;
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';
  private readonly lineListeners: Array<() => void> = [];

  constructor(options: WorkerOptions) {
    this.child = spawn(
      process.execPath,
      [
        WORKER,
        JSON.stringify({ partnerId: PARTNER, kind: 'ISA13', maxBatch: MAX_BATCH, ...options }),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    let markReady: () => void;
    this.ready = new Promise((resolve) => (markReady = resolve));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const [word, loop, ...rest] = line.split(' ');
      if (word === 'ready') markReady();
      if (word === 'request') this.requests++;
      if (word === 'allocated') {
        this.answers++;
        const numbers = this.byLoop.get(Number(loop)) ?? [];
        numbers.push(...rest.map(BigInt));
        this.byLoop.set(Number(loop), numbers);
      }
      this.lineListeners.forEach((listener) => listener());
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  go(): void {
    this.child.stdin!.end('go\n');
  }

  all(): bigint[] {
    return [...this.byLoop.values()].flat();
  }

  /** Resolves once `condition` holds after some line of output. */
  until(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (condition()) resolve();
      };
      this.lineListeners.push(check);
      check();
    });
  }

  async finished(): Promise<void> {
    const { code, signal } = await this.exited;
    if (code !== 0) throw new Error(`worker exited with ${code ?? signal}: ${this.stderr}`);
  }
}

function expectStrictlyIncreasing(numbers: bigint[]): void {
  for (let i = 1; i < numbers.length; i++) {
    if (numbers[i]! <= numbers[i - 1]!) {
      throw new Error(`not increasing at ${i}: ${numbers[i - 1]} then ${numbers[i]}`);
    }
  }
}

function expectDistinct(numbers: bigint[]): void {
  expect(new Set(numbers).size).toBe(numbers.length);
}

function max(numbers: bigint[]): bigint {
  return numbers.reduce((a, b) => (b > a ? b : a), 0n);
}

/** 1..n, every one of them: nothing lost when nobody crashed. */
function expectExactlyOneTo(numbers: bigint[], n: number): void {
  expect(numbers.length).toBe(n);
  expect([...numbers].sort((a, b) => (a < b ? -1 : 1))).toEqual(
    Array.from({ length: n }, (_, i) => BigInt(i + 1)),
  );
}

/** How often, walking the numbers in order, the owner changes: 0 means they never overlapped. */
function ownerChanges(owners: bigint[][]): number {
  const ownerOf = new Map<bigint, number>();
  owners.forEach((numbers, owner) => numbers.forEach((n) => ownerOf.set(n, owner)));
  const sorted = [...ownerOf.keys()].sort((a, b) => (a < b ? -1 : 1));
  return sorted.filter((n, i) => i > 0 && ownerOf.get(n) !== ownerOf.get(sorted[i - 1]!)).length;
}

/**
 * Kills a worker with SIGKILL right after it asked for numbers and before the answer came back,
 * while its other loops are asking too; returns how many requests were still unanswered.
 */
async function killMidAllocation(worker: AllocatorProcess, afterNumbers: number): Promise<number> {
  await worker.until(() => worker.all().length >= afterNumbers && worker.requests > worker.answers);
  worker.child.kill('SIGKILL');
  const { signal } = await worker.exited;
  expect(signal).toBe('SIGKILL');
  return worker.requests - worker.answers;
}

const postgresUrl = process.env.TEST_DATABASE_URL;
const describeOnPostgres = postgresUrl ? describe : describe.skip;

describeOnPostgres(
  postgresUrl
    ? 'control numbers on PostgreSQL, from worker processes'
    : 'control numbers on PostgreSQL: SKIPPED, set TEST_DATABASE_URL=postgres://... to run',
  () => {
    let testDb: TestDatabase;

    beforeEach(async () => {
      testDb = await createPostgresDatabase();
      await (await openMigrated(testDb)).close();
    });
    afterEach(async () => {
      await testDb.drop();
    });

    test(`${WORKERS} processes allocating ${NUMBERS_PER_WORKER} ISA13 each in batches of 1–${MAX_BATCH}: distinct, increasing per process, no gap`, async () => {
      const workers = Array.from(
        { length: WORKERS },
        () =>
          new AllocatorProcess({
            databaseUrl: testDb.url,
            count: NUMBERS_PER_WORKER,
            waitForGo: true,
          }),
      );
      await Promise.all(workers.map((worker) => worker.ready));
      workers.forEach((worker) => worker.go());
      await Promise.all(workers.map((worker) => worker.finished()));

      const each = workers.map((worker) => worker.all());
      each.forEach((numbers) => {
        expect(numbers).toHaveLength(NUMBERS_PER_WORKER);
        expectStrictlyIncreasing(numbers);
      });
      const union = each.flat();
      expectDistinct(union);
      expectExactlyOneTo(union, WORKERS * NUMBERS_PER_WORKER);
      // They really ran at once: their numbers interleave rather than forming four blocks.
      expect(ownerChanges(each)).toBeGreaterThan(WORKERS * 10);
    });

    test('a process killed with SIGKILL mid-allocation: nothing it was given is reused, a restarted one continues above everything', async () => {
      const doomed = new AllocatorProcess({
        databaseUrl: testDb.url,
        count: 1_000_000,
        loops: LOOPS_IN_KILLED_WORKER,
        waitForGo: true,
      });
      const survivor = new AllocatorProcess({
        databaseUrl: testDb.url,
        count: NUMBERS_PER_WORKER,
        waitForGo: true,
      });
      await Promise.all([doomed.ready, survivor.ready]);
      doomed.go();
      survivor.go();
      const inFlight = await killMidAllocation(doomed, 200);
      expect(inFlight).toBeGreaterThan(0);
      await survivor.finished();

      const restarted = new AllocatorProcess({ databaseUrl: testDb.url, count: 50 });
      await restarted.finished();

      const reported = [...doomed.all(), ...survivor.all()];
      const after = restarted.all();
      for (const numbers of [...doomed.byLoop.values(), survivor.all(), after]) {
        expectStrictlyIncreasing(numbers);
      }
      expectDistinct([...reported, ...after]);
      expect(after[0]! > max(reported)).toBe(true);
      // What the killed process had asked for and not yet heard back is lost (a gap), never
      // handed out again: at most its unanswered requests' worth.
      const lost = Number(after[0]! - 1n) - reported.length;
      expect(lost).toBeGreaterThanOrEqual(0);
      expect(lost).toBeLessThanOrEqual(inFlight * MAX_BATCH);
    });
  },
);

describe('control numbers on PGlite', () => {
  test(`${WORKERS} concurrent allocators in one process, ${NUMBERS_PER_WORKER} ISA13 each in batches of 1–${MAX_BATCH}: distinct, increasing per allocator, no gap`, async () => {
    const db = await openPglite(undefined);
    try {
      await migrate(db);
      const store = new MessageStore(db);
      const allocate = async () => {
        const numbers: bigint[] = [];
        while (numbers.length < NUMBERS_PER_WORKER) {
          const batch = Math.min(
            1 + Math.floor(Math.random() * MAX_BATCH),
            NUMBERS_PER_WORKER - numbers.length,
          );
          numbers.push(
            ...(await store.allocateControlNumbers(PARTNER, 'ISA13', batch)).map(BigInt),
          );
        }
        return numbers;
      };
      const each = await Promise.all(Array.from({ length: WORKERS }, allocate));
      each.forEach(expectStrictlyIncreasing);
      const union = each.flat();
      expectDistinct(union);
      expectExactlyOneTo(union, WORKERS * NUMBERS_PER_WORKER);
      expect(ownerChanges(each)).toBeGreaterThan(WORKERS * 10);
    } finally {
      await db.close();
    }
  });

  test('a process killed with SIGKILL mid-allocation, then a new process on the same data directory continues above everything it was given', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crossdock-control-numbers-'));
    try {
      const doomed = new AllocatorProcess({
        pgliteDir: dataDir,
        migrate: true,
        count: 1_000_000,
        loops: LOOPS_IN_KILLED_WORKER,
      });
      const inFlight = await killMidAllocation(doomed, 200);
      expect(inFlight).toBeGreaterThan(0);

      const restarted = new AllocatorProcess({ pgliteDir: dataDir, count: 50 });
      await restarted.finished();

      const reported = doomed.all();
      const after = restarted.all();
      [...doomed.byLoop.values(), after].forEach(expectStrictlyIncreasing);
      expectDistinct([...reported, ...after]);
      expect(after[0]! > max(reported)).toBe(true);
      const lost = Number(after[0]! - 1n) - reported.length;
      expect(lost).toBeGreaterThanOrEqual(0);
      expect(lost).toBeLessThanOrEqual(inFlight * MAX_BATCH);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
