import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { redisConnection, waitForRedis } from '../../pipeline/queues';
import { startPrivateRedis, type PrivateRedis } from '../../runtime/private-redis';
import { EndpointGate } from './endpoint-gate';
import type { EndpointLimits } from './settings';

// A real redis-server: the scripts are the behaviour under test.
describe('EndpointGate', () => {
  let redis: PrivateRedis;
  let dir: string;
  let connections: Redis[];
  let now: number;
  const limits: EndpointLimits = {
    maxConcurrency: 2,
    failureThreshold: 3,
    cooldownMs: 1_000,
    leaseMs: 5_000,
  };
  // Two gates on two connections stand for two worker processes.
  let gateA: EndpointGate;
  let gateB: EndpointGate;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'crossdock-gate-'));
    redis = await startPrivateRedis(dir);
    connections = [redisConnection(redis.url, 'worker'), redisConnection(redis.url, 'worker')];
    await Promise.all(connections.map((c) => waitForRedis(c, redis.url)));
  });
  afterAll(async () => {
    for (const connection of connections) connection.disconnect();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await connections[0]!.flushall();
    now = 1_000_000;
    gateA = new EndpointGate(connections[0]!, () => now);
    gateB = new EndpointGate(connections[1]!, () => now);
  });

  test('admits up to maxConcurrency sends across processes, then refuses as busy', async () => {
    expect(await gateA.admit('app', 'd1', limits)).toEqual({ admitted: true, isProbe: false });
    expect(await gateB.admit('app', 'd2', limits)).toEqual({ admitted: true, isProbe: false });
    expect(await gateA.admit('app', 'd3', limits)).toEqual({ admitted: false, kind: 'busy' });
    // Another endpoint has its own places.
    expect((await gateB.admit('other', 'd4', limits)).admitted).toBe(true);
    await gateB.release('app', 'd1', 'answered', limits);
    expect((await gateA.admit('app', 'd3', limits)).admitted).toBe(true);
    expect((await gateA.describe('app')).inFlight).toBe(2);
  });

  test('a lease whose process died frees its place when it runs out', async () => {
    await gateA.admit('app', 'd1', limits);
    await gateA.admit('app', 'd2', limits);
    expect((await gateB.admit('app', 'd3', limits)).admitted).toBe(false);
    now += limits.leaseMs + 1;
    expect((await gateB.admit('app', 'd3', limits)).admitted).toBe(true);
  });

  test('opens after consecutive failures, sends one probe after the cooldown, closes on its success', async () => {
    const fail = async (id: string, gate: EndpointGate) => {
      expect((await gate.admit('app', id, limits)).admitted).toBe(true);
      return gate.release('app', id, 'failed', limits);
    };
    expect(await fail('d1', gateA)).toBeNull();
    expect(await fail('d2', gateB)).toBeNull();
    // Transitions are reported once, to the caller whose release made them.
    expect(await fail('d3', gateA)).toBe('opened');
    expect(await gateB.admit('app', 'd4', limits)).toEqual({
      admitted: false,
      kind: 'open',
      until: now + limits.cooldownMs,
      openedAt: now,
      failures: 3,
    });
    expect((await gateA.describe('app')).state).toBe('open');

    now += limits.cooldownMs;
    expect(await gateB.admit('app', 'd4', limits)).toEqual({ admitted: true, isProbe: true });
    expect(await gateA.admit('app', 'd5', limits)).toEqual({
      admitted: false,
      kind: 'probing',
      until: now + limits.leaseMs,
    });
    expect(await gateB.release('app', 'd4', 'answered', limits)).toBe('closed');
    expect(await gateA.describe('app')).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect((await gateA.admit('app', 'd5', limits)).admitted).toBe(true);
  });

  test('a failed probe opens the circuit again for another cooldown', async () => {
    for (const id of ['d1', 'd2', 'd3']) {
      await gateA.admit('app', id, limits);
      await gateA.release('app', id, 'failed', limits);
    }
    now += limits.cooldownMs;
    expect((await gateA.admit('app', 'probe', limits)).admitted).toBe(true);
    expect(await gateA.release('app', 'probe', 'failed', limits)).toBe('reopened');
    const refusal = await gateB.admit('app', 'd4', limits);
    expect(refusal).toMatchObject({
      admitted: false,
      kind: 'open',
      until: now + limits.cooldownMs,
    });
  });

  test('an answer (even a refusal) between failures resets the count; late results while open are ignored', async () => {
    for (const [id, outcome] of [
      ['d1', 'failed'],
      ['d2', 'failed'],
      ['d3', 'answered'],
      ['d4', 'failed'],
      ['d5', 'failed'],
    ] as const) {
      await gateA.admit('app', id, limits);
      expect(await gateA.release('app', id, outcome, limits)).toBeNull();
    }
    expect((await gateA.describe('app')).consecutiveFailures).toBe(2);
    await gateA.admit('app', 'd6', limits);
    await gateA.admit('app', 'late', limits);
    expect(await gateA.release('app', 'd6', 'failed', limits)).toBe('opened');
    // A send that began before the circuit opened and got through does not close it.
    expect(await gateA.release('app', 'late', 'answered', limits)).toBeNull();
    expect((await gateA.describe('app')).state).toBe('open');
  });

  test('a probe whose process died is replaced once its lease runs out', async () => {
    for (const id of ['d1', 'd2', 'd3']) {
      await gateA.admit('app', id, limits);
      await gateA.release('app', id, 'failed', limits);
    }
    now += limits.cooldownMs;
    expect(await gateA.admit('app', 'lost-probe', limits)).toMatchObject({ isProbe: true });
    now += limits.leaseMs;
    expect(await gateB.admit('app', 'next-probe', limits)).toEqual({
      admitted: true,
      isProbe: true,
    });
  });

  test('reset forgets the circuit and the places', async () => {
    for (const id of ['d1', 'd2', 'd3']) {
      await gateA.admit('app', id, limits);
      await gateA.release('app', id, 'failed', limits);
    }
    await gateA.reset('app');
    expect(await gateA.describe('app')).toEqual({
      state: 'closed',
      consecutiveFailures: 0,
      openUntil: null,
      inFlight: 0,
    });
  });
});
