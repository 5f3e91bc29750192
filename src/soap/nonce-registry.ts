/**
 * Where WS-Security nonces are remembered, so that a captured request cannot be replayed while
 * its Created time still passes the freshness check. Redis holds them for every api process at
 * once; a key expires when the window it guards has passed.
 */
import type Redis from 'ioredis';

export interface NonceRegistry {
  /** True when the key was not seen within its ttl, and remembers it; false for a replay. */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
}

export const NONCE_KEY_PREFIX = 'crossdock:wss-nonce:';

export class RedisNonceRegistry implements NonceRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = NONCE_KEY_PREFIX,
  ) {}

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    // SET NX EX is one atomic step: two requests racing with the same nonce cannot both win.
    const seconds = Math.max(1, Math.ceil(ttlSeconds));
    return (await this.redis.set(this.prefix + key, '1', 'EX', seconds, 'NX')) === 'OK';
  }
}
