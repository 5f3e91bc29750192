import http from 'node:http';

export interface LoadResult {
  sent: number;
  accepted: number;
  /** Answers other than 202, by status (or error code when no answer came). */
  failures: Record<string, number>;
  startedAt: number;
  finishedAt: number;
  /** Intake latency of each accepted request, ms: request written to 202 read. */
  latenciesMs: Float64Array;
  /** When each accepted message's request was started (performance.now), by message id. */
  sentAt: Map<string, number>;
}

/**
 * A closed-loop load generator: keeps `concurrency` POSTs in flight on keep-alive connections
 * (node:http, which costs this process far less CPU per request than fetch) until `count`
 * requests have been answered.
 */
export async function postConcurrently(options: {
  url: string;
  path: string;
  headers: Record<string, string>;
  count: number;
  concurrency: number;
  body: (index: number) => Buffer;
  /** Stops sending new requests (the benchmark is being interrupted). */
  signal?: AbortSignal;
}): Promise<LoadResult> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies = new Float64Array(options.count);
  const result: LoadResult = {
    sent: 0,
    accepted: 0,
    failures: {},
    startedAt: performance.now(),
    finishedAt: 0,
    latenciesMs: latencies,
    sentAt: new Map(),
  };
  const fail = (reason: string) => (result.failures[reason] = (result.failures[reason] ?? 0) + 1);

  const postOne = (index: number) =>
    new Promise<void>((resolve) => {
      const body = options.body(index);
      const started = performance.now();
      const request = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: options.path,
          method: 'POST',
          agent,
          headers: { ...options.headers, 'content-length': String(body.length) },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            const location = response.headers.location;
            if (response.statusCode === 202 && location) {
              latencies[result.accepted++] = performance.now() - started;
              result.sentAt.set(location.slice(location.lastIndexOf('/') + 1), started);
            } else {
              fail(String(response.statusCode));
            }
            resolve();
          });
          response.on('error', (error) => {
            fail((error as NodeJS.ErrnoException).code ?? error.message);
            resolve();
          });
        },
      );
      request.on('error', (error) => {
        fail((error as NodeJS.ErrnoException).code ?? error.message);
        resolve();
      });
      request.end(body);
    });

  let next = 0;
  const lane = async () => {
    while (next < options.count && !options.signal?.aborted) {
      const index = next++;
      result.sent++;
      await postOne(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, lane));
  result.finishedAt = performance.now();
  result.latenciesMs = latencies.subarray(0, result.accepted);
  agent.destroy();
  return result;
}

/** The p-th percentile (0..100) of samples, nearest-rank; sorts a copy. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
