import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ingestJobFor } from '../src/pipeline/intake';
import { startPrivateRedis } from '../src/runtime/private-redis';
import { runBullmqBaselines } from './bullmq-baseline';
import { runBenchmark, type Cleanup } from './cleanup';
import { measureStoreStatements, type StatementCost } from './store-statements';
import { describeMachine } from './machine';
import { readBenchOptions } from './options';
import {
  examplePurchaseOrder,
  runPipeline,
  type PipelineConfig,
  type PipelineResult,
} from './pipeline';
import {
  rewriteMarkdown,
  formatBaselineTable,
  formatPipelineTable,
  writeResults,
  type BenchResults,
} from './report';

/**
 * `npm run bench`: the raw BullMQ ceilings, then REST purchase orders in → webhooks out for
 * each store configuration, all on one private redis-server, then one extra pass of the main
 * configuration under `--cpu-prof`. Writes bench/results.md and bench/results.json.
 */
const CONFIGS: PipelineConfig[] = [
  {
    name: 'pglite',
    store: 'pglite',
    split: false,
    description: 'one gateway process (all roles), PGlite (embedded default)',
  },
  {
    name: 'postgres',
    store: 'postgres',
    split: false,
    description: 'one gateway process (all roles), PostgreSQL',
  },
  {
    name: 'postgres-split',
    store: 'postgres',
    split: true,
    description: 'one api process + one worker process, PostgreSQL',
  },
];

async function main(cleanup: Cleanup): Promise<void> {
  const options = readBenchOptions();
  const configs = CONFIGS.filter(
    (config) =>
      (config.store === 'pglite' || options.databaseUrl) &&
      (!options.configs || options.configs.includes(config.name)),
  );
  if (configs.length === 0)
    throw new Error('no configuration to run; check BENCH_CONFIGS and BENCH_DATABASE_URL');

  const redisDir = mkdtempSync(path.join(os.tmpdir(), 'crossdock-bench-redis-'));
  cleanup.add(`remove ${redisDir}`, async () => rmSync(redisDir, { recursive: true, force: true }));
  const redis = await startPrivateRedis(redisDir);
  cleanup.trackPid(Number(readFileSync(path.join(redisDir, 'redis.pid'), 'utf8')));
  cleanup.add('stop the private redis-server', () => redis.stop());

  const machine = await describeMachine(redis.url, options.databaseUrl);
  log(
    `${machine.cpuModel}, ${machine.cores} cores, node ${machine.node}, redis ${machine.redis}` +
      (machine.postgres
        ? `, PostgreSQL ${machine.postgres}`
        : ', PGlite only (set BENCH_DATABASE_URL for PostgreSQL)'),
  );

  log(`raw BullMQ baselines, ${options.baselineJobs} jobs each...`);
  const ingestSized = ingestJobFor({
    id: 'msg_01HZZZZZZZZZZZZZZZZZZZZZZZ',
    correlationId: 'cor_01HZZZZZZZZZZZZZZZZZZZZZZZ',
    protocol: 'rest',
    partnerId: 'globex-retail',
    documentKind: 'purchaseOrder',
    raw: Buffer.from(JSON.stringify(examplePurchaseOrder())),
  });
  const baselines = await runBullmqBaselines(redis.url, options.baselineJobs, ingestSized);
  log(formatBaselineTable(baselines));

  let storeStatements: StatementCost[] | undefined;
  if (options.databaseUrl) {
    log('PostgreSQL cost of each message-store write, one connection...');
    storeStatements = await measureStoreStatements(
      options.databaseUrl,
      examplePurchaseOrder(),
      cleanup,
    );
  }

  const pipelines: PipelineResult[] = [];
  for (const config of configs) {
    log(
      `${config.name}: ${config.description}; ${options.warmup} warm-up + ${options.messages} messages, ${options.concurrency} in flight...`,
    );
    pipelines.push(
      await runPipeline(config, {
        redisUrl: redis.url,
        databaseServerUrl: options.databaseUrl,
        messages: options.messages,
        warmup: options.warmup,
        concurrency: options.concurrency,
        cleanup,
      }),
    );
    log(formatPipelineTable(pipelines.slice(-1), baselines));
  }

  let profiled: PipelineResult | undefined;
  if (options.profileMessages > 0) {
    const config = configs.find((c) => c.name === 'postgres') ?? configs[0]!;
    const profileDir =
      options.profileDir ?? mkdtempSync(path.join(os.tmpdir(), 'crossdock-bench-profile-'));
    if (!options.profileDir)
      cleanup.add(`remove ${profileDir}`, async () =>
        rmSync(profileDir, { recursive: true, force: true }),
      );
    log(`${config.name} again under --cpu-prof, ${options.profileMessages} messages...`);
    profiled = await runPipeline(config, {
      redisUrl: redis.url,
      databaseServerUrl: options.databaseUrl,
      messages: options.profileMessages,
      warmup: options.warmup,
      concurrency: options.concurrency,
      cleanup,
      cpuProfileDir: profileDir,
    });
    if (options.profileDir) log(`CPU profiles kept in ${profileDir}`);
  }

  const results: BenchResults = {
    machine,
    options: { ...options, databaseUrl: options.databaseUrl ? 'set' : undefined },
    baselines,
    storeStatements,
    pipelines,
    profiled,
  };
  const written = writeResults(results, path.resolve(__dirname, '..', '..', 'bench'));
  log(
    `\n${formatPipelineTable(written.pipelines, baselines)}\nwrote ${written.files.join(' and ')}`,
  );
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

if (process.env.BENCH_RENDER_ONLY) {
  log(`wrote ${rewriteMarkdown(path.resolve(__dirname, '..', '..', 'bench'))} from results.json`);
  process.exit(0);
}

runBenchmark(main, log);
