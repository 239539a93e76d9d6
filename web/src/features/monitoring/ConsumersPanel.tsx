import { LockOutlined, UnlockOutlined } from '@ant-design/icons';
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

/** At or above this share of its requests over mutual TLS a caller is shown as mTLS (below 1 − this: plaintext). */
const MTLS_THRESHOLD = 0.99;

/**
 * How a caller's requests reached the service: a lock named "mTLS", an open lock named "Plaintext",
 * or a lock named with the share for a mix; nothing where nothing says (no requests).
 */
function SecurityMark({ share }: { share: number | null | undefined }) {
  const { t, i18n } = useTranslation('monitoring');
  if (share === null || share === undefined) return null;
  if (share >= MTLS_THRESHOLD)
    return <LockOutlined role="img" aria-label={t('consumers.security.mtls')} style={{ color: '#237804' }} />;
  if (share <= 1 - MTLS_THRESHOLD)
    return (
      <UnlockOutlined
        role="img"
        aria-label={t('consumers.security.plaintext')}
        style={{ color: '#d4380d' }}
      />
    );
  const label = t('consumers.security.mixed', { share: formatPercent(share, i18n.language) });
  return (
    <Tooltip title={label}>
      <LockOutlined role="img" aria-label={label} style={{ color: '#d48806' }} />
    </Tooltip>
  );
}

/**
 * Who calls the service (the talk's 服务消费者), busiest first, with their rate and error rate, from
 * the same metrics as the service's charts, and how they called: their identity (principal) and whether
 * their requests came over mutual TLS. Without telemetry it says so and why, instead of an empty
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
          <Flex vertical>
            <Flex gap={4} align="center">
              <SecurityMark share={c.mtlsShare} />
              <span>{c.workload}</span>
            </Flex>
            {/* The identity the service saw: what an AuthorizationPolicy's principals name. */}
            {c.principal ? (
              <Tooltip title={t('consumers.security.principal')}>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {c.principal}
                </Typography.Text>
              </Tooltip>
            ) : null}
          </Flex>
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
