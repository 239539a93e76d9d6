import { Flex, Table, Tooltip, Typography } from 'antd';
import type { TableColumnsType, TablePaginationConfig } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { EmptyState } from '../../components/EmptyState';
import type { ServiceListResponse, ServiceSummary } from '../../lib/contract';
import { PAGE_SIZE_OPTIONS } from './listParams';
import { PlatformIcons, ProtocolTag, ServiceNamespace, VersionTags } from './tags';

export function serviceDetailPath(id: string): string {
  return `/services/${encodeURIComponent(id)}`;
}

export interface ServicesTableProps {
  data: ServiceListResponse | undefined;
  loading: boolean;
  page: number;
  pageSize: number;
  onPageChange: (page: number, pageSize: number) => void;
  /** Whether a search or filter is applied, which decides what an empty result means. */
  filtered: boolean;
}

function Instances({ instances, platforms }: Pick<ServiceSummary, 'instances' | 'platforms'>) {
  const { t } = useTranslation();
  const allReady = instances.ready === instances.total && instances.total > 0;
  return (
    <Flex gap={8} align="center" wrap>
      <Tooltip title={t('catalog.list.readyOfTotal', instances)}>
        <Typography.Text type={allReady ? undefined : 'warning'}>
          {instances.ready}/{instances.total}
        </Typography.Text>
      </Tooltip>
      <PlatformIcons platforms={platforms} />
    </Flex>
  );
}

export function ServicesTable({ data, loading, page, pageSize, onPageChange, filtered }: ServicesTableProps) {
  const { t } = useTranslation();
  const columns: TableColumnsType<ServiceSummary> = [
    {
      key: 'id',
      title: t('catalog.list.columns.id'),
      dataIndex: 'id',
      render: (id: string) => <Link to={serviceDetailPath(id)}>{id}</Link>,
    },
    { key: 'application', title: t('catalog.list.columns.application'), dataIndex: 'application' },
    {
      key: 'protocol',
      title: t('catalog.list.columns.protocol'),
      dataIndex: 'protocol',
      render: (_: unknown, s) => <ProtocolTag protocol={s.protocol} />,
    },
    {
      key: 'namespace',
      title: t('catalog.list.columns.namespace'),
      dataIndex: 'namespace',
      render: (_: unknown, s) => <ServiceNamespace service={s} />,
    },
    {
      key: 'versions',
      title: t('catalog.list.columns.versions'),
      dataIndex: 'versions',
      render: (_: unknown, s) => <VersionTags versions={s.versions} maxWidth={220} />,
    },
    {
      key: 'instances',
      title: t('catalog.list.columns.instances'),
      dataIndex: 'instances',
      render: (_: unknown, s) => <Instances instances={s.instances} platforms={s.platforms} />,
    },
  ];

  const pagination: TablePaginationConfig = {
    current: page,
    pageSize,
    total: data?.total ?? 0,
    showSizeChanger: true,
    pageSizeOptions: PAGE_SIZE_OPTIONS.map(String),
    showTotal: (total) => t('catalog.list.total', { count: total }),
  };

  return (
    <Table<ServiceSummary>
      rowKey="id"
      size="middle"
      columns={columns}
      dataSource={data?.items ?? []}
      loading={loading}
      pagination={pagination}
      onChange={(p) => onPageChange(p.current ?? 1, p.pageSize ?? pageSize)}
      scroll={{ x: 'max-content' }}
      locale={{
        emptyText: loading ? (
          <span />
        ) : filtered ? (
          <EmptyState title={t('catalog.list.noMatch')} />
        ) : (
          <EmptyState title={t('catalog.list.empty')} hint={t('catalog.list.emptyHint')} />
        ),
      }}
    />
  );
}
