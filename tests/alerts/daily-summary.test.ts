/**
 * The daily summary: due when its local time passes, once a day, caught up once after a sleep,
 * never on start after the time. Times are built with local-time constructors, so the tests hold
 * in any time zone.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertCenter } from '../../electron/core/alerts/alert-center.js';
import { dayBefore, dueSummaryTime, minutesOfDay } from '../../electron/core/alerts/daily-summary.js';
import type { Alert } from '../../shared/follow-up.js';
import type { AlertSettings } from '../../shared/settings.js';
import { onCleanup, tempArchive, tempDir } from '../support/fixtures.js';
import { ingestSessionEndingAt } from './sessions.js';

/** Local time on a day of June 2026. */
const at = (day: number, hour: number, minute = 0, second = 0) => new Date(2026, 5, day, hour, minute, second).getTime();

describe('when the daily summary is due', () => {
  it('reads HH:MM', () => {
    expect(minutesOfDay('08:30')).toBe(510);
    expect(minutesOfDay('23:59')).toBe(1439);
    expect(minutesOfDay('24:00')).toBeNull();
    expect(minutesOfDay('8:30')).toBeNull();
  });

  it('is due when its time passed since the last check, and only then', () => {
    expect(dueSummaryTime('08:30', at(2, 8, 29, 30), at(2, 8, 30))).toBe(at(2, 8, 30));
    expect(dueSummaryTime('08:30', at(2, 8, 30), at(2, 8, 30, 30))).toBeNull();
    expect(dueSummaryTime('08:30', at(2, 8, 0), at(2, 8, 29))).toBeNull();
    expect(dueSummaryTime(null, at(2, 8, 0), at(2, 9, 0))).toBeNull();
    // Asleep through it: due at the wake-up check, the latest time only after days asleep.
    expect(dueSummaryTime('08:30', at(2, 7, 0), at(2, 23, 0))).toBe(at(2, 8, 30));
    expect(dueSummaryTime('08:30', at(1, 7, 0), at(4, 6, 0))).toBe(at(3, 8, 30));
    // Over midnight: yesterday's time, if it was not checked past yet.
    expect(dueSummaryTime('23:30', at(1, 23, 0), at(2, 0, 10))).toBe(at(1, 23, 30));
  });

  it('covers yesterday, local midnight to midnight', () => {
    expect(dayBefore(at(2, 8, 30))).toEqual({ from: at(1, 0), to: at(2, 0) });
  });
});

describe('the alert centre sends the daily summary', () => {
  async function setup(startAt: number, settings: AlertSettings, stateFile: string | null = null) {
    const { archive } = await tempArchive();
    // Two calls yesterday (1 June), one the day before, one today.
    for (const when of [at(1, 10), at(1, 15, 30), at(0, 12), at(2, 7, 15)]) await ingestSessionEndingAt(archive, when);
    let now = startAt;
    const errors: string[] = [];
    const log = { info: () => undefined, warn: () => undefined, error: (message: string) => errors.push(message) };
    const center = new AlertCenter({ store: archive, settings: () => settings, log, now: () => now, checkEveryMs: 3_600_000, stateFile });
    const alerts: Alert[] = [];
    center.on('alert', (alert) => alerts.push(alert));
    center.start();
    onCleanup(() => center.stop());
    await center.check();
    const checkAt = async (time: number) => {
      now = time;
      await center.check();
      expect(errors).toEqual([]);
      return alerts.filter((alert) => alert.kind === 'summary');
    };
    return { checkAt, settings, stop: () => center.stop() };
  }

  it("at the chosen time: yesterday's calls, once a day; a changed time applies from the next check", async () => {
    const { checkAt, settings } = await setup(at(2, 8, 0), { dailySummaryAt: '08:30', quietAlerts: false });
    expect(await checkAt(at(2, 8, 29, 30))).toEqual([]);
    const [summary] = await checkAt(at(2, 8, 30, 10));
    expect(summary).toMatchObject({ kind: 'summary', title: 'Yesterday: 2 calls', at: at(2, 8, 30, 10) });
    expect(summary!.body).not.toMatch(/\b0 /);
    expect(await checkAt(at(2, 8, 31))).toHaveLength(1);
    // Moved to later today: today's summary was sent already.
    settings.dailySummaryAt = '20:00';
    expect(await checkAt(at(2, 20, 0, 30))).toHaveLength(1);
    // Tomorrow at the new time: 1 June's calls are no longer yesterday's.
    expect(await checkAt(at(3, 19, 59, 30))).toHaveLength(1);
    const sent = await checkAt(at(3, 20, 0, 20));
    expect(sent.map((alert) => alert.title)).toEqual(['Yesterday: 2 calls', 'Yesterday: 1 call']);
    // Off: nothing on the day after.
    settings.dailySummaryAt = null;
    expect(await checkAt(at(4, 20, 1))).toHaveLength(2);
  });

  it('catches up once after sleeping through the time, and says nothing when started after it', async () => {
    const asleep = await setup(at(2, 7, 0), { dailySummaryAt: '08:30', quietAlerts: false });
    const woke = await asleep.checkAt(at(2, 11, 45));
    expect(woke.map((alert) => [alert.title, alert.at])).toEqual([['Yesterday: 2 calls', at(2, 11, 45)]]);
    expect(await asleep.checkAt(at(2, 11, 46))).toHaveLength(1);

    const late = await setup(at(2, 9, 0), { dailySummaryAt: '08:30', quietAlerts: false });
    expect(await late.checkAt(at(2, 9, 0, 30))).toEqual([]);
    expect(await late.checkAt(at(3, 8, 30))).toHaveLength(1);
  });

  it('remembers the day it was sent: started after the time, it still sends that day, and a restart never repeats it', async () => {
    const stateFile = join(tempDir(), 'alerts-state.json');
    // Sent on 2 June at 08:30.
    const first = await setup(at(2, 8, 0), { dailySummaryAt: '08:30', quietAlerts: false }, stateFile);
    expect(await first.checkAt(at(2, 8, 30, 10))).toHaveLength(1);
    first.stop();
    // Restarted later that day: nothing again.
    const restarted = await setup(at(2, 12, 0), { dailySummaryAt: '08:30', quietAlerts: false }, stateFile);
    expect(await restarted.checkAt(at(2, 12, 0, 30))).toEqual([]);
    restarted.stop();
    // The computer was off at 08:30 on 3 June and starts at 09:10: that day's summary comes at start.
    const nextDay = await setup(at(3, 9, 10), { dailySummaryAt: '08:30', quietAlerts: false }, stateFile);
    const sent = await nextDay.checkAt(at(3, 9, 10, 5));
    expect(sent.map((alert) => alert.title)).toEqual(['Yesterday: 1 call']);
  });
});
