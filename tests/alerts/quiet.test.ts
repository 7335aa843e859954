/**
 * Quiet periods: no call for unusually long during the hours calls usually come. The arithmetic
 * on plain profiles; the alert from a real archive with four weeks of calls at chosen times.
 */
import { describe, expect, it } from 'vitest';
import { AlertCenter } from '../../electron/core/alerts/alert-center.js';
import { expectedBetween, findQuietPeriod, slotOf, weeklyAverage } from '../../electron/core/alerts/quiet.js';
import { WEEKDAYS } from '../../electron/core/alerts/wording.js';
import type { ActivityProfile, Alert } from '../../shared/follow-up.js';
import type { AlertSettings } from '../../shared/settings.js';
import { onCleanup, tempArchive } from '../support/fixtures.js';
import { ingestSessionEndingAt } from './sessions.js';

/** Tuesday 2 June 2026 (UTC), as the pure tests' "today" with offset 0. */
const utc = (day: number, hour: number, minute = 0) => Date.UTC(2026, 5, day, hour, minute);
const TUESDAY = 2;

/** Four weeks where `perHour` calls come every day in each of `hours`. */
function profile(hours: number[], perHour: number, days = 28, lastAt: number | null = null): ActivityProfile {
  const counts = new Array<number>(7 * 24).fill(0);
  for (let weekday = 0; weekday < 7; weekday += 1) for (const hour of hours) counts[weekday * 24 + hour] = perHour * (days / 7);
  return { counts, days, lastAt };
}

describe('quiet-period arithmetic', () => {
  it('slots by local weekday and hour', () => {
    expect(slotOf(utc(2, 9, 30), 0)).toBe(TUESDAY * 24 + 9);
    expect(slotOf(utc(2, 23, 30), 120)).toBe((TUESDAY + 1) * 24 + 1);
    expect(slotOf(utc(2, 0, 30), -300)).toBe((TUESDAY - 1) * 24 + 19);
  });

  it('counts the calls an average week brings, partial hours in proportion', () => {
    const p = profile([9, 10, 11], 2);
    expect(weeklyAverage(p, TUESDAY * 24 + 9)).toBe(2);
    expect(weeklyAverage(p, TUESDAY * 24 + 13)).toBe(0);
    expect(expectedBetween(p, utc(2, 9, 10), utc(2, 11, 45), 0)).toBeCloseTo(50 / 60 * 2 + 2 + 45 / 60 * 2, 6);
    expect(expectedBetween(p, utc(2, 12), utc(2, 20), 0)).toBe(0);
    // The same local hours seen from UTC+2.
    expect(expectedBetween(p, utc(2, 7), utc(2, 10), 120)).toBeCloseTo(6, 6);
  });

  it('finds a quiet period only in a usual hour, with enough history and enough calls missing', () => {
    const usual = profile([9, 10, 11], 2, 28, utc(2, 9, 10));
    expect(findQuietPeriod(usual, utc(2, 11, 45), 0)).toMatchObject({ lastAt: utc(2, 9, 10) });
    expect(findQuietPeriod(usual, utc(2, 9, 50), 0)).toBeNull();
    // 13:00 is not an hour calls come in, however long the silence.
    expect(findQuietPeriod(usual, utc(2, 13, 0), 0)).toBeNull();
    // Less than 14 days of history says nothing yet.
    expect(findQuietPeriod(profile([9, 10, 11], 2, 10, utc(2, 9, 10)), utc(2, 11, 45), 0)).toBeNull();
    // An hour with less than one call a week is not a usual one.
    expect(findQuietPeriod(profile([9, 10, 11], 0.75, 28, utc(1, 9, 10)), utc(2, 11, 45), 0)).toBeNull();
    expect(findQuietPeriod(profile([9, 10, 11], 2, 28, null), utc(2, 11, 45), 0)).toBeNull();
  });
});

describe('the alert centre and quiet periods', () => {
  // Days around today (local): the archive counts the days its profile covers up to the real clock.
  const today = new Date();
  const at = (day: number, hour: number, minute = 0) => new Date(today.getFullYear(), today.getMonth(), today.getDate() + day, hour, minute).getTime();
  const weekday = (day: number) => WEEKDAYS[new Date(at(day, 12)).getDay()];

  it('four weeks of morning calls: a silent morning raises one alert and a warning until a call arrives', async () => {
    const { archive } = await tempArchive();
    // Two calls an hour from 9 to 12, every day for the four weeks before today; today two early ones.
    for (let day = -28; day <= -1; day += 1) {
      for (const hour of [9, 10, 11]) for (const minute of [15, 45]) await ingestSessionEndingAt(archive, at(day, hour, minute));
    }
    await ingestSessionEndingAt(archive, at(0, 9, 5));
    const last = await ingestSessionEndingAt(archive, at(0, 9, 10));
    expect(last).toBeTruthy();

    let now = at(0, 9, 30);
    const settings: AlertSettings = { dailySummaryAt: null, quietAlerts: true };
    const errors: string[] = [];
    const center = new AlertCenter({ store: archive, settings: () => settings, log: { info() {}, warn() {}, error: (m) => errors.push(m) }, now: () => now, quietEveryMs: 0 });
    const alerts: Alert[] = [];
    center.on('alert', (alert) => alerts.push(alert));
    center.start();
    onCleanup(() => center.stop());
    const checkAt = async (time: number) => {
      now = time;
      await center.check();
      expect(errors).toEqual([]);
    };
    await checkAt(at(0, 9, 30));
    expect(alerts).toEqual([]);
    await checkAt(at(0, 11, 45));
    expect(alerts).toHaveLength(1);
    // The session ends a few seconds after it starts: the silence began at the newest session's start.
    expect(alerts[0]!.title).toMatch(/^No calls since 09:(0\d|10)$/);
    expect(alerts[0]!.body).toMatch(/^Usually about [4-6] calls arrive by now on a (\w+)day\. Check that the tunnel is up \(Setup\) and that CallAIder is running\.$/);
    expect(center.warnings(now).map((w) => w.code)).toEqual(['quiet']);
    // Still quiet, and past the usual hours: no second alert, the warning stays.
    await checkAt(at(0, 11, 55));
    await checkAt(at(0, 14, 0));
    expect(alerts).toHaveLength(1);
    expect(center.warnings(now).map((w) => w.code)).toEqual(['quiet']);

    // A call arrives: the warning goes.
    await ingestSessionEndingAt(archive, at(0, 14, 5));
    center.noteProjected([{ sessionId: 'x', event: 'session.started' }]);
    expect(center.warnings(at(0, 14, 6))).toEqual([]);
    await checkAt(at(0, 14, 10));
    expect(center.warnings(now)).toEqual([]);

    // Turned off: nothing, however quiet the next morning is.
    settings.quietAlerts = false;
    await checkAt(at(1, 11, 50));
    expect(alerts).toHaveLength(1);
    expect(center.warnings(now)).toEqual([]);
    settings.quietAlerts = true;
    await checkAt(at(1, 11, 55));
    expect(alerts.map((alert) => alert.kind)).toEqual(['quiet', 'quiet']);
    expect(alerts[1]!.title).toMatch(new RegExp(`^No calls since ${weekday(0)} 14:0\\d$`));
    expect(alerts[0]!.body).toContain(`on a ${weekday(0)}.`);
    expect(alerts[1]!.body).toContain(`on a ${weekday(1)}.`);
  }, 60_000);
});
