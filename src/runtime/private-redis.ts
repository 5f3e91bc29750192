import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Redis from 'ioredis';

export class RedisServerMissingError extends Error {
  constructor() {
    super(
      'redis-server was not found on the PATH. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`, ' +
        'macOS: `brew install redis`) or point Crossdock at a running Redis with REDIS_URL=redis://host:6379.',
    );
    this.name = 'RedisServerMissingError';
  }
}

export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a redis-server of our own when no REDIS_URL is given: append-only persistence under
 * `dir` so queued jobs survive a restart, and noeviction because BullMQ must never lose keys
 * to memory pressure.
 */
export async function startPrivateRedis(dir: string): Promise<PrivateRedis> {
  mkdirSync(dir, { recursive: true });
  await stopLeftoverServer(path.join(dir, 'redis.pid'));
  const port = await findFreePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--pidfile',
      path.join(dir, 'redis.pid'),
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
      '--logfile',
      path.join(dir, 'redis.log'),
    ],
    { stdio: 'ignore' },
  );
  await waitUntilServing(child, port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => stopChild(child),
  };
}

async function waitUntilServing(child: ChildProcess, port: number): Promise<void> {
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new RedisServerMissingError() : error),
    );
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited with code ${code} while starting; see its redis.log`)),
    );
  });
  const deadline = Date.now() + 15_000;
  let gaveUp = false;
  const ready = (async () => {
    while (!gaveUp) {
      if (Date.now() > deadline)
        throw new Error(`redis-server did not answer on port ${port} within 15 s`);
      const client = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        // While loading the append-only file Redis answers LOADING; wait until it is done.
        if ((await client.ping()) === 'PONG') return;
      } catch {
        // not up yet
      } finally {
        client.disconnect();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (error) {
    gaveUp = true;
    child.kill('SIGKILL');
    throw error;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    // SIGTERM makes Redis flush the append-only file before it exits.
    child.kill('SIGTERM');
  });
}

/** A previous run killed with SIGKILL leaves its Redis running on our data folder. */
async function stopLeftoverServer(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isRedisProcess(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

function isRedisProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('redis-server');
  } catch {
    return false;
  }
}

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
