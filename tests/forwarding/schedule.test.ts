import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, nextAttemptAt, retryDelay } from '../../electron/core/forwarding/schedule.js';

describe('the retry schedule', () => {
  it('doubles the ceiling with each failure, up to the cap, and draws the wait below it (full jitter)', () => {
    const policy = { baseMs: 1_000, maxMs: 60_000, retryForMs: 86_400_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => retryDelay(attempt, policy, 0.999_999))).toEqual([999, 1_999, 3_999, 7_999, 15_999, 31_999, 59_999, 59_999]);
    expect(retryDelay(3, policy, 0)).toBe(0);
    expect(retryDelay(3, policy, 0.5)).toBe(2_000);
    expect(retryDelay(10_000, policy, 0.5)).toBe(30_000);
  });

  it('retries for at least 24 hours from the first attempt, then gives up', () => {
    const first = Date.UTC(2026, 4, 1);
    const day = 24 * 60 * 60_000;
    expect(DEFAULT_RETRY.retryForMs).toBeGreaterThanOrEqual(day);
    const at = (now: number) => nextAttemptAt({ attempt: 30, firstAttemptAt: first, now, policy: DEFAULT_RETRY, random: 0.5 });
    expect(at(first + day - 1)).toBe(first + day - 1 + DEFAULT_RETRY.maxMs / 2);
    expect(at(first + day)).toBeNull();
  });

  it('keeps retrying through a day of failures with the default policy (a retry at least every hour)', () => {
    let now = 0;
    let attempt = 1;
    for (; ; attempt += 1) {
      const next = nextAttemptAt({ attempt, firstAttemptAt: 0, now, policy: DEFAULT_RETRY, random: 0.999 });
      if (next === null) break;
      expect(next - now).toBeLessThanOrEqual(DEFAULT_RETRY.maxMs);
      now = next;
    }
    expect(now).toBeGreaterThanOrEqual(DEFAULT_RETRY.retryForMs);
    expect(attempt).toBeGreaterThan(24);
  });
});
