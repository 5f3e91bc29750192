import type { Server } from 'node:http';
import path from 'node:path';
import type { Worker } from 'bullmq';
import type Redis from 'ioredis';
import type { GatewayConfig } from './config';
import { createHttpApp } from './http/app';
import { mountEndpointsApi } from './http/endpoints-api';
import { mountHealth } from './http/health';
import { mountLiveEvents, type LiveEvents } from './http/live-events';
import { mountMetrics } from './http/metrics';
import { mountOpenApi } from './http/openapi';
import { mountOperatorApi, requireOperator } from './http/operator-api';
import { mountX12TrackingApi, x12OutboundGauges } from './http/x12-tracking-api';
import { inboundAdapters } from './inbound/registry';
import type { Logger } from './log';
import { loadX12Runtime } from './inbound/x12-http';
import { createOutboundAdapters } from './outbound/registry';
import { X12Batcher } from './outbound/x12/batching';
import { loadOutboundMaps } from './outbound/x12/outbound-maps';
import { loadPartnerRegistry, type PartnerRegistry } from './partners/registry';
import { startDeliverWorker } from './pipeline/deliver-worker';
import { Intake } from './pipeline/intake';
import { startProcessWorker } from './pipeline/process-worker';
import { openQueues, redisConnection, waitForRedis, type Queues } from './pipeline/queues';
import { reconcileQueues } from './pipeline/reconcile';
import { startPrivateRedis, type PrivateRedis } from './runtime/private-redis';
import { openDatabase, type Database } from './store/database';
import { MessageStore } from './store/message-store';
import { migrate } from './store/migrate';

export interface Gateway {
  /** Where HTTP is served, e.g. http://127.0.0.1:8080. */
  url: string;
  redisUrl: string;
  store: MessageStore;
  partners: PartnerRegistry;
  queues: Queues;
  stop(): Promise<void>;
}

const RECONCILE_EVERY_MS = 60_000;

/**
 * Starts the gateway in its role: `api` serves HTTP and intake, `worker` runs the process
 * and deliver workers, `all` (the default) does both in one process. Each resource started
 * is registered for `stop`, so a start that fails half-way releases what it took.
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger,
  env = process.env,
): Promise<Gateway> {
  const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];
  const onStop = (what: string, run: () => Promise<unknown>) => cleanups.push({ what, run });
  const stop = async () => {
    for (const { what, run } of cleanups.reverse().splice(0)) {
      logger.debug({ what }, 'stopping');
      await run().catch((error: unknown) =>
        logger.error({ err: error, what }, 'error while stopping'),
      );
    }
  };
  try {
    const partners = loadPartnerRegistry(config.folders.partners, env);
    for (const partner of partners.all()) {
      const sftp = partner.config.outbound?.x12Sftp;
      if (partner.config.outbound?.channel === 'x12-sftp' && sftp && !sftp.hostKeySha256) {
        logger.warn(
          { partnerId: partner.config.id, host: sftp.host },
          `partner ${partner.config.id}: x12Sftp has no hostKeySha256, so any host key at ${sftp.host} is accepted; pin it`,
        );
      }
      if (partner.missingEnv.length > 0) {
        logger.warn(
          { partnerId: partner.config.id, missing: partner.missingEnv },
          `partner ${partner.config.id}: ${partner.missingEnv.join(', ')} not set; what needs them is refused until they are`,
        );
      }
    }

    for (const adapter of inboundAdapters) await adapter.prepare?.(config, partners);

    let privateRedis: PrivateRedis | undefined;
    if (!config.redisUrl) {
      privateRedis = await startPrivateRedis(path.join(config.varDir, 'redis'));
      onStop('private redis-server', () => privateRedis!.stop());
    }
    const redisUrl = config.redisUrl ?? privateRedis!.url;

    const db: Database = await openDatabase({
      databaseUrl: config.databaseUrl,
      pgliteDir: path.join(config.varDir, 'db'),
    });
    onStop('message store', () => db.close());
    await migrate(db);
    const store = new MessageStore(db);

    const producer = redisConnection(redisUrl, 'producer');
    onStop('redis connection', async () => producer.disconnect());
    await waitForRedis(producer, redisUrl);
    const queues = openQueues(producer);
    onStop('queues', () => queues.close());

    const workers: Worker[] = [];
    if (config.role !== 'api') {
      const workerConnection: Redis = redisConnection(redisUrl, 'worker');
      onStop('worker redis connection', async () => workerConnection.disconnect());
      const x12 = loadX12Runtime(config);
      const batcher = new X12Batcher({ store, partners, deliverQueue: queues.deliver, logger });
      const outboundAdapters = createOutboundAdapters(
        {
          store,
          runtime: {
            ...x12,
            outboundMaps: loadOutboundMaps(x12.mapDirs, x12.maps, x12.schemas),
          },
          varDir: config.varDir,
          batcher,
        },
        config.folders,
      );
      const interpreters = new Map(
        inboundAdapters.map((adapter) => [adapter.protocol, adapter.createInterpreter(config)]),
      );
      workers.push(
        startProcessWorker(workerConnection, config.processConcurrency, {
          store,
          partners,
          interpreters,
          deliverQueue: queues.deliver,
          logger,
          eventSource: '/crossdock',
        }),
        startDeliverWorker(workerConnection, config.deliverConcurrency, {
          store,
          partners,
          adapters: outboundAdapters,
          logger,
        }),
      );
      batcher.start();
      onStop('X12 batcher', () => batcher.stop());
      // Workers finish their running jobs before the connections they use are closed.
      onStop('workers', () =>
        Promise.all(workers.map((worker) => closeWorker(worker, workerConnection))),
      );
      const reconcile = () =>
        reconcileQueues({
          store,
          partners,
          ingestQueue: queues.ingest,
          deliverQueue: queues.deliver,
          logger,
        }).catch((error: unknown) =>
          logger.error({ err: error }, 'reconcile failed; will try again'),
        );
      void reconcile();
      const timer = setInterval(reconcile, RECONCILE_EVERY_MS);
      timer.unref();
      onStop('reconciler', async () => clearInterval(timer));
    }

    const intake = new Intake(store, queues.ingest, logger);
    let liveEvents: LiveEvents | undefined;
    const app = createHttpApp(logger, (router) => {
      mountHealth(router, [
        { name: 'redis', check: async () => void (await producer.ping()) },
        { name: 'store', check: () => store.ping() },
      ]);
      if (config.role === 'worker') return;
      mountOpenApi(router);
      for (const adapter of inboundAdapters)
        adapter.mount(router, {
          intake,
          store,
          ingestQueue: queues.ingest,
          redis: producer,
          partners,
          config,
          logger,
        });
      mountOperatorApi(router, {
        store,
        partners,
        deliverQueue: queues.deliver,
        adminKey: config.adminKey,
      });
      const operator = requireOperator(config.adminKey);
      mountEndpointsApi(router, {
        store,
        partners,
        deliverQueue: queues.deliver,
        redis: producer,
        operator,
      });
      liveEvents = mountLiveEvents(router, {
        db: store.db,
        access: { adminKey: config.adminKey, partners },
        logger,
        heartbeatMs: config.sseHeartbeatMs,
      });
      mountX12TrackingApi(router, { db: store.db, operator });
      mountMetrics(router, { operator, sources: [x12OutboundGauges(store.db)] });
    });
    const server = await listen(app, config.port, config.host);
    onStop('http server', () => closeServer(server));
    // Registered after the server, so it runs first: open streams would hold the close up.
    const feeds = liveEvents;
    if (feeds) {
      server.on('upgrade', feeds.handleUpgrade);
      onStop('live event feeds', () => feeds.close());
    }
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;

    return {
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
      redisUrl,
      store,
      partners,
      queues,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function listen(
  app: ReturnType<typeof createHttpApp>,
  port: number,
  host: string,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

/** Stops taking connections, lets requests in progress finish, then closes idle keep-alives. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  });
}

const WORKER_GRACE_MS = 30_000;

/**
 * Lets running jobs finish, up to a grace period. With Redis unreachable a job's outcome could
 * not be recorded anyway, so the worker is closed at once; its jobs become stalled and are
 * taken again by the next worker, which repeats nothing (ids are derived).
 */
async function closeWorker(worker: Worker, connection: Redis): Promise<void> {
  if (connection.status !== 'ready') return worker.close(true);
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), WORKER_GRACE_MS);
  });
  const outcome = await Promise.race([worker.close().then(() => 'closed' as const), graceOver]);
  clearTimeout(timer);
  if (outcome === 'timeout') await worker.close(true);
}
