import { DeleteOutlined, EditOutlined, HistoryOutlined } from '@ant-design/icons';
import { Button, Flex, Popconfirm, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import type { Destination, RouteRule } from './contract';
import { useRoutingT } from './i18n';
import type { RoutingT } from './i18n';

/** "v1 20% · v2 80%". */
export function splitText(destinations: readonly Destination[]): string {
  return destinations.map((d) => `${d.version} ${d.weight}%`).join(' · ');
}

function describeSplit(rule: RouteRule, t: RoutingT): string {
  const form = rule.form;
  if (!form) return '—';
  const split = splitText(form.destinations);
  if (form.routeType !== 'condition' || form.matches.length === 0) return split;
  return `${t('table.conditions', { count: form.matches.length })} ${split}`;
}

export interface RoutesTableProps {
  rules: RouteRule[];
  application: string;
  loading: boolean;
  deleting: string | undefined;
  onEdit: (rule: RouteRule) => void;
  onHistory: (rule: RouteRule) => void;
  onDelete: (rule: RouteRule) => void;
}

/** Every VirtualService on the service's host: the console's and hand-written ones. */
export function RoutesTable({
  rules,
  application,
  loading,
  deleting,
  onEdit,
  onHistory,
  onDelete,
}: RoutesTableProps) {
  const t = useRoutingT();
  const columns: TableColumnsType<RouteRule> = [
    {
      key: 'name',
      title: t('table.name'),
      dataIndex: 'name',
      render: (name: string) => (
        <Typography.Text strong style={{ whiteSpace: 'nowrap' }}>
          {name}
        </Typography.Text>
      ),
    },
    { key: 'application', title: t('table.application'), render: () => application },
    {
      key: 'routeType',
      title: t('table.routeType'),
      render: (_, rule) =>
        rule.form ? (
          <span style={{ whiteSpace: 'nowrap' }}>{t(`routeType.${rule.form.routeType}`)}</span>
        ) : (
          <Tag variant="filled">{t('table.yamlOnly')}</Tag>
        ),
    },
    {
      key: 'split',
      title: t('table.split'),
      // Versions are long unbroken strings (20191115224823305.fvxo1wbt): wrap between them first,
      // inside one only when it alone is too wide.
      render: (_, rule) => <span style={{ overflowWrap: 'anywhere' }}>{describeSplit(rule, t)}</span>,
    },
    {
      key: 'managedBy',
      title: t('table.managedBy'),
      render: (_, rule) =>
        rule.managedByConsole ? (
          <Tag color="blue">{t('table.console')}</Tag>
        ) : (
          <Tag color="gold">{t('table.handWritten')}</Tag>
        ),
    },
    {
      key: 'actions',
      title: t('table.actions'),
      render: (_, rule) => (
        <Flex gap={4} wrap>
          <Button
            type="link"
            size="small"
            icon={<EditOutlined aria-hidden />}
            aria-label={t('table.editRule', { name: rule.name })}
            onClick={() => onEdit(rule)}
          >
            {t('table.edit')}
          </Button>
          <Button
            type="link"
            size="small"
            icon={<HistoryOutlined aria-hidden />}
            aria-label={t('table.historyOf', { name: rule.name })}
            onClick={() => onHistory(rule)}
          >
            {t('table.history')}
          </Button>
          <Popconfirm
            title={t('remove.confirm', { name: rule.name })}
            description={t('remove.hint')}
            okText={t('remove.ok')}
            cancelText={t('remove.cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={() => onDelete(rule)}
          >
            <Button
              type="link"
              size="small"
              danger
              icon={<DeleteOutlined aria-hidden />}
              loading={deleting === rule.name}
              aria-label={t('table.deleteRule', { name: rule.name })}
            >
              {t('table.delete')}
            </Button>
          </Popconfirm>
        </Flex>
      ),
    },
  ];
  return (
    <Table<RouteRule>
      size="small"
      rowKey="name"
      columns={columns}
      dataSource={rules}
      loading={loading}
      pagination={false}
    />
  );
}
