/** Runs of deliveries refused for their signature: one alert per run, a warning while it lasts. */
import { describe, expect, it } from 'vitest';
import { AlertCenter } from '../../electron/core/alerts/alert-center.js';
import { RefusalWatch, RUN_IDLE_MS, RUN_WINDOW_MS } from '../../electron/core/alerts/refusals.js';
import { REFUSALS_TITLE } from '../../electron/core/alerts/wording.js';
import { silentLogger } from '../../electron/core/log.js';
import type { DeliveryNotice } from '../../electron/core/receiver.js';
import type { Alert } from '../../shared/follow-up.js';
import { onCleanup, tempArchive } from '../support/fixtures.js';

const T0 = Date.UTC(2026, 5, 2, 9, 0);
const MIN = 60_000;
const refused = (at: number): DeliveryNotice => ({ receivedAt: at, outcome: 'rejected', statusCode: 401, quarantineFailure: 'signature' });
const stored = (at: number): DeliveryNotice => ({ receivedAt: at, outcome: 'stored', statusCode: 200, quarantineFailure: null });

describe('refusal runs', () => {
  it('three signature refusals within 15 minutes make a run; other refusals do not count', () => {
    const watch = new RefusalWatch();
    expect(watch.note(refused(T0))).toBeNull();
    expect(watch.note({ receivedAt: T0 + MIN, outcome: 'rejected', statusCode: 401, quarantineFailure: 'required-header' })).toBeNull();
    expect(watch.note({ receivedAt: T0 + MIN, outcome: 'rejected', statusCode: 400, quarantineFailure: 'payload' })).toBeNull();
    expect(watch.note(refused(T0 + 2 * MIN))).toBeNull();
    expect(watch.note(refused(T0 + 9 * MIN))).toEqual({ count: 3, firstAt: T0, lastAt: T0 + 9 * MIN });
    // The run goes on: no second run while it lasts.
    expect(watch.note(refused(T0 + 10 * MIN))).toBeNull();
    expect(watch.current(T0 + 11 * MIN)).toMatchObject({ count: 4, lastAt: T0 + 10 * MIN });
  });

  it('refusals further apart than 15 minutes are no run', () => {
    const watch = new RefusalWatch();
    watch.note(refused(T0));
    watch.note(refused(T0 + RUN_WINDOW_MS));
    expect(watch.note(refused(T0 + 2 * RUN_WINDOW_MS))).toBeNull();
    // The last one and two more within 15 minutes of it are.
    expect(watch.note(refused(T0 + 2 * RUN_WINDOW_MS + MIN))).toBeNull();
    expect(watch.note(refused(T0 + 3 * RUN_WINDOW_MS - 1))).toMatchObject({ count: 3, firstAt: T0 + 2 * RUN_WINDOW_MS });
  });

  it('a stored delivery in between breaks the run, and ends one', () => {
    const watch = new RefusalWatch();
    watch.note(refused(T0));
    watch.note(refused(T0 + MIN));
    watch.note(stored(T0 + 2 * MIN));
    expect(watch.note(refused(T0 + 3 * MIN))).toBeNull();
    watch.note(refused(T0 + 4 * MIN));
    expect(watch.note(refused(T0 + 5 * MIN))).not.toBeNull();
    watch.note({ receivedAt: T0 + 6 * MIN, outcome: 'duplicate', statusCode: 200, quarantineFailure: null });
    expect(watch.current(T0 + 6 * MIN)).toBeNull();
  });

  it('a run ends after an hour without refusals; the next refusals start a new one', () => {
    const watch = new RefusalWatch();
    for (const m of [0, 1, 2]) watch.note(refused(T0 + m * MIN));
    expect(watch.current(T0 + 2 * MIN + RUN_IDLE_MS - 1)).not.toBeNull();
    expect(watch.current(T0 + 2 * MIN + RUN_IDLE_MS)).toBeNull();
    const later = T0 + 3 * RUN_IDLE_MS;
    expect(watch.note(refused(later))).toBeNull();
    watch.note(refused(later + MIN));
    expect(watch.note(refused(later + 2 * MIN))).toMatchObject({ count: 3, firstAt: later });
  });
});

describe('the alert centre and refusals', () => {
  it("raises one 'refusals' alert per run and warns 'refusing' until a delivery is stored", async () => {
    const { archive } = await tempArchive();
    let now = T0;
    const center = new AlertCenter({ store: archive, settings: () => ({ dailySummaryAt: null, quietAlerts: false }), log: silentLogger, now: () => now });
    const alerts: Alert[] = [];
    center.on('alert', (alert) => alerts.push(alert));
    center.start();
    onCleanup(() => center.stop());

    for (const m of [0, 3, 6, 10, 10]) {
      now = T0 + m * MIN;
      center.noteDelivery(refused(now));
    }
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'refusals', title: REFUSALS_TITLE, at: T0 + 6 * MIN });
    expect(alerts[0]!.body).toMatch(/^3 deliveries in the last 6 minutes failed the signature check/);
    expect(alerts[0]!.sessionId).toBeUndefined();
    const warnings = center.warnings(T0 + 11 * MIN);
    expect(warnings.map((w) => w.code)).toEqual(['refusing']);
    expect(warnings[0]!.message).toContain('5 failed the signature check');
    expect(center.recent()).toEqual(alerts);

    center.noteDelivery(stored(T0 + 12 * MIN));
    expect(center.warnings(T0 + 12 * MIN)).toEqual([]);
    // A new run after the secret was fixed and broken again: a new alert.
    for (const m of [20, 21, 22]) center.noteDelivery(refused(T0 + m * MIN));
    expect(alerts.map((a) => a.kind)).toEqual(['refusals', 'refusals']);
    expect(center.recent()[0]).toBe(alerts[1]);
  });

  it('keeps the newest 50 alerts, newest first, and hears nothing once stopped', async () => {
    const { archive } = await tempArchive();
    let now = T0;
    const center = new AlertCenter({ store: archive, settings: () => ({ dailySummaryAt: null, quietAlerts: false }), log: silentLogger, now: () => now });
    center.start();
    for (let run = 0; run < 60; run += 1) {
      for (const m of [0, 1, 2]) {
        now = T0 + run * 2 * RUN_IDLE_MS + m * MIN;
        center.noteDelivery(refused(now));
      }
    }
    const recent = center.recent();
    expect(recent).toHaveLength(50);
    expect(recent[0]!.at).toBe(now);
    expect(recent.every((alert, i) => i === 0 || alert.at < recent[i - 1]!.at)).toBe(true);
    center.stop();
    for (const m of [0, 1, 2]) center.noteDelivery(refused(now + RUN_IDLE_MS * 2 + m * MIN));
    expect(center.recent()[0]!.at).toBe(now);
  });
});
