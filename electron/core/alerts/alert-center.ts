/**
 * The engine's alert centre: turns what happens in the archive into the few things worth
 * interrupting the owner for. Calls the rules flagged, runs of refused deliveries, an unusually
 * long quiet period, and the daily summary. Hosts listen to its `alert` event (the desktop
 * notifies, `serve` logs, the window lists `recent()`); lasting conditions show as warnings.
 *
 * Nothing here throws at the engine: a failing read is logged and the next check tries again.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { Alert, AlertKind } from '../../../shared/follow-up.js';
import type { AlertSettings } from '../../../shared/settings.js';
import type { ProjectedEvent, StoreReads } from '../archive/store.js';
import type { Logger } from '../log.js';
import type { DeliveryNotice } from '../receiver.js';
import { dayBefore, dueSummaryTime, localMidnight } from './daily-summary.js';
import { followUpAlertContents } from './follow-up-alert.js';
import { findQuietPeriod, QUIET_PROFILE_DAYS, type QuietPeriod } from './quiet.js';
import { RefusalWatch } from './refusals.js';
import type { AlertFeed, AlertWarning } from './types.js';
import { clockTime, quietWording, refusalsWording, summaryWording } from './wording.js';

export type AlertStore = Pick<StoreReads, 'flaggedCalls' | 'periodSummary' | 'activityProfile'>;

export interface AlertCenterOptions {
  store: AlertStore;
  /** Read at every check, so a changed setting applies from the next one. */
  settings: () => AlertSettings;
  log: Logger;
  now?: () => number;
  /** How often the clock is looked at (the daily summary's time; quiet checks run every quietEveryMs). */
  checkEveryMs?: number;
  quietEveryMs?: number;
  /** This machine's offset from UTC at a moment, in minutes (east positive). */
  utcOffsetMinutes?: (at: number) => number;
  /**
   * Where the day of the last daily summary is kept (a small JSON file beside the archive), so a
   * computer started after the summary's time still gets that day's summary, and a restart never
   * repeats it. Null: memory only (the first start sends nothing until the next summary time).
   */
  stateFile?: string | null;
}

export const RECENT_MAX = 50;
export const CHECK_EVERY_MS = 30_000;
export const QUIET_EVERY_MS = 5 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

const localOffset = (at: number): number => -new Date(at).getTimezoneOffset();

export class AlertCenter extends EventEmitter<{ alert: [Alert] }> implements AlertFeed {
  private readonly store: AlertStore;
  private readonly settings: () => AlertSettings;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly checkEveryMs: number;
  private readonly quietEveryMs: number;
  private readonly utcOffsetMinutes: (at: number) => number;

  private readonly alerts: Alert[] = [];
  private readonly refusals = new RefusalWatch();
  /** The quiet period going on (a warning), until a session arrives. */
  private quiet: QuietPeriod | null = null;
  /** The newest session's start when the last quiet alert was raised: one alert per quiet period. */
  private quietAlertedSince: number | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private running = false;
  private checking: Promise<void> | null = null;
  private lastSummaryCheck = 0;
  /** Local midnight of the day the last summary was sent on: one a day, even if its time changes. */
  private summarySentOn: number | null = null;
  private lastQuietCheck = Number.NEGATIVE_INFINITY;
  private readonly stateFile: string | null;
  private sequence = 0;

  constructor(options: AlertCenterOptions) {
    super();
    this.store = options.store;
    this.settings = options.settings;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.checkEveryMs = options.checkEveryMs ?? CHECK_EVERY_MS;
    this.quietEveryMs = options.quietEveryMs ?? QUIET_EVERY_MS;
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? localOffset;
    this.stateFile = options.stateFile ?? null;
  }

  /** Starts the clock checks (a quiet check runs at once; a summary time already past today waits for tomorrow). */
  start(): void {
    if (this.running) return;
    this.running = true;
    // With the day of the last summary known, today's is still due if its time passed before this
    // start (the computer was off at 08:30); without it, only summary times from now on count.
    const sentOn = this.readSentOn();
    this.summarySentOn = sentOn;
    this.lastSummaryCheck = sentOn ?? this.now();
    this.timer = setInterval(() => void this.check(), this.checkEveryMs);
    // The alert centre never keeps a process alive on its own.
    this.timer.unref?.();
    void this.check();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Every request the receiver logged (runs of signature refusals; a stored delivery ends one). */
  noteDelivery(notice: DeliveryNotice): void {
    if (!this.running) return;
    const run = this.refusals.note(notice);
    if (run) this.raise('refusals', refusalsWording(run.count, run.lastAt - run.firstAt));
  }

  /** Events now visible in the archive: a call arrived (ending a quiet period); flagged calls alert. */
  noteProjected(events: ProjectedEvent[]): void {
    if (!this.running || events.length === 0) return;
    this.quiet = null;
    const flagged = events.filter((event) => event.event === 'session.ended' && (event.attention?.followUp || event.attention?.notify)).map((event) => event.sessionId);
    if (flagged.length > 0) void this.raiseFollowUps(flagged);
  }

  recent(): Alert[] {
    return [...this.alerts];
  }

  warnings(now: number): AlertWarning[] {
    const warnings: AlertWarning[] = [];
    const offset = this.utcOffsetMinutes(now);
    const run = this.refusals.current(now);
    if (run) {
      warnings.push({
        code: 'refusing',
        message: `Deliveries are being refused: ${run.count} failed the signature check since ${clockTime(run.firstAt, now, offset)}, so the webhook secret in CallAIder differs from the one here. Copy it from Setup → Webhook secret into CallAIder; the refused deliveries are kept in quarantine.`,
      });
    }
    if (this.quiet) {
      warnings.push({
        code: 'quiet',
        message: `No calls since ${clockTime(this.quiet.lastAt, now, offset)}, while about ${Math.round(this.quiet.expected)} usually arrive by now: check that the tunnel is up (Setup) and that CallAIder is running.`,
      });
    }
    return warnings;
  }

  /** The clock checks (the daily summary, the quiet period); overlapping calls share one run. */
  check(): Promise<void> {
    this.checking ??= this.runChecks().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async runChecks(): Promise<void> {
    const now = this.now();
    const settings = this.settings();
    await this.checkSummary(now, settings.dailySummaryAt);
    if (now - this.lastQuietCheck >= this.quietEveryMs) {
      this.lastQuietCheck = now;
      await this.checkQuiet(now, settings.quietAlerts);
    }
  }

  private async checkSummary(now: number, at: string | null): Promise<void> {
    const due = dueSummaryTime(at, this.lastSummaryCheck, now);
    this.lastSummaryCheck = now;
    if (due === null || localMidnight(due) === this.summarySentOn) return;
    try {
      const summary = await this.store.periodSummary({ ...dayBefore(due), now });
      this.summarySentOn = localMidnight(due);
      this.raise('summary', summaryWording(summary));
      await this.writeSentOn(this.summarySentOn);
    } catch (error) {
      // Tried again at the next check.
      this.lastSummaryCheck = due - 1;
      this.log.error(`daily summary: could not read yesterday's numbers: ${describe(error)}`);
    }
  }

  private readSentOn(): number | null {
    if (this.stateFile === null) return null;
    try {
      const parsed = JSON.parse(readFileSync(this.stateFile, 'utf8')) as { summarySentOn?: unknown };
      return typeof parsed.summarySentOn === 'number' && Number.isFinite(parsed.summarySentOn) ? parsed.summarySentOn : null;
    } catch {
      return null; // none yet, or unreadable: as on a first start
    }
  }

  private async writeSentOn(day: number): Promise<void> {
    if (this.stateFile === null) return;
    try {
      await writeFile(`${this.stateFile}.tmp`, `${JSON.stringify({ summarySentOn: day })}\n`);
      await rename(`${this.stateFile}.tmp`, this.stateFile);
    } catch (error) {
      this.log.warn(`daily summary: could not remember that it was sent (${describe(error)}); a restart today may send it again`);
    }
  }

  private async checkQuiet(now: number, enabled: boolean): Promise<void> {
    if (!enabled) {
      this.quiet = null;
      return;
    }
    const utcOffsetMinutes = this.utcOffsetMinutes(now);
    try {
      const profile = await this.store.activityProfile({ since: now - QUIET_PROFILE_DAYS * DAY_MS, utcOffsetMinutes });
      if (this.quiet && profile.lastAt !== null && profile.lastAt > this.quiet.lastAt) this.quiet = null;
      const period = findQuietPeriod(profile, now, utcOffsetMinutes);
      if (!period) return;
      this.quiet = period;
      if (this.quietAlertedSince === period.lastAt) return;
      this.quietAlertedSince = period.lastAt;
      this.raise('quiet', quietWording({ lastAt: period.lastAt, now, expected: period.expected, utcOffsetMinutes }));
    } catch (error) {
      this.log.error(`quiet-period check: could not read when calls usually come: ${describe(error)}`);
    }
  }

  private async raiseFollowUps(sessionIds: string[]): Promise<void> {
    try {
      for (const { sessionId, ...content } of await followUpAlertContents(this.store, sessionIds)) {
        if (this.running) this.raise('follow-up', content, sessionId);
      }
    } catch (error) {
      const which = sessionIds.length === 1 ? `session ${sessionIds[0]}` : `${sessionIds.length} sessions (${sessionIds[0]} …)`;
      this.log.error(`follow-up alerts for ${which}: ${describe(error)}`);
    }
  }

  private raise(kind: AlertKind, content: { title: string; body: string }, sessionId?: string): void {
    const at = this.now();
    this.sequence += 1;
    const alert: Alert = { id: `${kind}-${at}-${this.sequence}`, kind, at, title: content.title, body: content.body, ...(sessionId ? { sessionId } : {}) };
    this.alerts.unshift(alert);
    if (this.alerts.length > RECENT_MAX) this.alerts.length = RECENT_MAX;
    this.emit('alert', alert);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
