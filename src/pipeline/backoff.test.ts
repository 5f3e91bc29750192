import { retryDelayMs, waitBeforeNextTry } from './backoff';

const policy = { attempts: 10, baseDelayMs: 1000, maxDelayMs: 60_000 };

test('full jitter: a uniform wait up to base * 2^(n-1), capped', () => {
  expect(retryDelayMs(1, policy, undefined, () => 0.999)).toBe(999);
  expect(retryDelayMs(3, policy, undefined, () => 0.5)).toBe(2000);
  expect(retryDelayMs(20, policy, undefined, () => 0.999)).toBe(59_940);
  expect(retryDelayMs(4, policy, undefined, () => 0)).toBe(0);
});

test("the receiver's Retry-After wins when longer, within the cap", () => {
  expect(retryDelayMs(1, policy, 30_000, () => 0.5)).toBe(30_000);
  expect(retryDelayMs(1, policy, 600_000, () => 0.5)).toBe(60_000);
  expect(retryDelayMs(6, policy, 10, () => 0.5)).toBe(16_000);
});

describe('waitBeforeNextTry', () => {
  test('doubles with each wait up to the cap, spread over the upper half', () => {
    expect(waitBeforeNextTry(0, 20, 2000, () => 0)).toBe(10);
    expect(waitBeforeNextTry(0, 20, 2000, () => 1)).toBe(20);
    expect(waitBeforeNextTry(3, 20, 2000, () => 1)).toBe(160);
    expect(waitBeforeNextTry(50, 20, 2000, () => 0)).toBe(1000);
    expect(waitBeforeNextTry(50, 20, 2000, () => 1)).toBe(2000);
  });
});
