/**
 * Runs of deliveries refused for their signature. One 401 can be a stray request; several in a
 * short time with nothing stored in between mean CallAIder signs with a secret that is not the
 * one set here. A run raises one alert, and a warning that lasts while the run does.
 */
import type { DeliveryNotice } from '../receiver.js';

/** Refusals that make a run, and the time they must fall within. */
export const RUN_MIN_REFUSALS = 3;
export const RUN_WINDOW_MS = 15 * 60_000;
/** A run is over after this long without a refusal (or at the next stored delivery). */
export const RUN_IDLE_MS = 60 * 60_000;

export interface RefusalRun {
  /** Refusals in the run so far. */
  count: number;
  firstAt: number;
  lastAt: number;
}

/** A refusal that says the secrets differ: quarantined for its signature, answered 401. */
export function isSignatureRefusal(notice: DeliveryNotice): boolean {
  return notice.quarantineFailure === 'signature' && notice.statusCode === 401;
}

/** A delivery that proves the secret matches (a duplicate was signed correctly too). */
function provesSecret(notice: DeliveryNotice): boolean {
  return notice.outcome === 'stored' || notice.outcome === 'duplicate';
}

export class RefusalWatch {
  /** Refusals not yet part of an alerted run, within RUN_WINDOW_MS of the newest. */
  private pending: number[] = [];
  /** The run an alert was raised for, while it lasts. */
  private run: RefusalRun | null = null;

  /** Takes one logged request; returns the run when this refusal makes a new one (alert it). */
  note(notice: DeliveryNotice): RefusalRun | null {
    if (provesSecret(notice)) {
      this.pending = [];
      this.run = null;
      return null;
    }
    if (!isSignatureRefusal(notice)) return null;
    const at = notice.receivedAt;
    if (this.run && at - this.run.lastAt < RUN_IDLE_MS) {
      this.run = { ...this.run, count: this.run.count + 1, lastAt: Math.max(this.run.lastAt, at) };
      return null;
    }
    this.run = null;
    this.pending = [...this.pending.filter((t) => at - t < RUN_WINDOW_MS), at];
    if (this.pending.length < RUN_MIN_REFUSALS) return null;
    const firstAt = Math.min(...this.pending);
    this.run = { count: this.pending.length, firstAt, lastAt: at };
    this.pending = [];
    return this.run;
  }

  /** The alerted run while it lasts (less than RUN_IDLE_MS since its last refusal). */
  current(now: number): RefusalRun | null {
    if (this.run && now - this.run.lastAt >= RUN_IDLE_MS) this.run = null;
    return this.run;
  }
}
