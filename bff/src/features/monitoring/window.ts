import type { MonitoringWindow } from '../../contract/monitoring';

const WINDOW_SECONDS: Record<MonitoringWindow, number> = {
  '5m': 300,
  '15m': 900,
  '1h': 3600,
  '6h': 21600,
};

/** About this many points per chart: enough for a smooth line, few enough to be cheap to query and send. */
export const TARGET_POINTS = 60;

/**
 * How a window is asked: the range of the summary figures, and the step and rate interval of the series.
 *
 * - `stepSeconds`: the window over ~60 points, never finer than the scrape interval (points closer
 *   together than two scrapes would repeat the same samples).
 * - `rateSeconds`: each point is `rate(x[rateSeconds])`. Prometheus needs at least two samples inside the
 *   range for a rate and misses a scrape now and then, so the usual rule (Kiali's, and Prometheus's own
 *   advice) is a rate interval of at least 4 scrape intervals. It is also at least one step, so that
 *   consecutive points together cover the whole window and no request falls between two points.
 * - The summary figures (the table, the Top 5) are `rate(x[rangeSeconds])` over the whole window.
 *
 * Step and rate interval are whole multiples of the scrape interval, so the embedded source (whose
 * "scrape interval" is the width of its ring-buffer slots) answers at slot boundaries, exactly.
 */
export interface QueryWindow {
  rangeSeconds: number;
  stepSeconds: number;
  rateSeconds: number;
}

export function windowSeconds(window: MonitoringWindow): number {
  return WINDOW_SECONDS[window];
}

const roundUpTo = (value: number, unit: number) => Math.ceil(value / unit) * unit;

export function resolveWindow(window: MonitoringWindow | number, scrapeIntervalSeconds: number): QueryWindow {
  const range = typeof window === 'number' ? window : WINDOW_SECONDS[window];
  const scrape = Math.max(1, Math.round(scrapeIntervalSeconds));
  const step = roundUpTo(Math.max(scrape, range / TARGET_POINTS), scrape);
  const rate = roundUpTo(Math.max(step, 4 * scrape), scrape);
  return { rangeSeconds: range, stepSeconds: step, rateSeconds: rate };
}

/**
 * The timestamps (ms) of a window's series ending at `atMs`: aligned to whole steps, as Grafana and
 * Kiali align range queries, so two sources asked at nearly the same moment answer for the same points.
 */
export function seriesTimestamps(q: QueryWindow, atMs: number): number[] {
  const stepMs = q.stepSeconds * 1000;
  const end = Math.floor(atMs / stepMs) * stepMs;
  const count = Math.max(1, Math.round(q.rangeSeconds / q.stepSeconds));
  return Array.from({ length: count }, (_, i) => end - (count - 1 - i) * stepMs);
}

/** A duration as PromQL writes it: whole seconds, in the largest unit that divides them. */
export function promDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** Parses a Prometheus-style duration (`15s`, `1m`, `1m30s`, `500ms`) into seconds. */
export function parseDuration(text: string): number | null {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
  let total = 0;
  let consumed = 0;
  for (const m of text.trim().matchAll(re)) {
    total += Number(m[1]) * (units[m[2] as string] as number);
    consumed += m[0].length;
  }
  return consumed > 0 && consumed === text.trim().length && total > 0 ? total : null;
}
