import { describe, expect, it } from 'vitest';
import { evenSample } from '../../bench/stats';

describe('bench stats', () => {
  it('an even sample takes every item when there are few enough', () => {
    expect(evenSample([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(evenSample([], 5)).toEqual([]);
  });

  it('an even sample spreads over the whole list, so every run of a batch list is represented', () => {
    const items = Array.from({ length: 1200 }, (_, i) => i);
    const sample = evenSample(items, 600);
    expect(sample).toHaveLength(600);
    expect(new Set(sample).size).toBe(600);
    expect(sample[0]).toBe(0);
    expect(sample.at(-1)).toBeGreaterThanOrEqual(1198);
    // Both halves (e.g. the two runs of a repetition) give half of the sample.
    expect(sample.filter((x) => x < 600)).toHaveLength(300);
    expect(evenSample(items, 7)).toHaveLength(7);
  });
});
