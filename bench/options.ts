/** What `npm run bench` measures, from the environment; every knob has a default that fits a laptop. */
export interface BenchOptions {
  /** Messages measured per pipeline configuration, after the warm-up. */
  messages: number;
  warmup: number;
  /** Requests the load generator keeps in flight. */
  concurrency: number;
  /** A PostgreSQL server to create fresh databases on; unset: PGlite only. */
  databaseUrl?: string;
  /** Jobs per raw BullMQ baseline. */
  baselineJobs: number;
  /** Only these configurations (by name) when set, e.g. `postgres,postgres-split`. */
  configs?: string[];
  /** Messages of the extra pass that runs the gateway under `--cpu-prof`; 0 skips it. */
  profileMessages: number;
  /** Keep the raw .cpuprofile files here; unset: they are deleted after summarizing. */
  profileDir?: string;
}

export function readBenchOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  return {
    messages: count(env, 'BENCH_MESSAGES', 20_000, 1),
    warmup: count(env, 'BENCH_WARMUP', 1_000, 0),
    concurrency: count(env, 'BENCH_CONCURRENCY', 64, 1),
    databaseUrl: env.BENCH_DATABASE_URL || env.DATABASE_URL || undefined,
    baselineJobs: count(env, 'BENCH_BASELINE_JOBS', 30_000, 1),
    configs: env.BENCH_CONFIGS
      ? env.BENCH_CONFIGS.split(',')
          .map((name) => name.trim())
          .filter(Boolean)
      : undefined,
    profileMessages: count(env, 'BENCH_PROFILE_MESSAGES', 10_000, 0),
    profileDir: env.BENCH_PROFILE_DIR || undefined,
  };
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer of at least ${min}, not "${raw}"`);
  }
  return value;
}
