/** The retention scheduler's timing and its reading of the period, with a fake store and clock. */
import { describe, expect, it } from 'vitest';
import { RetentionScheduler } from '../../electron/core/erasure/retention-scheduler.js';
import { silentLogger } from '../../electron/core/log.js';
import type { Clock } from '../../electron/core/backup/scheduler.js';
import { retentionCutoff, type RetentionPeriod, type RetentionView } from '../../shared/retention.js';
import { tempDir } from '../support/fixtures.js';

const NOW = Date.UTC(2026, 10, 27, 12);

function fakes(periods: RetentionPeriod[]) {
  const timers: Array<{ run: () => void; ms: number }> = [];
  const clock: Clock = { now: () => NOW, setTimeout: (run, ms) => timers.push({ run, ms }), clearTimeout: () => undefined };
  const cutoffs: number[] = [];
  let release: () => void = () => undefined;
  const store = { retention: async () => ({ period: periods.shift() ?? 'off' }) as RetentionView };
  const eraser = {
    eraseBefore: (cutoff: number) => {
      cutoffs.push(cutoff);
      return new Promise<number>((resolve) => (release = () => resolve(3)));
    },
  };
  const scheduler = new RetentionScheduler({ store, eraser, backupsFolder: tempDir(), log: silentLogger, clock });
  return { scheduler, timers, cutoffs, release: () => release() };
}

describe('RetentionScheduler', () => {
  it('reads the period at run time; a change during a run gets a run of its own after it, then one a day', async () => {
    const { scheduler, timers, cutoffs, release } = fakes(['1y', '90d']);
    scheduler.start(); // the run at start, with the period saved then (1y)
    await new Promise((resolve) => setTimeout(resolve, 0));
    // The owner saves 90 days meanwhile (twice): one more run follows, reading the period again.
    const again = scheduler.runNow();
    expect(scheduler.runNow()).toBe(again);
    expect(cutoffs).toEqual([retentionCutoff('1y', NOW)]);
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(cutoffs).toEqual([retentionCutoff('1y', NOW), retentionCutoff('90d', NOW)]);
    release();
    expect(await again).toEqual({ period: '90d', cutoff: retentionCutoff('90d', NOW), erased: 3, backupsPruned: 0 });
    expect(timers.at(-1)!.ms).toBe(86_400_000);
  });
});
