import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { startPrivateRedis } from '../src/runtime/private-redis';
import { startBareSoapServer, BARE_SOAP_PATH } from './bare-soap-server';
import { createBenchDatabase, postgresVersion } from './bench-database';
import { runBenchmark, type Cleanup } from './cleanup';
import { summarizeCpuProfile } from './cpu-profile';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { describeMachine } from './machine';
import { openUsageWindow, processCpuSeconds } from './resource-usage';
import { startSoapLoadProcess, type Caller, type LoadFigures, type LoadShape } from './soap-load';
import {
  formatSoapResults,
  SOAP_GOAL,
  type ConfigResults,
  type MeasuredRun,
  type SoapResults,
} from './soap-report';

/**
 * Issue 5's SOAP goal: SubmitTransfer through the gateway (WS-Security checked, the transfer
 * stored and queued before the answer) next to a bare `soap` server answering the same WSDL
 * from memory, in the same run; closed loop for throughput, open loop at a fixed rate for
 * latency. `node dist/bench/soap.js`; the BENCH_SOAP_* settings are read below.
 */
const GATEWAY_PATH = '/soap/funds-transfer';
const CALLER: Caller = {
  username: 'bench-bank',
  password: 'bench-bank-soap-secret',
  passwordType:
    process.env.BENCH_SOAP_PASSWORD_TYPE === 'PasswordText' ? 'PasswordText' : 'PasswordDigest',
};

/** The local server the brief of this benchmark names, tried when no URL is given. */
const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface SoapConfig {
  name: 'pglite' | 'postgres' | 'postgres-split';
  store: 'pglite' | 'postgres';
  roles: ReadonlyArray<GatewayProcess['role']>;
  description: string;
}

const CONFIGS: SoapConfig[] = [
  {
    name: 'pglite',
    store: 'pglite',
    roles: ['all'],
    description: 'one gateway process (all roles), PGlite (embedded default)',
  },
  {
    name: 'postgres',
    store: 'postgres',
    roles: ['all'],
    description: 'one gateway process (all roles), PostgreSQL',
  },
  {
    name: 'postgres-split',
    store: 'postgres',
    roles: ['api', 'worker'],
    description: 'one api process + one worker process, PostgreSQL',
  },
];

function readSettings(env: NodeJS.ProcessEnv = process.env) {
  const setting = (name: string, fallback: number) => {
    const value = Number(env[name] || fallback);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0`);
    return value;
  };
  return {
    requests: setting('BENCH_SOAP_REQUESTS', 5_000),
    warmup: setting('BENCH_SOAP_WARMUP', 1_000),
    concurrency: setting('BENCH_SOAP_CONCURRENCY', 32),
    /** Closed-loop passes per server and configuration, bare and gateway back to back. */
    rounds: setting('BENCH_SOAP_ROUNDS', 2),
    rate: setting('BENCH_SOAP_RATE', 1_000),
    seconds: setting('BENCH_SOAP_SECONDS', 10),
    /** The open loop's second rate, as a share of the gateway's best closed-loop rate. */
    sustainableShare: setting('BENCH_SOAP_SUSTAINABLE_SHARE', 0.6),
    /** Configurations by name (comma-separated); unset: all those the machine can run. */
    configs: (env.BENCH_SOAP_CONFIGS || CONFIGS.map((c) => c.name).join(','))
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    databaseUrl: env.BENCH_DATABASE_URL || env.DATABASE_URL || LOCAL_POSTGRES,
    /**
     * Closed-loop requests of an extra pass under --cpu-prof, on BENCH_SOAP_PROFILE_CONFIG
     * (default: postgres-split, where the api process is alone); 0 skips it. The profiles are
     * kept in BENCH_SOAP_PROFILE_DIR when it is set.
     */
    profileRequests: setting('BENCH_SOAP_PROFILE_REQUESTS', 5_000),
    profileConfig: env.BENCH_SOAP_PROFILE_CONFIG || 'postgres-split',
  };
}
export type SoapSettings = ReturnType<typeof readSettings>;

function writeBenchPartner(home: string): void {
  mkdirSync(path.join(home, 'partners'), { recursive: true });
  writeFileSync(
    path.join(home, 'partners', 'bench-bank.yaml'),
    `id: bench-bank
name: Bench Bank
inbound:
  soap:
    services: [FundsTransferService]
    usernameToken:
      username: ${CALLER.username}
      password: "\${BENCH_BANK_PASSWORD}"
      passwordTypes: [PasswordText, PasswordDigest]
`,
  );
}

/** The ingest jobs not yet processed, and those that failed, from BullMQ's keys. */
async function ingestBacklog(redis: Redis): Promise<{ pending: number; failed: number }> {
  const key = (state: string) => `{crossdock}:ingest:${state}`;
  const counts = await redis
    .pipeline()
    .llen(key('wait'))
    .llen(key('active'))
    .zcard(key('delayed'))
    .zcard(key('prioritized'))
    .zcard(key('failed'))
    .exec();
  const n = (i: number) => Number(counts?.[i]?.[1] ?? 0);
  return { pending: n(0) + n(1) + n(2) + n(3), failed: n(4) };
}

/** Waits for the gateway's worker to finish what intake queued, so the next pass starts idle. */
async function drainIngest(redis: Redis, what: string): Promise<number> {
  const startedAt = performance.now();
  while ((await ingestBacklog(redis)).pending > 0) {
    if (performance.now() - startedAt > 300_000)
      throw new Error(`${what}: the ingest queue did not drain in 5 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return (performance.now() - startedAt) / 1000;
}

/** The gateway's processes for one configuration, on a fresh store; the first one takes calls. */
async function startGateways(
  config: SoapConfig,
  options: { redisUrl: string; databaseUrl?: string; scratch: string; name: string },
  cleanup: Cleanup,
  cpuProfileDir?: string,
): Promise<GatewayProcess[]> {
  const home = path.join(options.scratch, `${options.name}-home`);
  writeBenchPartner(home);
  const { CROSSDOCK_ADMIN_KEY: _adminKey, ...inherited } = process.env;
  const env = {
    ...(inherited as Record<string, string>),
    CROSSDOCK_HOME: home,
    CROSSDOCK_VAR_DIR: path.join(options.scratch, `${options.name}-var`),
    REDIS_URL: options.redisUrl,
    DATABASE_URL: options.databaseUrl ?? '',
    BENCH_BANK_PASSWORD: CALLER.password,
    LOG_LEVEL: 'warn',
  };
  // One at a time: both roles run the store's migrations when they start.
  const started: GatewayProcess[] = [];
  for (const role of config.roles)
    started.push(await startGatewayProcess(role, env, cleanup, cpuProfileDir));
  return started;
}

/** Whether the PostgreSQL configurations can run: the server answers. */
async function postgresReachable(url: string, log: (line: string) => void): Promise<boolean> {
  try {
    await postgresVersion(url);
    return true;
  } catch (error) {
    log(
      `PostgreSQL at ${url} does not answer (${(error as Error).message}): its configurations are skipped`,
    );
    return false;
  }
}

async function main(cleanup: Cleanup): Promise<void> {
  const settings = readSettings();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'crossdock-bench-soap-'));
  cleanup.add(`remove ${scratch}`, async () => rmSync(scratch, { recursive: true, force: true }));
  mkdirSync(path.join(scratch, 'redis'));
  const redisServer = await startPrivateRedis(path.join(scratch, 'redis'));
  const redisPid = Number(readFileSync(path.join(scratch, 'redis', 'redis.pid'), 'utf8'));
  cleanup.trackPid(redisPid);
  cleanup.add('stop the private redis-server', () => redisServer.stop());
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  cleanup.add('close the queue-watching Redis connection', async () => redis.disconnect());
  const wanted = CONFIGS.filter((config) => settings.configs.includes(config.name));
  const withPostgres =
    wanted.some((config) => config.store === 'postgres') &&
    (await postgresReachable(settings.databaseUrl, log));
  const configs = wanted.filter((config) => config.store === 'pglite' || withPostgres);
  if (configs.length === 0) throw new Error('no configuration to run; check BENCH_SOAP_CONFIGS');
  const machine = await describeMachine(
    redisServer.url,
    withPostgres ? settings.databaseUrl : undefined,
  );

  const bare = await startBareSoapServer(cleanup);
  const load = startSoapLoadProcess(cleanup);
  log(`bare soap pid ${bare.pid} at ${bare.url}; load pid ${load.pid}`);
  const measured: ConfigResults[] = [];
  for (const config of configs) {
    const database =
      config.store === 'postgres'
        ? await createBenchDatabase(settings.databaseUrl, cleanup)
        : undefined;
    const gateways = await startGateways(
      config,
      { redisUrl: redisServer.url, databaseUrl: database?.url, scratch, name: config.name },
      cleanup,
    );
    const intake = gateways[0]!;
    log(
      `${config.name}: ${gateways.map((g) => `${g.role} pid ${g.pid}`).join(', ')} at ${intake.url}`,
    );
    const run: RunPass = async (target, plan) => {
      const server =
        target === 'bare'
          ? [{ name: 'bare', pid: bare.pid }]
          : gateways.map((g) => ({ name: g.role, pid: g.pid }));
      const window = await openUsageWindow({
        processes: [...server, { name: 'load', pid: load.pid }],
        redis,
        postgres:
          target === 'gateway' && database
            ? { client: database.admin, database: database.name }
            : undefined,
      });
      const figures = await load.run({
        ...plan,
        url: target === 'bare' ? bare.url : intake.url,
        path: target === 'bare' ? BARE_SOAP_PATH : GATEWAY_PATH,
        caller: CALLER,
      });
      const usage = await window();
      // Share of a core over the load's own span (first request to last answer).
      const share = (seconds: number | undefined) => (100 * (seconds ?? 0)) / figures.seconds;
      const cpuPercent: Record<string, number> = {};
      for (const { name } of server) cpuPercent[name] = share(usage.cpuSeconds[name]);
      cpuPercent.redis = share(usage.cpuSeconds.redis);
      if (usage.cpuSeconds.postgres !== undefined)
        cpuPercent.postgres = share(usage.cpuSeconds.postgres);
      cpuPercent.load = share(usage.cpuSeconds.load);
      const result: MeasuredRun = {
        target,
        ...figures,
        plannedRate: plan.kind === 'open' ? plan.rate : undefined,
        cpuPercent,
        serverProcesses: server.map((p) => p.name),
        loadAverage: os.loadavg()[0]!,
      };
      if (target === 'gateway') result.drainSeconds = await drainIngest(redis, plan.label);
      return result;
    };
    const { closed, open } = await measure(settings, run, (line) => log(`${config.name} ${line}`));
    const ingest = await ingestBacklog(redis);
    const warnings = gateways.flatMap((g) => [...g.warnings(), ...g.stderr()]);
    for (const gateway of gateways.reverse()) await gateway.stop();
    await database?.drop();
    await redis.del(`{crossdock}:ingest:failed`);
    measured.push({
      name: config.name,
      description: config.description,
      store: config.store === 'postgres' ? `PostgreSQL ${machine.postgres}` : 'PGlite',
      closed,
      open,
      failedIngestJobs: ingest.failed,
      gatewayWarnings: warnings,
    });
  }
  await bare.stop();

  const results: SoapResults = {
    machine,
    settings: { ...settings, databaseUrl: withPostgres ? 'set' : 'none' },
    caller: { passwordType: CALLER.passwordType },
    configs: measured,
    baseline: readBaseline(),
    repeat: readRepeat(),
  };
  const profiled = configs.find((config) => config.name === settings.profileConfig) ?? configs[0]!;
  if (settings.profileRequests > 0) {
    log(`${profiled.name} again under --cpu-prof, ${settings.profileRequests} requests...`);
    results.profile = await profileGateway(settings, profiled, {
      redisUrl: redisServer.url,
      scratch,
      redis,
      load,
      cleanup,
    });
  }

  const bench = path.resolve(__dirname, '..', '..', 'bench');
  const markdown = formatSoapResults(results);
  const output = process.env.BENCH_SOAP_OUTPUT || 'results-soap';
  writeFileSync(path.join(bench, `${output}.md`), markdown);
  writeFileSync(
    path.join(bench, `${output}.json`),
    `${JSON.stringify({ goal: SOAP_GOAL, ...results }, null, 2)}\n`,
  );
  log(`\n${markdown}`);
}

type RunPass = (
  target: 'bare' | 'gateway',
  plan: LoadShape & { label: string },
) => Promise<MeasuredRun>;

/**
 * Smoke call, warm-up, closed-loop passes (bare then gateway, back to back, so both see the
 * same load on the machine), then the open loop at the goal's rate and at a rate the gateway
 * sustains, bare first each time.
 */
async function measure(settings: SoapSettings, run: RunPass, log: (line: string) => void) {
  const runId = Date.now().toString(36).slice(-5);

  for (const target of ['bare', 'gateway'] as const) {
    const smoke = await run(target, {
      kind: 'closed',
      label: `${runId}s${target[0]}`,
      count: 1,
      concurrency: 1,
    });
    if (smoke.answered !== 1)
      throw new Error(
        `${target} did not answer SubmitTransfer: ${smoke.firstFailure ?? 'no answer'}`,
      );
    if (settings.warmup > 0) {
      log(`${target}: warm-up, ${settings.warmup} requests...`);
      await run(target, {
        kind: 'closed',
        label: `${runId}w${target[0]}`,
        count: settings.warmup,
        concurrency: settings.concurrency,
      });
    }
  }

  const closed: MeasuredRun[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    for (const target of ['bare', 'gateway'] as const) {
      log(
        `${target}: closed loop ${round}/${settings.rounds}, ${settings.requests} requests, ${settings.concurrency} in flight...`,
      );
      const label = `${runId}c${round}${target[0]}`;
      closed.push(
        await run(target, {
          kind: 'closed',
          label,
          count: settings.requests,
          concurrency: settings.concurrency,
        }),
      );
      log(describeRun(closed.at(-1)!));
    }
  }
  const gatewayBest = Math.max(
    ...closed.filter((r) => r.target === 'gateway').map((r) => r.answeredPerSecond),
  );
  const sustainable = Math.max(10, Math.round((gatewayBest * settings.sustainableShare) / 10) * 10);
  const rates = [settings.rate, Math.min(settings.rate, sustainable)];
  const open: MeasuredRun[] = [];
  for (const [pass, rate] of rates.entries()) {
    if (pass > 0 && rate === settings.rate) break;
    for (const target of ['bare', 'gateway'] as const) {
      log(`${target}: open loop, ${rate} requests/s for ${settings.seconds} s...`);
      const label = `${runId}o${pass}${target[0]}`;
      open.push(await run(target, { kind: 'open', label, rate, seconds: settings.seconds }));
      log(describeRun(open.at(-1)!));
    }
  }
  return { closed, open };
}

/**
 * A fresh gateway (and store) of one configuration under `node --cpu-prof`, loaded
 * closed-loop; each process's profile summarized, with its CPU per request read from /proc.
 */
async function profileGateway(
  settings: SoapSettings,
  config: SoapConfig,
  at: {
    redisUrl: string;
    scratch: string;
    redis: Redis;
    load: ReturnType<typeof startSoapLoadProcess>;
    cleanup: Cleanup;
  },
): Promise<SoapResults['profile']> {
  const profileDir = process.env.BENCH_SOAP_PROFILE_DIR || path.join(at.scratch, 'profile');
  mkdirSync(profileDir, { recursive: true });
  for (const file of readdirSync(profileDir))
    if (file.endsWith('.cpuprofile')) rmSync(path.join(profileDir, file));
  const database =
    config.store === 'postgres'
      ? await createBenchDatabase(settings.databaseUrl, at.cleanup)
      : undefined;
  const spawnedAt = performance.now();
  const gateways = await startGateways(
    config,
    { redisUrl: at.redisUrl, databaseUrl: database?.url, scratch: at.scratch, name: 'profiled' },
    at.cleanup,
    profileDir,
  );
  const plan = (label: string, count: number) =>
    ({
      kind: 'closed',
      label,
      count,
      concurrency: settings.concurrency,
      url: gateways[0]!.url,
      path: GATEWAY_PATH,
      caller: CALLER,
    }) as const;
  const runId = Date.now().toString(36).slice(-5);
  await at.load.run(plan(`${runId}pw`, Math.min(settings.warmup, 500)));
  await drainIngest(at.redis, 'profile warm-up');
  const measuredFrom = performance.now();
  const cpuBefore = gateways.map((g) => processCpuSeconds(g.pid));
  const figures: LoadFigures = await at.load.run(plan(`${runId}p`, settings.profileRequests));
  await drainIngest(at.redis, 'profile pass');
  const cpu = gateways.map((g, i) => processCpuSeconds(g.pid) - cpuBefore[i]!);
  for (const gateway of [...gateways].reverse()) await gateway.stop();
  await database?.drop();
  const processes = gateways.map((gateway, i) => {
    const file = path.join(profileDir, `${gateway.role}.cpuprofile`);
    const measured = path.join(profileDir, `${gateway.role}-measured.cpuprofile`);
    writeFileSync(measured, JSON.stringify(samplesAfter(file, (measuredFrom - spawnedAt) * 1000)));
    return {
      role: gateway.role,
      cpuMicrosPerRequest: (cpu[i]! * 1e6) / figures.answered,
      summary: summarizeCpuProfile(measured, `gateway (${gateway.role})`, 15),
    };
  });
  return {
    config: config.name,
    answeredPerSecond: figures.answeredPerSecond,
    requests: figures.sent,
    processes,
  };
}

/**
 * The profile without its first `micros`: `--cpu-prof` samples the whole process, and the
 * gateway's start (loading modules, PGlite's WASM and migrations) would otherwise weigh as much
 * as the requests. Measured from the spawn, so it keeps a few ms of node's own boot too many.
 */
function samplesAfter(file: string, micros: number) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    samples: number[];
    timeDeltas: number[];
  };
  let elapsed = 0;
  let first = 0;
  while (first < profile.timeDeltas.length && elapsed < micros)
    elapsed += profile.timeDeltas[first++]!;
  return {
    ...profile,
    samples: profile.samples.slice(first),
    timeDeltas: profile.timeDeltas.slice(first),
  };
}

function describeRun(run: MeasuredRun): string {
  const failures = Object.entries(run.failures).map(([why, n]) => `${n}× ${why}`);
  return (
    `  ${run.target} ${run.kind}: ${Math.round(run.answeredPerSecond)} req/s answered, ` +
    `p50 ${run.latencyMs.p50.toFixed(1)} ms, p99 ${run.latencyMs.p99.toFixed(1)} ms, ` +
    `failures: ${failures.join(', ') || 'none'}` +
    (run.firstFailure ? `\n  first failure: ${run.firstFailure}` : '')
  );
}

/**
 * BENCH_SOAP_BASELINE: the results JSON of this benchmark run just before on the code before a
 * change (BENCH_SOAP_BASELINE_LABEL names it), shown next to these figures.
 */
function readBaseline(): SoapResults['baseline'] {
  const file = process.env.BENCH_SOAP_BASELINE;
  if (!file) return undefined;
  const before = JSON.parse(readFileSync(file, 'utf8')) as SoapResults;
  return {
    label: process.env.BENCH_SOAP_BASELINE_LABEL || 'before',
    loadAverageAtStart: before.machine.loadAverageAtStart,
    configs: before.configs,
  };
}

/**
 * BENCH_SOAP_REPEAT_AFTER and BENCH_SOAP_REPEAT_BEFORE: the results JSON of the same A/B run
 * again in the other order (after, then before), shown as a second before/after table.
 */
function readRepeat(): SoapResults['repeat'] {
  const [after, before] = [
    process.env.BENCH_SOAP_REPEAT_AFTER,
    process.env.BENCH_SOAP_REPEAT_BEFORE,
  ];
  if (!after || !before) return undefined;
  const read = (file: string) => {
    const run = JSON.parse(readFileSync(file, 'utf8')) as SoapResults;
    return { loadAverageAtStart: run.machine.loadAverageAtStart, configs: run.configs };
  };
  return { after: read(after), before: read(before) };
}

/** BENCH_SOAP_RENDER_ONLY: measure nothing, write results-soap.md again from results-soap.json (adding the repeat A/B when given). */
function renderOnly(): void {
  const bench = path.resolve(__dirname, '..', '..', 'bench');
  const results = JSON.parse(readFileSync(path.join(bench, 'results-soap.json'), 'utf8'));
  results.repeat ??= readRepeat();
  writeFileSync(path.join(bench, 'results-soap.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(bench, 'results-soap.md'), formatSoapResults(results as SoapResults));
  process.stdout.write('wrote bench/results-soap.md from results-soap.json\n');
}

if (process.env.BENCH_SOAP_RENDER_ONLY) {
  renderOnly();
  process.exit(0);
}
runBenchmark(main);
