import { describe, expect, it } from 'vitest';
import { RefusalSampler } from '../../electron/core/receiver.js';

describe('refusals under a flood', () => {
  it('keeps the first refusals of each second and reports how many more there were, once', () => {
    let now = 10_000;
    const reported: number[] = [];
    const sampler = new RefusalSampler(3, (count) => reported.push(count), () => now);
    const kept = Array.from({ length: 10 }, () => sampler.keep());
    expect(kept).toEqual([true, true, true, false, false, false, false, false, false, false]);
    expect(reported).toEqual([]);
    now += 1_000; // the next second: the count of the last one is reported, and logging starts again
    expect(sampler.keep()).toBe(true);
    expect(reported).toEqual([7]);
    sampler.flush();
    expect(reported).toEqual([7]); // nothing skipped since: nothing more to report
  });
});
