import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './runtime/project-root';

export type Role = 'all' | 'api' | 'worker';

export interface GatewayConfig {
  role: Role;
  host: string;
  port: number;
  /** Unset: a private redis-server is started with its data under `${varDir}/redis`. */
  redisUrl?: string;
  /** Unset: embedded PGlite with its data under `${varDir}/db`. */
  databaseUrl?: string;
  varDir: string;
  folders: ConfigFolders;
  /** Largest JSON or XML request body accepted; streamed X12 has its own limit. */
  maxBodyBytes: number;
  /** Largest X12 body, streamed to the store; 1.5 GiB by default so a 1 GB file goes through. */
  maxX12Bytes: number;
  /** How long a sync-ack request waits for processing before it answers 202 instead. */
  syncAckTimeoutMs: number;
  processConcurrency: number;
  deliverConcurrency: number;
  /**
   * How long a REST client's Idempotency-Key is remembered: a retry within it gets the first
   * answer again; after it the key is forgotten and may be used afresh.
   */
  idempotencyTtlHours: number;
  /** Bearer token for the operator API; when unset the operator API answers on loopback only. */
  adminKey?: string;
  /** How often an idle Server-Sent Events stream gets a comment, so proxies keep it open. */
  sseHeartbeatMs: number;
  logLevel: string;
}

/** The user-editable configuration folders, each from CROSSDOCK_HOME when it has one. */
export interface ConfigFolders {
  partners: string;
  wsdl: string;
  ediMaps: string;
  mappings: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function resolveConfigFolders(home: string | undefined): ConfigFolders {
  const builtIn = projectRoot();
  const pick = (name: string) => {
    const own = home ? path.resolve(home, name) : undefined;
    return own && existsSync(own) ? own : path.join(builtIn, name);
  };
  return {
    partners: pick('partners'),
    wsdl: pick('wsdl'),
    ediMaps: pick('edi-maps'),
    mappings: pick('mappings'),
  };
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const role = (env.CROSSDOCK_ROLE ?? 'all') as Role;
  if (!['all', 'api', 'worker'].includes(role)) {
    throw new ConfigError(`CROSSDOCK_ROLE must be all, api or worker, not "${role}"`);
  }
  const home = env.CROSSDOCK_HOME ? path.resolve(env.CROSSDOCK_HOME) : undefined;
  if (home && !existsSync(home)) throw new ConfigError(`CROSSDOCK_HOME ${home} does not exist`);
  return {
    role,
    host: env.HOST ?? '127.0.0.1',
    port: integer(env, 'PORT', 8080, 0, 65535),
    redisUrl: env.REDIS_URL || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    varDir: path.resolve(env.CROSSDOCK_VAR_DIR ?? 'var'),
    folders: resolveConfigFolders(home),
    maxBodyBytes: integer(env, 'CROSSDOCK_MAX_BODY_BYTES', 10 * 1024 * 1024, 1024, 2 ** 31),
    maxX12Bytes: integer(env, 'CROSSDOCK_MAX_X12_BYTES', 1536 * 1024 * 1024, 1024, 2 ** 40),
    syncAckTimeoutMs: integer(env, 'CROSSDOCK_SYNC_ACK_TIMEOUT_MS', 30_000, 100, 600_000),
    processConcurrency: integer(env, 'CROSSDOCK_PROCESS_CONCURRENCY', 32, 1, 1000),
    // 128 rather than 64: a fan-out's outcome writes then commit in larger batches (about 14%
    // less gateway CPU per delivery on PGlite, 5% on PostgreSQL; bench/results-fanout.md).
    deliverConcurrency: integer(env, 'CROSSDOCK_DELIVER_CONCURRENCY', 128, 1, 1000),
    idempotencyTtlHours: integer(env, 'CROSSDOCK_IDEMPOTENCY_TTL_HOURS', 24, 1, 24 * 366),
    adminKey: env.CROSSDOCK_ADMIN_KEY || undefined,
    sseHeartbeatMs: integer(env, 'CROSSDOCK_SSE_HEARTBEAT_MS', 15_000, 100, 3_600_000),
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}
