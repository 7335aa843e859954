/**
 * Limits failed verifications per client. Only failures count: CallAIder's own deliveries are
 * never slowed, while a stranger guessing signatures is shut out after a few dozen tries.
 * rate-limiter-flexible does the bookkeeping (sliding windows, block durations, memory bounds).
 */
import { createRequire } from 'node:module';
import type { RateLimiterMemory as RateLimiterMemoryClass } from 'rate-limiter-flexible';

// The package's index loads every store it supports (Redis, Mongo, SQL, …: 56 ms at start-up);
// only the in-memory one is used.
const RateLimiterMemory = createRequire(import.meta.url)('rate-limiter-flexible/lib/RateLimiterMemory.js') as typeof RateLimiterMemoryClass;

export interface FailureLimiterOptions {
  /** Failures allowed per client within `windowSeconds`. */
  maxFailures: number;
  windowSeconds: number;
  /** How long a client that went over stays refused. */
  blockSeconds: number;
}

export const DEFAULT_FAILURE_LIMITS: FailureLimiterOptions = { maxFailures: 30, windowSeconds: 60, blockSeconds: 60 };

export class FailureLimiter {
  private readonly limiter: RateLimiterMemoryClass;

  constructor(private readonly options: FailureLimiterOptions = DEFAULT_FAILURE_LIMITS) {
    this.limiter = new RateLimiterMemory({
      points: options.maxFailures,
      duration: options.windowSeconds,
      blockDuration: options.blockSeconds,
    });
  }

  /** Milliseconds until `client` may try again, or 0 when it is not blocked. */
  async retryAfterMs(client: string): Promise<number> {
    const state = await this.limiter.get(client);
    if (!state || state.consumedPoints <= this.options.maxFailures) return 0;
    return Math.max(1, state.msBeforeNext);
  }

  async recordFailure(client: string): Promise<void> {
    // consume() rejects once the client is over the limit; being over is the expected outcome here.
    await this.limiter.consume(client).catch(() => undefined);
  }
}
