import { SearchOutlined } from '@ant-design/icons';
import { Flex, Input, Table, Tooltip, Typography } from 'antd';
import type { TableColumnsType, TablePaginationConfig } from 'antd';
import type { SortOrder } from 'antd/es/table/interface';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { EmptyState } from '../../components/EmptyState';
import { serviceDetailPath } from '../catalog/ServicesTable';
import type { ApplicationRow } from './contract';
import { compareNullsLast, formatMs, formatNumber, formatPercent, formatTcp } from './format';

const APPLICATION_PAGE_SIZES = [10, 20, 50] as const;

type SortKey =
  | 'application'
  | 'namespace'
  | 'replicas'
  | 'inbound'
  | 'outbound'
  | 'requests'
  | 'latency'
  | 'errorRate'
  | 'tcp';

interface SortState {
  key: SortKey;
  order: SortOrder;
}

export interface ApplicationsTableProps {
  rows: readonly ApplicationRow[] | undefined;
  loading: boolean;
}

/** From 5% of requests failing, an error rate is shown in red. */
const HIGH_ERROR_RATE = 0.05;

export function isHighErrorRate(rate: number | null): boolean {
  return rate !== null && rate >= HIGH_ERROR_RATE;
}

function applicationKey(row: Pick<ApplicationRow, 'namespace' | 'application'>): string {
  return `${row.namespace}/${row.application}`;
}

/** Case-insensitive match on the application, its namespace and its services' IDs. */
function matchesSearch(row: ApplicationRow, search: string): boolean {
  const q = search.trim().toLowerCase();
  if (!q) return true;
  return [row.application, row.namespace, ...row.services].some((s) => s.toLowerCase().includes(q));
}

const NUMERIC: Record<Exclude<SortKey, 'application' | 'namespace'>, (r: ApplicationRow) => number | null> = {
  replicas: (r) => r.replicas,
  inbound: (r) => r.traffic.inboundBytesPerMinute,
  outbound: (r) => r.traffic.outboundBytesPerMinute,
  requests: (r) => r.traffic.requestsPerMinute,
  latency: (r) => r.traffic.latencyMs.avg,
  errorRate: (r) => r.traffic.errorRate,
  // L4: bytes each way per second (null without connections).
  tcp: (r) =>
    r.traffic.tcp ? r.traffic.tcp.sentBytesPerSecond + r.traffic.tcp.receivedBytesPerSecond : null,
};

function ApplicationCell({ row }: { row: ApplicationRow }) {
  const [first, ...others] = row.services;
  if (!first) return <Typography.Text>{row.application}</Typography.Text>;
  if (others.length === 0) return <Link to={serviceDetailPath(first)}>{row.application}</Link>;
  // An application that provides several services: each one links to its page.
  return (
    <Flex vertical gap={2}>
      <Typography.Text strong>{row.application}</Typography.Text>
      {row.services.map((id) => (
        <Link key={id} to={serviceDetailPath(id)} style={{ fontSize: 12 }}>
          {id}
        </Link>
      ))}
    </Flex>
  );
}

/**
 * The talk's 应用服务列表: searchable, sortable and paged on the client (the overview holds every
 * application). Sort, page and search are state of this table, so live rounds only change the numbers;
 * rows keep their keys and their DOM.
 */
export function ApplicationsTable({ rows, loading }: ApplicationsTableProps) {
  const { t, i18n } = useTranslation('monitoring');
  const language = i18n.language;
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<SortState>({ key: 'application', order: 'ascend' });
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState<number>(APPLICATION_PAGE_SIZES[0]);

  const filtered = useMemo(() => (rows ?? []).filter((r) => matchesSearch(r, search)), [rows, search]);

  const sortOrder = (key: SortKey): SortOrder => (sort.key === key ? sort.order : null);
  const numeric = (key: keyof typeof NUMERIC) => ({
    sorter: (a: ApplicationRow, b: ApplicationRow, order?: SortOrder) =>
      compareNullsLast(NUMERIC[key](a), NUMERIC[key](b), order),
    sortOrder: sortOrder(key),
    sortDirections: ['descend', 'ascend'] as SortOrder[],
    align: 'right' as const,
  });

  const columns: TableColumnsType<ApplicationRow> = [
    {
      key: 'application',
      title: t('table.columns.application'),
      sorter: (a, b) => a.application.localeCompare(b.application) || a.namespace.localeCompare(b.namespace),
      sortOrder: sortOrder('application'),
      render: (_: unknown, row) => <ApplicationCell row={row} />,
    },
    {
      key: 'namespace',
      title: t('table.columns.namespace'),
      dataIndex: 'namespace',
      sorter: (a, b) => a.namespace.localeCompare(b.namespace) || a.application.localeCompare(b.application),
      sortOrder: sortOrder('namespace'),
    },
    {
      key: 'replicas',
      title: t('table.columns.replicas'),
      ...numeric('replicas'),
      render: (_: unknown, row) => (
        <Tooltip title={t('table.readyOfTotal', { ready: row.readyReplicas, total: row.replicas })}>
          {row.readyReplicas < row.replicas ? (
            <Typography.Text type="warning">
              {row.readyReplicas}/{row.replicas}
            </Typography.Text>
          ) : (
            <Typography.Text>{row.replicas}</Typography.Text>
          )}
        </Tooltip>
      ),
    },
    {
      key: 'inbound',
      title: t('table.columns.inbound'),
      ...numeric('inbound'),
      render: (_: unknown, row) => formatNumber(row.traffic.inboundBytesPerMinute, language),
    },
    {
      key: 'outbound',
      title: t('table.columns.outbound'),
      ...numeric('outbound'),
      render: (_: unknown, row) => formatNumber(row.traffic.outboundBytesPerMinute, language),
    },
    {
      key: 'requests',
      title: t('table.columns.requests'),
      ...numeric('requests'),
      render: (_: unknown, row) => formatNumber(row.traffic.requestsPerMinute, language),
    },
    {
      key: 'latency',
      title: t('table.columns.latency'),
      ...numeric('latency'),
      render: (_: unknown, row) => formatMs(row.traffic.latencyMs.avg, language),
    },
    {
      key: 'errorRate',
      title: t('table.columns.errorRate'),
      ...numeric('errorRate'),
      render: (_: unknown, row) => (
        <Typography.Text type={isHighErrorRate(row.traffic.errorRate) ? 'danger' : undefined}>
          {formatPercent(row.traffic.errorRate, language)}
        </Typography.Text>
      ),
    },
    {
      key: 'tcp',
      title: <Tooltip title={t('table.tcpHint')}>{t('table.columns.tcp')}</Tooltip>,
      ...numeric('tcp'),
      // Bytes and connections of L4 traffic (a TCP service, or ambient without a waypoint).
      render: (_: unknown, row) =>
        row.traffic.tcp
          ? formatTcp(row.traffic.tcp, language, {
              perSecond: t('tcp.perSecond'),
              connections: t('tcp.connections'),
            })
          : formatNumber(null, language),
    },
  ];

  const pagination: TablePaginationConfig = {
    current: page,
    pageSize,
    total: filtered.length,
    showSizeChanger: true,
    pageSizeOptions: APPLICATION_PAGE_SIZES.map(String),
    showTotal: (total) => t('table.total', { count: total }),
    hideOnSinglePage: false,
  };

  return (
    <Flex vertical gap={12}>
      <Input
        aria-label={t('table.search')}
        placeholder={t('table.searchPlaceholder')}
        prefix={<SearchOutlined aria-hidden />}
        allowClear
        value={search}
        onChange={(e) => {
          setSearch(e.target.value);
          setPage(1);
        }}
        style={{ width: 360, maxWidth: '100%' }}
      />
      <Table<ApplicationRow>
        aria-label={t('table.title')}
        rowKey={applicationKey}
        size="middle"
        columns={columns}
        dataSource={filtered}
        loading={loading}
        pagination={pagination}
        scroll={{ x: 'max-content' }}
        onChange={(p, _filters, sorter, extra) => {
          if (extra.action === 'sort' && !Array.isArray(sorter)) {
            setSort(
              sorter.order
                ? { key: sorter.columnKey as SortKey, order: sorter.order }
                : { key: 'application', order: 'ascend' },
            );
            setPage(1);
          }
          if (extra.action === 'paginate') {
            setPage(p.pageSize === pageSize ? (p.current ?? 1) : 1);
            setPageSize(p.pageSize ?? pageSize);
          }
        }}
        locale={{
          emptyText:
            loading && !rows ? (
              <span />
            ) : search.trim() ? (
              <EmptyState title={t('table.noMatch')} />
            ) : (
              <EmptyState title={t('table.empty')} hint={t('table.emptyHint')} />
            ),
        }}
      />
    </Flex>
  );
}
