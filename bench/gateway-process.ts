import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Cleanup } from './cleanup';

export interface GatewayProcess {
  role: 'all' | 'api' | 'worker';
  pid: number;
  url: string;
  /** Log lines at warn level or above that the gateway printed (pino level >= 40). */
  warnings(): string[];
  /** The last lines it wrote to stderr. */
  stderr(): string[];
  stop(): Promise<void>;
}

const MAIN = path.resolve(__dirname, '..', 'src', 'cli', 'main.js');
const KEEP_LINES = 20;

/**
 * Runs `crossdock start` in a child process, as operators do, so the load generator and the
 * webhook sink in this process do not share the gateway's event loop. Resolves once it
 * listens; `cpuProfileDir` runs it under `node --cpu-prof`, written when it stops.
 */
export async function startGatewayProcess(
  role: GatewayProcess['role'],
  env: Record<string, string>,
  cleanup: Cleanup,
  cpuProfileDir?: string,
): Promise<GatewayProcess> {
  const nodeArgs = cpuProfileDir
    ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir, '--cpu-prof-name', `${role}.cpuprofile`]
    : [];
  const child = spawn(process.execPath, [...nodeArgs, MAIN, 'start'], {
    env: { ...env, CROSSDOCK_ROLE: role, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.trackPid(child.pid);
  const warnings: string[] = [];
  const stderr: string[] = [];
  let listeningUrl: ((url: string) => void) | undefined;
  const listening = new Promise<string>((resolve) => (listeningUrl = resolve));

  readLines(child.stdout!, (line) => {
    const found = /listening on (http:\/\/\S+)/.exec(line);
    if (found) listeningUrl?.(found[1]!);
    else if (line.startsWith('{') && /"level":(4|5|6)\d/.test(line)) keep(warnings, line);
  });
  readLines(child.stderr!, (line) => keep(stderr, line));

  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `gateway (${role}) exited with ${signal ?? `code ${code}`} while starting:\n${stderr.join('\n')}`,
        ),
      ),
    ),
  );
  exited.catch(() => undefined);
  const stop = cleanup.add(`stop the gateway (${role})`, () => stopChild(child, cleanup));
  const url = await Promise.race([listening, exited, timeout(60_000, `gateway (${role}) start`)]);
  return {
    role,
    pid: child.pid!,
    url,
    warnings: () => [...warnings],
    stderr: () => [...stderr],
    stop,
  };
}

function keep(lines: string[], line: string): void {
  lines.push(line.length > 500 ? `${line.slice(0, 500)}...` : line);
  if (lines.length > KEEP_LINES) lines.shift();
}

function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line) onLine(line);
  });
}

/** SIGTERM lets the gateway finish its jobs (and write its CPU profile); SIGKILL after 30 s. */
function stopChild(child: ChildProcess, cleanup: Cleanup): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    cleanup.untrackPid(child.pid);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(timer);
      cleanup.untrackPid(child.pid);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms).unref();
  });
}
