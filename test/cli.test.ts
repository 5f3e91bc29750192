import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEST_API_KEY, writeTestPartners } from './support/gateway';
import { exampleDocumentText } from './support/examples';
import { isProcessAlive } from '../src/runtime/private-redis';

// `npm test` builds first (pretest), so this drives the CLI exactly as `npm start` runs it.
const cli = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');

function startCli(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [cli, 'start'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
}

async function waitForOutput(
  output: () => string,
  pattern: RegExp,
  timeoutMs = 20_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = output().match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('start prints where it listens, serves, and on SIGTERM stops cleanly with its private Redis', async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'crossdock-cli-home-'));
  const varDir = mkdtempSync(path.join(os.tmpdir(), 'crossdock-cli-var-'));
  writeTestPartners(home, 'http://127.0.0.1:9/unused');
  const run = startCli({
    PORT: '0',
    CROSSDOCK_HOME: home,
    CROSSDOCK_VAR_DIR: varDir,
    REDIS_URL: '',
    DATABASE_URL: '',
    LOG_LEVEL: 'warn',
  });
  try {
    const [, url] = await waitForOutput(run.output, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const accepted = await fetch(`${url}/api/v1/purchase-orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: exampleDocumentText('purchase-orders'),
    });
    expect(accepted.status).toBe(202);
    const redisPid = Number(readFileSync(path.join(varDir, 'redis', 'redis.pid'), 'utf8'));
    expect(isProcessAlive(redisPid)).toBe(true);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('SIGTERM: finishing running jobs and stopping');
    expect(isProcessAlive(redisPid)).toBe(false);
    // The queue survives in Redis's append-only file for the next start.
    expect(existsSync(path.join(varDir, 'redis', 'appendonlydir'))).toBe(true);
  } finally {
    run.child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
    rmSync(varDir, { recursive: true, force: true });
  }
});

test('without redis-server on the PATH and no REDIS_URL, start fails at once saying how to fix it', async () => {
  const varDir = mkdtempSync(path.join(os.tmpdir(), 'crossdock-cli-var-'));
  // A PATH holding node and nothing else.
  const bin = mkdtempSync(path.join(os.tmpdir(), 'crossdock-cli-bin-'));
  symlinkSync(process.execPath, path.join(bin, 'node'));
  const run = startCli({
    PATH: bin,
    REDIS_URL: '',
    CROSSDOCK_VAR_DIR: varDir,
    PORT: '0',
  });
  try {
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(
      /redis-server was not found on the PATH\. Install it .*apt-get install -y redis-server.* or .*REDIS_URL/,
    );
  } finally {
    rmSync(varDir, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  }
});

test('an invalid partner file stops start-up naming the file, the path and the reason', async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'crossdock-cli-home-'));
  writeTestPartners(home, 'http://127.0.0.1:9/unused');
  const file = path.join(home, 'partners', 'acme-erp.yaml');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace('${TEST_WEBHOOK_SECRET}', 'whsec_literal'),
  );
  const run = startCli({ CROSSDOCK_HOME: home, PORT: '0' });
  try {
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(
      `crossdock: ${file} at /outbound/webhook/secret: must be an environment reference`,
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
