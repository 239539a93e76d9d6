import { FileTextOutlined } from '@ant-design/icons';
import { Button, Flex, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { CheckList, ChecksBadge } from './Checks';
import type { IstioConfigItem } from './contract';

/** What the console writes in `app.kubernetes.io/managed-by`, as the BFF reports it. */
const CONSOLE = 'mesh-console';
/** The BFF's word when nothing on the object names its manager. */
const UNKNOWN = 'unknown';

/** One row's key: kind, namespace and name name an object. */
export const itemKey = (item: IstioConfigItem): string =>
  `${item.ref.kind}/${item.ref.namespace}/${item.ref.name}`;

/** The service's page, on its Routes tab (where its rules are shown and edited). */
const serviceRoutesPath = (id: string): string => `/services/${encodeURIComponent(id)}?tab=routes`;

const checksId = (item: IstioConfigItem) => `istio-config-checks-${itemKey(item).replace(/[^\w-]/g, '_')}`;

const none = (text: string) => <Typography.Text type="secondary">{text}</Typography.Text>;

function AppliesAt({ item }: { item: IstioConfigItem }) {
  const { t } = useTranslation('istioConfig');
  // Only a VirtualService is bound to the mesh or to gateways; `mesh` is Istio's reserved name
  // for the sidecars, and no gateways at all means the sidecars only.
  const isVirtualService = item.ref.kind === 'VirtualService';
  const mesh = isVirtualService && (item.gateways.length === 0 || item.gateways.includes('mesh'));
  const gateways = item.gateways.filter((g) => g !== 'mesh');
  if (!mesh && gateways.length === 0) return none('—');
  return (
    <Flex gap={4} wrap>
      {mesh ? (
        <Tag color="blue" title={t('appliesAt.meshHint')}>
          {t('appliesAt.mesh')}
        </Tag>
      ) : null}
      {gateways.map((g) => (
        <Tag key={g} color="purple">
          {t('appliesAt.gateway', { name: g })}
        </Tag>
      ))}
    </Flex>
  );
}

export interface IstioConfigTableProps {
  items: IstioConfigItem[];
  loading: boolean;
  onViewYaml: (item: IstioConfigItem) => void;
}

/** Every object with its hosts, where it applies, its services, its manager and its checks. */
export function IstioConfigTable({ items, loading, onViewYaml }: IstioConfigTableProps) {
  const { t } = useTranslation('istioConfig');
  const [expanded, setExpanded] = useState<readonly string[]>([]);
  const toggle = (key: string) =>
    setExpanded((keys) => (keys.includes(key) ? keys.filter((k) => k !== key) : [...keys, key]));

  const columns: TableColumnsType<IstioConfigItem> = [
    { key: 'kind', title: t('table.kind'), render: (_, item) => item.ref.kind },
    {
      key: 'name',
      title: t('table.name'),
      width: 200,
      render: (_, item) => (
        <span>
          <Typography.Text type="secondary">{item.ref.namespace}/</Typography.Text>
          {item.ref.name}
        </span>
      ),
    },
    {
      key: 'hosts',
      title: t('table.hosts'),
      width: 180,
      render: (_, item) =>
        item.hosts.length === 0 ? (
          none('—')
        ) : (
          <Flex vertical>
            {item.hosts.map((host) => (
              <span key={host} style={{ overflowWrap: 'anywhere' }}>
                {host}
              </span>
            ))}
          </Flex>
        ),
    },
    { key: 'appliesAt', title: t('table.appliesAt'), render: (_, item) => <AppliesAt item={item} /> },
    {
      key: 'services',
      title: t('table.services'),
      width: 220,
      render: (_, item) =>
        item.services.length === 0 ? (
          none(t('table.none'))
        ) : (
          <Flex vertical>
            {item.services.map((s) => (
              <Link
                key={s.id}
                to={serviceRoutesPath(s.id)}
                title={t('service.link', { name: s.name, namespace: s.namespace })}
                style={{ overflowWrap: 'anywhere' }}
              >
                {s.namespace}/{s.name}
              </Link>
            ))}
          </Flex>
        ),
    },
    {
      key: 'managedBy',
      title: t('table.managedBy'),
      render: (_, item) => {
        if (item.managedBy === CONSOLE) return <Tag color="blue">{t('managedBy.console')}</Tag>;
        if (item.managedBy === UNKNOWN)
          return (
            <Typography.Text type="secondary" title={t('managedBy.unknownHint')}>
              {t('managedBy.unknown')}
            </Typography.Text>
          );
        // A tool's own name (kubectl, Helm, Argo CD, Flux, or a label's value): not translated.
        return item.managedBy;
      },
    },
    {
      key: 'checks',
      title: t('table.checks'),
      render: (_, item) => (
        <ChecksBadge
          item={item}
          expanded={expanded.includes(itemKey(item))}
          controls={checksId(item)}
          onToggle={() => toggle(itemKey(item))}
        />
      ),
    },
    {
      key: 'actions',
      title: t('table.actions'),
      render: (_, item) => (
        <Button
          size="small"
          icon={<FileTextOutlined aria-hidden />}
          aria-label={t('yaml.viewLabel', { kind: item.ref.kind, name: item.ref.name })}
          onClick={() => onViewYaml(item)}
        >
          {t('yaml.view')}
        </Button>
      ),
    },
  ];

  return (
    <Table<IstioConfigItem>
      size="small"
      rowKey={itemKey}
      columns={columns}
      dataSource={items}
      loading={loading}
      pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
      expandable={{
        // The badge is the row's toggle: no column of expand buttons beside it.
        showExpandColumn: false,
        expandedRowKeys: expanded.filter((key) => items.some((item) => itemKey(item) === key)),
        rowExpandable: (item) => item.checks.length > 0,
        expandedRowRender: (item) => <CheckList item={item} id={checksId(item)} />,
      }}
    />
  );
}
