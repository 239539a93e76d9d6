import { SearchOutlined } from '@ant-design/icons';
import { Flex, Input, Table, Tooltip, Typography } from 'antd';
import type { TableColumnsType, TablePaginationConfig } from 'antd';
import type { SortOrder } from 'antd/es/table/interface';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { EmptyState } from '../../components/EmptyState';
import { QueryErrorAlert } from '../../components/QueryErrorAlert';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { serviceDetailPath } from '../catalog/ServicesTable';
import { APPLICATION_PAGE_SIZES, DEFAULT_APPLICATION_ORDER } from './contract';
import type { ApplicationRow, ApplicationSortKey, MonitoringWindow } from './contract';
import { formatMs, formatNumber, formatPercent, formatTcp } from './format';
import type { ApplicationListParams } from './queries';
import { useApplicationList } from './queries';

/** The search box's text becomes the request's `q` once typing pauses this long. */
const SEARCH_DEBOUNCE_MS = 300;
/** As the contract's ApplicationListQuery takes it (after trimming). */
const MAX_SEARCH_LENGTH = 253;

export interface ApplicationsTableProps {
  window: MonitoringWindow;
  /**
   * When the overview on screen was measured (undefined before it arrives): a page measured before
   * it is asked for again, so the table's numbers follow the live overview.
   */
  updatedAt: string | undefined;
}

/** From 5% of requests failing, an error rate is shown in red. */
const HIGH_ERROR_RATE = 0.05;

export function isHighErrorRate(rate: number | null): boolean {
  return rate !== null && rate >= HIGH_ERROR_RATE;
}

function applicationKey(row: Pick<ApplicationRow, 'namespace' | 'application'>): string {
  return `${row.namespace}/${row.application}`;
}

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
 * The talk's 应用服务列表: searched, sorted and paged by the BFF (at 20,000 applications the whole
 * table is megabytes), one page at a time. Search, order and page are state of this table; each
 * live round asks for the same page again, whose rows keep their keys and their DOM, so only the
 * numbers change.
 */
export function ApplicationsTable({ window, updatedAt }: ApplicationsTableProps) {
  const { t, i18n } = useTranslation('monitoring');
  const language = i18n.language;
  // The box shows what is typed at once; the request follows once typing pauses.
  const [search, setSearch] = useState('');
  const q = useDebouncedValue(search, SEARCH_DEBOUNCE_MS).trim();
  const [params, setParams] = useState<ApplicationListParams>({
    ...DEFAULT_APPLICATION_ORDER,
    page: 1,
    pageSize: APPLICATION_PAGE_SIZES[0],
  });
  // A new search starts on its first page (set while rendering, so no request goes out for the
  // new search on the old page, nor for the old search on page 1).
  if (q !== (params.q ?? '')) setParams((p) => ({ ...p, q: q || undefined, page: 1 }));

  const query = useApplicationList(window, params, updatedAt);
  const { data } = query;
  const loading = query.isPending || query.isPlaceholderData;

  // Fewer rows than before (a live round, another window): a page past the last shows the last.
  const total = query.isPlaceholderData ? undefined : data?.total;
  useEffect(() => {
    if (total === undefined) return;
    const last = Math.max(1, Math.ceil(total / params.pageSize));
    if (params.page > last) setParams((p) => ({ ...p, page: last }));
  }, [total, params.page, params.pageSize]);

  const sortOrder = (key: ApplicationSortKey): SortOrder =>
    params.sort === key ? (params.order === 'desc' ? 'descend' : 'ascend') : null;
  const sortable = (key: ApplicationSortKey) => ({ sorter: true, sortOrder: sortOrder(key) });
  // Numbers sort busiest first; a third click goes back to the default order.
  const numeric = (key: ApplicationSortKey) => ({
    ...sortable(key),
    sortDirections: ['descend', 'ascend'] as SortOrder[],
    align: 'right' as const,
  });

  const columns: TableColumnsType<ApplicationRow> = [
    {
      key: 'application',
      title: t('table.columns.application'),
      ...sortable('application'),
      render: (_: unknown, row) => <ApplicationCell row={row} />,
    },
    {
      key: 'namespace',
      title: t('table.columns.namespace'),
      dataIndex: 'namespace',
      ...sortable('namespace'),
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
    current: params.page,
    pageSize: params.pageSize,
    total: data?.total ?? 0,
    showSizeChanger: true,
    pageSizeOptions: APPLICATION_PAGE_SIZES.map(String),
    showTotal: (count) => t('table.total', { count }),
    hideOnSinglePage: false,
  };

  // Without rows, a failed request is all there is to say: an empty table would claim there are
  // no applications. With rows (a live round failed), they stay, with the error above them.
  const failed = query.isError && !data;
  return (
    <Flex vertical gap={12}>
      <Input
        aria-label={t('table.search')}
        placeholder={t('table.searchPlaceholder')}
        prefix={<SearchOutlined aria-hidden />}
        allowClear
        maxLength={MAX_SEARCH_LENGTH}
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        style={{ width: 360, maxWidth: '100%' }}
      />
      {query.isError ? (
        <QueryErrorAlert
          title={t('table.loadFailed')}
          error={query.error}
          onRetry={() => void query.refetch()}
          retrying={query.isFetching}
        />
      ) : null}
      {failed ? null : (
        <Table<ApplicationRow>
          aria-label={t('table.title')}
          rowKey={applicationKey}
          size="middle"
          columns={columns}
          dataSource={data?.items ?? []}
          loading={loading}
          pagination={pagination}
          scroll={{ x: 'max-content' }}
          onChange={(p, _filters, sorter, extra) => {
            if (extra.action === 'sort') {
              const s = Array.isArray(sorter) ? sorter[0] : sorter;
              setParams((current) => ({
                ...current,
                ...(s?.order
                  ? { sort: s.columnKey as ApplicationSortKey, order: s.order === 'descend' ? 'desc' : 'asc' }
                  : DEFAULT_APPLICATION_ORDER),
                page: 1,
              }));
              return;
            }
            if (extra.action === 'paginate') {
              setParams((current) => {
                const pageSize = p.pageSize ?? current.pageSize;
                return { ...current, pageSize, page: pageSize === current.pageSize ? (p.current ?? 1) : 1 };
              });
            }
          }}
          locale={{
            emptyText: loading ? (
              <span />
            ) : params.q ? (
              <EmptyState title={t('table.noMatch')} />
            ) : (
              <EmptyState title={t('table.empty')} hint={t('table.emptyHint')} />
            ),
          }}
        />
      )}
    </Flex>
  );
}
