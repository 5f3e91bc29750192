import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { hashApiKey } from '../src/http/api-keys';
import { startPrivateRedis } from '../src/runtime/private-redis';
import { createBenchDatabase } from './bench-database';
import { runBenchmark, type Cleanup } from './cleanup';
import { int, ms, table } from './format';
import { summarizeCpuProfile } from './cpu-profile';
import { startGatewayProcess } from './gateway-process';
import { percentile } from './load-generator';
import { describeMachine, type MachineInfo } from './machine';
import { purchaseOrderBodies } from './pipeline';
import { processCpuSeconds } from './resource-usage';

/**
 * Issue 6's live-feed goal: N SSE clients in another process each get every event of a
 * 50 events/s stream, p99 lag under 100 ms, under 50 KB of gateway memory per idle client.
 * `node dist/bench/live-feeds.js`; BENCH_SSE_CLIENTS, BENCH_SSE_SECONDS, BENCH_SSE_RATE;
 * BENCH_SSE_CPU_PROFILE=<folder> runs the gateway under --cpu-prof and prints where its time went.
 */
const GOAL = { lagP99Ms: 100, bytesPerIdleClient: 50 * 1024 };
const API_KEY = 'bench-key-globex';
const CLIENT_FLAG = '--sse-clients';
const now = () => performance.timeOrigin + performance.now();
const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

type ToClients =
  | { kind: 'connect'; url: string; clients: number }
  | { kind: 'progress' }
  | { kind: 'finish'; sentAt: Array<[string, number]> };
type Lag = { p50: number; p99: number; max: number };
interface ClientsAnswer {
  failed: number;
  fewest: number;
  received: number[];
  dropped: number;
  lagMs: Lag;
  intakeLagMs: Lag;
  /** Per event, to the first client that read it: the lag before the fan-out. */
  firstClientLagMs: Lag;
  /** This process's CPU over the load, % of one core: near 100 and the lag is partly ours. */
  cpuPercent: number;
}

/** The client process: plain streaming GETs, each frame's `id:` and `data:` lines read. */
function runClients(): void {
  type SeenEvent = { timeMs: number; messageId: string; firstAt: number };
  const events = new Map<string, SeenEvent>();
  const received: number[] = [];
  const receivedAt: number[] = [];
  const receivedEvent: SeenEvent[] = [];
  let cpuFrom = { at: now(), usage: process.cpuUsage() };
  let dropped = 0;
  let failed = 0;

  const onFrame = (client: number, frame: string) => {
    let id: string | undefined;
    let data: string | undefined;
    for (const line of frame.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data = line.slice(6);
    }
    if (id === undefined || data === undefined) return;
    let event = events.get(id);
    if (!event) {
      if (events.size === 0) cpuFrom = { at: now(), usage: process.cpuUsage() };
      // Every client receives the same frame: parse it once.
      const envelope = JSON.parse(data) as { time: string; messageid: string };
      event = { timeMs: Date.parse(envelope.time), messageId: envelope.messageid, firstAt: now() };
      events.set(id, event);
    }
    received[client] = received[client]! + 1;
    receivedAt.push(now());
    receivedEvent.push(event);
  };

  const connect = (url: string, client: number) =>
    new Promise<boolean>((resolve) => {
      received[client] = 0;
      const request = http.get(`${url}/api/v1/events/stream`, (response) => {
        if (response.statusCode !== 200) return resolve(false);
        response.setEncoding('utf8');
        let rest = '';
        response.on('data', (chunk: string) => {
          const frames = (rest + chunk).split('\n\n');
          rest = frames.pop()!;
          for (const frame of frames) onFrame(client, frame);
        });
        response.on('close', () => dropped++);
        resolve(true);
      });
      request.on('error', () => resolve(false));
    });

  const lag = (samples: number[]): Lag => {
    const kept = samples.filter(Number.isFinite);
    return { p50: percentile(kept, 50), p99: percentile(kept, 99), max: percentile(kept, 100) };
  };
  // One question at a time from the parent, each answered by the whole state so far.
  process.on('message', async (message: ToClients) => {
    const answer: Partial<ClientsAnswer> = { fewest: Math.min(...received), dropped, failed };
    if (message.kind === 'connect') {
      // In batches, so the gateway's accept backlog is not what is measured.
      for (let first = 0; first < message.clients; first += 100) {
        const batch = Array.from({ length: Math.min(100, message.clients - first) }, (_, i) =>
          connect(message.url, first + i),
        );
        failed += (await Promise.all(batch)).filter((ok) => !ok).length;
        answer.failed = failed;
      }
    } else if (message.kind === 'finish') {
      const sentAt = new Map(message.sentAt);
      const cpu = process.cpuUsage(cpuFrom.usage);
      answer.cpuPercent = (cpu.user + cpu.system) / 10 / (now() - cpuFrom.at);
      answer.received = received;
      answer.firstClientLagMs = lag([...events.values()].map((e) => e.firstAt - e.timeMs));
      answer.lagMs = lag(receivedAt.map((at, i) => at - receivedEvent[i]!.timeMs));
      answer.intakeLagMs = lag(
        receivedAt.map((at, i) => at - (sentAt.get(receivedEvent[i]!.messageId) ?? NaN)),
      );
      // Its open streams would keep it running.
      return process.send!(answer, () => process.exit(0));
    }
    process.send!(answer);
  });
}

/** VmRSS moves with each garbage collection: the median of a few samples, a second apart. */
async function settledRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++, await sleep(1000)) {
    const found = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (!found) throw new Error(`no VmRSS for pid ${pid}`);
    samples.push(Number(found[1]) * 1024);
  }
  return percentile(samples, 50);
}

/** Open loop: one purchase order every 1/rate s whatever the answers, as a live source would. */
async function postAtRate(url: string, rate: number, count: number, label: string) {
  const body = purchaseOrderBodies(label);
  const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
  const sentAt = new Map<string, number>();
  const failures: string[] = [];
  const post = async (index: number, started: number) => {
    const init = { method: 'POST', headers, body: body(index) };
    const response = await fetch(`${url}/api/v1/purchase-orders`, init).catch((e: Error) => e);
    if (response instanceof Error) return failures.push(response.message);
    await response.arrayBuffer();
    const location = response.headers.get('location');
    if (response.status !== 202 || !location) return failures.push(String(response.status));
    sentAt.set(location.slice(location.lastIndexOf('/') + 1), started);
  };
  const startedAt = now();
  const requests: Promise<unknown>[] = [];
  for (let index = 0; index < count; index++) {
    await sleep(startedAt + (index * 1000) / rate - now());
    requests.push(post(index, now()));
  }
  await Promise.all(requests);
  return { sentAt, failures };
}

/** One gateway process (all roles) with its own Redis, PGlite or a fresh PostgreSQL database. */
async function startGateway(cleanup: Cleanup, cpuProfileDir: string | undefined) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'crossdock-bench-live-'));
  cleanup.add(`remove ${scratch}`, async () => rmSync(scratch, { recursive: true, force: true }));
  mkdirSync(path.join(scratch, 'home', 'partners'), { recursive: true });
  writeFileSync(
    path.join(scratch, 'home', 'partners', 'globex-retail.yaml'),
    `id: globex-retail\nname: Globex Retail\ninbound:\n  rest:\n    apiKeys:\n` +
      `      - { id: bench, sha256: ${hashApiKey(API_KEY)}, scopes: [documents:write] }\n`,
  );
  mkdirSync(path.join(scratch, 'redis'));
  const redis = await startPrivateRedis(path.join(scratch, 'redis'));
  cleanup.trackPid(Number(readFileSync(path.join(scratch, 'redis', 'redis.pid'), 'utf8')));
  cleanup.add('stop the private redis-server', () => redis.stop());
  const serverUrl = process.env.BENCH_DATABASE_URL;
  const database = serverUrl ? await createBenchDatabase(serverUrl, cleanup) : undefined;
  const machine = await describeMachine(redis.url, serverUrl);
  const { CROSSDOCK_ADMIN_KEY: _adminKey, ...inherited } = process.env;
  const gateway = await startGatewayProcess(
    'all',
    {
      ...(inherited as Record<string, string>),
      CROSSDOCK_HOME: path.join(scratch, 'home'),
      CROSSDOCK_VAR_DIR: path.join(scratch, 'var'),
      REDIS_URL: redis.url,
      DATABASE_URL: database?.url ?? '',
      LOG_LEVEL: 'warn',
    },
    cleanup,
    cpuProfileDir,
  );
  return { gateway, machine };
}

async function main(cleanup: Cleanup): Promise<void> {
  const setting = (name: string, fallback: number) => Number(process.env[name] || fallback);
  const clients = setting('BENCH_SSE_CLIENTS', 1000);
  const seconds = setting('BENCH_SSE_SECONDS', 20);
  const rate = setting('BENCH_SSE_RATE', 50);
  const cpuProfileDir = process.env.BENCH_SSE_CPU_PROFILE || undefined;
  const { gateway, machine } = await startGateway(cleanup, cpuProfileDir);
  const log = (line: string) => process.stdout.write(`${line}\n`);

  log(`gateway pid ${gateway.pid} at ${gateway.url}; warm-up...`);
  await postAtRate(gateway.url, rate, rate * 2, 'W');
  await sleep(2000);
  const rssBefore = await settledRss(gateway.pid);

  const child = fork(__filename, [CLIENT_FLAG], { stdio: 'inherit' });
  cleanup.trackPid(child.pid);
  cleanup.add('stop the SSE client process', async () => child.kill());
  const ask = (message: ToClients) =>
    new Promise<ClientsAnswer>((resolve) => {
      child.once('message', (answer) => resolve(answer as ClientsAnswer));
      child.send(message);
    });

  log(`connecting ${clients} SSE clients...`);
  const { failed } = await ask({ kind: 'connect', url: gateway.url, clients });
  if (failed > 0) log(`${failed} of ${clients} connections refused`);
  await sleep(2000);
  const rssConnected = await settledRss(gateway.pid);

  log(`posting ${rate} purchase orders/s for ${seconds} s...`);
  // CPU time, unlike lag, is not stretched by other processes on the machine taking turns.
  const cpuBefore = { at: now(), seconds: processCpuSeconds(gateway.pid) };
  const load = await postAtRate(gateway.url, rate, rate * seconds, 'M');
  const expected = load.sentAt.size;
  const settleUntil = now() + 15_000;
  while (now() < settleUntil) {
    const progress = await ask({ kind: 'progress' });
    if (progress.fewest >= expected) break;
    await sleep(250);
  }
  const gatewayCpuPercent =
    ((processCpuSeconds(gateway.pid) - cpuBefore.seconds) * 1000 * 100) / (now() - cpuBefore.at);
  const rssAfter = await settledRss(gateway.pid);
  const result = await ask({ kind: 'finish', sentAt: [...load.sentAt] });

  const figures = summarize(
    {
      clients,
      rate,
      posted: load.sentAt.size,
      postFailures: load.failures.length,
      gatewayCpuPercent,
    },
    result,
    { before: rssBefore, connected: rssConnected, afterLoad: rssAfter },
  );
  const markdown = formatLiveFeeds(figures, machine);
  writeFileSync(path.resolve(__dirname, '..', '..', 'bench', 'results-live-feeds.md'), markdown);
  writeFileSync(
    path.resolve(__dirname, '..', '..', 'bench', 'results-live-feeds.json'),
    `${JSON.stringify({ machine, goal: GOAL, figures, gatewayWarnings: gateway.warnings() }, null, 2)}\n`,
  );
  log(`\n${markdown}`);
  await gateway.stop();
  if (cpuProfileDir) {
    const profile = summarizeCpuProfile(path.join(cpuProfileDir, 'all.cpuprofile'), 'gateway', 25);
    log(JSON.stringify(profile, null, 2));
  }
}

function summarize(
  run: {
    clients: number;
    rate: number;
    posted: number;
    postFailures: number;
    /** The gateway's CPU from the first POST until every client had every event. */
    gatewayCpuPercent: number;
  },
  result: ClientsAnswer,
  rssBytes: { before: number; connected: number; afterLoad: number },
) {
  const clientEvents = result.received.reduce((sum, n) => sum + Math.min(n, run.posted), 0);
  const streamSeconds = run.posted / run.rate;
  return {
    ...run,
    perClientEventsPerSecond: clientEvents / run.clients / streamSeconds,
    totalEventsPerSecond: clientEvents / streamSeconds,
    clientsThatMissedEvents: result.received.filter((n) => n < run.posted).length + result.failed,
    ...{ connectFailures: result.failed, droppedConnections: result.dropped },
    ...{ lagMs: result.lagMs, intakeLagMs: result.intakeLagMs, rssBytes },
    ...{ firstClientLagMs: result.firstClientLagMs, clientProcessCpuPercent: result.cpuPercent },
    bytesPerIdleClient: (rssBytes.connected - rssBytes.before) / run.clients,
    loadAverageAtEnd: os.loadavg()[0]!,
  };
}
type LiveFeedFigures = ReturnType<typeof summarize>;

function formatLiveFeeds(f: LiveFeedFigures, m: MachineInfo): string {
  const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
  const all = verdict(f.clientsThatMissedEvents === 0);
  const { lagMs, intakeLagMs: fromPost, firstClientLagMs: first } = f;
  const kb = f.bytesPerIdleClient / 1024;
  const goalKb = GOAL.bytesPerIdleClient / 1024;
  const lagMet = verdict(lagMs.p99 < GOAL.lagP99Ms);
  const mib = (bytes: number) => int(bytes / 2 ** 20);
  const rows = [
    ['events/s delivered per client', f.perClientEventsPerSecond.toFixed(1), `${f.rate}`, all],
    ['events/s delivered in total', int(f.totalEventsPerSecond), int(f.rate * f.clients), all],
    ['clients that missed events', int(f.clientsThatMissedEvents), '0', all],
    ['lag p50, ms (event `time` → client)', ms(lagMs.p50), '', ''],
    ['lag p99, ms (event `time` → client)', ms(lagMs.p99), `< ${GOAL.lagP99Ms}`, lagMet],
    ['lag max, ms (event `time` → client)', ms(lagMs.max), '', ''],
    ['lag p50 / p99, ms (`time` → first client)', `${ms(first.p50)} / ${ms(first.p99)}`, '', ''],
    ['lag p50 / p99, ms (POST sent → client)', `${ms(fromPost.p50)} / ${ms(fromPost.p99)}`, '', ''],
    ['gateway memory per idle client, KB', kb.toFixed(1), `< ${goalKb}`, verdict(kb < goalKb)],
    ['gateway CPU during the load, % of a core', int(f.gatewayCpuPercent), '', ''],
    ['client process CPU, % of a core', int(f.clientProcessCpuPercent), '', ''],
  ];
  return [
    `# Live feeds: ${f.clients} SSE clients, ${f.rate} events/s for ${f.posted / f.rate} s`,
    '',
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel}; Node ${m.node}, ` +
      `Redis ${m.redis}, ${m.postgres ? `PostgreSQL ${m.postgres}` : 'PGlite'}; commit ${m.commit}; ` +
      `${m.date}. Load average when the run began: ${m.loadAverageAtStart.toFixed(2)}.`,
    '',
    table(['Figure', 'Measured', 'Goal', ''], rows),
    '',
    `Gateway RSS (/proc VmRSS, median of 5 samples 1 s apart): ${mib(f.rssBytes.before)} MiB ` +
      `before the clients, ${mib(f.rssBytes.connected)} MiB with them idle-connected, ` +
      `${mib(f.rssBytes.afterLoad)} MiB after the load. ${f.posted} purchase orders accepted ` +
      `(${f.postFailures} refused); ${f.connectFailures} connections refused, ` +
      `${f.droppedConnections} dropped. The CloudEvent \`time\` is set by the process worker ` +
      '(createEvent), so the first lag excludes intake→process; the second counts from the POST. ' +
      "Both include the store's NOTIFY on commit waking the event tail, its read, and the " +
      `fan-out to every socket. Load average when the run ended: ${f.loadAverageAtEnd.toFixed(2)}.`,
    '',
  ].join('\n');
}

if (process.argv.includes(CLIENT_FLAG)) runClients();
else {
  runBenchmark(main);
}
