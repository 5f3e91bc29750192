export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 10,
  baseDelayMs: 1000,
  maxDelayMs: 3_600_000,
};

/**
 * Exponential backoff with full jitter (a uniformly random wait up to the exponential
 * bound), which spreads a burst of failures instead of retrying them in lockstep. A
 * receiver's Retry-After wins when it asks for longer.
 */
export function retryDelayMs(
  failedAttempts: number,
  policy: RetryPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const bound = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1),
  );
  const jittered = Math.floor(random() * bound);
  return retryAfterMs !== undefined
    ? Math.min(policy.maxDelayMs, Math.max(retryAfterMs, jittered))
    : jittered;
}

/**
 * How long a delivery that may not be sent yet (its endpoint busy, an earlier delivery of its
 * subject unfinished) waits before it asks again: doubling from `baseMs` with each time it had
 * to wait, up to `capMs`, and spread over the upper half so waiting deliveries do not all ask
 * at the same moment. Waiting uses no attempt.
 */
export function waitBeforeNextTry(
  timesWaited: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const bound = Math.min(capMs, baseMs * 2 ** Math.min(timesWaited, 20));
  return Math.ceil(bound / 2 + random() * (bound / 2));
}
