import type Redis from 'ioredis';
import { QUEUE_PREFIX } from '../../pipeline/queues';
import type { EndpointLimits } from './settings';

/**
 * Per-endpoint concurrency limit and circuit breaker, kept in Redis.
 *
 * Shared in Redis rather than per process: api and worker roles scale out to several
 * processes, and a limit kept in each one's memory would let N processes open N times
 * `maxConcurrency` connections to a receiver, and would need N times `failureThreshold`
 * failures before every process stopped sending to a dead one. One Lua script per admission
 * and one per release keep each decision atomic across processes for two Redis round trips
 * per delivery. The keys carry the `{crossdock}` hash tag, so on a Redis Cluster both keys of
 * an endpoint live in the queues' slot, as a script touching two keys requires.
 */

/** Why a delivery may not be sent now. */
export type Refusal =
  /** `maxConcurrency` sends are in flight already. */
  | { kind: 'busy' }
  /** The circuit is open until `until` (ms since the epoch). */
  | { kind: 'open'; until: number; openedAt: number; failures: number }
  /** The cooldown is over and another delivery is the probe, whose lease ends at `until`. */
  | { kind: 'probing'; until: number };

export type Admission = { admitted: true; isProbe: boolean } | ({ admitted: false } & Refusal);

/** A change of the circuit's state that the release caused: logged once, by its caller. */
export type CircuitTransition = 'opened' | 'reopened' | 'closed' | null;

export interface CircuitView {
  state: 'closed' | 'open' | 'half-open';
  consecutiveFailures: number;
  openUntil: string | null;
  inFlight: number;
}

// KEYS: leases (zset deliveryId → lease end ms), circuit (hash).
// ARGV: now ms, deliveryId, maxConcurrency, leaseMs.
const ADMIT = `
local now = tonumber(ARGV[1])
local id = ARGV[2]
local lease = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local c = redis.call('HMGET', KEYS[2], 'state', 'openUntil', 'probe', 'probeUntil', 'openedAt', 'failures')
local state = c[1] or 'closed'
local probe = false
if state == 'open' then
  local openUntil = tonumber(c[2]) or 0
  if now < openUntil then
    return {0, 'open', openUntil, tonumber(c[5]) or 0, tonumber(c[6]) or 0}
  end
  probe = true
elseif state == 'half-open' then
  local probeUntil = tonumber(c[4]) or 0
  if c[3] ~= id and now < probeUntil then return {0, 'probing', probeUntil, 0, 0} end
  probe = true
end
if not redis.call('ZSCORE', KEYS[1], id) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return {0, 'busy', 0, 0, 0}
end
redis.call('ZADD', KEYS[1], now + lease, id)
redis.call('PEXPIRE', KEYS[1], lease)
if probe then
  redis.call('HSET', KEYS[2], 'state', 'half-open', 'probe', id, 'probeUntil', now + lease)
  return {1, 'probe', 0, 0, 0}
end
return {1, 'admitted', 0, 0, 0}
`;

// KEYS: leases, circuit. ARGV: now ms, deliveryId, 'failed' | 'answered', threshold, cooldownMs.
// While open or half-open only the probe's outcome counts: sends that began before the circuit
// opened say nothing about the receiver now.
const RELEASE = `
local now = tonumber(ARGV[1])
local id = ARGV[2]
local failed = ARGV[3] == 'failed'
local cooldown = tonumber(ARGV[5])
redis.call('ZREM', KEYS[1], id)
local c = redis.call('HMGET', KEYS[2], 'state', 'failures', 'probe')
local state = c[1] or 'closed'
local failures = tonumber(c[2]) or 0
if state == 'closed' then
  if not failed then
    if failures > 0 then redis.call('DEL', KEYS[2]) end
    return 'none'
  end
  failures = failures + 1
  if failures >= tonumber(ARGV[4]) then
    redis.call('HSET', KEYS[2], 'state', 'open', 'failures', failures, 'openedAt', now, 'openUntil', now + cooldown)
    return 'opened'
  end
  redis.call('HSET', KEYS[2], 'failures', failures)
  return 'none'
end
if state == 'half-open' and c[3] == id then
  if not failed then
    redis.call('DEL', KEYS[2])
    return 'closed'
  end
  redis.call('HSET', KEYS[2], 'state', 'open', 'failures', failures + 1, 'openedAt', now, 'openUntil', now + cooldown)
  redis.call('HDEL', KEYS[2], 'probe', 'probeUntil')
  return 'reopened'
end
return 'none'
`;

type AdmitReply = [number, string, number, number, number];

interface GateCommands {
  crossdockAdmitDelivery(
    leases: string,
    circuit: string,
    now: number,
    deliveryId: string,
    maxConcurrency: number,
    leaseMs: number,
  ): Promise<AdmitReply>;
  crossdockReleaseDelivery(
    leases: string,
    circuit: string,
    now: number,
    deliveryId: string,
    outcome: 'failed' | 'answered',
    threshold: number,
    cooldownMs: number,
  ): Promise<string>;
}

function keysOf(partnerId: string): [string, string] {
  const base = `${QUEUE_PREFIX}:endpoint:${partnerId}`;
  return [`${base}:leases`, `${base}:circuit`];
}

/** Admits, releases and describes sends to partners' endpoints. */
export class EndpointGate {
  private readonly commands: GateCommands;

  constructor(
    private readonly redis: Redis,
    private readonly clock: () => number = Date.now,
  ) {
    // defineCommand sends EVALSHA and falls back to EVAL once after a Redis restart.
    if (!('crossdockAdmitDelivery' in redis)) {
      redis.defineCommand('crossdockAdmitDelivery', { numberOfKeys: 2, lua: ADMIT });
      redis.defineCommand('crossdockReleaseDelivery', { numberOfKeys: 2, lua: RELEASE });
    }
    this.commands = redis as unknown as GateCommands;
  }

  /** Takes a place for this delivery, or says why it must wait. */
  async admit(partnerId: string, deliveryId: string, limits: EndpointLimits): Promise<Admission> {
    const [admitted, kind, until, openedAt, failures] = await this.commands.crossdockAdmitDelivery(
      ...keysOf(partnerId),
      this.clock(),
      deliveryId,
      limits.maxConcurrency,
      limits.leaseMs,
    );
    if (admitted === 1) return { admitted: true, isProbe: kind === 'probe' };
    if (kind === 'open') return { admitted: false, kind, until, openedAt, failures };
    if (kind === 'probing') return { admitted: false, kind, until };
    return { admitted: false, kind: 'busy' };
  }

  /**
   * Gives the place back and counts the outcome: `failed` is a send the receiver may take
   * later (5xx, 408, 425, 429, timeout, no connection), `answered` any other answer, which
   * shows the receiver is up even when it refused the event.
   */
  async release(
    partnerId: string,
    deliveryId: string,
    outcome: 'failed' | 'answered',
    limits: EndpointLimits,
  ): Promise<CircuitTransition> {
    const transition = await this.commands.crossdockReleaseDelivery(
      ...keysOf(partnerId),
      this.clock(),
      deliveryId,
      outcome,
      limits.failureThreshold,
      limits.cooldownMs,
    );
    return transition === 'none' ? null : (transition as CircuitTransition);
  }

  /** What operators see: the circuit's state and the sends in flight. */
  async describe(partnerId: string): Promise<CircuitView> {
    const [leases, circuit] = keysOf(partnerId);
    const now = this.clock();
    const [[, fields], [, inFlight]] = (await this.redis
      .multi()
      .hgetall(circuit)
      .zcount(leases, `(${now}`, '+inf')
      .exec()) as [[unknown, Record<string, string>], [unknown, number]];
    const openUntil = Number(fields.openUntil ?? 0);
    const state =
      fields.state === 'half-open' || (fields.state === 'open' && openUntil <= now)
        ? 'half-open'
        : fields.state === 'open'
          ? 'open'
          : 'closed';
    return {
      state,
      consecutiveFailures: Number(fields.failures ?? 0),
      openUntil: fields.state === 'open' ? new Date(openUntil).toISOString() : null,
      inFlight: Number(inFlight),
    };
  }

  /** Forgets an endpoint's circuit and places: an operator enabled it, so it starts afresh. */
  async reset(partnerId: string): Promise<void> {
    await this.redis.del(...keysOf(partnerId));
  }
}
