import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BaselineResult } from './bullmq-baseline';
import type { ProfileSummary } from './cpu-profile';
import { GOAL_MESSAGES_PER_SECOND, int, ms, pct, table } from './format';
import type { MachineInfo } from './machine';
import type { BenchOptions } from './options';
import type { PipelineResult } from './pipeline';
import type { StatementCost } from './store-statements';
import { explainWhereTheTimeGoes } from './where-the-time-goes';

export interface BenchResults {
  machine: MachineInfo;
  options: Omit<BenchOptions, 'databaseUrl'> & { databaseUrl?: 'set' };
  baselines: BaselineResult[];
  /** Only when a PostgreSQL server was given. */
  storeStatements?: StatementCost[];
  pipelines: PipelineResult[];
  /** The extra pass under --cpu-prof (slower than the measured ones; only its profile matters). */
  profiled?: PipelineResult;
}

/** A configuration's result with its ratios, and the date of the run when it is not this one. */
export type ReportedPipeline = PipelineResult & {
  ratios: { goal: number; bullmqOneHop: number; bullmqTwoHop: number };
  fromEarlierRun?: string;
  /** The commit the figures are of (see MachineInfo.commit). */
  commit?: string;
};

export interface StoredResults extends Omit<BenchResults, 'pipelines'> {
  pipelines: ReportedPipeline[];
  storeStatementsFromEarlierRun?: string;
}

/**
 * Writes results.json and results.md. What this run skipped (configurations, the PostgreSQL
 * statement costs) keeps its figures from the previous results.json, marked with that run's
 * date, so a PGlite-only run does not erase the PostgreSQL figures.
 */
export function writeResults(
  results: BenchResults,
  dir: string,
): { files: string[]; pipelines: ReportedPipeline[] } {
  const jsonFile = path.join(dir, 'results.json');
  const earlier = readEarlier(jsonFile);
  const current: ReportedPipeline[] = results.pipelines.map((p) => ({
    ...p,
    ratios: ratiosOf(p, results.baselines),
    commit: results.machine.commit,
  }));
  const kept = (earlier?.pipelines ?? [])
    .filter((p) => !current.some((c) => c.name === p.name))
    .map((p) => ({ ...p, fromEarlierRun: p.fromEarlierRun ?? earlier!.machine.date }));
  const stored: StoredResults = { ...results, pipelines: [...current, ...kept] };
  if (!results.storeStatements && earlier?.storeStatements) {
    stored.storeStatements = earlier.storeStatements;
    stored.storeStatementsFromEarlierRun =
      earlier.storeStatementsFromEarlierRun ?? earlier.machine.date;
  }
  writeFileSync(jsonFile, `${JSON.stringify(stored, null, 2)}\n`);
  const mdFile = path.join(dir, 'results.md');
  writeFileSync(mdFile, renderMarkdown(stored));
  return { files: [mdFile, jsonFile], pipelines: stored.pipelines };
}

/** Writes results.md again from results.json, e.g. after changing how it is written. */
export function rewriteMarkdown(dir: string): string {
  const stored = readEarlier(path.join(dir, 'results.json'));
  if (!stored) throw new Error(`no readable results.json in ${dir}`);
  const mdFile = path.join(dir, 'results.md');
  writeFileSync(mdFile, renderMarkdown(stored));
  return mdFile;
}

function readEarlier(file: string): StoredResults | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredResults;
  } catch {
    return undefined;
  }
}

function ratiosOf(result: PipelineResult, baselines: BaselineResult[]): ReportedPipeline['ratios'] {
  const rate = (name: string) => baselines.find((b) => b.name === name)?.jobsPerSecond ?? NaN;
  return {
    goal: result.deliveredPerSecond / GOAL_MESSAGES_PER_SECOND,
    bullmqOneHop: result.deliveredPerSecond / rate('bullmq-1-hop-small'),
    bullmqTwoHop: result.deliveredPerSecond / rate('bullmq-2-hop'),
  };
}

function runDate(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

export function formatBaselineTable(baselines: BaselineResult[]): string {
  const core = (b: BaselineResult, seconds: number) => pct(seconds / b.usage.seconds);
  return table(
    [
      'raw BullMQ baseline',
      'jobs',
      'job size',
      'worker concurrency',
      'add+process jobs/s',
      'of which adding took',
      'CPU: node / redis-server / other processes',
    ],
    baselines.map((b) => [
      `${b.name} (${b.description})`,
      int(b.jobs),
      `${int(b.payloadBytes)} B`,
      b.concurrency.join(' + '),
      `**${int(b.jobsPerSecond)}**` +
        (b.attemptRates && b.attemptRates.length > 1
          ? ` (best of ${b.attemptRates.map((r) => int(r)).join(', ')})`
          : ''),
      `${b.addSeconds.toFixed(2)} s of ${b.seconds.toFixed(2)} s`,
      `${core(b, cpuOf(b.usage, 'bench'))} / ${core(b, cpuOf(b.usage, 'redis'))} / ${core(b, b.usage.otherCpuSeconds)}`,
    ]),
  );
}

function cpuOf(usage: BaselineResult['usage'], prefix: string): number {
  return Object.entries(usage.cpuSeconds)
    .filter(([name]) => name.startsWith(prefix))
    .reduce((sum, [, seconds]) => sum + seconds, 0);
}

export function formatPipelineTable(
  pipelines: Array<PipelineResult & Partial<ReportedPipeline>>,
  baselines: BaselineResult[],
): string {
  return table(
    [
      'configuration',
      'messages',
      'in flight',
      'intake req/s',
      'intake p50 / p95 / p99 ms',
      'delivered msg/s',
      'steady msg/s',
      'end-to-end p50 / p99 ms',
      'of 3,000 goal',
      'of raw BullMQ: 1 hop tiny / 2 hops PO-sized',
    ],
    pipelines.map((p) => {
      const ratios = p.ratios ?? ratiosOf(p, baselines);
      const refused = Object.values(p.failures).reduce((sum, n) => sum + n, 0);
      return [
        `${p.name}${p.fromEarlierRun ? ` (run of ${runDate(p.fromEarlierRun)}, commit ${p.commit ?? '?'})` : ''}`,
        `${int(p.accepted)}${refused ? ` (+${int(refused)} refused)` : ''}`,
        String(p.concurrency),
        int(p.intake.perSecond),
        `${ms(p.intake.p50Ms)} / ${ms(p.intake.p95Ms)} / ${ms(p.intake.p99Ms)}`,
        `**${int(p.deliveredPerSecond)}**`,
        int(p.steadyDeliveredPerSecond),
        `${ms(p.endToEnd.p50Ms)} / ${ms(p.endToEnd.p99Ms)}`,
        pct(ratios.goal),
        `${pct(ratios.bullmqOneHop)} / ${pct(ratios.bullmqTwoHop)}`,
      ];
    }),
  );
}

function formatUsageTable(pipelines: ReportedPipeline[]): string {
  const share = (p: PipelineResult, match: (name: string) => boolean) => {
    const seconds = Object.entries(p.usage.cpuSeconds)
      .filter(([name]) => match(name))
      .reduce((sum, [, s]) => sum + s, 0);
    return `${pct(seconds / p.usage.seconds)} (${int((seconds / p.accepted) * 1e6)} µs)`;
  };
  return table(
    [
      'configuration',
      'gateway',
      'redis-server',
      'PostgreSQL',
      'load generator + sink',
      'other processes',
      'machine busy',
      'Redis commands / msg',
      'Lua scripts / msg',
      'PostgreSQL transactions / msg',
    ],
    pipelines.map((p) => [
      p.name,
      share(p, (name) => name.startsWith('gateway')) +
        (p.processes.length > 1
          ? ` = ${p.processes.map((name) => `${name.replace('gateway ', '')} ${pct((p.usage.cpuSeconds[name] ?? 0) / p.usage.seconds)}`).join(' + ')}`
          : ''),
      share(p, (name) => name === 'redis'),
      p.store === 'postgres' ? share(p, (name) => name === 'postgres') : 'inside the gateway',
      share(p, (name) => name.startsWith('bench')),
      pct((p.usage.otherCpuSeconds ?? NaN) / p.usage.seconds),
      pct(p.usage.machineBusy),
      p.redisCommandsPerMessage.toFixed(0),
      p.redisScriptsPerMessage.toFixed(1),
      p.postgresTransactionsPerMessage === undefined
        ? '–'
        : p.postgresTransactionsPerMessage.toFixed(2),
    ]),
  );
}

function formatStatementTable(statements: StatementCost[]): string {
  const operations = [...new Set(statements.map((s) => s.operation))];
  const find = (operation: string, many: boolean) =>
    statements.find((s) => s.operation === operation && s.callsAtOnce > 1 === many);
  const cell = (cost: StatementCost | undefined) =>
    cost ? `${int(cost.backendCpuMicrosPerMessage)} (${int(cost.wallMicrosPerMessage)})` : '–';
  const atOnce = statements.find((s) => s.callsAtOnce > 1)?.callsAtOnce ?? 64;
  return table(
    [
      'message-store write',
      'one call at a time: backend CPU µs / msg (elapsed µs)',
      `${atOnce} calls at once: backend CPU µs / msg (elapsed µs)`,
    ],
    operations.map((operation) => [
      `\`${operation}\``,
      cell(find(operation, false)),
      cell(find(operation, true)),
    ]),
  );
}

function formatProfile(summary: ProfileSummary): string {
  const areas = summary.areas.slice(0, 10);
  const rest = summary.areas.slice(10).reduce((sum, a) => sum + a.share, 0);
  if (rest > 0) areas.push({ area: 'everything else', share: rest });
  const socketWrites = summary.areas.find((a) => a.area.startsWith('socket writes'));
  return [
    `**${summary.process}**: ${summary.busySeconds.toFixed(1)} s sampled busy, ${summary.idleSeconds.toFixed(1)} s idle.`,
    '',
    table(
      [
        'area (node internals and builtins charged to their caller, socket writes apart)',
        'share of busy samples',
      ],
      areas.map((a) => [a.area, pct(a.share)]),
    ),
    '',
    table(
      ['function (self time)', 'area', 'share'],
      summary.functions.slice(0, 10).map((f) => [`\`${f.name}\``, f.area, pct(f.share)]),
    ),
    ...(socketWrites && socketWrites.share > 0.1
      ? [
          '',
          `V8 samples by wall clock, so socket writes (${pct(socketWrites.share)}) include time the gateway sat preempted right ` +
            'after a write woke PostgreSQL, Redis or the sink on a saturated machine; Linux `perf` counts far less CPU there ' +
            '(see profiling-notes.md).',
        ]
      : []),
  ].join('\n');
}

/** Other people's work on the machine lowers every figure; say so at the top when it did. */
function sharedMachineWarning(results: StoredResults): string[] {
  const usages = [
    ...results.baselines.map((b) => b.usage),
    ...results.pipelines.filter((p) => !p.fromEarlierRun).map((p) => p.usage),
  ];
  const worst = Math.max(0, ...usages.map((u) => (u.otherCpuSeconds ?? 0) / u.seconds));
  if (worst < 0.25) return [];
  return [
    `**The machine was shared**: other processes took up to ${pct(worst)} of a core during these measurements ` +
      '(see the "other processes" columns), so the figures are lower than on an idle machine.',
    '',
  ];
}

function renderMarkdown(results: StoredResults): string {
  const m = results.machine;
  const lines = [
    '# Crossdock benchmark results',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${runDate(m.date)} UTC, measuring commit ${m.commit}. ` +
      `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel}; Node ${m.node}, BullMQ ${m.bullmq}, ` +
      `Redis ${m.redis} (a private redis-server, append-only, fsync every second)` +
      (m.postgres ? `, PostgreSQL ${m.postgres} (local server, its own settings)` : '') +
      `. Load average when the run began: ${m.loadAverageAtStart.toFixed(2)}.`,
    '',
    ...sharedMachineWarning(results),
    'X12 reading, validation and mapping side by side with node-x12 and x12-parser: ' +
      '[results-x12.md](results-x12.md); X12 generation (canonical → 810) against node-x12 and control-number ' +
      'allocation: [results-x12-outbound.md](results-x12-outbound.md); live feeds (1,000 SSE clients): ' +
      '[results-live-feeds.md](results-live-feeds.md) (all written by the same `npm run bench`).',
    '',
    `The goal: at least ${int(GOAL_MESSAGES_PER_SECOND)} delivered messages/s on 2 cores with real Redis and PostgreSQL, ` +
      'as close as possible to what raw BullMQ does on the same Redis.',
    '',
    '## End to end: REST purchase orders in, signed webhooks out',
    '',
    formatPipelineTable(results.pipelines, results.baselines),
    '',
    ...results.pipelines.map((p) => {
      const notes = [
        p.duplicates ? `${p.duplicates} duplicate deliveries` : '',
        p.warnings.length
          ? `${p.warnings.length} warning(s) logged, e.g. \`${p.warnings[0]!.slice(0, 200)}\``
          : '',
      ].filter(Boolean);
      return `- **${p.name}**: ${p.description}${notes.length ? `; ${notes.join('; ')}` : ''}.`;
    }),
    '',
    '## Raw BullMQ on the same Redis',
    '',
    formatBaselineTable(results.baselines),
    '',
    '## CPU during the measured runs',
    '',
    'Share of one core each participant used from the first measured request to the last delivery, and its CPU per ' +
      'delivered message; all of them share the same cores.',
    '',
    formatUsageTable(results.pipelines),
    '',
  ];
  if (results.storeStatements?.length) {
    lines.push(
      `## PostgreSQL cost of each message-store write${results.storeStatementsFromEarlierRun ? ` (run of ${runDate(results.storeStatementsFromEarlierRun)})` : ''}`,
      '',
      "Each write of a message's path for 2,048 messages on one connection to a fresh database with nothing else running, " +
        'with the CPU of the PostgreSQL backend serving it: once awaiting each call before the next (an idle gateway), once ' +
        'issuing calls together as the workers do under load (`insertMessages` takes the batch intake gathered in one call).',
      '',
      formatStatementTable(results.storeStatements),
      '',
    );
  }
  if (results.profiled?.profiles?.length) {
    const p = results.profiled;
    lines.push(
      `## Gateway CPU profile (${p.name}, a separate pass of ${int(p.accepted)} messages under \`node --cpu-prof\`: ${int(p.deliveredPerSecond)} msg/s)`,
      '',
      ...p.profiles!.flatMap((summary) => [formatProfile(summary), '']),
    );
  }
  lines.push(
    '## Where the time goes',
    '',
    explainWhereTheTimeGoes(results),
    '',
    'A system-wide look with Linux `perf` and the measured effect of possible changes are in [profiling-notes.md](profiling-notes.md).',
    '',
    ...HOW_MEASURED,
  );
  return `${lines.join('\n')}\n`;
}

const HOW_MEASURED = [
  '## How it is measured',
  '',
  '- The gateway runs as `node dist/src/cli/main.js start` child processes, so the load generator and the sink (in the',
  "  benchmark's process) do not share its event loop, on one private `redis-server` started for the run and, for",
  '  PostgreSQL, a fresh database created for each configuration and dropped after it. PGlite keeps its data on disk in a temp folder.',
  '- The load generator keeps a fixed number of `POST /api/v1/purchase-orders` in flight on keep-alive `node:http`',
  '  connections, each the example purchase order (compact JSON) with its own `poNumber`. Intake latency is request',
  '  written to `202` read. A warm-up batch is sent and delivered first and not counted.',
  '- Delivered = the first webhook POST for each message received by the sink (a `node:http` server answering 204).',
  '  Delivered msg/s is the measured messages over the time from the first request to the last delivery; steady msg/s',
  '  is the rate between the 10th and the 90th percentile arrival.',
  '- The raw BullMQ baselines add jobs with `addBulk` in chunks of 500 and process them with no-op workers, in one',
  "  process, on the same Redis, with the gateway's concurrency (process 32, deliver 64); two hops means the first",
  '  worker adds one job to a second queue per job, as the process worker does. PO-sized is the ingest job of the example',
  '  purchase order, body inlined as base64.',
  '- CPU per participant is read from /proc (gateway processes; PostgreSQL backends of the benchmark database and the',
  "  server's background processes) and from Redis `INFO`. PostgreSQL transactions per message come from",
  '  `pg_stat_database`, read after the database has been idle long enough for its counters to be flushed, over',
  '  warm-up and measured messages together.',
];
