import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { openUsageWindow, type ResourceUsage } from './resource-usage';

export interface BaselineResult {
  name: string;
  description: string;
  hops: 1 | 2;
  jobs: number;
  payloadBytes: number;
  concurrency: number[];
  /** From the first add to the last job completed on the last hop. */
  seconds: number;
  jobsPerSecond: number;
  /** How long adding alone took (the workers ran meanwhile). */
  addSeconds: number;
  /** CPU of this process and of redis-server, and the machine's busy share, while it ran. */
  usage: ResourceUsage;
  /** jobs/s of every attempt; the result is the best one, as a ceiling should be. */
  attemptRates?: number[];
}

const PREFIX = '{bench}';
const ADD_CHUNK = 500;
/** A shared machine makes single runs noisy; a ceiling is the best of a few. */
const ATTEMPTS = 2;

/**
 * The raw BullMQ ceilings on the same Redis as the pipeline: jobs added with addBulk in
 * chunks and processed by no-op workers in this process, end to end. One hop is what a queue
 * alone can do; two hops (the first worker adds one job to a second queue, as the process
 * worker does for each delivery) is the ceiling of the gateway's two-hop design.
 */
export async function runBullmqBaselines(
  redisUrl: string,
  jobs: number,
  ingestSizedPayload: object,
): Promise<BaselineResult[]> {
  const small = { n: 1 };
  await measureQueue(redisUrl, {
    name: 'warmup',
    hops: 1,
    jobs: Math.min(jobs, 5_000),
    data: small,
    concurrency: [64],
  });
  await flush(redisUrl);
  const results: BaselineResult[] = [];
  const runs = [
    {
      name: 'bullmq-1-hop-small',
      description: 'one hop, tiny job',
      hops: 1,
      data: small,
      concurrency: [64],
    },
    {
      name: 'bullmq-1-hop',
      description: 'one hop, ingest-sized job',
      hops: 1,
      data: ingestSizedPayload,
      concurrency: [64],
    },
    {
      name: 'bullmq-2-hop-small',
      description: 'two hops, tiny jobs',
      hops: 2,
      data: small,
      concurrency: [32, 64],
    },
    {
      name: 'bullmq-2-hop',
      description: 'two hops, ingest-sized jobs',
      hops: 2,
      data: ingestSizedPayload,
      concurrency: [32, 64],
    },
  ] as const;
  for (const run of runs) {
    const attempts: BaselineResult[] = [];
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      attempts.push(
        await measureQueue(redisUrl, { ...run, concurrency: [...run.concurrency], jobs }),
      );
      await flush(redisUrl);
    }
    const best = attempts.reduce((a, b) => (b.jobsPerSecond > a.jobsPerSecond ? b : a));
    results.push({ ...best, attemptRates: attempts.map((a) => a.jobsPerSecond) });
  }
  return results;
}

async function measureQueue(
  redisUrl: string,
  run: {
    name: string;
    description?: string;
    hops: 1 | 2;
    jobs: number;
    data: object;
    concurrency: number[];
  },
): Promise<BaselineResult> {
  const producer = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const common = {
    connection: producer,
    prefix: PREFIX,
    defaultJobOptions: { removeOnComplete: true },
  };
  const first = new Queue(`${run.name}-1`, common);
  const second = run.hops === 2 ? new Queue(`${run.name}-2`, common) : undefined;
  const workers: Worker[] = [];
  try {
    let completed = 0;
    let onAllCompleted = () => undefined as void;
    const allCompleted = new Promise<void>((resolve) => (onAllCompleted = resolve));
    const options = (concurrency: number) => ({
      connection: workerConnection,
      prefix: PREFIX,
      concurrency,
    });
    workers.push(
      new Worker(
        first.name,
        second
          ? async (job) => {
              await second.addBulk([
                { name: 'next', data: job.data, opts: { jobId: `${job.id}.2` } },
              ]);
            }
          : async () => undefined,
        options(run.concurrency[0]!),
      ),
    );
    if (second)
      workers.push(new Worker(second.name, async () => undefined, options(run.concurrency[1]!)));
    workers.at(-1)!.on('completed', () => {
      if (++completed === run.jobs) onAllCompleted();
    });
    for (const worker of workers) worker.on('error', () => undefined);
    await Promise.all(workers.map((worker) => worker.waitUntilReady()));

    const closeWindow = await openUsageWindow({ processes: [], redis: producer });
    const started = performance.now();
    for (let from = 0; from < run.jobs; from += ADD_CHUNK) {
      const chunk = [];
      for (let i = from; i < Math.min(run.jobs, from + ADD_CHUNK); i++) {
        chunk.push({ name: 'job', data: run.data, opts: { jobId: `j${i}` } });
      }
      await first.addBulk(chunk);
    }
    const added = performance.now();
    await withStallCheck(allCompleted, () => completed, `${run.name}: jobs stopped completing`);
    const seconds = (performance.now() - started) / 1000;
    const usage = await closeWindow();
    return {
      name: run.name,
      description: run.description ?? run.name,
      hops: run.hops,
      jobs: run.jobs,
      payloadBytes: Buffer.byteLength(JSON.stringify(run.data)),
      concurrency: run.concurrency,
      seconds,
      jobsPerSecond: run.jobs / seconds,
      addSeconds: (added - started) / 1000,
      usage,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
    await Promise.all([first.close(), second?.close()]);
    producer.disconnect();
    workerConnection.disconnect();
  }
}

/** Waits for `done`, failing when `progress` has not moved for `stallMs`. */
export async function withStallCheck(
  done: Promise<void>,
  progress: () => number,
  message: string,
  stallMs = 30_000,
): Promise<void> {
  let last = progress();
  let lastMovedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const now = progress();
      if (now !== last) {
        last = now;
        lastMovedAt = Date.now();
      } else if (Date.now() - lastMovedAt > stallMs) {
        reject(new Error(`${message} (at ${now} for ${stallMs / 1000} s)`));
      }
    }, 500);
  });
  try {
    await Promise.race([done, stalled]);
  } finally {
    clearInterval(timer);
  }
}

/** Empties the benchmark's private Redis between runs so each starts from the same state. */
export async function flush(redisUrl: string): Promise<void> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    await client.flushall();
  } finally {
    client.disconnect();
  }
}
