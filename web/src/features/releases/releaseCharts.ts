import type { ChartOption } from '../monitoring/echarts';
import { formatNumber } from '../monitoring/format';
import type { ReleaseSample, ReleaseSpec } from './contract';
import { timeChartFrame } from '../monitoring/serviceCharts';

// ECharts options of a release's gates over time: pure functions of its samples, so a new sample
// from the stream is a new option for the same chart (series keep their ids: the lines move).

type Point = [number, number | null];

interface Line {
  id: string;
  name: string;
  points: Point[];
  /** A threshold or a target: dashed, stepped, in a colour of its own. */
  limit?: string;
}

/** The gate's line in red, the stage's target in grey: never one of the versions' palette colours. */
const THRESHOLD_COLOR = '#cf1322';
const TARGET_COLOR = '#8c8c8c';

function timeOption(lines: Line[], format: (value: number) => string, max?: number): ChartOption {
  return {
    ...timeChartFrame(format),
    xAxis: { type: 'time', splitLine: { show: false }, axisLabel: { hideOverlap: true } },
    yAxis: {
      type: 'value',
      min: 0,
      ...(max === undefined ? {} : { max }),
      axisLabel: { formatter: (value: number) => format(value) },
      splitNumber: 4,
    },
    series: lines.map((line) => ({
      id: line.id,
      name: line.name,
      type: 'line',
      showSymbol: false,
      connectNulls: false,
      ...(line.limit
        ? {
            step: 'end' as const,
            color: line.limit,
            lineStyle: { type: 'dashed' as const, color: line.limit },
          }
        : {}),
      data: line.points,
    })),
  };
}

export interface ReleaseChartTexts {
  language: string;
  canary: string;
  stable: string;
  threshold: string;
  target: string;
  observed: string;
}

export interface ReleaseChartOptions {
  errorRate: ChartOption;
  p99: ChartOption;
  requests: ChartOption;
  share: ChartOption;
}

export function releaseChartOptions(
  samples: readonly ReleaseSample[],
  spec: Pick<ReleaseSpec, 'gates'>,
  texts: ReleaseChartTexts,
): ReleaseChartOptions {
  const at = samples.map((s) => Date.parse(s.at));
  const line = (
    id: string,
    name: string,
    value: (s: ReleaseSample) => number | null,
    limit?: string,
  ): Line => ({
    id,
    name,
    points: samples.map((s, i) => [at[i] ?? 0, value(s)]),
    ...(limit === undefined ? {} : { limit }),
  });
  const percent = (v: number) => `${formatNumber(v, texts.language, 2)}%`;
  const ms = (v: number) => `${formatNumber(v, texts.language, 0)} ms`;
  const count = (v: number) => formatNumber(v, texts.language, 0);
  return {
    errorRate: timeOption(
      [
        line('canary', texts.canary, (s) => s.canary.errorRate),
        line('stable', texts.stable, (s) => s.stable.errorRate),
        line('threshold', texts.threshold, () => spec.gates.maxErrorRate, THRESHOLD_COLOR),
      ],
      percent,
    ),
    p99: timeOption(
      [
        line('canary', texts.canary, (s) => s.canary.p99Ms),
        line('stable', texts.stable, (s) => s.stable.p99Ms),
        line('threshold', texts.threshold, () => spec.gates.maxP99Ms, THRESHOLD_COLOR),
      ],
      ms,
    ),
    requests: timeOption(
      [
        line('canary', texts.canary, (s) => s.canary.requests),
        line('stable', texts.stable, (s) => s.stable.requests),
        line('threshold', texts.threshold, () => spec.gates.minRequests, THRESHOLD_COLOR),
      ],
      count,
    ),
    share: timeOption(
      [
        line('observed', texts.observed, (s) => s.observedCanaryShare),
        line('target', texts.target, (s) => s.targetCanaryWeight, TARGET_COLOR),
      ],
      percent,
      100,
    ),
  };
}
