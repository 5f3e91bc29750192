import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { hashApiKey } from '../src/http/api-keys';
import { projectRoot } from '../src/runtime/project-root';
import { startPrivateRedis } from '../src/runtime/private-redis';
import { createBenchDatabase } from './bench-database';
import { runBenchmark, type Cleanup } from './cleanup';
import { summarizeCpuProfile, type ProfileSummary } from './cpu-profile';
import { int, ms, pct, table } from './format';
import { startGatewayProcess } from './gateway-process';
import { percentile } from './load-generator';
import { describeMachine, type MachineInfo } from './machine';
import { purchaseOrderBodies } from './pipeline';
import { openUsageWindow, type ResourceUsage } from './resource-usage';

/**
 * Issue 6's fan-out goal: one event type, 50 webhook subscribers, at least 2,000 deliveries/s.
 * The gateway runs as `crossdock start` in one process; the 50 receivers are one HTTP server
 * with a path per subscriber in another. A burst of N purchase orders measures deliveries/s;
 * then a steady stream measures the lag from the POST to each delivery when the gateway keeps
 * up. The CPU each process spent during the burst, divided by its deliveries, says where a
 * delivery's time goes; BENCH_FANOUT_PROFILE_DIR runs the gateway under `--cpu-prof` (which
 * slows it) and sums the profile by area. `node dist/bench/fanout.js`; BENCH_FANOUT_SUBSCRIBERS,
 * BENCH_FANOUT_EVENTS, BENCH_FANOUT_RATE, BENCH_FANOUT_SECONDS, BENCH_FANOUT_PROFILE_DIR,
 * BENCH_DATABASE_URL (a PostgreSQL server; PGlite inside the gateway when unset).
 */
const GOAL_DELIVERIES_PER_SECOND = 2_000;
const API_KEY = 'bench-key-globex';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const RECEIVER_FLAG = '--fanout-receivers';
const now = () => performance.timeOrigin + performance.now();
const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

type ToReceivers =
  | { kind: 'start'; subscribers: number }
  | { kind: 'count' }
  | { kind: 'lag'; sentAt: Array<[string, number]>; since: number };
type Lag = { p50: number; p99: number; max: number };
interface ReceiversAnswer {
  url?: string;
  /** Distinct (subscriber, event) deliveries so far, and duplicates. */
  delivered: number;
  duplicates: number;
  lastAt: number;
  lagMs?: Lag;
  cpuPercent?: number;
}

/** The receivers' process: one server, `/hooks/<n>` per subscriber, 204 without reading the body. */
function runReceivers(): void {
  const arrivals = new Map<string, number>(); // `${subscriber} ${eventId}` → time
  let duplicates = 0;
  let lastAt = 0;
  let cpuFrom = { at: now(), usage: process.cpuUsage() };
  const server = http.createServer((req, res) => {
    const key = `${req.url} ${String(req.headers['webhook-id'])}`;
    req.on('end', () => {
      const at = now();
      if (arrivals.has(key)) duplicates++;
      else arrivals.set(key, at);
      lastAt = at;
      res.writeHead(204).end();
    });
    req.resume();
  });
  server.keepAliveTimeout = 60_000;
  process.on('message', (message: ToReceivers) => {
    const answer: ReceiversAnswer = { delivered: arrivals.size, duplicates, lastAt };
    if (message.kind === 'start') {
      server.listen(0, '127.0.0.1', () => {
        cpuFrom = { at: now(), usage: process.cpuUsage() };
        const port = (server.address() as AddressInfo).port;
        process.send!({ ...answer, url: `http://127.0.0.1:${port}` });
      });
      return;
    }
    if (message.kind === 'lag') {
      const sentAt = new Map(message.sentAt);
      const samples: number[] = [];
      for (const [key, at] of arrivals) {
        if (at < message.since) continue;
        // webhook-id is evt_<message ulid>_<seq>: the message id without parsing the body.
        const eventId = key.slice(key.indexOf(' ') + 1);
        const sent = sentAt.get(`msg_${eventId.slice(4, eventId.lastIndexOf('_'))}`);
        if (sent !== undefined) samples.push(at - sent);
      }
      answer.lagMs = {
        p50: percentile(samples, 50),
        p99: percentile(samples, 99),
        max: percentile(samples, 100),
      };
      const cpu = process.cpuUsage(cpuFrom.usage);
      answer.cpuPercent = (cpu.user + cpu.system) / 10 / (now() - cpuFrom.at);
    }
    process.send!(answer);
  });
}

function partnerFiles(dir: string, receiversUrl: string, subscribers: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'globex-retail.yaml'),
    `id: globex-retail\nname: Globex Retail\ninbound:\n  rest:\n    apiKeys:\n` +
      `      - { id: bench, sha256: ${hashApiKey(API_KEY)}, scopes: [documents:write] }\n`,
  );
  for (let n = 1; n <= subscribers; n++) {
    const id = `subscriber-${String(n).padStart(2, '0')}`;
    writeFileSync(
      path.join(dir, `${id}.yaml`),
      `id: ${id}\nname: Subscriber ${n}\noutbound:\n  channel: webhook\n  webhook:\n` +
        `    url: ${receiversUrl}/hooks/${n}\n    secret: \${BENCH_WEBHOOK_SECRET}\n` +
        `subscriptions:\n  - events: [com.crossdock.purchase-order]\n`,
    );
  }
}

/** Posts `count` purchase orders, `inFlight` at a time, or one every 1/rate s when paced. */
async function postPurchaseOrders(
  url: string,
  count: number,
  label: string,
  pacing: { inFlight: number } | { rate: number },
) {
  const body = purchaseOrderBodies(label);
  const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
  const sentAt = new Map<string, number>();
  let failures = 0;
  const post = async (index: number) => {
    const started = now();
    const response = await fetch(`${url}/api/v1/purchase-orders`, {
      method: 'POST',
      headers,
      body: body(index),
    }).catch(() => undefined);
    const location = response?.headers.get('location');
    await response?.arrayBuffer();
    if (response?.status !== 202 || !location) failures++;
    else sentAt.set(location.slice(location.lastIndexOf('/') + 1), started);
  };
  if ('rate' in pacing) {
    const startedAt = now();
    const requests: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      await sleep(startedAt + (index * 1000) / pacing.rate - now());
      requests.push(post(index));
    }
    await Promise.all(requests);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: pacing.inFlight }, async () => {
        while (next < count) await post(next++);
      }),
    );
  }
  return { sentAt, failures };
}

async function main(cleanup: Cleanup): Promise<void> {
  const setting = (name: string, fallback: number) => Number(process.env[name] || fallback);
  const subscribers = setting('BENCH_FANOUT_SUBSCRIBERS', 50);
  const burstEvents = setting('BENCH_FANOUT_EVENTS', 400);
  const rate = setting('BENCH_FANOUT_RATE', 10);
  const seconds = setting('BENCH_FANOUT_SECONDS', 10);
  const log = (line: string) => process.stdout.write(`${line}\n`);

  const receivers = fork(__filename, [RECEIVER_FLAG], { stdio: 'inherit' });
  cleanup.trackPid(receivers.pid);
  cleanup.add('stop the receivers', async () => receivers.kill());
  const ask = (message: ToReceivers) =>
    new Promise<ReceiversAnswer>((resolve) => {
      receivers.once('message', (answer) => resolve(answer as ReceiversAnswer));
      receivers.send(message);
    });
  const { url: receiversUrl } = await ask({ kind: 'start', subscribers });

  const scratch = mkdtempSync(path.join(os.tmpdir(), 'crossdock-bench-fanout-'));
  cleanup.add(`remove ${scratch}`, async () => rmSync(scratch, { recursive: true, force: true }));
  partnerFiles(path.join(scratch, 'home', 'partners'), receiversUrl!, subscribers);
  mkdirSync(path.join(scratch, 'redis'));
  const redis = await startPrivateRedis(path.join(scratch, 'redis'));
  cleanup.trackPid(Number(readFileSync(path.join(scratch, 'redis', 'redis.pid'), 'utf8')));
  cleanup.add('stop the private redis-server', () => redis.stop());
  const serverUrl = process.env.BENCH_DATABASE_URL;
  const database = serverUrl ? await createBenchDatabase(serverUrl, cleanup) : undefined;
  const machine = await describeMachine(redis.url, serverUrl);
  const profileDir = process.env.BENCH_FANOUT_PROFILE_DIR || undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const { CROSSDOCK_ADMIN_KEY: _adminKey, ...inherited } = process.env;
  const gateway = await startGatewayProcess(
    'all',
    {
      ...(inherited as Record<string, string>),
      CROSSDOCK_HOME: path.join(scratch, 'home'),
      CROSSDOCK_VAR_DIR: path.join(scratch, 'var'),
      REDIS_URL: redis.url,
      DATABASE_URL: database?.url ?? '',
      BENCH_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'warn',
    },
    cleanup,
    profileDir,
  );
  const counters = new Redis(redis.url, { maxRetriesPerRequest: null });
  cleanup.add('close the counters connection', async () => counters.disconnect());

  const waitForDeliveries = async (expected: number, timeoutMs: number) => {
    const deadline = now() + timeoutMs;
    for (;;) {
      const progress = await ask({ kind: 'count' });
      if (progress.delivered >= expected || now() > deadline) return progress;
      await sleep(100);
    }
  };

  log(`gateway pid ${gateway.pid}, ${subscribers} subscribers at ${receiversUrl}; warm-up...`);
  const warmup = await postPurchaseOrders(gateway.url, 20, 'W', { inFlight: 4 });
  let expected = warmup.sentAt.size * subscribers;
  await waitForDeliveries(expected, 60_000);

  log(`burst: ${burstEvents} purchase orders → ${burstEvents * subscribers} deliveries...`);
  const closeUsage = await openUsageWindow({
    processes: [
      { name: 'gateway', pid: gateway.pid },
      { name: 'receivers', pid: receivers.pid! },
    ],
    redis: counters,
    postgres: database ? { client: database.admin, database: database.name } : undefined,
  });
  const burstFrom = now();
  const burst = await postPurchaseOrders(gateway.url, burstEvents, 'B', { inFlight: 16 });
  const postedIn = now() - burstFrom;
  expected += burst.sentAt.size * subscribers;
  const afterBurst = await waitForDeliveries(expected, 300_000);
  const burstUsage = await closeUsage();
  const burstLag = await ask({ kind: 'lag', sentAt: [...burst.sentAt], since: burstFrom });
  const burstSeconds = (afterBurst.lastAt - burstFrom) / 1000;
  const burstDelivered = afterBurst.delivered - warmup.sentAt.size * subscribers;

  log(`steady: ${rate} purchase orders/s for ${seconds} s (${rate * subscribers} deliveries/s)...`);
  const steadyFrom = now();
  const steady = await postPurchaseOrders(gateway.url, rate * seconds, 'S', { rate });
  expected += steady.sentAt.size * subscribers;
  const afterSteady = await waitForDeliveries(expected, 120_000);
  const steadyLag = await ask({ kind: 'lag', sentAt: [...steady.sentAt], since: steadyFrom });

  const figures = {
    subscribers,
    burst: {
      events: burst.sentAt.size,
      postFailures: burst.failures,
      expected: burst.sentAt.size * subscribers,
      delivered: burstDelivered,
      postedInMs: postedIn,
      deliveriesPerSecond: burstDelivered / burstSeconds,
      lagMs: burstLag.lagMs!,
    },
    steady: {
      rate,
      seconds,
      events: steady.sentAt.size,
      postFailures: steady.failures,
      expected: steady.sentAt.size * subscribers,
      delivered: afterSteady.delivered - afterBurst.delivered,
      lagMs: steadyLag.lagMs!,
    },
    duplicates: afterSteady.duplicates,
    receiverCpuPercent: steadyLag.cpuPercent!,
    burstUsage,
    loadAverageAtEnd: os.loadavg()[0]!,
    deliverConcurrency: process.env.CROSSDOCK_DELIVER_CONCURRENCY ?? 'default',
  };
  await gateway.stop();
  const profile = profileDir
    ? summarizeCpuProfile(path.join(profileDir, 'all.cpuprofile'), 'gateway (all)')
    : undefined;
  const markdown = formatFanout(figures, machine, profile);
  const benchDir = path.join(projectRoot(), 'bench');
  writeFileSync(path.join(benchDir, 'results-fanout.md'), markdown);
  writeFileSync(
    path.join(benchDir, 'results-fanout.json'),
    `${JSON.stringify({ machine, goal: GOAL_DELIVERIES_PER_SECOND, figures, profile, gatewayWarnings: gateway.warnings() }, null, 2)}\n`,
  );
  log(`\n${markdown}`);
}

interface FanoutFigures {
  subscribers: number;
  burst: {
    events: number;
    postFailures: number;
    expected: number;
    delivered: number;
    postedInMs: number;
    deliveriesPerSecond: number;
    lagMs: Lag;
  };
  steady: {
    rate: number;
    seconds: number;
    events: number;
    postFailures: number;
    expected: number;
    delivered: number;
    lagMs: Lag;
  };
  duplicates: number;
  receiverCpuPercent: number;
  burstUsage: ResourceUsage;
  loadAverageAtEnd: number;
  deliverConcurrency: string;
}

/** CPU per delivery of each process during the burst: where a delivery's time goes. */
function usageRows(f: FanoutFigures): string[][] {
  const usage = f.burstUsage;
  const perDelivery = (seconds: number) => `${((seconds * 1000) / f.burst.delivered).toFixed(3)}`;
  const rows = Object.entries(usage.cpuSeconds)
    .filter(([name]) => name !== 'bench (load + sink)')
    .map(([name, seconds]) => [name, perDelivery(seconds), pct(seconds / usage.seconds)]);
  rows.push([
    'everything else on the machine (other users, kernel threads)',
    perDelivery(usage.otherCpuSeconds),
    pct(usage.otherCpuSeconds / usage.seconds),
  ]);
  return rows;
}

function formatFanout(f: FanoutFigures, m: MachineInfo, profile?: ProfileSummary): string {
  const met = f.burst.deliveriesPerSecond >= GOAL_DELIVERIES_PER_SECOND ? 'met' : 'MISSED';
  const lag = (l: Lag) => `${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.max)}`;
  const rows = [
    [
      `burst: ${int(f.burst.events)} POs posted 16 at a time`,
      `${int(f.burst.delivered)} of ${int(f.burst.expected)}`,
      `**${int(f.burst.deliveriesPerSecond)}**`,
      lag(f.burst.lagMs),
    ],
    [
      `steady: ${f.steady.rate} POs/s for ${f.steady.seconds} s (${int(f.steady.rate * f.subscribers)} deliveries/s offered)`,
      `${int(f.steady.delivered)} of ${int(f.steady.expected)}`,
      '',
      lag(f.steady.lagMs),
    ],
  ];
  return [
    `# Fan-out: one event type to ${f.subscribers} webhook subscribers`,
    '',
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel}; Node ${m.node}, ` +
      `BullMQ ${m.bullmq}, Redis ${m.redis}, ${m.postgres ? `PostgreSQL ${m.postgres}` : 'PGlite'}; ` +
      `commit ${m.commit}; ${m.date}. Load average (1 min) when the run began: ` +
      `${m.loadAverageAtStart.toFixed(2)}, when it ended: ${f.loadAverageAtEnd.toFixed(2)}.`,
    '',
    `Goal: ${int(GOAL_DELIVERIES_PER_SECOND)} deliveries/s or more — **${met}** ` +
      `(${int(f.burst.deliveriesPerSecond)} deliveries/s in the burst).`,
    '',
    table(['run', 'delivered', 'deliveries/s', 'lag POST → delivery p50 / p99 / max, ms'], rows),
    '',
    `One gateway process (all roles, \`CROSSDOCK_DELIVER_CONCURRENCY\` ` +
      `${f.deliverConcurrency}), its own redis-server, the ` +
      `${f.subscribers} receivers in one other process (one server, a path per subscriber, 204 at once; ` +
      `${int(f.receiverCpuPercent)}% of a core). Every delivery goes through the per-endpoint ` +
      'limit and circuit breaker (two Redis scripts) and records its outcome in the store. ' +
      `Deliveries/s counts from the first POST of the burst to its last delivery; the lag of ` +
      `the burst includes the queue it builds. ${f.burst.postFailures + f.steady.postFailures} ` +
      `POSTs refused; ${f.duplicates} duplicate deliveries.`,
    '',
    `CPU during the burst (${f.burstUsage.seconds.toFixed(1)} s, cores ${pct(f.burstUsage.machineBusy)} busy; ` +
      `${(f.burstUsage.redisScripts / f.burst.delivered).toFixed(2)} Redis scripts and ` +
      `${(f.burstUsage.redisCommands / f.burst.delivered).toFixed(2)} Redis commands per delivery, ` +
      'intake and processing of the POs included):',
    '',
    table(['process', 'CPU ms per delivery', 'share of a core'], usageRows(f)),
    '',
    ...(profile ? profileLines(profile) : []),
  ].join('\n');
}

function profileLines(profile: ProfileSummary): string[] {
  return [
    `The gateway under \`--cpu-prof\` (whole run; ${profile.busySeconds.toFixed(1)} s busy, ` +
      `${profile.idleSeconds.toFixed(1)} s idle), by area and by function (self time):`,
    '',
    table(
      ['area', 'share of busy time'],
      profile.areas.slice(0, 14).map((a) => [a.area, pct(a.share)]),
    ),
    '',
    table(
      ['function', 'area', 'share'],
      profile.functions.map((fn) => [`\`${fn.name}\``, fn.area, pct(fn.share)]),
    ),
    '',
  ];
}

if (process.argv.includes(RECEIVER_FLAG)) runReceivers();
else {
  runBenchmark(main);
}
