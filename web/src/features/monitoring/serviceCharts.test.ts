import { describe, expect, it } from 'vitest';
import { rateLimitOption } from './serviceCharts';
import type { ChartTexts } from './serviceCharts';
import { serviceMetrics } from './testing';

const TEXTS: ChartTexts = {
  requestBytes: 'Request bytes',
  responseBytes: 'Response bytes',
  passed: 'Passed',
  limited: 'Limited',
  wouldLimit: 'Would be limited (shadow mode)',
  tcpSent: 'Sent to clients',
  tcpReceived: 'Received from clients',
  tcpOpened: 'Opened',
  language: 'en-US',
};

type LineSeries = { id: string; stack?: string; data: [number, number | null][] };

describe('the rate-limit chart', () => {
  it('draws passed, limited and what shadow mode would have refused as lines of their own, none stacked', () => {
    const base = serviceMetrics();
    const metrics = {
      ...base,
      rateLimit: {
        ...base.rateLimit,
        shadowLimitedPerSecond: 3,
        series: { ...base.rateLimit.series, shadowLimitedPerSecond: [1, 2, 3] },
      },
    };
    const series = rateLimitOption(metrics, TEXTS).series as LineSeries[];
    expect(series.map((s) => s.id)).toEqual(['limit:passed', 'limit:limited', 'limit:shadow']);
    expect(series.every((s) => s.stack === undefined)).toBe(true);
    // "Limited" is its own value at each point, not the top of "passed".
    expect(series[1]?.data.map(([, v]) => v)).toEqual([0, 0.4, 0.5]);
    expect(series[2]?.data.map(([, v]) => v)).toEqual([1, 2, 3]);
  });

  it('leaves the shadow line out where the telemetry cannot tell (Prometheus)', () => {
    const base = serviceMetrics();
    const metrics = {
      ...base,
      rateLimit: {
        ...base.rateLimit,
        shadowLimitedPerSecond: null,
        series: { ...base.rateLimit.series, shadowLimitedPerSecond: [null, null, null] },
      },
    };
    const series = rateLimitOption(metrics, TEXTS).series as LineSeries[];
    expect(series.map((s) => s.id)).toEqual(['limit:passed', 'limit:limited']);
  });
});
