import { Flex, Table, Tooltip, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../../components/EmptyState';
import { isHighErrorRate } from './ApplicationsTable';
import { useErrorMessage } from '../../components/QueryErrorAlert';
import type { ConsumerStats } from './contract';
import { formatNumber, formatPercent, formatTcp } from './format';
import { useLiveServiceMetrics } from './queries';
import { TelemetryBanner } from './TelemetryBanner';
import { useMonitoringWindow } from './useMonitoringWindow';

export interface ConsumersPanelProps {
  serviceId: string;
}

function consumerKey(c: ConsumerStats): string {
  return `${c.namespace}/${c.workload}/${c.version}`;
}

/**
 * Who calls the service (the talk's 服务消费者), busiest first, with their rate and error rate, from
 * the same metrics as the service's charts. Without telemetry it says so and why, instead of an empty
 * table that would claim nobody calls.
 */
export function ConsumersPanel({ serviceId }: ConsumersPanelProps) {
  const { t, i18n } = useTranslation(['monitoring', 'catalog']);
  const language = i18n.language;
  // The window of the page (the service's Metrics section has the selector).
  const [window] = useMonitoringWindow();
  const { query, streamError } = useLiveServiceMetrics(serviceId, window);
  const reason = useErrorMessage(query.error);
  const metrics = query.data;

  if (!metrics && query.isError) {
    return (
      <EmptyState
        title={t('catalog:detail.consumers.title')}
        hint={t('catalog:detail.consumers.hint', { reason })}
      />
    );
  }

  const columns: TableColumnsType<ConsumerStats> = [
    {
      key: 'application',
      title: t('consumers.columns.application'),
      dataIndex: 'application',
    },
    {
      key: 'workload',
      title: t('consumers.columns.workload'),
      dataIndex: 'workload',
      // The BFF sums callers in namespaces the user may not see into one row that names none.
      render: (_: unknown, c) =>
        c.namespace === '' ? (
          <Tooltip title={t('consumers.otherNamespacesHint')}>
            <Typography.Text type="secondary">{t('consumers.otherNamespaces')}</Typography.Text>
          </Tooltip>
        ) : (
          c.workload
        ),
    },
    { key: 'namespace', title: t('consumers.columns.namespace'), dataIndex: 'namespace' },
    { key: 'version', title: t('consumers.columns.version'), dataIndex: 'version' },
    {
      key: 'requests',
      title: t('consumers.columns.requests'),
      align: 'right',
      render: (_: unknown, c) => formatNumber(c.requestsPerMinute, language),
    },
    {
      key: 'errorRate',
      title: t('consumers.columns.errorRate'),
      align: 'right',
      render: (_: unknown, c) => (
        <Typography.Text type={isHighErrorRate(c.errorRate) ? 'danger' : undefined}>
          {formatPercent(c.errorRate, language)}
        </Typography.Text>
      ),
    },
    {
      key: 'tcp',
      title: t('consumers.columns.tcp'),
      align: 'right',
      // L4 traffic of this caller (behind a waypoint, the waypoint is the one that connects).
      render: (_: unknown, c) =>
        c.tcp
          ? formatTcp(c.tcp, language, { perSecond: t('tcp.perSecond'), connections: t('tcp.connections') })
          : formatNumber(null, language),
    },
  ];

  return (
    <Flex vertical gap={12}>
      <Typography.Text type="secondary">
        {t('consumers.description', { window: t(`window.${window}`) })}
      </Typography.Text>
      <TelemetryBanner
        error={query.isError ? query.error : null}
        streamError={streamError}
        shownUpdatedAt={metrics?.updatedAt}
        onRetry={() => void query.refetch()}
        retrying={query.isFetching}
      />
      <Table<ConsumerStats>
        aria-label={t('consumers.label')}
        rowKey={consumerKey}
        size="small"
        columns={columns}
        dataSource={metrics?.consumers ?? []}
        loading={query.isPending}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{
          emptyText: query.isPending ? (
            <span />
          ) : (
            <EmptyState title={t('consumers.none')} hint={t('consumers.noneHint')} />
          ),
        }}
      />
    </Flex>
  );
}
