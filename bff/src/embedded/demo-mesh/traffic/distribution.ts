import { normalCdf } from './rng';

/**
 * A log-normal distribution cut into histogram buckets: what latencies and payload sizes look like
 * (a hump and a long right tail). Per bucket it knows the probability of falling there and the mean of
 * the values that do, so a tick draws bucket counts and gets a sum consistent with them, without
 * drawing single values. An `offset` shifts it right (every value that much larger): a fixed delay
 * added to the log-normal (a version told to answer slower, see misbehaviour.ts).
 */
export class BucketedLogNormal {
  /** Probability per bucket: one per bound, then +Inf. */
  readonly probs: Float64Array;
  readonly cumulative: Float64Array;
  /** Mean of the values within each bucket. */
  readonly bucketMeans: Float64Array;
  readonly mean: number;

  constructor(
    readonly bounds: readonly number[],
    readonly median: number,
    readonly sigma: number,
    readonly offset = 0,
  ) {
    const mu = Math.log(median);
    const n = bounds.length + 1;
    this.probs = new Float64Array(n);
    this.cumulative = new Float64Array(n);
    this.bucketMeans = new Float64Array(n);
    const logMean = Math.exp(mu + (sigma * sigma) / 2);
    this.mean = offset + logMean;
    // For Y log-normal: P(Y ≤ y) and E[Y; Y ≤ y] = E[Y] · Φ((ln y − μ − σ²)/σ), its partial
    // expectation; X = offset + Y, so P(X ≤ b) = P(Y ≤ b − offset) and
    // E[X; X ≤ b] = offset · P(Y ≤ b − offset) + E[Y; Y ≤ b − offset].
    const cdfY = (y: number) => (y <= 0 ? 0 : normalCdf((Math.log(y) - mu) / sigma));
    const cdf = (b: number) => (b === Infinity ? 1 : cdfY(b - offset));
    const partial = (b: number) => {
      if (b === Infinity) return this.mean;
      const y = b - offset;
      if (y <= 0) return 0;
      return offset * cdfY(y) + logMean * normalCdf((Math.log(y) - mu - sigma * sigma) / sigma);
    };
    let prevCdf = 0;
    let prevPartial = 0;
    let lower = 0;
    for (let i = 0; i < n; i++) {
      const upper = i < bounds.length ? (bounds[i] as number) : Infinity;
      const c = cdf(upper);
      const pe = partial(upper);
      const p = Math.max(0, c - prevCdf);
      this.probs[i] = p;
      this.cumulative[i] = c;
      this.bucketMeans[i] =
        p > 1e-12 ? (pe - prevPartial) / p : upper === Infinity ? lower * 2 : (lower + upper) / 2;
      prevCdf = c;
      prevPartial = pe;
      lower = upper;
    }
    this.cumulative[n - 1] = 1;
  }
}
