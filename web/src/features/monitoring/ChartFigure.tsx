import { Typography } from 'antd';
import { useId } from 'react';
import { EChart } from './EChart';
import type { ChartOption } from './EChart';

/** A chart with its caption as the figure's accessible name (monitoring's and releases' charts). */
export function ChartFigure({
  title,
  option,
  label,
  height,
}: {
  title: string;
  option: ChartOption;
  label: string;
  height: number;
}) {
  const captionId = useId();
  return (
    <figure aria-labelledby={captionId} style={{ margin: 0 }}>
      <figcaption id={captionId}>
        <Typography.Text strong>{title}</Typography.Text>
      </figcaption>
      <EChart option={option} label={label} height={height} style={{ marginTop: 8 }} />
    </figure>
  );
}
