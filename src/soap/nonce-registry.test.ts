import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from '../runtime/private-redis';
import { NONCE_KEY_PREFIX, RedisNonceRegistry } from './nonce-registry';

describe('RedisNonceRegistry', () => {
  let redisDir: string;
  let server: PrivateRedis;
  let redis: Redis;

  beforeAll(async () => {
    redisDir = mkdtempSync(path.join(os.tmpdir(), 'nonce-redis-'));
    server = await startPrivateRedis(redisDir);
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
    rmSync(redisDir, { recursive: true, force: true });
  });

  it('lets a nonce be claimed once, under its prefix, for the ttl', async () => {
    const nonces = new RedisNonceRegistry(redis);
    expect(await nonces.claim('alice:n1', 300)).toBe(true);
    expect(await nonces.claim('alice:n1', 300)).toBe(false);
    expect(await nonces.claim('bob:n1', 300)).toBe(true);
    const ttl = await redis.ttl(`${NONCE_KEY_PREFIX}alice:n1`);
    expect(ttl).toBeGreaterThan(295);
    expect(ttl).toBeLessThanOrEqual(300);
  });

  it('forgets a nonce when its ttl has passed', async () => {
    const nonces = new RedisNonceRegistry(redis, 'test:short:');
    expect(await nonces.claim('n2', 0.2)).toBe(true); // rounded up to Redis' 1 s minimum
    expect(await nonces.claim('n2', 1)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await nonces.claim('n2', 1)).toBe(true);
  });

  it('lets exactly one of many racing claims win', async () => {
    const nonces = new RedisNonceRegistry(redis);
    const results = await Promise.all(Array.from({ length: 50 }, () => nonces.claim('race', 60)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('fails loudly when Redis is gone instead of letting a replay through', async () => {
    const gone = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    gone.on('error', () => undefined);
    await expect(new RedisNonceRegistry(gone).claim('n3', 60)).rejects.toThrow();
    gone.disconnect();
  });
});
