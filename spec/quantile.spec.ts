// lib/quantile.ts (issue 6): quantiles from histogram buckets, as
// Prometheus' histogram_quantile() computes them.

import { describe, expect, it } from 'vitest';
import { estimateQuantile } from '../lib/quantile.ts';

const LE = [0.1, 0.2, 0.4, 0.8];

describe('estimateQuantile', () => {
  it.each([
    // 10 observations in (0, 0.1], 10 in (0.1, 0.2]: the median is the top of the first bucket.
    [0.5, [10, 20, 20, 20, 20], 0.1],
    // rank 15 of 20 lies halfway through the second bucket.
    [0.75, [10, 20, 20, 20, 20], 0.15],
    // rank 1 of 20 is a tenth into the first bucket, which starts at 0.
    [0.05, [10, 20, 20, 20, 20], 0.01],
    // empty buckets before the rank are skipped.
    [0.5, [0, 0, 4, 4, 4], 0.3],
    [1, [0, 0, 4, 4, 4], 0.4],
  ])('q=%s of %j is %s', (q, counts, want) => {
    expect(estimateQuantile(q, LE, counts)).toBeCloseTo(want, 12);
  });

  it('answers the highest finite bound when the rank falls in +Inf', () => {
    expect(estimateQuantile(0.99, LE, [0, 0, 0, 1, 10])).toBe(0.8);
  });

  it('answers NaN without observations', () => {
    expect(estimateQuantile(0.5, LE, [0, 0, 0, 0, 0])).toBeNaN();
  });

  it('refuses a quantile outside [0, 1] and counts of the wrong length', () => {
    expect(() => estimateQuantile(1.5, LE, [0, 0, 0, 0, 0])).toThrow(RangeError);
    expect(() => estimateQuantile(0.5, LE, [0, 0, 0, 0])).toThrow(RangeError);
  });
});
