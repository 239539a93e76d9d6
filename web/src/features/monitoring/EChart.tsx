import { theme } from 'antd';
import type { CSSProperties } from 'react';
import { useEffect, useRef, useState } from 'react';
import type { EChartsType } from 'echarts/core';
import type { ChartOption } from './echarts';

export type { ChartOption } from './echarts';

export interface EChartProps {
  option: ChartOption;
  /** What the chart shows, for screen readers (the canvas itself says nothing). */
  label: string;
  height?: number;
  /** Option parts replaced rather than merged (default: series, so a removed version disappears). */
  replaceMerge?: string[];
  style?: CSSProperties;
}

const DEFAULT_REPLACE_MERGE = ['series'];

/**
 * One ECharts instance per mounted component. ECharts is imported when a chart first gets a size (not
 * before: a hidden tab or a test DOM has none, and ECharts cannot lay out in a box of zero width); the
 * chart then follows its container's size and takes every new `option` with `setOption`, so live
 * data moves the lines instead of redrawing the chart. Disposed on unmount.
 */
export function EChart({
  option,
  label,
  height = 240,
  replaceMerge = DEFAULT_REPLACE_MERGE,
  style,
}: EChartProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<EChartsType | null>(null);
  const optionRef = useRef({ option, replaceMerge });
  const [ready, setReady] = useState(false);
  const { token } = theme.useToken();

  useEffect(() => {
    optionRef.current = { option, replaceMerge };
    chartRef.current?.setOption(option, { replaceMerge, lazyUpdate: true });
  }, [option, replaceMerge]);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return undefined;
    let disposed = false;
    let loading = false;

    const start = () => {
      if (loading || chartRef.current || container.clientWidth === 0 || container.clientHeight === 0) return;
      loading = true;
      void import('./echarts').then(({ init }) => {
        if (disposed) return;
        const chart = init(container, undefined, { renderer: 'canvas' });
        chart.setOption(optionRef.current.option, { replaceMerge: optionRef.current.replaceMerge });
        chartRef.current = chart;
        setReady(true);
      });
    };

    const observer = new ResizeObserver(() => {
      if (chartRef.current) chartRef.current.resize();
      else start();
    });
    observer.observe(container);
    start();

    return () => {
      disposed = true;
      observer.disconnect();
      chartRef.current?.dispose();
      chartRef.current = null;
    };
  }, []);

  return (
    <div style={{ position: 'relative', height, ...style }}>
      <div ref={containerRef} role="img" aria-label={label} style={{ position: 'absolute', inset: 0 }} />
      {ready ? null : (
        // Until ECharts has loaded and drawn: the chart's place, so nothing below moves.
        <div
          aria-hidden
          style={{
            position: 'absolute',
            inset: 0,
            background: token.colorFillQuaternary,
            borderRadius: token.borderRadius,
          }}
        />
      )}
    </div>
  );
}
