import { Badge, Button, Flex, Popover, Table, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../../components/EmptyState';
import type { Instance, VersionSummary } from '../../lib/contract';
import { DataPlaneTag, PlatformTag, PlatformTags } from './tags';

export interface ProvidersPanelProps {
  versions: readonly VersionSummary[];
  providers: readonly Instance[];
  /** Columns added to the instances table, before the labels (each instance's live traffic). */
  extraInstanceColumns?: TableColumnsType<Instance>;
}

function formatAddress({ address, port }: Pick<Instance, 'address' | 'port'>): string {
  const host = address.includes(':') ? `[${address}]` : address; // IPv6
  return port === null ? host : `${host}:${port}`;
}

/**
 * Instances in the order of the versions summary (the BFF's order), then by name, so each
 * version's instances stand together.
 */
function sortByVersion(providers: readonly Instance[], versions: readonly VersionSummary[]): Instance[] {
  const rank = new Map(versions.map((v, i) => [v.version, i]));
  const rankOf = (v: string | null) => rank.get(v) ?? versions.length;
  return [...providers].sort((a, b) => rankOf(a.version) - rankOf(b.version) || a.name.localeCompare(b.name));
}

function LabelsCell({ labels }: { labels: Record<string, string> }) {
  const { t } = useTranslation(['catalog', 'common']);
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0)
    return <Typography.Text type="secondary">{t('detail.providers.noLabels')}</Typography.Text>;
  // Collapsed behind a button: labels are many and long, and rarely what the operator looks for.
  return (
    <Popover
      trigger="click"
      placement="left"
      title={t('detail.providers.columns.labels')}
      content={
        <Flex vertical gap={4} style={{ maxWidth: 420 }}>
          {entries.map(([k, v]) => (
            <Typography.Text key={k} code style={{ wordBreak: 'break-all' }}>
              {k}={v}
            </Typography.Text>
          ))}
        </Flex>
      }
    >
      <Button type="link" size="small" style={{ padding: 0 }}>
        {t('detail.providers.showLabels', { count: entries.length })}
      </Button>
    </Popover>
  );
}

export function ProvidersPanel({ versions, providers, extraInstanceColumns = [] }: ProvidersPanelProps) {
  const { t } = useTranslation(['catalog', 'common']);
  const noVersion = t('common:noVersion');
  const versionsHeading = useId();
  const instancesHeading = useId();

  if (providers.length === 0) {
    return <EmptyState title={t('detail.providers.none')} hint={t('detail.providers.noneHint')} />;
  }

  const versionColumns: TableColumnsType<VersionSummary> = [
    {
      key: 'version',
      title: t('detail.providers.columns.version'),
      dataIndex: 'version',
      render: (v: string | null) => <Typography.Text code={v !== null}>{v ?? noVersion}</Typography.Text>,
    },
    { key: 'instances', title: t('detail.providers.columns.instances'), dataIndex: 'instances' },
    { key: 'ready', title: t('detail.providers.columns.ready'), dataIndex: 'ready' },
    {
      key: 'platform',
      title: t('detail.providers.columns.platform'),
      dataIndex: 'platforms',
      render: (_: unknown, v) => <PlatformTags platforms={v.platforms} />,
    },
  ];

  const instanceColumns: TableColumnsType<Instance> = [
    {
      key: 'name',
      title: t('detail.providers.columns.name'),
      dataIndex: 'name',
    },
    {
      key: 'address',
      title: t('detail.providers.columns.address'),
      dataIndex: 'address',
      render: (_: unknown, i) =>
        i.address ? (
          <Typography.Text copyable={{ text: formatAddress(i) }}>{formatAddress(i)}</Typography.Text>
        ) : (
          <Typography.Text type="secondary">{t('detail.providers.noAddress')}</Typography.Text>
        ),
    },
    {
      key: 'version',
      title: t('detail.providers.columns.version'),
      dataIndex: 'version',
      render: (v: string | null) => v ?? <Typography.Text type="secondary">{noVersion}</Typography.Text>,
    },
    {
      key: 'platform',
      title: t('detail.providers.columns.platform'),
      dataIndex: 'platform',
      render: (_: unknown, i) => <PlatformTag platform={i.platform} />,
    },
    {
      key: 'dataPlane',
      title: t('detail.providers.columns.dataPlane'),
      dataIndex: 'dataPlane',
      render: (_: unknown, i) => (i.dataPlane ? <DataPlaneTag mode={i.dataPlane} /> : '—'),
    },
    {
      key: 'ready',
      title: t('detail.providers.columns.ready'),
      dataIndex: 'ready',
      render: (ready: boolean) => (
        <Badge
          status={ready ? 'success' : 'error'}
          text={ready ? t('detail.providers.ready') : t('detail.providers.notReady')}
        />
      ),
    },
    ...extraInstanceColumns,
    {
      key: 'labels',
      title: t('detail.providers.columns.labels'),
      dataIndex: 'labels',
      render: (_: unknown, i) => <LabelsCell labels={i.labels} />,
    },
  ];

  return (
    <Flex vertical gap={24}>
      <section aria-labelledby={versionsHeading}>
        <Typography.Title level={5} id={versionsHeading}>
          {t('detail.providers.versions')}
        </Typography.Title>
        <Table<VersionSummary>
          rowKey={(v) => v.version ?? ''}
          columns={versionColumns}
          dataSource={[...versions]}
          pagination={false}
          size="small"
        />
      </section>
      <section aria-labelledby={instancesHeading}>
        <Typography.Title level={5} id={instancesHeading}>
          {t('detail.providers.instances')}
        </Typography.Title>
        <Table<Instance>
          rowKey={(i) => `${i.kind}/${i.namespace}/${i.name}`}
          columns={instanceColumns}
          dataSource={sortByVersion(providers, versions)}
          pagination={providers.length > 50 ? { pageSize: 50, showSizeChanger: false } : false}
          size="small"
          scroll={{ x: 'max-content' }}
        />
      </section>
    </Flex>
  );
}
