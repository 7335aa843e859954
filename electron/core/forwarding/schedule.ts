/**
 * When to try a failed forward again: exponential backoff with full jitter (a random wait between
 * zero and the capped exponential), so targets that come back are not hit by every row at once,
 * and retries for at least `retryForMs` (24 hours) from the first attempt before the row is given up.
 */
export interface RetryPolicy {
  /** The first retry's ceiling; each failure doubles it. */
  baseMs: number;
  /** No wait is longer than this. */
  maxMs: number;
  /** Retries continue until this long after the first attempt. */
  retryForMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 5_000, maxMs: 60 * 60_000, retryForMs: 24 * 60 * 60_000 };

/** The wait after failed attempt number `attempt` (1: the first), with `random` in [0, 1). */
export function retryDelay(attempt: number, policy: RetryPolicy, random: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.floor(random * ceiling);
}

/** When to try again after failed attempt `attempt`; null once retrying has lasted retryForMs (give up). */
export function nextAttemptAt(options: { attempt: number; firstAttemptAt: number; now: number; policy: RetryPolicy; random: number }): number | null {
  if (options.now - options.firstAttemptAt >= options.policy.retryForMs) return null;
  return options.now + retryDelay(options.attempt, options.policy, options.random);
}
