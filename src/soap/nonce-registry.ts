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

interface PendingClaim {
  key: string;
  seconds: number;
  resolve(claimed: boolean): void;
  reject(error: unknown): void;
}

/**
 * Claims made while the event loop handles one round of requests go to Redis together, in one
 * pipeline: one socket write for the lot instead of one per request, which under load was the
 * SOAP endpoint's dearest single step (bench/soap.ts). Each claim is still its own SET NX EX.
 */
export class RedisNonceRegistry implements NonceRegistry {
  private pending: PendingClaim[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly prefix = NONCE_KEY_PREFIX,
  ) {}

  claim(key: string, ttlSeconds: number): Promise<boolean> {
    // SET NX EX is one atomic step: two requests racing with the same nonce cannot both win.
    const seconds = Math.max(1, Math.ceil(ttlSeconds));
    return new Promise<boolean>((resolve, reject) => {
      if (this.pending.push({ key: this.prefix + key, seconds, resolve, reject }) === 1)
        setImmediate(this.flush);
    });
  }

  private readonly flush = (): void => {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 1) {
      const [only] = batch as [PendingClaim];
      this.redis
        .set(only.key, '1', 'EX', only.seconds, 'NX')
        .then((reply) => only.resolve(reply === 'OK'), only.reject);
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const claim of batch) pipeline.set(claim.key, '1', 'EX', claim.seconds, 'NX');
    pipeline.exec().then(
      (replies) =>
        batch.forEach((claim, i) => {
          const [error, reply] = replies?.[i] ?? [
            new Error('Redis gave no reply to a nonce claim'),
          ];
          if (error) claim.reject(error);
          else claim.resolve(reply === 'OK');
        }),
      (error: unknown) => batch.forEach((claim) => claim.reject(error)),
    );
  };
}
