// Quantiles estimated from histogram buckets, the way Prometheus'
// histogram_quantile() does: linear interpolation inside the bucket that
// holds the rank. A leaf: pure arithmetic.

/**
 * Returns the estimated `q`-quantile (0 ≤ q ≤ 1) of a histogram given its
 * finite upper bounds `le` and cumulative `counts` (one per bound, then the
 * +Inf count last, as in a snapshot). Returns NaN when there are no
 * observations; the highest finite bound when the rank falls in +Inf; and
 * assumes 0 as the lower edge of the first bucket (when its bound is positive).
 * Subtract two snapshots' counts first to get the quantile of a time window.
 */
export function estimateQuantile(q: number, le: readonly number[], counts: readonly number[]): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${String(q)}`);
  if (counts.length !== le.length + 1) throw new RangeError('counts needs one entry per bound plus +Inf');
  const total = counts[counts.length - 1] as number;
  if (!(total > 0)) return Number.NaN;
  const rank = q * total;
  let bucket = 0;
  while (bucket < le.length && (counts[bucket] as number) < rank) bucket++;
  if (bucket === le.length) return le.length === 0 ? Number.NaN : (le[le.length - 1] as number);
  const upper = le[bucket] as number;
  const lower = bucket === 0 ? Math.min(0, upper) : (le[bucket - 1] as number);
  const before = bucket === 0 ? 0 : (counts[bucket - 1] as number);
  const inBucket = (counts[bucket] as number) - before;
  if (inBucket <= 0) return upper;
  return lower + (upper - lower) * ((rank - before) / inBucket);
}
