import { Flex, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { StreamState } from '../../lib/sse';
import type { MonitoringWindow, TelemetrySourceKind } from './contract';
import { CoveredSpan } from './CoveredSpan';
import { LiveIndicator } from './LiveIndicator';
import { UpdatedAt } from './UpdatedAt';
import { WindowSelector } from './WindowSelector';

export interface LivePageHeaderProps {
  title: string;
  /** What the page shows, once loaded: when it was computed and from which telemetry. */
  data: { updatedAt: string; source: TelemetrySourceKind; coveredSeconds?: number } | undefined;
  streamState: StreamState;
  live: boolean;
  window: MonitoringWindow;
  onWindowChange: (value: MonitoringWindow) => void;
}

/** The heading of a page fed by live telemetry (monitoring, topology): title, freshness, source, window. */
export function LivePageHeader({
  title,
  data,
  streamState,
  live,
  window,
  onWindowChange,
}: LivePageHeaderProps) {
  const { t } = useTranslation('monitoring');
  return (
    <Flex gap={16} wrap align="flex-end" justify="space-between">
      <div>
        <Typography.Title level={3} style={{ marginBottom: 4 }}>
          {title}
        </Typography.Title>
        <Flex gap={16} wrap align="center">
          <UpdatedAt updatedAt={data?.updatedAt} />
          {data ? <Typography.Text type="secondary">{t(`source.${data.source}`)}</Typography.Text> : null}
          {data ? <CoveredSpan window={window} coveredSeconds={data.coveredSeconds} /> : null}
        </Flex>
      </div>
      <Flex gap={16} wrap align="center">
        <LiveIndicator state={streamState} live={live} />
        <WindowSelector value={window} onChange={onWindowChange} />
      </Flex>
    </Flex>
  );
}
