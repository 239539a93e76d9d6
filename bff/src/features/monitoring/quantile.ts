/**
 * `histogram_quantile` as Prometheus computes it (promql/quantile.go, bucketQuantile), so the embedded
 * source answers percentiles the way a Prometheus would from the same buckets: find the bucket where the
 * rank falls, interpolate linearly inside it (from 0 for the first bucket), and answer the upper bound
 * of the last finite bucket when the rank falls into +Inf.
 *
 * `bounds` are the finite upper bounds, ascending; `counts[i]` is the number of observations in bucket
 * i alone (not cumulative), with one more entry for +Inf. Returns null when there are no observations.
 */
export function histogramQuantile(
  q: number,
  bounds: readonly number[],
  counts: ArrayLike<number>,
): number | null {
  if (Number.isNaN(q)) return null;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const cumulative: number[] = [];
  let acc = 0;
  for (let i = 0; i <= bounds.length; i++) {
    // Prometheus makes buckets monotonic before it starts; non-negative counts already are.
    acc += Math.max(0, counts[i] ?? 0);
    cumulative.push(acc);
  }
  const observations = acc;
  if (observations <= 0) return null;
  let rank = q * observations;
  let b = cumulative.findIndex((c) => c >= rank);
  if (b < 0 || b > bounds.length - 1) b = bounds.length; // +Inf
  if (b === bounds.length) return bounds[bounds.length - 1] as number;
  const upper = bounds[b] as number;
  if (b === 0 && upper <= 0) return upper;
  let start = 0;
  let count = cumulative[b] as number;
  if (b > 0) {
    start = bounds[b - 1] as number;
    count -= cumulative[b - 1] as number;
    rank -= cumulative[b - 1] as number;
  }
  return start + (upper - start) * (rank / count);
}

/** The index of the histogram bucket a value falls into (values on a bound belong to that bound's bucket). */
export function bucketIndex(bounds: readonly number[], value: number): number {
  const i = bounds.findIndex((b) => value <= b);
  return i < 0 ? bounds.length : i;
}
