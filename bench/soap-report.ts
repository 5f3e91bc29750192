import type { ProfileSummary } from './cpu-profile';
import { int, ms, pct, table } from './format';
import type { MachineInfo } from './machine';
import type { SoapSettings } from './soap';
import type { LoadFigures } from './soap-load';

/** Issue 5: at least 60% of the bare server's throughput, p99 under 25 ms at 1,000 req/s. */
export const SOAP_GOAL = { throughputOfBare: 0.6, openLoopP99Ms: 25, openLoopRate: 1_000 };
/** What the issue measured the bare `soap` server at, on this machine, before this benchmark. */
const ISSUE_BARE_REQUESTS_PER_SECOND = 4_800;

export interface MeasuredRun extends Omit<LoadFigures, 'cpuPercent'> {
  target: 'bare' | 'gateway';
  /** Open loop: the requests per second planned. */
  plannedRate?: number;
  /**
   * % of one core over the run, by participant: the server's processes (`bare`, or the
   * gateway's `all` / `api` + `worker`), `redis`, `postgres` (its backends), `load`.
   */
  cpuPercent: Record<string, number>;
  /** The keys of cpuPercent that are the server's own processes. */
  serverProcesses: string[];
  /** 1-minute load average when the pass ended: other users of the machine show here. */
  loadAverage: number;
  /** Gateway only: how long its worker took after the run to process what intake queued. */
  drainSeconds?: number;
}

export interface ConfigResults {
  name: string;
  description: string;
  store: string;
  closed: MeasuredRun[];
  open: MeasuredRun[];
  failedIngestJobs: number;
  gatewayWarnings: string[];
}

export interface ProfiledProcess {
  role: string;
  /** CPU seconds the process used over the measured pass and its drain, per answered request. */
  cpuMicrosPerRequest: number;
  summary: ProfileSummary;
}

export interface SoapResults {
  machine: MachineInfo;
  settings: Omit<SoapSettings, 'databaseUrl'> & { databaseUrl: string };
  caller: { passwordType: string };
  configs: ConfigResults[];
  profile?: {
    config: string;
    answeredPerSecond: number;
    requests: number;
    processes: ProfiledProcess[];
  };
  /** The same benchmark run just before on the code before a change, for an A/B table. */
  baseline?: { label: string; loadAverageAtStart: number; configs: ConfigResults[] };
  /** The A/B again in the other order (after first, then before), without profiles. */
  repeat?: {
    after: { loadAverageAtStart: number; configs: ConfigResults[] };
    before: { loadAverageAtStart: number; configs: ConfigResults[] };
  };
}

const verdict = (met: boolean) => (met ? 'MET' : 'MISSED');
const failureCount = (run: MeasuredRun) => run.sent - run.answered;
const failureText = (run: MeasuredRun) =>
  Object.entries(run.failures)
    .map(([why, n]) => `${int(n)}× ${why}`)
    .join(', ') || '0';
/** The server's processes' CPU per answered request (the gateway's includes its worker). */
const serverMicrosPerRequest = (run: MeasuredRun) =>
  (run.serverProcesses.reduce((sum, name) => sum + (run.cpuPercent[name] ?? 0), 0) * 1e4) /
  run.answeredPerSecond;
const best = (runs: MeasuredRun[], target: MeasuredRun['target']) =>
  runs
    .filter((run) => run.target === target)
    .reduce<MeasuredRun | undefined>(
      (a, b) => (!a || b.answeredPerSecond > a.answeredPerSecond ? b : a),
      undefined,
    );

/** What a configuration's goals came to. */
export interface ConfigVerdict {
  bare?: MeasuredRun;
  gateway?: MeasuredRun;
  /** Best gateway pass over best bare pass, both closed loop in the same configuration. */
  ratio: number;
  /** Every pass's ratio: gateway pass n over the bare pass just before it. */
  pairRatios: number[];
  atGoalRate?: MeasuredRun;
  atSustainableRate?: MeasuredRun;
  failures: number;
}

export function verdictOf(config: ConfigResults, rate: number): ConfigVerdict {
  const bare = best(config.closed, 'bare');
  const gateway = best(config.closed, 'gateway');
  const pairRatios: number[] = [];
  config.closed.forEach((run, i) => {
    const before = config.closed[i - 1];
    if (run.target === 'gateway' && before?.target === 'bare')
      pairRatios.push(run.answeredPerSecond / before.answeredPerSecond);
  });
  const gatewayOpen = config.open.filter((run) => run.target === 'gateway');
  return {
    bare,
    gateway,
    ratio: (gateway?.answeredPerSecond ?? NaN) / (bare?.answeredPerSecond ?? NaN),
    pairRatios,
    atGoalRate: gatewayOpen.find((run) => run.plannedRate === rate),
    atSustainableRate: gatewayOpen.find((run) => run.plannedRate !== rate),
    failures: [...config.closed, ...config.open]
      .filter((run) => run.target === 'gateway')
      .reduce((sum, run) => sum + failureCount(run), 0),
  };
}

const keptRate = (run: MeasuredRun | undefined) =>
  run !== undefined &&
  run.answeredPerSecond >= 0.97 * (run.plannedRate ?? Infinity) &&
  failureCount(run) === 0;
const openText = (run: MeasuredRun | undefined) =>
  run
    ? `${ms(run.latencyMs.p99)} (${int(run.answeredPerSecond)} of ${int(run.plannedRate ?? NaN)} req/s answered)`
    : '–';
const cpuText = (run: MeasuredRun) =>
  Object.entries(run.cpuPercent)
    .map(([name, percent]) => `${name} ${int(percent)}%`)
    .join(', ');

function goalRows(config: ConfigResults, rate: number): string[][] {
  const v = verdictOf(config, rate);
  return [
    [
      `**${config.name}**: throughput, share of the bare server (best closed-loop pass of each)`,
      `${pct(v.ratio)} (${int(v.gateway?.answeredPerSecond ?? NaN)} / ${int(v.bare?.answeredPerSecond ?? NaN)} req/s; pass by pass ${v.pairRatios.map(pct).join(', ')})`,
      `≥ ${pct(SOAP_GOAL.throughputOfBare)}`,
      verdict(v.ratio >= SOAP_GOAL.throughputOfBare),
    ],
    [
      `**${config.name}**: p99 at ${int(rate)} req/s, open loop, ms`,
      openText(v.atGoalRate),
      `< ${SOAP_GOAL.openLoopP99Ms}`,
      verdict(keptRate(v.atGoalRate) && v.atGoalRate!.latencyMs.p99 < SOAP_GOAL.openLoopP99Ms),
    ],
    [
      `**${config.name}**: p99 at a rate it sustains, open loop, ms (not a goal)`,
      openText(v.atSustainableRate),
      '',
      '',
    ],
    [
      `**${config.name}**: every request answered 200 with a TrackingId, stored and queued (failed answers; failed ingest jobs)`,
      `${int(v.failures)}; ${int(config.failedIngestJobs)}`,
      '0; 0',
      verdict(v.failures === 0 && config.failedIngestJobs === 0),
    ],
  ];
}

function configSection(config: ConfigResults, s: SoapResults['settings']): string[] {
  const closedRows = config.closed.map((run, i) => [
    `${run.target} (pass ${Math.floor(i / 2) + 1})`,
    int(run.answeredPerSecond),
    `${ms(run.latencyMs.p50)} / ${ms(run.latencyMs.p90)} / ${ms(run.latencyMs.p99)}`,
    failureText(run),
    cpuText(run),
    int(serverMicrosPerRequest(run)),
    run.loadAverage.toFixed(1),
    run.drainSeconds === undefined ? '' : `${run.drainSeconds.toFixed(1)} s`,
  ]);
  const openRows = config.open.map((run) => [
    run.target,
    `${int(run.plannedRate ?? NaN)} for ${s.seconds} s`,
    int(run.offeredPerSecond),
    int(run.answeredPerSecond),
    `${ms(run.latencyMs.p50)} / ${ms(run.latencyMs.p90)} / ${ms(run.latencyMs.p99)} / ${ms(run.latencyMs.max)}`,
    failureText(run),
    cpuText(run),
  ]);
  return [
    `## ${config.name}: ${config.description}`,
    '',
    `Closed loop: ${s.concurrency} keep-alive connections, ${int(s.requests)} requests per pass after ${int(s.warmup)} warm-up requests; each gateway pass right after a bare one.`,
    '',
    table(
      [
        'server',
        'answered req/s',
        'p50 / p90 / p99 ms',
        'failures',
        'CPU, % of a core',
        'server CPU µs / request',
        'load avg after',
        'worker catching up after',
      ],
      closedRows,
    ),
    '',
    `Open loop at ${int(s.rate)} req/s, then at ${pct(s.sustainableShare)} of the gateway's best closed-loop rate:`,
    '',
    table(
      [
        'server',
        'planned req/s',
        'sent req/s',
        'answered req/s',
        'p50 / p90 / p99 / max ms',
        'failures',
        'CPU, % of a core',
      ],
      openRows,
    ),
    ...(config.gatewayWarnings.length > 0
      ? [
          '',
          `Gateway warnings (last ${config.gatewayWarnings.length}):`,
          '',
          '```',
          ...config.gatewayWarnings,
          '```',
        ]
      : []),
    '',
  ];
}

function comparisonTable(
  r: SoapResults,
  label: string,
  before: ConfigResults[],
  after: ConfigResults[],
): string {
  const rows = after.flatMap((afterConfig) => {
    const beforeConfig = before.find((config) => config.name === afterConfig.name);
    if (!beforeConfig) return [];
    const row = (which: string, config: ConfigResults) => {
      const v = verdictOf(config, r.settings.rate);
      return [
        `${config.name}, ${which}`,
        `${int(v.gateway?.answeredPerSecond ?? NaN)} / ${int(v.bare?.answeredPerSecond ?? NaN)} = ${pct(v.ratio)}`,
        int(v.gateway ? serverMicrosPerRequest(v.gateway) : NaN),
        openText(v.atGoalRate),
        openText(v.atSustainableRate),
      ];
    };
    return [row(label, beforeConfig), row('after', afterConfig)];
  });
  return table(
    [
      'configuration',
      'gateway / bare req/s (best closed-loop pass)',
      'gateway CPU µs / request (best pass)',
      `p99 ms at ${int(r.settings.rate)} req/s`,
      'p99 ms at a sustained rate',
    ],
    rows,
  );
}

function baselineSection(r: SoapResults): string[] {
  const baseline = r.baseline;
  if (!baseline) return [];
  const lines = [
    '## Before and after',
    '',
    `The same benchmark on the code before this change (${baseline.label}), run just before the figures above on the same machine (load average ${baseline.loadAverageAtStart.toFixed(2)} when it began, ${r.machine.loadAverageAtStart.toFixed(2)} when the run after it began).`,
    '',
    comparisonTable(r, baseline.label, baseline.configs, r.configs),
    '',
  ];
  if (r.repeat) {
    lines.push(
      `Then both again in the other order, after first (load average ${r.repeat.after.loadAverageAtStart.toFixed(2)} when it began), then before (${r.repeat.before.loadAverageAtStart.toFixed(2)}):`,
      '',
      comparisonTable(r, baseline.label, r.repeat.before.configs, r.repeat.after.configs),
      '',
    );
  }
  return lines;
}

/**
 * CPU per answered request by participant in each configuration's best gateway pass, and the
 * rate the machine's cores would carry at that cost if nothing else ran.
 */
function costSection(r: SoapResults): string[] {
  const cores = r.machine.cores;
  const rows = r.configs.flatMap((config) => {
    const v = verdictOf(config, r.settings.rate);
    if (!v.gateway || !v.bare) return [];
    const perRequest = (run: MeasuredRun, name: string) =>
      ((run.cpuPercent[name] ?? 0) * 1e4) / run.answeredPerSecond;
    const gateway = v.gateway;
    const parts = Object.keys(gateway.cpuPercent).map(
      (name) => [name, perRequest(gateway, name)] as const,
    );
    const total = parts.reduce((sum, [, micros]) => sum + micros, 0);
    const bareTotal = perRequest(v.bare, 'bare') + perRequest(v.bare, 'load');
    return [
      [
        config.name,
        parts.map(([name, micros]) => `${name} ${int(micros)}`).join(', '),
        int(total),
        int((cores * 1e6) / total),
        `${int(perRequest(v.bare, 'bare'))} + load ${int(perRequest(v.bare, 'load'))} = ${int(bareTotal)}`,
        int((cores * 1e6) / bareTotal),
        pct(bareTotal / total),
      ],
    ];
  });
  return [
    '## Where the time goes',
    '',
    `CPU µs per answered request in each configuration's best closed-loop gateway pass and in its bare pass, and the rate ${cores} cores would carry at that cost with nothing else running (other benchmarks did run, so the passes reached less). The last column is the throughput share the goal asks for, as the CPU cost alone sets it, whatever else loads the machine.`,
    '',
    table(
      [
        'configuration',
        'gateway pass: CPU µs / request by participant',
        'sum',
        `ceiling on ${cores} cores, req/s`,
        'bare pass: server + load µs / request',
        `bare ceiling, req/s`,
        'gateway ceiling / bare ceiling',
      ],
      rows,
    ),
    '',
  ];
}

function profileSection(r: SoapResults): string[] {
  const p = r.profile;
  if (!p) return [];
  const lines = [
    `## Where the gateway's CPU goes (${p.config}, a separate pass of ${int(p.requests)} requests under \`node --cpu-prof\`: ${int(p.answeredPerSecond)} req/s)`,
    '',
    "Sampled from the measured pass to the gateway's stop (its start-up left out), so the worker's processing of those requests is in it. µs per request = the process's CPU (from /proc) per answered request × the area's share of its busy samples.",
    '',
  ];
  for (const process of p.processes) {
    const perRequest = process.cpuMicrosPerRequest;
    const shareOf = (areas: string[]) =>
      process.summary.areas
        .filter((a) => areas.includes(a.area))
        .reduce((sum, a) => sum + a.share, 0);
    const soapShare = shareOf(['crossdock soap/', 'crossdock inbound/']);
    const writesShare = shareOf(['socket writes (wall time, incl. preemption)']);
    lines.push(
      `### ${process.summary.process}: ${int(perRequest)} µs of CPU per request (${process.summary.busySeconds.toFixed(1)} s sampled busy, ${process.summary.idleSeconds.toFixed(1)} s idle)`,
      '',
      `Crossdock's SOAP code (soap/ and inbound/: reading the body, the XML, the WS-Security check, the WSDL read and write, the maps' calls) is ${pct(soapShare)} of it (${int(soapShare * perRequest)} µs); socket writes to clients, Redis and PostgreSQL ${pct(writesShare)} (wall time: on a loaded machine it includes time preempted right after a write); the rest is the HTTP framework, the Redis, BullMQ and PostgreSQL clients, the store and the pipeline, and garbage collection.`,
      '',
      table(
        ['area (node internals charged to their caller)', 'share of busy samples', 'µs / request'],
        process.summary.areas
          .slice(0, 12)
          .map((a) => [a.area, pct(a.share), int(a.share * perRequest)]),
      ),
      '',
      table(
        ['function (self time)', 'area', 'share'],
        process.summary.functions.map((f) => [`\`${f.name}\``, f.area, pct(f.share)]),
      ),
      '',
    );
  }
  return lines;
}

export function formatSoapResults(r: SoapResults): string {
  const m = r.machine;
  const s = r.settings;
  const lines = [
    `# SOAP SubmitTransfer: the gateway next to a bare \`soap\` server`,
    '',
    `Written by \`node dist/bench/soap.js\` (run by \`npm run bench\`). ${m.cpuModel}, ${m.cores} cores, ` +
      `${m.memoryGiB} GiB, ${m.kernel}; Node ${m.node}, Redis ${m.redis}` +
      (m.postgres ? `, PostgreSQL ${m.postgres} (local server)` : '') +
      `; commit ${m.commit}; ${m.date}. Load average when the run began: ${m.loadAverageAtStart.toFixed(2)}; ` +
      'other benchmarks shared the machine, so each gateway pass runs right after a bare pass and is compared with it (the "load avg after" column shows the load).',
    '',
    '## Goals (issue 5)',
    '',
    table(
      ['Goal', 'Measured', 'Goal', ''],
      r.configs.flatMap((config) => goalRows(config, s.rate)),
    ),
    '',
    ...baselineSection(r),
    ...costSection(r),
    ...r.configs.flatMap((config) => configSection(config, s)),
    ...profileSection(r),
    '## What was measured',
    '',
    '- **bare**: the `soap` package (`soap.listen` on a node:http server, in its own process) ' +
      'serving wsdl/funds-transfer/FundsTransfer.wsdl and answering SubmitTransfer from memory ' +
      '(a counter as TrackingId, status `received`, the EndToEndId echoed, ReceivedAt now). It ' +
      'ignores the WS-Security header, stores nothing and queues nothing. The issue measured it ' +
      `at about ${int(ISSUE_BARE_REQUESTS_PER_SECOND)} req/s.`,
    '- **gateway**: `crossdock start` with a private redis-server, serving the built-in wsdl/ and ' +
      `mappings/ to one bank partner; every request carries a WS-Security UsernameToken ` +
      `(${r.caller.passwordType}, a fresh nonce each, remembered in Redis) and a unique EndToEndId; ` +
      'the gateway checks the token, reads and validates the body against the WSDL, maps it to a ' +
      'canonical FundsTransfer and validates it, stores the call and adds its ingest job before ' +
      'answering. Its worker processes those jobs while the load runs (in the same process, or in ' +
      'its own for the split configuration). Each configuration starts on a fresh store (a new ' +
      'PostgreSQL database, or a new PGlite folder).',
    '- Both get the same envelopes (about 1.6 KB), built per request by a load process of its own ' +
      '(node:http, keep-alive). A request counts only when answered 200 with a TrackingId. ' +
      'Closed-loop latency is request written to answer read; open-loop latency counts from the ' +
      "request's planned time, so a server that falls behind shows its queue. After each gateway " +
      'pass the run waits for its ingest queue to drain before the next.',
    '- CPU is read from /proc for the processes, from Redis `INFO` for redis-server, and from the ' +
      "PostgreSQL backends of the configuration's database; all share the same 2 cores.",
    '',
  ];
  return `${lines.join('\n')}\n`;
}
