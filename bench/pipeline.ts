import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { hashApiKey } from '../src/http/api-keys';
import { projectRoot } from '../src/runtime/project-root';
import { createBenchDatabase, type BenchDatabase } from './bench-database';
import { flush, withStallCheck } from './bullmq-baseline';
import type { Cleanup } from './cleanup';
import { summarizeCpuProfile, type ProfileSummary } from './cpu-profile';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { percentile, postConcurrently } from './load-generator';
import { openUsageWindow, postgresCommits, type ResourceUsage } from './resource-usage';
import { CountingSink } from './webhook-sink';
import { isProcessAlive } from '../src/runtime/private-redis';

export interface PipelineConfig {
  name: string;
  store: 'pglite' | 'postgres';
  /** One `api` and one `worker` process instead of one `all`. */
  split: boolean;
  description: string;
}

export interface PipelineResult {
  name: string;
  description: string;
  store: PipelineConfig['store'];
  processes: string[];
  concurrency: number;
  messages: number;
  accepted: number;
  failures: Record<string, number>;
  intake: {
    seconds: number;
    perSecond: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    maxMs: number;
  };
  delivered: number;
  duplicates: number;
  /** From the first request of the measured run to the last of its messages delivered. */
  deliverySeconds: number;
  deliveredPerSecond: number;
  /** Between the 10th and the 90th percentile of arrivals: the rate without ramp-up and tail. */
  steadyDeliveredPerSecond: number;
  /** Request sent to webhook received. */
  endToEnd: { p50Ms: number; p99Ms: number };
  /** Per-second delivered counts over the measured run. */
  deliveredPerSecondSeries: number[];
  usage: ResourceUsage;
  redisCommandsPerMessage: number;
  redisScriptsPerMessage: number;
  /** Over warm-up and measured messages together (see postgresCommits for why). */
  postgresTransactionsPerMessage?: number;
  warnings: string[];
  profiles?: ProfileSummary[];
}

const API_KEY = 'bench-key-globex';
const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const STATS_IDLE_MS = 11_000;

/**
 * The end-to-end benchmark of one configuration: REST purchase orders in, signed webhooks out
 * to a local sink, through real gateway processes on the given Redis and a fresh store.
 */
export async function runPipeline(
  config: PipelineConfig,
  options: {
    redisUrl: string;
    databaseServerUrl?: string;
    messages: number;
    warmup: number;
    concurrency: number;
    cleanup: Cleanup;
    cpuProfileDir?: string;
  },
): Promise<PipelineResult> {
  const signal = options.cleanup.signal;
  const { cleanup } = options;
  const scratch = mkdtempSync(path.join(os.tmpdir(), `crossdock-bench-${config.name}-`));
  const removeScratch = cleanup.add(`remove ${scratch}`, async () =>
    rmSync(scratch, { recursive: true, force: true }),
  );
  const sink = new CountingSink();
  const stopSink = cleanup.add('stop the webhook sink', () => sink.stop());
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const closeRedis = cleanup.add('close the stats Redis connection', async () =>
    redis.disconnect(),
  );
  let database: BenchDatabase | undefined;
  const gateways: GatewayProcess[] = [];
  try {
    const home = path.join(scratch, 'home');
    writeBenchPartners(home);
    const sinkUrl = await sink.start();
    await flush(options.redisUrl);
    if (config.store === 'postgres') {
      if (!options.databaseServerUrl) throw new Error(`${config.name} needs BENCH_DATABASE_URL`);
      database = await createBenchDatabase(options.databaseServerUrl, cleanup);
    }
    const env = gatewayEnv({
      home,
      varDir: path.join(scratch, 'var'),
      sinkUrl,
      redisUrl: options.redisUrl,
      databaseUrl: database?.url,
    });
    const roles = config.split ? (['worker', 'api'] as const) : (['all'] as const);
    gateways.push(
      ...(await Promise.all(
        roles.map((role) => startGatewayProcess(role, env, cleanup, options.cpuProfileDir)),
      )),
    );
    const intakeUrl = gateways.find((g) => g.role !== 'worker')!.url;
    const commitsBefore = database ? await postgresCommits(database.admin, database.name) : 0;

    const send = (count: number, label: string) =>
      postConcurrently({
        url: intakeUrl,
        path: '/api/v1/purchase-orders',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        count,
        concurrency: options.concurrency,
        body: purchaseOrderBodies(label),
        signal,
      });

    let expected = 0;
    if (options.warmup > 0) {
      const warm = await send(options.warmup, `W${config.name}`);
      expected += warm.accepted;
      await withStallCheck(
        sink.waitFor(expected),
        () => sink.delivered,
        `${config.name} warm-up: deliveries stopped`,
      );
    }

    const closeWindow = await openUsageWindow({
      processes: gateways.map((g) => ({ name: `gateway (${g.role})`, pid: g.pid })),
      redis,
      postgres: database && { client: database.admin, database: database.name },
    });
    const load = await send(options.messages, `M${config.name}`);
    expected += load.accepted;
    await withStallCheck(
      sink.waitFor(expected),
      () => sink.delivered,
      `${config.name}: deliveries stopped`,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; ${await describeStall(redis, gateways, expected)}`);
    });
    const usage = await closeWindow();

    let postgresTransactionsPerMessage: number | undefined;
    if (database) {
      await new Promise((resolve) => setTimeout(resolve, STATS_IDLE_MS));
      const commits = (await postgresCommits(database.admin, database.name)) - commitsBefore;
      postgresTransactionsPerMessage = commits / expected;
    }

    const warnings = gateways.flatMap((g) => [...g.warnings(), ...g.stderr()]);
    for (const gateway of gateways.splice(0).reverse()) await gateway.stop();
    const profiles = options.cpuProfileDir ? summarizeProfiles(options.cpuProfileDir) : undefined;
    return summarize(config, options.concurrency, load, sink, usage, {
      postgresTransactionsPerMessage,
      warnings,
      profiles,
      processes: roles.map((role) => `gateway (${role})`),
    });
  } finally {
    for (const gateway of gateways.reverse()) await gateway.stop();
    await database?.drop();
    await closeRedis();
    await stopSink();
    await removeScratch();
  }
}

/** Lengths of the gateway's queue lists and sets, to say where messages stopped when they do. */
const QUEUE_COUNTS = `local out = {}
for _, queue in ipairs({'ingest', 'deliver'}) do
  for _, state in ipairs({'wait', 'active', 'delayed', 'failed', 'prioritized'}) do
    local key = '{crossdock}:' .. queue .. ':' .. state
    local kind = redis.call('TYPE', key).ok
    local n = 0
    if kind == 'list' then n = redis.call('LLEN', key) elseif kind == 'zset' then n = redis.call('ZCARD', key) end
    table.insert(out, queue .. ':' .. state .. '=' .. n)
  end
end
return out`;

async function describeStall(
  redis: Redis,
  gateways: GatewayProcess[],
  expected: number,
): Promise<string> {
  const counts = await redis
    .eval(QUEUE_COUNTS, 0)
    .then((lines) => (lines as string[]).join(' '))
    .catch((error: Error) => `queue counts unavailable (${error.message})`);
  const alive = gateways.map(
    (g) => `${g.role} pid ${g.pid} ${isProcessAlive(g.pid) ? 'running' : 'gone'}`,
  );
  const warnings = gateways.flatMap((g) => [...g.warnings(), ...g.stderr()]);
  return `${expected} expected; ${counts}; ${alive.join(', ')}; gateway warnings:\n${warnings.join('\n') || '(none)'}`;
}

function summarize(
  config: PipelineConfig,
  concurrency: number,
  load: Awaited<ReturnType<typeof postConcurrently>>,
  sink: CountingSink,
  usage: ResourceUsage,
  extra: Pick<
    PipelineResult,
    'postgresTransactionsPerMessage' | 'warnings' | 'profiles' | 'processes'
  >,
): PipelineResult {
  const arrivals: number[] = [];
  const endToEnd: number[] = [];
  for (const [messageId, sentAt] of load.sentAt) {
    const arrivedAt = sink.arrivals.get(messageId);
    if (arrivedAt === undefined) continue;
    arrivals.push(arrivedAt);
    endToEnd.push(arrivedAt - sentAt);
  }
  arrivals.sort((a, b) => a - b);
  const lastArrival = arrivals.at(-1) ?? load.finishedAt;
  const at = (fraction: number) => arrivals[Math.floor(fraction * (arrivals.length - 1))]!;
  const steadySpan = (at(0.9) - at(0.1)) / 1000;
  const series: number[] = [];
  for (const arrival of arrivals) {
    const second = Math.floor((arrival - load.startedAt) / 1000);
    series[second] = (series[second] ?? 0) + 1;
  }
  const intakeSeconds = (load.finishedAt - load.startedAt) / 1000;
  const deliverySeconds = (lastArrival - load.startedAt) / 1000;
  return {
    name: config.name,
    description: config.description,
    store: config.store,
    processes: extra.processes,
    concurrency,
    messages: load.sent,
    accepted: load.accepted,
    failures: load.failures,
    intake: {
      seconds: intakeSeconds,
      perSecond: load.accepted / intakeSeconds,
      p50Ms: percentile(load.latenciesMs, 50),
      p95Ms: percentile(load.latenciesMs, 95),
      p99Ms: percentile(load.latenciesMs, 99),
      maxMs: percentile(load.latenciesMs, 100),
    },
    delivered: arrivals.length,
    duplicates: sink.duplicates,
    deliverySeconds,
    deliveredPerSecond: arrivals.length / deliverySeconds,
    steadyDeliveredPerSecond: steadySpan > 0 ? (0.8 * arrivals.length) / steadySpan : NaN,
    endToEnd: { p50Ms: percentile(endToEnd, 50), p99Ms: percentile(endToEnd, 99) },
    deliveredPerSecondSeries: Array.from(series, (n) => n ?? 0),
    usage,
    redisCommandsPerMessage: usage.redisCommands / load.accepted,
    redisScriptsPerMessage: usage.redisScripts / load.accepted,
    postgresTransactionsPerMessage: extra.postgresTransactionsPerMessage,
    warnings: extra.warnings,
    profiles: extra.profiles,
  };
}

function summarizeProfiles(dir: string): ProfileSummary[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .sort()
    .map((file) =>
      summarizeCpuProfile(path.join(dir, file), `gateway (${file.replace('.cpuprofile', '')})`),
    );
}

/** Set here for every gateway; other CROSSDOCK_ variables (e.g. concurrency knobs) pass through. */
const GATEWAY_ENV_SET_BY_BENCH =
  /^(CROSSDOCK_(HOME|VAR_DIR|ROLE|ADMIN_KEY)|DATABASE_URL|REDIS_URL|PORT|HOST|LOG_LEVEL)$/;

function gatewayEnv(input: {
  home: string;
  varDir: string;
  sinkUrl: string;
  redisUrl: string;
  databaseUrl?: string;
}): Record<string, string> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !GATEWAY_ENV_SET_BY_BENCH.test(entry[0]),
    ),
  );
  return {
    ...inherited,
    CROSSDOCK_HOME: input.home,
    CROSSDOCK_VAR_DIR: input.varDir,
    REDIS_URL: input.redisUrl,
    DATABASE_URL: input.databaseUrl ?? '',
    LOG_LEVEL: 'warn',
    BENCH_SINK_URL: input.sinkUrl,
    BENCH_WEBHOOK_SECRET: WEBHOOK_SECRET,
  };
}

/** A REST sender and one webhook subscriber, as in the tests' partners. */
function writeBenchPartners(home: string): void {
  const dir = path.join(home, 'partners');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'globex-retail.yaml'),
    `id: globex-retail
name: Globex Retail
inbound:
  rest:
    apiKeys:
      - { id: bench, sha256: ${hashApiKey(API_KEY)}, scopes: [documents:write] }
`,
  );
  writeFileSync(
    path.join(dir, 'acme-erp.yaml'),
    `id: acme-erp
name: ACME ERP
outbound:
  channel: webhook
  webhook:
    url: \${BENCH_SINK_URL}
    secret: \${BENCH_WEBHOOK_SECRET}
    timeoutMs: 10000
  retry: { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 }
subscriptions:
  - events: [com.crossdock.purchase-order]
`,
  );
}

const PO_NUMBER_MARK = '@@PO@@';

/** The example purchase order as compact JSON, with a distinct poNumber per request. */
export function purchaseOrderBodies(label: string): (index: number) => Buffer {
  const [before, after] = purchaseOrderTemplate();
  return (index) => Buffer.from(`${before}${label}-${index}${after}`);
}

export function examplePurchaseOrder(): Record<string, unknown> {
  const file = path.join(projectRoot(), 'src', 'canonical', 'examples', 'purchase-orders.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function purchaseOrderTemplate(): [string, string] {
  const json = JSON.stringify({ ...examplePurchaseOrder(), poNumber: PO_NUMBER_MARK });
  const [before, after] = json.split(PO_NUMBER_MARK);
  return [before!, after!];
}
