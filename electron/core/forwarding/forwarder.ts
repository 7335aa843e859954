/**
 * The forwarder: takes due rows from the archive's outbox (claimForwards), sends each through the
 * sender (its own thread), and records every attempt (recordForwardAttempt). A row is done only
 * after a 2xx (at least once: a target may see an event twice, and dedupes on Idempotency-Key).
 * Failures are retried with backoff and jitter for 24 hours, then given up, visibly; a target
 * that keeps failing is paused by the archive when the attempt that crosses the line is recorded.
 *
 * Bounded: at most maxInFlight sends at once, and one batch per target at a time. On stop it waits
 * briefly for sends in flight; rows it could not finish stay in the outbox for the next start.
 */
import { EventEmitter } from 'node:events';
import type { ArchiveStore, ClaimedForward } from '../archive/store.js';
import { silentLogger, type Logger } from '../log.js';
import { forwardRequest } from './request.js';
import { DEFAULT_RETRY, nextAttemptAt, type RetryPolicy } from './schedule.js';
import { createSender, type Sender } from './sender.js';
import type { SendResult } from './send.js';

export interface ForwarderOptions {
  store: ArchiveStore;
  log?: Logger;
  sender?: Sender;
  /** Connect and answer within this (ms). */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Pause a target once its attempts have failed for this long, or this many times in a row. */
  pauseAfter?: { ms: number; failures: number };
  maxInFlight?: number;
  perTarget?: number;
  /** How often due rows are looked for when nothing wakes the forwarder. */
  pollMs?: number;
  /** How long stop() waits for sends in flight. */
  stopGraceMs?: number;
  random?: () => number;
}

export interface ForwarderEvents {
  /** An attempt was recorded (the window refreshes). */
  attempt: [{ targetId: number; ok: boolean }];
  /** The archive paused a target that kept failing. */
  paused: [{ targetId: number; url: string; reason: string }];
}

export const FORWARDING_DEFAULTS = {
  timeoutMs: 10_000,
  pauseAfter: { ms: 6 * 60 * 60_000, failures: 100 },
  maxInFlight: 16,
  perTarget: 4,
  pollMs: 1_000,
  stopGraceMs: 2_000,
};

const WAKE_COALESCE_MS = 20;

export class Forwarder extends EventEmitter<ForwarderEvents> {
  private readonly store: ArchiveStore;
  private readonly log: Logger;
  private readonly sender: Sender;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly pauseAfter: { ms: number; failures: number };
  private readonly maxInFlight: number;
  private readonly perTarget: number;
  private readonly pollMs: number;
  private readonly stopGraceMs: number;
  private readonly random: () => number;
  private readonly inFlight = new Map<number, number>();
  private readonly sends = new Set<Promise<void>>();
  private inFlightTotal = 0;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private claiming = false;
  private again = false;
  private stopped = true;

  constructor(options: ForwarderOptions) {
    super();
    this.store = options.store;
    this.log = options.log ?? silentLogger;
    this.sender = options.sender ?? createSender();
    this.timeoutMs = options.timeoutMs ?? FORWARDING_DEFAULTS.timeoutMs;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.pauseAfter = options.pauseAfter ?? FORWARDING_DEFAULTS.pauseAfter;
    this.maxInFlight = options.maxInFlight ?? FORWARDING_DEFAULTS.maxInFlight;
    this.perTarget = options.perTarget ?? FORWARDING_DEFAULTS.perTarget;
    this.pollMs = options.pollMs ?? FORWARDING_DEFAULTS.pollMs;
    this.stopGraceMs = options.stopGraceMs ?? FORWARDING_DEFAULTS.stopGraceMs;
    this.random = options.random ?? Math.random;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
    this.wake();
  }

  /**
   * Something may be due now (an event stored, a target resumed, a resend). Wakes within a few
   * milliseconds are one claim: a burst of webhooks costs one trip to the writer, not one each.
   */
  wake(): void {
    if (this.stopped || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      this.claimNow();
    }, WAKE_COALESCE_MS);
  }

  private claimNow(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    void this.claimAndSend()
      .catch((error: unknown) => this.log.warn(`forwarding: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.claiming = false;
        if (this.again) {
          this.again = false;
          this.claimNow();
        }
      });
  }

  /** Stops claiming, waits up to stopGraceMs for sends in flight, and leaves the rest for the next start. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = null;
    this.soon = null;
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.stopGraceMs).unref());
    await Promise.race([Promise.all([...this.sends]), grace]);
    await this.sender.close();
  }

  private async claimAndSend(): Promise<void> {
    const free = this.maxInFlight - this.inFlightTotal;
    if (free <= 0) return;
    const now = Date.now();
    const rows = await this.store.claimForwards({
      now,
      limit: free,
      perTarget: this.perTarget,
      // Longer than any send can take, so a row is never handed out twice while it is in flight.
      leaseMs: this.timeoutMs + 5_000,
      excludeTargets: [...this.inFlight.keys()],
    });
    if (this.stopped) return; // leased, unsent: they come back when the lease ends
    for (const row of rows) this.track(row);
  }

  private track(row: ClaimedForward): void {
    this.inFlight.set(row.targetId, (this.inFlight.get(row.targetId) ?? 0) + 1);
    this.inFlightTotal += 1;
    const send = this.sendOne(row).finally(() => {
      this.sends.delete(send);
      const left = (this.inFlight.get(row.targetId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(row.targetId, left);
      else this.inFlight.delete(row.targetId);
      this.inFlightTotal -= 1;
      this.wake();
    });
    this.sends.add(send);
  }

  private async sendOne(row: ClaimedForward): Promise<void> {
    let result: SendResult;
    try {
      result = await this.sender.send(forwardRequest(row), this.timeoutMs);
    } catch (error) {
      result = { status: null, latencyMs: 0, excerpt: null, error: error instanceof Error ? error.message : String(error) };
    }
    if (this.stopped && result.status === null) return; // cut off by stop(): not the target's failure
    const at = Date.now();
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const retryAt = ok ? null : nextAttemptAt({ attempt: row.attempt, firstAttemptAt: row.firstAttemptAt ?? at, now: at, policy: this.retry, random: this.random() });
    try {
      const recorded = await this.store.recordForwardAttempt({
        outboxId: row.outboxId,
        at,
        ok,
        status: result.status,
        latencyMs: result.latencyMs,
        excerpt: result.excerpt,
        error: result.error ?? (ok ? null : `HTTP ${result.status}`),
        retryAt,
        pauseNow: result.status === 410 ? 'the target answered 410 Gone: it no longer accepts these (resume it once it does)' : undefined,
        pauseAfter: this.pauseAfter,
      });
      this.emit('attempt', { targetId: row.targetId, ok });
      if (recorded?.outcome === 'gave-up') this.log.warn(`forwarding to ${row.url}: gave up on ${row.sessionId} ${row.event} after ${row.attempt} attempts`);
      if (recorded?.paused) {
        this.log.warn(`forwarding to ${row.url} paused: ${recorded.paused}`);
        this.emit('paused', { targetId: row.targetId, url: row.url, reason: recorded.paused });
      }
    } catch (error) {
      // The lease runs out and the row is sent again: at least once, never lost.
      this.log.warn(`forwarding: recording an attempt failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
