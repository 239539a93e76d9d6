import { Badge, Flex, Table, Tooltip, Typography } from 'antd';
import type { TableColumnsType, TablePaginationConfig } from 'antd';
import type { SortOrder } from 'antd/es/table/interface';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { EmptyState } from '../../components/EmptyState';
import type { ServiceListResponse, ServiceSummary } from '../../lib/contract';
import { PAGE_SIZE_OPTIONS } from './listParams';
import type { ServiceSortKey } from './queries';
import { PlatformIcons, ProtocolTag, ServiceDataPlaneTags, ServiceNamespace, VersionTags } from './tags';

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
  /** The order of the list (the server sorts, so it holds across pages). */
  sort?: ServiceSortKey;
  order?: 'asc' | 'desc';
  onSortChange?: (sort: ServiceSortKey, order: 'asc' | 'desc') => void;
}

type ServiceHealth = 'healthy' | 'degraded' | 'down';

/** As the BFF's serviceHealth: every instance ready, some, none (or no instances at all). */
function serviceHealth(instances: { ready: number; total: number }): ServiceHealth {
  if (instances.total > 0 && instances.ready === instances.total) return 'healthy';
  return instances.ready > 0 ? 'degraded' : 'down';
}

const HEALTH_STATUS = { healthy: 'success', degraded: 'warning', down: 'error' } as const;

function Health({ instances }: Pick<ServiceSummary, 'instances'>) {
  const { t } = useTranslation('catalog');
  const health = serviceHealth(instances);
  return <Badge status={HEALTH_STATUS[health]} text={t(`list.health.${health}`)} />;
}

function Instances({ instances, platforms }: Pick<ServiceSummary, 'instances' | 'platforms'>) {
  const { t } = useTranslation('catalog');
  const allReady = instances.ready === instances.total && instances.total > 0;
  return (
    <Flex gap={8} align="center" wrap>
      <Tooltip title={t('list.readyOfTotal', instances)}>
        <Typography.Text type={allReady ? undefined : 'warning'}>
          {instances.ready}/{instances.total}
        </Typography.Text>
      </Tooltip>
      <PlatformIcons platforms={platforms} />
    </Flex>
  );
}

export function ServicesTable({
  data,
  loading,
  page,
  pageSize,
  onPageChange,
  filtered,
  sort = 'id',
  order = 'asc',
  onSortChange,
}: ServicesTableProps) {
  const { t } = useTranslation('catalog');
  // Every column sorts on the server; the one in use shows its direction.
  const sortable = (key: ServiceSortKey) =>
    onSortChange
      ? {
          sorter: true,
          sortOrder: (sort === key ? (order === 'desc' ? 'descend' : 'ascend') : null) as SortOrder,
          sortDirections: ['ascend', 'descend', 'ascend'] as SortOrder[],
        }
      : {};
  // Long IDs are cut with an ellipsis (the full ID in a tooltip) so that every column fits at 1024 px.
  const columns: TableColumnsType<ServiceSummary> = [
    {
      key: 'id',
      title: t('list.columns.id'),
      dataIndex: 'id',
      ellipsis: { showTitle: false },
      width: '32%',
      render: (id: string) => (
        <Tooltip title={id} placement="topLeft">
          <Link to={serviceDetailPath(id)}>{id}</Link>
        </Tooltip>
      ),
      ...sortable('id'),
    },
    {
      key: 'application',
      title: t('list.columns.application'),
      dataIndex: 'application',
      ellipsis: true,
      ...sortable('application'),
    },
    {
      key: 'protocol',
      title: t('list.columns.protocol'),
      dataIndex: 'protocol',
      render: (_: unknown, s) => <ProtocolTag protocol={s.protocol} />,
      ...sortable('protocol'),
    },
    {
      key: 'namespace',
      title: t('list.columns.namespace'),
      dataIndex: 'namespace',
      render: (_: unknown, s) => <ServiceNamespace service={s} />,
      ...sortable('namespace'),
    },
    {
      key: 'versions',
      title: t('list.columns.versions'),
      dataIndex: 'versions',
      render: (_: unknown, s) => <VersionTags versions={s.versions} maxWidth={140} />,
      ...sortable('versions'),
    },
    {
      key: 'instances',
      title: t('list.columns.instances'),
      dataIndex: 'instances',
      render: (_: unknown, s) => <Instances instances={s.instances} platforms={s.platforms} />,
      ...sortable('instances'),
    },
    {
      key: 'dataPlane',
      title: t('list.columns.dataPlane'),
      dataIndex: 'dataPlane',
      render: (_: unknown, s) => <ServiceDataPlaneTags dataPlane={s.dataPlane} />,
    },
    {
      key: 'health',
      title: t('list.columns.health'),
      dataIndex: 'instances',
      render: (_: unknown, s) => <Health instances={s.instances} />,
      ...sortable('health'),
    },
  ];

  const pagination: TablePaginationConfig = {
    current: page,
    pageSize,
    total: data?.total ?? 0,
    showSizeChanger: true,
    pageSizeOptions: PAGE_SIZE_OPTIONS.map(String),
    showTotal: (total) => t('list.total', { count: total }),
  };

  return (
    <Table<ServiceSummary>
      rowKey="id"
      size="middle"
      columns={columns}
      dataSource={data?.items ?? []}
      loading={loading}
      pagination={pagination}
      onChange={(p, _filters, sorter, extra) => {
        if (extra.action === 'sort' && onSortChange) {
          const s = Array.isArray(sorter) ? sorter[0] : sorter;
          const key = (s?.order ? s.columnKey : 'id') as ServiceSortKey;
          onSortChange(key, s?.order === 'descend' ? 'desc' : 'asc');
          return;
        }
        onPageChange(p.current ?? 1, p.pageSize ?? pageSize);
      }}
      tableLayout="fixed"
      locale={{
        emptyText: loading ? (
          <span />
        ) : filtered ? (
          <EmptyState title={t('list.noMatch')} />
        ) : (
          <EmptyState title={t('list.empty')} hint={t('list.emptyHint')} />
        ),
      }}
    />
  );
}
