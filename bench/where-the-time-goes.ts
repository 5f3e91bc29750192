import { GOAL_MESSAGES_PER_SECOND, int, pct } from './format';
import type { ReportedPipeline, StoredResults } from './report';

/**
 * The "Where the time goes" paragraph, written from this run's measurements so it stays true
 * when the figures change: the verdict against the goal and the BullMQ ceilings, the CPU each
 * participant spent per message, and what PostgreSQL, Redis and the gateway spent it on.
 */
export function explainWhereTheTimeGoes(results: StoredResults): string {
  const current = results.pipelines.filter((p) => !p.fromEarlierRun);
  const main =
    current.find((p) => p.name === 'postgres') ??
    results.pipelines.find((p) => p.name === 'postgres') ??
    current[0] ??
    results.pipelines[0];
  if (!main) return 'No pipeline configuration ran.';
  const sentences: string[] = [];
  const cores = results.machine.cores;
  const oneHop = results.baselines.find((b) => b.name === 'bullmq-1-hop-small');
  const twoHop = results.baselines.find((b) => b.name === 'bullmq-2-hop');

  sentences.push(
    `**${main.name}** delivered ${int(main.deliveredPerSecond)} msg/s: ${pct(main.ratios.goal)} of the ${int(GOAL_MESSAGES_PER_SECOND)} msg/s goal ` +
      `(${main.ratios.goal >= 1 ? 'met' : `missed by a factor of ${(1 / main.ratios.goal).toFixed(1)}`}), ` +
      `${pct(main.ratios.bullmqOneHop)} of the raw BullMQ ceiling on the same Redis (${int(oneHop?.jobsPerSecond ?? NaN)} jobs/s, one hop, tiny jobs) ` +
      `and ${pct(main.ratios.bullmqTwoHop)} of raw BullMQ doing the gateway's two hops with PO-sized jobs in one process (${int(twoHop?.jobsPerSecond ?? NaN)} jobs/s)` +
      (twoHop && twoHop.jobsPerSecond < 1.5 * GOAL_MESSAGES_PER_SECOND
        ? `; that last ceiling, with no HTTP, no store and no webhook at all, ${twoHop.jobsPerSecond >= GOAL_MESSAGES_PER_SECOND ? 'only just clears' : 'is itself below'} the goal on this machine.`
        : '.'),
  );

  const best = current.reduce<ReportedPipeline | undefined>(
    (a, b) => (!a || b.deliveredPerSecond > a.deliveredPerSecond ? b : a),
    undefined,
  );
  if (best && best !== main && best.deliveredPerSecond > main.deliveredPerSecond * 1.05) {
    sentences.push(
      `The best configuration, **${best.name}**, delivered ${int(best.deliveredPerSecond)} msg/s: ${pct(best.ratios.goal)} of the goal.`,
    );
  }

  const perMessage = cpuPerMessage(main);
  const others = (main.usage.otherCpuSeconds ?? 0) / main.usage.seconds;
  const total = Object.values(perMessage).reduce((sum, ms) => sum + ms, 0);
  const parts = Object.entries(perMessage)
    .sort((a, b) => b[1] - a[1])
    .map(([who, ms]) => `${who} ${ms.toFixed(2)} ms`)
    .join(', ');
  const busiestGateway = Math.max(
    ...Object.entries(main.usage.cpuSeconds)
      .filter(([name]) => name.startsWith('gateway'))
      .map(([, seconds]) => seconds / main.usage.seconds),
  );
  const limit =
    main.usage.machineBusy >= 0.9
      ? `The limit is the cores: they were ${pct(main.usage.machineBusy)} busy`
      : busiestGateway >= 0.85
        ? `The limit is the gateway's JavaScript thread: its process used ${pct(busiestGateway)} of a core (one thread runs all of its JavaScript; GC helpers add a little) while the cores as a whole were ${pct(main.usage.machineBusy)} busy`
        : `The ${cores} cores were only ${pct(main.usage.machineBusy)} busy and no process was saturated, so part of the limit is waiting rather than CPU`;
  sentences.push(
    `${limit}; a delivered message cost ${total.toFixed(2)} ms of CPU in all (${parts}), so at this cost ${cores} cores carry at most about ` +
      `${int((cores * 1000) / total)} msg/s, while ${int(GOAL_MESSAGES_PER_SECOND)} msg/s allows ${((cores * 1000) / GOAL_MESSAGES_PER_SECOND).toFixed(2)} ms per message for everything` +
      (others > 0.1
        ? ` (other processes on the machine also took ${pct(others)} of a core meanwhile, which these figures include).`
        : '.'),
  );

  const statements = results.storeStatements;
  if (main.store === 'postgres' && statements?.length) {
    const cost = (operation: string, many: boolean) =>
      statements.find((s) => s.operation === operation && s.callsAtOnce > 1 === many)
        ?.backendCpuMicrosPerMessage ?? NaN;
    const writes = ['insertMessages', 'recordProcessed', 'recordDeliveryOutcome'];
    const loaded = writes.map((w) => `\`${w}\` ${int(cost(w, true))} µs`).join(', ');
    const alone = writes.map((w) => int(cost(w, false))).join(' / ');
    sentences.push(
      `PostgreSQL ran ${main.postgresTransactionsPerMessage?.toFixed(2) ?? '?'} transactions per message; measured alone with calls issued together as under load, ` +
        `its backend spends ${loaded} of CPU per message (one call at a time: ${alone} µs).`,
    );
  }

  sentences.push(
    `Redis ran ${main.redisScriptsPerMessage.toFixed(1)} BullMQ Lua scripts per message (${main.redisCommandsPerMessage.toFixed(0)} commands counting those inside scripts), ` +
      `${(perMessage['Redis'] ?? NaN).toFixed(2)} ms of its CPU per message.`,
  );

  const profile = results.profiled?.profiles?.[0];
  if (profile) {
    const areas = profile.areas.filter((a) => !a.area.startsWith('socket writes'));
    const top = areas
      .slice(0, 4)
      .map((a) => `${a.area} ${pct(a.share)}`)
      .join(', ');
    const hot = areas[0];
    sentences.push(
      `The gateway's own profile (${results.profiled!.name}) ` +
        (hot && hot.share >= 0.35 ? `is dominated by ${hot.area}: ` : 'has no single hot spot: ') +
        `${top} of its sampled time.`,
    );
  }

  const split = current.find((p) => p.name === 'postgres-split');
  if (split && main.name === 'postgres' && !main.fromEarlierRun) {
    const api = split.usage.cpuSeconds['gateway (api)'] ?? NaN;
    const worker = split.usage.cpuSeconds['gateway (worker)'] ?? NaN;
    const ratio = split.deliveredPerSecond / main.deliveredPerSecond;
    const verdict =
      ratio >= 1.1
        ? `a gain, though on ${cores} busy cores a second process mostly moves the work`
        : ratio > 0.9
          ? `no real gain: on ${cores} busy cores a second process moves the work rather than adding capacity`
          : `a loss: on ${cores} busy cores a second process adds its own overhead without adding capacity`;
    sentences.push(
      `Splitting the gateway into an api and a worker process delivered ${int(split.deliveredPerSecond)} msg/s (${pct(ratio)} of one process), ` +
        `with the api at ${((api / split.accepted) * 1000).toFixed(2)} ms and the worker at ${((worker / split.accepted) * 1000).toFixed(2)} ms of CPU per message: ` +
        `${verdict}.`,
    );
  }

  const pglite = results.pipelines.find((p) => p.name === 'pglite');
  if (pglite && pglite !== main) {
    sentences.push(
      `With PGlite, the embedded default, it delivered ${int(pglite.deliveredPerSecond)} msg/s: the SQL runs inside the gateway's own process ` +
        `(${((sumCpu(pglite, 'gateway') / pglite.accepted) * 1000).toFixed(2)} ms of gateway CPU per message).`,
    );
  }
  return sentences.join(' ');
}

function cpuPerMessage(p: ReportedPipeline): Record<string, number> {
  const perMessage = (seconds: number) => (seconds / p.accepted) * 1000;
  const result: Record<string, number> = { gateway: perMessage(sumCpu(p, 'gateway')) };
  if (p.usage.cpuSeconds.postgres !== undefined)
    result.PostgreSQL = perMessage(p.usage.cpuSeconds.postgres);
  result.Redis = perMessage(p.usage.cpuSeconds.redis ?? 0);
  result['load generator and sink'] = perMessage(sumCpu(p, 'bench'));
  return result;
}

function sumCpu(p: ReportedPipeline, prefix: string): number {
  return Object.entries(p.usage.cpuSeconds)
    .filter(([name]) => name.startsWith(prefix))
    .reduce((sum, [, seconds]) => sum + seconds, 0);
}
