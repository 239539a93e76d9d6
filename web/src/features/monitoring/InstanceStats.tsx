import { Tooltip, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useErrorMessage } from '../../components/QueryErrorAlert';
import type { InstanceStats } from './contract';
import { NO_VALUE, formatMs, formatNumber, formatPercent } from './format';
import { useLiveServiceMetrics } from './queries';
import { useMonitoringWindow } from './useMonitoringWindow';

/** Per-instance traffic of a service by instance name, kept current like the service's charts. */
function useInstanceStats(serviceId: string) {
  const [window] = useMonitoringWindow();
  const { query } = useLiveServiceMetrics(serviceId, window);
  const instances = query.data?.instances;
  const byName = useMemo(() => new Map((instances ?? []).map((i) => [i.name, i])), [instances]);
  return {
    byName: query.data ? byName : undefined,
    error: query.isError && !query.data ? query.error : null,
  };
}

const IDLE: InstanceStats = {
  name: '',
  version: '',
  ready: null,
  requestsPerMinute: 0,
  errorRate: null,
  avgLatencyMs: null,
};

/**
 * Columns to add to a table of instances (the Providers tab): requests per minute, error rate and
 * mean response time of each, looked up by the instance's name. Without telemetry the cells say so in
 * a tooltip rather than showing zeros.
 */
export function useInstanceStatsColumns<T>(
  serviceId: string,
  nameOf: (row: T) => string,
): TableColumnsType<T> {
  const { t, i18n } = useTranslation('monitoring');
  const language = i18n.language;
  const { byName, error } = useInstanceStats(serviceId);
  const reason = useErrorMessage(error);

  const cell = (row: T, value: (s: InstanceStats) => string) => {
    if (!byName) {
      return error ? (
        <Tooltip title={t('instances.unavailable', { reason })}>
          <Typography.Text type="secondary">{NO_VALUE}</Typography.Text>
        </Tooltip>
      ) : (
        <Typography.Text type="secondary">{NO_VALUE}</Typography.Text>
      );
    }
    // An instance that served nothing in the window is not in the telemetry: zero requests.
    return value(byName.get(nameOf(row)) ?? { ...IDLE, name: nameOf(row) });
  };

  return [
    {
      key: 'requestsPerMinute',
      title: t('instances.requests'),
      align: 'right',
      render: (_: unknown, row) => cell(row, (s) => formatNumber(s.requestsPerMinute, language)),
    },
    {
      key: 'errorRate',
      title: t('instances.errorRate'),
      align: 'right',
      render: (_: unknown, row) => cell(row, (s) => formatPercent(s.errorRate, language)),
    },
    {
      key: 'avgLatencyMs',
      title: t('instances.latency'),
      align: 'right',
      render: (_: unknown, row) => cell(row, (s) => formatMs(s.avgLatencyMs, language)),
    },
  ];
}
