import { describe, expect, it, vi } from 'vitest';
import type { BackupRecord } from '../../shared/api.js';
import { toRemove } from '../../electron/core/backup/rotation.js';
import { BackupScheduler, backupWarning, nextBackupAt, type Clock } from '../../electron/core/backup/scheduler.js';

const DAY = 86_400_000;

describe('rotation', () => {
  it('over a simulated year of daily backups keeps exactly 7 daily, 4 weekly and 12 monthly', () => {
    const kept: Array<{ file: string; at: number }> = [];
    const start = new Date(2026, 0, 1, 3, 0, 0).getTime();
    for (let day = 0; day < 365; day += 1) {
      const at = new Date(2026, 0, 1 + day, 3, 0, 0).getTime();
      kept.push({ file: `b${day}`, at });
      const removed = new Set(toRemove(kept));
      for (let i = kept.length - 1; i >= 0; i -= 1) if (removed.has(kept[i]!.file)) kept.splice(i, 1);
    }
    expect(start).toBeLessThan(kept[0]!.at + 365 * DAY);
    const dates = kept.map((backup) => new Date(backup.at)).sort((a, b) => b.getTime() - a.getTime());
    const labels = dates.map((d) => `${d.getMonth() + 1}/${d.getDate()}`);
    // Last day: 31 Dec 2026 (a Thursday). Daily: 25-31 Dec. Weekly (newest of each ISO week):
    // 31 Dec (W53), 27 Dec (W52), 20 Dec (W51), 13 Dec (W50). Monthly: the last day of each month.
    expect(labels).toEqual([
      '12/31', '12/30', '12/29', '12/28', '12/27', '12/26', '12/25', '12/20', '12/13',
      '11/30', '10/31', '9/30', '8/31', '7/31', '6/30', '5/31', '4/30', '3/31', '2/28', '1/31',
    ]);
  });

  it('never removes the newest backup, even with nothing to keep', () => {
    expect(toRemove([{ file: 'a', at: 1 }, { file: 'b', at: 2 }], { daily: 0, weekly: 0, monthly: 0 })).toEqual(['a']);
  });
});

function fakeClock(start: number): Clock & { advance(ms: number): Promise<void> } {
  let now = start;
  const timers: Array<{ at: number; run: () => void }> = [];
  return {
    now: () => now,
    setTimeout: (run, ms) => {
      const timer = { at: now + ms, run };
      timers.push(timer);
      return timer;
    },
    clearTimeout: (handle) => {
      const index = timers.indexOf(handle as (typeof timers)[number]);
      if (index >= 0) timers.splice(index, 1);
    },
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        now = next.at;
        next.run();
        await vi.waitFor(() => undefined);
        await new Promise((resolve) => setImmediate(resolve));
      }
      now = end;
    },
  };
}

describe('the backup scheduler', () => {
  it('backs up a minute after the first start, then every 24 hours after the last good one', async () => {
    const start = Date.UTC(2026, 10, 1, 9, 0);
    const clock = fakeClock(start);
    const history: BackupRecord[] = [];
    const run = vi.fn(async () => {
      const record: BackupRecord = { at: clock.now(), file: `f${history.length}`, ok: true, bytes: 1, ms: 1, error: null, counts: null };
      history.unshift(record);
      return record;
    });
    const scheduler = new BackupScheduler({ schedule: { everyHours: 24 }, run, history: () => history, clock });
    scheduler.start();
    await clock.advance(59_000);
    expect(run).toHaveBeenCalledTimes(0);
    await clock.advance(1_000);
    expect(run).toHaveBeenCalledTimes(1);
    await clock.advance(24 * 3_600_000 - 1);
    expect(run).toHaveBeenCalledTimes(1);
    await clock.advance(1);
    expect(run).toHaveBeenCalledTimes(2);
    expect(history.map((record) => record.at - start)).toEqual([60_000 + 24 * 3_600_000, 60_000]);
    // Back up now counts as the last good one: the next is 24 hours after it.
    await clock.advance(3_600_000);
    await scheduler.runNow();
    await clock.advance(23 * 3_600_000 + 60_000);
    expect(run).toHaveBeenCalledTimes(3);
    await clock.advance(3_600_000);
    expect(run).toHaveBeenCalledTimes(4);
    await scheduler.stop();
    await clock.advance(10 * DAY);
    expect(run).toHaveBeenCalledTimes(4);
  });

  it('at a local time: the next due time is today if not yet passed, else tomorrow', () => {
    const started = new Date(2026, 10, 1, 8, 0).getTime();
    const at = { at: '03:30' };
    const lastAttempt = new Date(2026, 10, 1, 3, 30).getTime();
    expect(nextBackupAt(at, { good: lastAttempt, attempt: lastAttempt }, started)).toBe(new Date(2026, 10, 2, 3, 30).getTime());
    expect(nextBackupAt('off', { good: null, attempt: null }, started)).toBeNull();
  });
});

describe('backup-missing', () => {
  const good = (at: number): BackupRecord => ({ at, file: 'f', ok: true, bytes: 1, ms: 1, error: null, counts: null });
  it('warns when the last good backup is over two days old, or there is none after two days running', () => {
    const now = 10 * DAY;
    expect(backupWarning([good(now - 2 * DAY)], 0, now)).toBeNull();
    expect(backupWarning([good(now - 3 * DAY)], 0, now)).toMatchObject({ code: 'backup-missing', message: expect.stringContaining('3 days old') });
    expect(backupWarning([], now - DAY, now)).toBeNull();
    const failed: BackupRecord = { at: now - DAY, file: 'g', ok: false, bytes: null, ms: null, error: 'disk full', counts: null };
    const warning = backupWarning([failed], now - 3 * DAY, now);
    expect(warning?.message).toContain('no good backup');
    expect(warning?.message).toContain('disk full');
    expect(warning?.message).toContain('Setup → Backups');
  });
});
