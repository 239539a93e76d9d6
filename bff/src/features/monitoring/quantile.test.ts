import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ISTIO_BUCKETS } from './istio-metrics';
import { bucketIndex, histogramQuantile } from './quantile';

const bounds = [1, 10, 100];

describe('histogramQuantile, as Prometheus computes it', () => {
  it('interpolates linearly inside the bucket where the rank falls', () => {
    // 10 observations in (1, 10]: the median's rank 5 is half-way through that bucket.
    expect(histogramQuantile(0.5, bounds, [0, 10, 0, 0])).toBeCloseTo(1 + (10 - 1) * 0.5, 10);
    // The first bucket starts at 0.
    expect(histogramQuantile(0.25, bounds, [4, 0, 0, 0])).toBeCloseTo(0.25, 10);
  });

  it('answers the last finite bound when the rank falls into +Inf', () => {
    expect(histogramQuantile(0.99, bounds, [1, 0, 0, 99])).toBe(100);
  });

  it('has nothing to say about no observations', () => {
    expect(histogramQuantile(0.5, bounds, [0, 0, 0, 0])).toBeNull();
  });

  it('answers ±Inf outside [0, 1], as Prometheus does', () => {
    expect(histogramQuantile(-0.1, bounds, [1, 1, 1, 1])).toBe(-Infinity);
    expect(histogramQuantile(1.1, bounds, [1, 1, 1, 1])).toBe(Infinity);
  });

  it('lands in the bucket that holds the true quantile of the observations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 5e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.constantFrom(0.5, 0.95, 0.99),
        (values, q) => {
          const counts = new Array<number>(ISTIO_BUCKETS.length + 1).fill(0);
          for (const v of values)
            counts[bucketIndex(ISTIO_BUCKETS, v)] = (counts[bucketIndex(ISTIO_BUCKETS, v)] ?? 0) + 1;
          const sorted = [...values].sort((a, b) => a - b);
          const rank = Math.max(1, Math.ceil(q * sorted.length));
          const truth = sorted[rank - 1] as number;
          const answer = histogramQuantile(q, ISTIO_BUCKETS, counts) as number;
          const expected = Math.min(bucketIndex(ISTIO_BUCKETS, truth), ISTIO_BUCKETS.length - 1);
          // Within the true quantile's bucket (or on its lower edge, the previous bound).
          const got = bucketIndex(ISTIO_BUCKETS, answer);
          expect(got === expected || answer === (ISTIO_BUCKETS[expected - 1] ?? 0)).toBe(true);
        },
      ),
    );
  });
});
