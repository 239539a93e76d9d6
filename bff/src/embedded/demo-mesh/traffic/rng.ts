/**
 * A seeded random source and the samplers the simulator needs. Seeded, so a test that ticks a fake
 * clock gets the same traffic on every run; aggregate samplers (Poisson, binomial, multinomial), so a
 * tick of 10,000 requests costs a few draws, not 10,000.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Poisson(λ): exact for small λ, normal approximation above 30 (error far below the noise). */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
      return k;
    }
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
  }

  /** Binomial(n, p). */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    const mean = n * p;
    if (n < 40) {
      let k = 0;
      for (let i = 0; i < n; i++) if (this.next() < p) k++;
      return k;
    }
    if (mean < 10) return Math.min(n, this.poisson(mean));
    return Math.min(n, Math.max(0, Math.round(mean + Math.sqrt(mean * (1 - p)) * this.normal())));
  }

  /**
   * Multinomial: `n` observations over categories with probabilities `probs` (summing to 1), added
   * into `out`. Few observations are drawn one by one (inverse CDF); many, category by category.
   */
  multinomialInto(
    n: number,
    probs: ArrayLike<number>,
    cumulative: ArrayLike<number>,
    out: Float64Array,
  ): void {
    if (n <= 0) return;
    const k = probs.length;
    if (n <= 16) {
      for (let i = 0; i < n; i++) {
        const u = this.next();
        let lo = 0;
        let hi = k - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (u < (cumulative[mid] as number)) hi = mid;
          else lo = mid + 1;
        }
        out[lo] = (out[lo] as number) + 1;
      }
      return;
    }
    let remaining = n;
    let mass = 1;
    for (let i = 0; i < k && remaining > 0; i++) {
      const p = probs[i] as number;
      const draw = i === k - 1 || mass <= p ? remaining : this.binomial(remaining, p / mass);
      out[i] = (out[i] as number) + draw;
      remaining -= draw;
      mass -= p;
    }
  }
}

/** A stable 32-bit hash of a string (FNV-1a), to give each app and version its own fixed character. */
function hash32(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h >>> 0;
}

/** A number in [lo, hi) fixed by a string. */
export function hashedBetween(text: string, lo: number, hi: number): number {
  return lo + ((hash32(text) % 10007) / 10007) * (hi - lo);
}

/** The standard normal CDF (Abramowitz and Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}
