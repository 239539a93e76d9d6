import { describe, expect, it } from 'vitest';
import { MONITORING_WINDOWS } from '../../contract/monitoring';
import {
  TARGET_POINTS,
  parseDuration,
  promDuration,
  resolveWindow,
  seriesTimestamps,
  windowSeconds,
} from './window';

describe('resolveWindow', () => {
  it.each([
    // window, scrape interval → step, rate interval
    ['5m', 15, 15, 60],
    ['15m', 15, 15, 60],
    ['1h', 15, 60, 60],
    ['6h', 15, 360, 360],
    ['5m', 5, 5, 20],
    ['15m', 5, 15, 20],
    ['1h', 5, 60, 60],
    ['5m', 1, 5, 5],
    ['5m', 30, 30, 120],
    ['1h', 60, 60, 240],
  ] as const)('%s with a %ss scrape interval: step %ss, rate interval %ss', (window, scrape, step, rate) => {
    expect(resolveWindow(window, scrape)).toEqual({
      rangeSeconds: windowSeconds(window),
      stepSeconds: step,
      rateSeconds: rate,
    });
  });

  it.each(MONITORING_WINDOWS.flatMap((w) => [1, 5, 10, 15, 30, 60].map((s) => [w, s] as const)))(
    '%s at %ss keeps the rules: ≥ 4 scrapes per rate, rate ≥ step, whole scrapes, about 60 points',
    (window, scrape) => {
      const q = resolveWindow(window, scrape);
      expect(q.rateSeconds).toBeGreaterThanOrEqual(4 * scrape);
      expect(q.rateSeconds).toBeGreaterThanOrEqual(q.stepSeconds);
      expect(q.stepSeconds % scrape).toBe(0);
      expect(q.rateSeconds % scrape).toBe(0);
      expect(q.rangeSeconds / q.stepSeconds).toBeLessThanOrEqual(TARGET_POINTS);
    },
  );
});

describe('seriesTimestamps', () => {
  it('ends at the last whole step and spans the window', () => {
    const q = resolveWindow('5m', 5);
    const at = Date.UTC(2024, 0, 1, 12, 0, 7, 300);
    const ts = seriesTimestamps(q, at);
    expect(ts).toHaveLength(q.rangeSeconds / q.stepSeconds);
    expect(ts[ts.length - 1]).toBe(Date.UTC(2024, 0, 1, 12, 0, 5));
    expect(ts.every((t, i) => i === 0 || t - (ts[i - 1] as number) === q.stepSeconds * 1000)).toBe(true);
  });
});

describe('durations', () => {
  it.each([
    [20, '20s'],
    [60, '1m'],
    [300, '5m'],
    [3600, '1h'],
    [21600, '6h'],
    [90, '90s'],
  ])('writes %ss as %s', (s, text) => {
    expect(promDuration(s)).toBe(text);
    expect(parseDuration(text)).toBe(s);
  });

  it.each(['', '15', 'abc', '5x', '0s'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('reads compound and sub-second durations', () => {
    expect(parseDuration('1m30s')).toBe(90);
    expect(parseDuration('500ms')).toBe(0.5);
  });
});
