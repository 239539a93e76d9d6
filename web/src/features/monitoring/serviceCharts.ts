import type { ChartOption } from './echarts';
import type { MetricSeries, ServiceMetrics } from './contract';
import { formatBytes, formatMs, formatNumber, formatPercent, formatTime } from './format';

// ECharts options for one service's metrics: pure functions of the response, so a live update is a new
// option for the same chart (setOption merges it; series keep their ids, so lines move, not redraw).

type Point = [number, number | null];

function points(timestamps: readonly number[], values: readonly (number | null)[]): Point[] {
  return timestamps.map((t, i) => [t, values[i] ?? null]);
}

interface SeriesSpec {
  id: string;
  name: string;
  values: readonly (number | null)[];
  area?: boolean;
  stack?: string;
  dashed?: boolean;
}

interface ChartSpec {
  timestamps: readonly number[];
  series: SeriesSpec[];
  format: (value: number) => string;
}

/** What every time chart of the console shares: updates, grid, legend and an axis tooltip in `format`. */
export function timeChartFrame(format: (value: number) => string): ChartOption {
  return {
    animationDurationUpdate: 300,
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, type: 'scroll', icon: 'roundRect', itemWidth: 12, itemHeight: 8 },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (value: unknown) => (typeof value === 'number' ? format(value) : '—'),
    },
  };
}

function timeSeriesOption({ timestamps, series, format }: ChartSpec): ChartOption {
  return {
    ...timeChartFrame(format),
    xAxis: {
      type: 'time',
      min: timestamps[0],
      max: timestamps.at(-1),
      axisLabel: { formatter: (value: number) => formatTime(value), hideOverlap: true },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      min: 0,
      axisLabel: { formatter: (value: number) => format(value) },
      splitNumber: 4,
    },
    series: series.map((s) => ({
      id: s.id,
      name: s.name,
      type: 'line',
      showSymbol: false,
      connectNulls: false,
      smooth: false,
      ...(s.stack ? { stack: s.stack } : {}),
      ...(s.area ? { areaStyle: { opacity: 0.25 } } : {}),
      ...(s.dashed ? { lineStyle: { type: 'dashed' as const } } : {}),
      data: points(timestamps, s.values),
    })),
  };
}

export interface ChartTexts {
  requestBytes: string;
  responseBytes: string;
  passed: string;
  limited: string;
  wouldLimit: string;
  /** L4 series names. */
  tcpSent: string;
  tcpReceived: string;
  tcpOpened: string;
  language: string;
}

/** Requests per minute, one stacked area per version: the split is the share of the stack. */
export function requestRateOption(m: ServiceMetrics, { language }: ChartTexts): ChartOption {
  return timeSeriesOption({
    timestamps: m.timestamps,
    series: m.versions.map((v) => ({
      id: `rate:${v.version}`,
      name: v.version,
      values: v.series.requestsPerMinute,
      area: true,
      stack: 'rate',
    })),
    format: (v) => formatNumber(v, language),
  });
}

/** p50, p95 and p99 over all versions. */
export function latencyOption(m: ServiceMetrics, { language }: ChartTexts): ChartOption {
  const quantiles: (keyof Pick<MetricSeries, 'p50' | 'p95' | 'p99'>)[] = ['p50', 'p95', 'p99'];
  return timeSeriesOption({
    timestamps: m.timestamps,
    series: quantiles.map((q) => ({ id: `latency:${q}`, name: q, values: m.total.series[q] })),
    format: (v) => `${formatMs(v, language)} ms`,
  });
}

/** Error rate per version (0..1). */
export function errorRateOption(m: ServiceMetrics, { language }: ChartTexts): ChartOption {
  return timeSeriesOption({
    timestamps: m.timestamps,
    series: m.versions.map((v) => ({
      id: `errors:${v.version}`,
      name: v.version,
      values: v.series.errorRate,
    })),
    format: (v) => formatPercent(v, language),
  });
}

/** Request and response bytes per minute over all versions. */
export function bytesOption(m: ServiceMetrics, texts: ChartTexts): ChartOption {
  return timeSeriesOption({
    timestamps: m.timestamps,
    series: [
      { id: 'bytes:in', name: texts.requestBytes, values: m.total.series.inboundBytesPerMinute, area: true },
      {
        id: 'bytes:out',
        name: texts.responseBytes,
        values: m.total.series.outboundBytesPerMinute,
        area: true,
      },
    ],
    format: (v) => formatBytes(v, texts.language),
  });
}

/**
 * Requests per second that passed the service's rate limits, that a limit refused, and (of the passed)
 * that a limit in shadow mode would have refused: each its own line on the same axis, none stacked on
 * another, so "limited" reads as what it is, not as the top of "passed" (Sentinel's pass and block QPS).
 */
export function rateLimitOption(m: ServiceMetrics, texts: ChartTexts): ChartOption {
  const shadow = m.rateLimit.series.shadowLimitedPerSecond;
  return timeSeriesOption({
    timestamps: m.timestamps,
    series: [
      {
        id: 'limit:passed',
        name: texts.passed,
        values: m.rateLimit.series.passedPerSecond,
        area: true,
      },
      {
        id: 'limit:limited',
        name: texts.limited,
        values: m.rateLimit.series.limitedPerSecond,
      },
      // Only where the telemetry can tell (the embedded demo mesh; not asked of Prometheus).
      ...(shadow.some((v) => v !== null)
        ? [{ id: 'limit:shadow', name: texts.wouldLimit, values: shadow, dashed: true }]
        : []),
    ],
    format: (v) => formatNumber(v, texts.language),
  });
}

/** Whether the service had any L4 (TCP) traffic in the window: its totals or any point of its series. */
export function hasTcpTraffic(m: ServiceMetrics): boolean {
  return (
    m.total.stats.tcp !== null ||
    m.total.series.tcpConnectionsOpenedPerSecond.some((v) => v !== null && v > 0) ||
    m.total.series.tcpSentBytesPerSecond.some((v) => v !== null && v > 0)
  );
}

/**
 * L4 bytes per second, all versions: what the destination sent to its clients and received from them,
 * as its sidecar or (ambient) ztunnel counted them.
 */
export function tcpBytesOption(m: ServiceMetrics, texts: ChartTexts): ChartOption {
  return timeSeriesOption({
    timestamps: m.timestamps,
    series: [
      { id: 'tcp:sent', name: texts.tcpSent, values: m.total.series.tcpSentBytesPerSecond, area: true },
      {
        id: 'tcp:received',
        name: texts.tcpReceived,
        values: m.total.series.tcpReceivedBytesPerSecond,
        area: true,
      },
    ],
    format: (v) => formatBytes(v, texts.language),
  });
}

/** L4 connections opened per second, one line per version. */
export function tcpConnectionsOption(m: ServiceMetrics, texts: ChartTexts): ChartOption {
  return timeSeriesOption({
    timestamps: m.timestamps,
    series: m.versions.map((v) => ({
      id: `tcp:opened:${v.version}`,
      name: `${texts.tcpOpened} ${v.version}`,
      values: v.series.tcpConnectionsOpenedPerSecond,
    })),
    format: (v) => formatNumber(v, texts.language, 2),
  });
}
