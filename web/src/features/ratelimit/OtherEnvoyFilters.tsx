import { EyeOutlined } from '@ant-design/icons';
import { Alert, Button, Drawer, Flex, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { codeStyle } from '../rules/DiffView';
import type { OtherEnvoyFilter, RateLimitListResponse } from './contract';

const keyOf = (f: OtherEnvoyFilter) => `${f.ref.namespace}/${f.ref.name}`;

/** Why Istio attaches the filter to the service's sidecars: where it comes from and what it selects. */
function AppliesBecause({ filter }: { filter: OtherEnvoyFilter }) {
  const { t } = useTranslation('ratelimit');
  const { from, selector, instances, ref } = filter;
  return (
    <Flex vertical gap={4} align="start">
      <Tag color={from === 'root' ? 'purple' : 'default'}>
        {from === 'root' ? t('others.fromRoot', { namespace: ref.namespace }) : t('others.fromNamespace')}
      </Tag>
      {selector ? (
        <Flex gap={4} wrap align="center">
          <Typography.Text>{t('others.selector')}</Typography.Text>
          {Object.entries(selector).map(([k, v]) => (
            <Tag key={k}>
              <code>{`${k}=${v}`}</code>
            </Tag>
          ))}
        </Flex>
      ) : (
        <Typography.Text>
          {from === 'root'
            ? t('others.everyWorkloadMesh')
            : t('others.everyWorkloadNamespace', { namespace: ref.namespace })}
        </Typography.Text>
      )}
      <Typography.Text type="secondary">
        {t('others.selects', { selected: instances.selected, total: instances.total })}
      </Typography.Text>
    </Flex>
  );
}

/** One EnvoyFilter's YAML, read-only. */
function YamlDrawer({ filter, onClose }: { filter: OtherEnvoyFilter | undefined; onClose: () => void }) {
  const { t } = useTranslation('ratelimit');
  // The filter stays in the drawer while it slides away.
  const [last, setLast] = useState(filter);
  if (filter && filter !== last) setLast(filter);
  const shown = filter ?? last;
  const titleId = useId();
  return (
    <Drawer
      open={filter !== undefined}
      onClose={onClose}
      title={shown ? <span id={titleId}>{`${shown.ref.kind} ${keyOf(shown)}`}</span> : undefined}
      aria-labelledby={titleId}
      size="min(820px, 100vw)"
      destroyOnHidden
    >
      {shown ? (
        <Flex vertical gap={12}>
          <Typography.Text type="secondary">{t('others.readOnly')}</Typography.Text>
          <pre
            aria-label={t('others.yamlLabel', { namespace: shown.ref.namespace, name: shown.ref.name })}
            tabIndex={0}
            style={codeStyle}
          >
            {shown.yaml}
          </pre>
        </Flex>
      ) : null}
    </Drawer>
  );
}

/**
 * The EnvoyFilters that reach the service's sidecars without being its rules (the root namespace's,
 * hand-written ones of its namespace): read-only, with why each applies and its YAML. Nothing here
 * edits or deletes them: they belong to whoever wrote them.
 */
export function OtherEnvoyFilters({ others }: { others: RateLimitListResponse['others'] | undefined }) {
  const { t } = useTranslation('ratelimit');
  const [open, setOpen] = useState<string>();
  const headingId = useId();
  if (!others || (others.items.length === 0 && others.hidden === 0 && others.unavailable.length === 0))
    return null;

  const columns: TableColumnsType<OtherEnvoyFilter> = [
    { title: t('others.name'), key: 'name', render: (_, f) => <code>{keyOf(f)}</code> },
    { title: t('others.why'), key: 'why', render: (_, f) => <AppliesBecause filter={f} /> },
    {
      title: t('others.rateLimiting'),
      key: 'rateLimiting',
      render: (_, f) =>
        f.rateLimiting ? <Tag color="gold">{t('others.limitsRate')}</Tag> : t('others.otherPatches'),
    },
    {
      title: t('others.actions'),
      key: 'actions',
      render: (_, f) => (
        <Button
          size="small"
          icon={<EyeOutlined aria-hidden />}
          aria-label={t('others.viewLabel', { namespace: f.ref.namespace, name: f.ref.name })}
          onClick={() => setOpen(keyOf(f))}
        >
          {t('others.view')}
        </Button>
      ),
    },
  ];

  return (
    <section aria-labelledby={headingId}>
      <Typography.Title level={5} id={headingId}>
        {t('others.title')}
      </Typography.Title>
      <Flex vertical gap={8}>
        <Typography.Text type="secondary">{t('others.hint')}</Typography.Text>
        {others.items.length > 0 ? (
          <Table<OtherEnvoyFilter>
            rowKey={keyOf}
            size="small"
            pagination={false}
            columns={columns}
            dataSource={others.items}
          />
        ) : null}
        {others.hidden > 0 ? (
          <Alert type="info" showIcon role="note" title={t('others.hidden', { count: others.hidden })} />
        ) : null}
        {others.unavailable.length > 0 ? (
          <Alert
            type="warning"
            showIcon
            role="note"
            title={t('others.unavailable', { namespaces: others.unavailable.join(', ') })}
          />
        ) : null}
      </Flex>
      <YamlDrawer filter={others.items.find((f) => keyOf(f) === open)} onClose={() => setOpen(undefined)} />
    </section>
  );
}
