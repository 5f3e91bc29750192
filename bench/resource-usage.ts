import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type Redis from 'ioredis';
import type { Client } from 'pg';

/** CPU seconds each participant used during a measured window, and what the stores did. */
export interface ResourceUsage {
  seconds: number;
  /** CPU seconds by participant: `gateway (all)`, `redis`, `postgres`, `bench (load + sink)`. */
  cpuSeconds: Record<string, number>;
  /** Share of the machine's cores busy (all processes, ours or not), 0..1. */
  machineBusy: number;
  /** CPU seconds of everything else on the machine (other users' processes, the kernel's threads). */
  otherCpuSeconds: number;
  redisCommands: number;
  /** EVALSHA/EVAL calls: BullMQ runs each queue operation as one Lua script. */
  redisScripts: number;
}

export interface UsageTargets {
  processes: Array<{ name: string; pid: number }>;
  redis: Redis;
  postgres?: { client: Client; database: string };
}

const TICKS_PER_SECOND = clockTicks();

/** Starts a window; the returned function closes it and reports what happened inside it. */
export async function openUsageWindow(
  targets: UsageTargets,
): Promise<() => Promise<ResourceUsage>> {
  const startedAt = performance.now();
  const machineBefore = machineTicks();
  const benchBefore = process.cpuUsage();
  const processesBefore = targets.processes.map((p) => processCpuSeconds(p.pid));
  const redisBefore = await redisCounters(targets.redis);
  const postgresBefore = targets.postgres ? await postgresCpu(targets.postgres) : undefined;

  return async () => {
    const seconds = (performance.now() - startedAt) / 1000;
    const cpuSeconds: Record<string, number> = {};
    targets.processes.forEach((p, index) => {
      cpuSeconds[p.name] = processCpuSeconds(p.pid) - processesBefore[index]!;
    });
    const redisAfter = await redisCounters(targets.redis);
    cpuSeconds.redis = redisAfter.cpuSeconds - redisBefore.cpuSeconds;
    if (targets.postgres && postgresBefore) {
      const after = await postgresCpu(targets.postgres);
      let cpu = 0;
      for (const [pid, seconds] of after) cpu += seconds - (postgresBefore.get(pid) ?? 0);
      cpuSeconds.postgres = cpu;
    }
    const bench = process.cpuUsage(benchBefore);
    cpuSeconds['bench (load + sink)'] = (bench.user + bench.system) / 1e6;
    const machineAfter = machineTicks();
    const machineBusy =
      (machineAfter.busy - machineBefore.busy) /
      Math.max(1, machineAfter.total - machineBefore.total);
    const ours = Object.values(cpuSeconds).reduce((sum, s) => sum + s, 0);
    return {
      seconds,
      cpuSeconds,
      machineBusy,
      otherCpuSeconds: Math.max(0, machineBusy * os.cpus().length * seconds - ours),
      redisCommands: redisAfter.commands - redisBefore.commands,
      redisScripts: redisAfter.scripts - redisBefore.scripts,
    };
  };
}

/** utime + stime of a process from /proc/<pid>/stat; 0 when it is gone or unreadable. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((sum, t) => sum + t, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

export function parseRedisInfo(info: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of info.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

async function redisCounters(redis: Redis) {
  const info = parseRedisInfo(await redis.info('everything'));
  const scriptCalls = ['cmdstat_evalsha', 'cmdstat_eval'].reduce((sum, key) => {
    const calls = /calls=(\d+)/.exec(info.get(key) ?? '');
    return sum + (calls ? Number(calls[1]) : 0);
  }, 0);
  return {
    cpuSeconds: Number(info.get('used_cpu_user') ?? 0) + Number(info.get('used_cpu_sys') ?? 0),
    commands: Number(info.get('total_commands_processed') ?? 0),
    scripts: scriptCalls,
  };
}

/**
 * CPU so far of the server's background processes and the benchmark database's backends, by
 * pid; other databases' backends are left out.
 */
async function postgresCpu(target: { client: Client; database: string }) {
  const { rows } = await target.client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
     WHERE (datname = $1 OR backend_type <> 'client backend') AND pid <> pg_backend_pid()`,
    [target.database],
  );
  return new Map(rows.map((row) => [row.pid, processCpuSeconds(row.pid)]));
}

/**
 * Committed transactions of a database (each statement outside BEGIN is one). Backends flush
 * these counters at most once a second, and an idle one only after 10 s, so read them when
 * the database has been idle that long.
 */
export async function postgresCommits(client: Client, database: string): Promise<number> {
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query<{ xact_commit: string }>(
    'SELECT xact_commit FROM pg_stat_database WHERE datname = $1',
    [database],
  );
  return Number(rows[0]?.xact_commit ?? 0);
}
