import { ISTIO_BUCKETS } from '../../../features/monitoring/istio-metrics';
import { BucketedLogNormal } from './distribution';
import type { RetryPolicy } from './istio/types';
import { normalCdf } from './rng';

/* What Envoy does, as the simulator counts it: local replies, retries, pools, latency shares. */

/** Requests the sidecar answers itself (a fault, a rate limit, no healthy upstream) take well under 1 ms. */
export const LOCAL_REPLY = new BucketedLogNormal(ISTIO_BUCKETS, 0.3, 0.3);
export const LOCAL_REPLY_BYTES = 19;

/** Envoy's default base interval between retries (25 ms, jittered). */
export const RETRY_BACKOFF_MS = 25;
/** Envoy's and Istio's "no limit" for a connection pool setting. */
export const UNLIMITED = 2 ** 32 - 1;

/** Whether a Gateway's selector picks a workload with these labels (an empty selector picks every gateway). */
export function selects(spec: unknown, labels: Record<string, string>): boolean {
  const selector = (spec as { selector?: unknown } | undefined)?.selector;
  if (typeof selector !== 'object' || selector === null) return true;
  return Object.entries(selector as Record<string, unknown>).every(([k, v]) => labels[k] === v);
}

/**
 * Whether a retry policy can change what the demo's requests get: the applications answer 500 on
 * failure, which only `5xx` retries; a per-try timeout cuts slow attempts. Istio's default policy
 * (connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes 503) never fires here.
 */
export function retriesMatter(retries: RetryPolicy | undefined): boolean {
  if (!retries || retries.attempts <= 0) return false;
  return (
    retries.perTryTimeoutMs !== undefined ||
    (retries.retriableStatusCodes?.includes(500) ?? false) ||
    retries.retryOn.some((r) => r.split(',').some((x) => x.trim() === '5xx'))
  );
}

/** The share of a latency distribution above `ms`. */
export function exceeds(dist: BucketedLogNormal, ms: number): number {
  // Its log-normal part starts after its offset (a version's added latency).
  const rest = ms - dist.offset;
  if (rest <= 0) return 1;
  return 1 - normalCdf((Math.log(rest) - Math.log(dist.median)) / dist.sigma);
}

/** The histogram bucket a value falls in (the first bound at or above it; +Inf last). */
export function bucketOf(value: number): number {
  for (let i = 0; i < ISTIO_BUCKETS.length; i++) if (value <= (ISTIO_BUCKETS[i] as number)) return i;
  return ISTIO_BUCKETS.length;
}

export function weightedSum(counts: Float64Array, means: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += (counts[i] as number) * (means[i] as number);
  return sum;
}
