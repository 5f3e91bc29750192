import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { startPrivateRedis } from '../src/runtime/private-redis';
import { startBareSoapServer, BARE_SOAP_PATH } from './bare-soap-server';
import { createBenchDatabase } from './bench-database';
import { Cleanup } from './cleanup';
import { summarizeCpuProfile } from './cpu-profile';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { describeMachine } from './machine';
import { processCpuSeconds } from './resource-usage';
import { startSoapLoadProcess, type Caller, type LoadFigures, type LoadShape } from './soap-load';
import { formatSoapResults, SOAP_GOAL, type SoapResults, type MeasuredRun } from './soap-report';

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
    /** Closed-loop passes per server, alternating bare and gateway; the best of each counts. */
    rounds: setting('BENCH_SOAP_ROUNDS', 2),
    rate: setting('BENCH_SOAP_RATE', 1_000),
    seconds: setting('BENCH_SOAP_SECONDS', 10),
    /**
     * Closed-loop requests of an extra gateway pass under --cpu-prof; 0 skips it. The profiles
     * are kept in BENCH_SOAP_PROFILE_DIR when it is set.
     */
    profileRequests: setting('BENCH_SOAP_PROFILE_REQUESTS', 5_000),
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

async function startGateway(
  options: { redisUrl: string; databaseUrl?: string; scratch: string; name: string },
  cleanup: Cleanup,
  cpuProfileDir?: string,
): Promise<GatewayProcess> {
  const home = path.join(options.scratch, `${options.name}-home`);
  writeBenchPartner(home);
  const { CROSSDOCK_ADMIN_KEY: _adminKey, ...inherited } = process.env;
  return startGatewayProcess(
    'all',
    {
      ...(inherited as Record<string, string>),
      CROSSDOCK_HOME: home,
      CROSSDOCK_VAR_DIR: path.join(options.scratch, `${options.name}-var`),
      REDIS_URL: options.redisUrl,
      DATABASE_URL: options.databaseUrl ?? '',
      BENCH_BANK_PASSWORD: CALLER.password,
      LOG_LEVEL: 'warn',
    },
    cleanup,
    cpuProfileDir,
  );
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
  const serverUrl = process.env.BENCH_DATABASE_URL;
  const database = serverUrl ? await createBenchDatabase(serverUrl, cleanup) : undefined;
  const machine = await describeMachine(redisServer.url, serverUrl);
  const store = database ? `PostgreSQL ${machine.postgres}` : 'PGlite (embedded default)';

  const gatewayOptions = { redisUrl: redisServer.url, databaseUrl: database?.url, scratch };
  const gateway = await startGateway({ ...gatewayOptions, name: 'gateway' }, cleanup);
  const bare = await startBareSoapServer(cleanup);
  const load = startSoapLoadProcess(cleanup);
  log(`gateway pid ${gateway.pid} at ${gateway.url}, bare soap pid ${bare.pid} at ${bare.url}`);

  const targets = {
    bare: { url: bare.url, path: BARE_SOAP_PATH, pid: bare.pid },
    gateway: { url: gateway.url, path: GATEWAY_PATH, pid: gateway.pid },
  };
  const run: RunPass = async (target, plan) => {
    const { url, path: at, pid } = targets[target];
    const cpuBefore = [pid, redisPid, load.pid].map(processCpuSeconds);
    const figures = await load.run({ ...plan, url, path: at, caller: CALLER });
    const cpu = [pid, redisPid, load.pid].map((p, i) => processCpuSeconds(p) - cpuBefore[i]!);
    const share = (seconds: number) => (100 * seconds) / figures.seconds;
    const measured: MeasuredRun = {
      target,
      ...figures,
      plannedRate: plan.kind === 'open' ? plan.rate : undefined,
      cpuPercent: { server: share(cpu[0]!), redis: share(cpu[1]!), load: share(cpu[2]!) },
    };
    if (target === 'gateway') measured.drainSeconds = await drainIngest(redis, plan.label);
    return measured;
  };
  const { closed, open } = await measure(settings, run, log);
  const ingest = await ingestBacklog(redis);
  const gatewayWarnings = [...gateway.warnings(), ...gateway.stderr()];
  await gateway.stop();
  await bare.stop();

  const results: SoapResults = {
    machine,
    store,
    settings,
    caller: { passwordType: CALLER.passwordType },
    closed,
    open,
    failedIngestJobs: ingest.failed,
    gatewayWarnings,
  };
  if (settings.profileRequests > 0) {
    log(`gateway again under --cpu-prof, ${settings.profileRequests} requests...`);
    results.profile = await profileGateway(
      settings,
      { ...gatewayOptions, name: 'profiled' },
      redis,
      load,
      cleanup,
    );
  }

  const bench = path.resolve(__dirname, '..', '..', 'bench');
  const markdown = formatSoapResults(results);
  writeFileSync(path.join(bench, 'results-soap.md'), markdown);
  writeFileSync(
    path.join(bench, 'results-soap.json'),
    `${JSON.stringify({ goal: SOAP_GOAL, ...results }, null, 2)}\n`,
  );
  log(`\n${markdown}`);
}

type RunPass = (
  target: 'bare' | 'gateway',
  plan: LoadShape & { label: string },
) => Promise<MeasuredRun>;

/** Smoke call, warm-up, alternating closed-loop passes, then the open loop, bare first each time. */
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
  // The goal's rate, then half what the gateway managed closed-loop: its latency below saturation.
  const gatewayBest = Math.max(
    ...closed.filter((r) => r.target === 'gateway').map((r) => r.answeredPerSecond),
  );
  const rates = [settings.rate, Math.max(10, Math.round(gatewayBest / 20) * 10)];
  const open: MeasuredRun[] = [];
  for (const [pass, rate] of rates.entries()) {
    if (pass > 0 && !(rate < settings.rate)) break;
    for (const target of ['bare', 'gateway'] as const) {
      log(`${target}: open loop, ${rate} requests/s for ${settings.seconds} s...`);
      const label = `${runId}o${pass}${target[0]}`;
      open.push(await run(target, { kind: 'open', label, rate, seconds: settings.seconds }));
      log(describeRun(open.at(-1)!));
    }
  }
  return { closed, open };
}

/** A fresh gateway under `node --cpu-prof` (a fresh store too), loaded closed-loop, summarized. */
async function profileGateway(
  settings: SoapSettings,
  options: { redisUrl: string; databaseUrl?: string; scratch: string; name: string },
  redis: Redis,
  load: ReturnType<typeof startSoapLoadProcess>,
  cleanup: Cleanup,
): Promise<SoapResults['profile']> {
  const profileDir = process.env.BENCH_SOAP_PROFILE_DIR || path.join(options.scratch, 'profile');
  mkdirSync(profileDir, { recursive: true });
  const serverUrl = process.env.BENCH_DATABASE_URL;
  const database = serverUrl ? await createBenchDatabase(serverUrl, cleanup) : undefined;
  const spawnedAt = performance.now();
  const gateway = await startGateway(
    { ...options, databaseUrl: database?.url },
    cleanup,
    profileDir,
  );
  const plan = (label: string, count: number) =>
    ({
      kind: 'closed',
      label,
      count,
      concurrency: settings.concurrency,
      url: gateway.url,
      path: GATEWAY_PATH,
      caller: CALLER,
    }) as const;
  const runId = Date.now().toString(36).slice(-5);
  await load.run(plan(`${runId}pw`, Math.min(settings.warmup, 500)));
  await drainIngest(redis, 'profile warm-up');
  const measuredFrom = performance.now();
  const figures: LoadFigures = await load.run(plan(`${runId}p`, settings.profileRequests));
  await drainIngest(redis, 'profile pass');
  await gateway.stop();
  await database?.drop();
  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`the profiled gateway wrote no .cpuprofile in ${profileDir}`);
  const measured = path.join(profileDir, 'measured.cpuprofile');
  writeFileSync(
    measured,
    JSON.stringify(samplesAfter(path.join(profileDir, file), (measuredFrom - spawnedAt) * 1000)),
  );
  return {
    answeredPerSecond: figures.answeredPerSecond,
    requests: figures.sent,
    summary: summarizeCpuProfile(measured, 'gateway (all)', 15),
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

/** BENCH_SOAP_RENDER_ONLY: measure nothing, write results-soap.md again from results-soap.json. */
function renderOnly(): void {
  const bench = path.resolve(__dirname, '..', '..', 'bench');
  const results = JSON.parse(readFileSync(path.join(bench, 'results-soap.json'), 'utf8'));
  writeFileSync(path.join(bench, 'results-soap.md'), formatSoapResults(results as SoapResults));
  process.stdout.write('wrote bench/results-soap.md from results-soap.json\n');
}

const cleanup = new Cleanup();
if (process.env.BENCH_SOAP_RENDER_ONLY) {
  renderOnly();
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void cleanup.runAll().finally(() => process.exit(130)));
main(cleanup)
  .then(() => cleanup.runAll())
  .then(
    () => process.exit(0),
    async (error: unknown) => {
      process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
      await cleanup.runAll();
      process.exit(1);
    },
  );
