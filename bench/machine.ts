import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { projectRoot } from '../src/runtime/project-root';
import { postgresVersion } from './bench-database';
import { parseRedisInfo } from './resource-usage';

export interface MachineInfo {
  date: string;
  /** The commit measured, and whether src/ had uncommitted changes. */
  commit: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  /** 1-minute load average when the run began: others using the machine skew the figures. */
  loadAverageAtStart: number;
  kernel: string;
  node: string;
  bullmq: string;
  redis: string;
  postgres?: string;
}

export async function describeMachine(
  redisUrl: string,
  databaseUrl?: string,
): Promise<MachineInfo> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let redisVersion: string;
  try {
    redisVersion = parseRedisInfo(await redis.info('server')).get('redis_version') ?? 'unknown';
  } finally {
    redis.disconnect();
  }
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    commit: describeCommit(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg()[0]!,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    bullmq: packageVersion('bullmq'),
    redis: redisVersion,
    postgres: databaseUrl ? await postgresVersion(databaseUrl) : undefined,
  };
}

function packageVersion(name: string): string {
  const file = path.join(projectRoot(), 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function describeCommit(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: projectRoot(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--', 'src')
      ? `${commit} with uncommitted changes in src/`
      : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
