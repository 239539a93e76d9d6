import { PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Collapse, Flex, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { CLIENT_ERROR_CODES, isApiError } from '../../lib/api';
import type { ServiceDetail } from '../../lib/contract';
import { useCan } from '../auth/session';
import { codeStyle } from '../rules/DiffView';
import { HistoryDrawer } from '../rules/HistoryDrawer';
import { RuleRowActions } from '../rules/RuleRowActions';
import type { RateLimitMatch, RateLimitRule } from './contract';
import { isEmptyMatch } from './contract';
import { useTranslation } from 'react-i18next';
import { useErrorText } from '../../components/QueryErrorAlert';
import type { TFunction } from 'i18next';
import { rateLimitListQuery, useDeleteRateLimit } from './queries';
import { OtherEnvoyFilters } from './OtherEnvoyFilters';
import { RateLimitEditorDrawer } from './RateLimitEditorDrawer';
import type { RateLimitTarget } from './RateLimitEditorDrawer';
import { QueryStates } from '../../components/QueryStates';
import { useOpened } from '../rules/useOpened';

function describeMatch(m: RateLimitMatch | undefined, t: TFunction<'ratelimit'>): string {
  if (!m || isEmptyMatch(m)) return t('table.everything');
  const parts: string[] = [];
  if (m.method) parts.push(m.method);
  if (m.path) parts.push(m.path.type === 'prefix' ? `${m.path.value}*` : m.path.value);
  if (m.header) parts.push(`${m.header.name}: ${m.header.value}`);
  if (m.rpcMethod) parts.push(`${m.rpcMethod}()`);
  return parts.join(' ');
}

/** The service's Rate limits tab (服务限流): its rules, added and edited through the form. */
export function RateLimitsTab({ service }: { service: ServiceDetail }) {
  const { t } = useTranslation('ratelimit');
  const { message } = App.useApp();
  const errorText = useErrorText();
  const query = useQuery(rateLimitListQuery(service.id));
  const remove = useDeleteRateLimit(service.id);
  const editor = useOpened<RateLimitTarget>();
  const history = useOpened<string>();
  const can = useCan('changeRateLimits', service);
  const readOnly = can.allowed ? undefined : can.reason;

  const handleDelete = async (rule: RateLimitRule) => {
    try {
      await remove.mutateAsync({ name: rule.name, resourceVersion: rule.resourceVersion });
      void message.success(t('remove.done', { name: rule.name }));
    } catch (err) {
      const text =
        isApiError(err) && err.code !== CLIENT_ERROR_CODES.network ? errorText(err) : t('form.saveFailed');
      void message.error(t('remove.failed', { name: rule.name, message: text }));
    }
  };

  const columns: TableColumnsType<RateLimitRule> = [
    { title: t('table.name'), dataIndex: 'name', key: 'name' },
    {
      title: t('table.limit'),
      key: 'limit',
      render: (_, r) =>
        `${r.form.limit.requests} ${t(`unit.${r.form.limit.unit}`)}${r.form.burst ? ` (+${r.form.burst})` : ''}`,
    },
    {
      title: t('table.scope'),
      key: 'scope',
      render: (_, r) => (
        <Flex gap={4} wrap>
          <Tag>{r.form.scope === 'instance' ? t('table.perInstance') : t('table.global')}</Tag>
          {r.form.version ? <Tag>{t('table.version', { version: r.form.version })}</Tag> : null}
        </Flex>
      ),
    },
    { title: t('table.match'), key: 'match', render: (_, r) => describeMatch(r.form.match, t) },
    {
      title: t('table.state'),
      key: 'state',
      render: (_, r) => (
        <Flex gap={4} wrap>
          <Tag color={r.form.enabled ? 'green' : 'default'}>
            {r.form.enabled ? t('table.enabled') : t('table.disabled')}
          </Tag>
          {r.form.shadow ? <Tag color="gold">{t('table.shadow')}</Tag> : null}
        </Flex>
      ),
    },
    {
      title: t('table.actions'),
      key: 'actions',
      render: (_, r) => (
        <RuleRowActions
          texts={{
            edit: t('table.edit'),
            editRule: t('table.editRule', { name: r.name }),
            history: t('table.history'),
            historyOf: t('table.historyOf', { name: r.name }),
            delete: t('table.delete'),
            deleteRule: t('table.deleteRule', { name: r.name }),
            confirm: t('remove.confirm', { name: r.name }),
            confirmHint: t('remove.hint'),
            ok: t('remove.ok'),
            cancel: t('remove.cancel'),
          }}
          onEdit={readOnly ? undefined : () => editor.show({ mode: 'edit', rule: r })}
          onHistory={() => history.show(r.name)}
          onDelete={readOnly ? undefined : () => handleDelete(r)}
          deleting={remove.isPending && remove.variables?.name === r.name}
        />
      ),
    },
  ];

  const body = (
    <QueryStates
      query={query}
      errorTitle={t('tab.loadFailed')}
      empty={{ title: t('tab.empty'), hint: t('tab.emptyHint') }}
    >
      {(data) => (
        <section aria-label={t('table.label')}>
          <Table<RateLimitRule>
            rowKey="name"
            size="small"
            pagination={false}
            columns={columns}
            dataSource={data.items}
            loading={query.isFetching && !query.isPending}
          />
        </section>
      )}
    </QueryStates>
  );

  const foreign = query.data?.foreign ?? [];

  return (
    <Flex vertical gap={12}>
      <Flex justify="space-between" align="center" gap={12} wrap>
        <Typography.Text type="secondary">{t('tab.description')}</Typography.Text>
        {readOnly ? null : (
          <Button
            type="primary"
            icon={<PlusOutlined aria-hidden />}
            disabled={!query.data}
            onClick={() => editor.show({ mode: 'create' })}
          >
            {t('tab.add')}
          </Button>
        )}
      </Flex>
      {readOnly ? <Alert type="info" showIcon title={readOnly} role="note" /> : null}
      {body}
      {foreign.length > 0 ? (
        <section aria-label={t('tab.foreign')}>
          <Typography.Title level={5}>{t('tab.foreign')}</Typography.Title>
          <Collapse
            size="small"
            items={foreign.map((f) => ({
              key: `${f.ref.namespace}/${f.ref.name}`,
              label: `${f.ref.kind} ${f.ref.namespace}/${f.ref.name}`,
              children: (
                <pre aria-label={`${f.ref.kind} ${f.ref.name}`} tabIndex={0} style={codeStyle}>
                  {f.yaml}
                </pre>
              ),
            }))}
          />
        </section>
      ) : null}
      <OtherEnvoyFilters others={query.data?.others} />
      {editor.opened && query.data ? (
        <RateLimitEditorDrawer
          key={editor.opened.key}
          service={service}
          list={query.data}
          target={editor.opened.value}
          open={editor.opened.open}
          onClose={editor.hide}
          onClosed={editor.clear}
        />
      ) : null}
      {history.opened ? (
        <HistoryDrawer
          key={history.opened.key}
          serviceId={service.id}
          name={history.opened.value}
          open={history.opened.open}
          readOnly={readOnly}
          resource="ratelimits"
          onClose={history.hide}
          onClosed={history.clear}
        />
      ) : null}
    </Flex>
  );
}
