import { SafetyOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Collapse, Descriptions, Flex, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useErrorText } from '../../components/QueryErrorAlert';
import { CLIENT_ERROR_CODES, isApiError } from '../../lib/api';
import type { ServiceDetail } from '../../lib/contract';
import { codeStyle } from '../rules/DiffView';
import { HistoryDrawer } from '../rules/HistoryDrawer';
import { RuleRowActions } from '../rules/RuleRowActions';
import { callerName } from './callers';
import { securityRowTexts } from './rowTexts';
import type {
  ClientTls,
  EffectiveMtlsMode,
  MtlsSource,
  PeerAuthenticationList,
  PeerAuthenticationRule,
} from './contract';
import { MtlsEditorDrawer } from './MtlsEditorDrawer';
import type { MtlsTarget } from './MtlsEditorDrawer';
import { Loaded } from './Loaded';
import { MTLS_RESOURCE, peerAuthenticationListQuery, useDeleteSecurityRule } from './queries';
import { useOpened } from '../rules/useOpened';
import { YamlDrawer } from './YamlDrawer';

const MODE_COLORS: Record<EffectiveMtlsMode, string> = {
  STRICT: 'green',
  PERMISSIVE: 'gold',
  DISABLE: 'red',
};

/** Where a mode comes from, in words: the level and the policy (and its port when one decides). */
function sourceText(source: MtlsSource, t: TFunction<'security'>): string {
  if (source.level === 'default' || !source.ref) return t('mtls.source.default');
  const text = t(`mtls.source.${source.level}`, { ref: `${source.ref.namespace}/${source.ref.name}` });
  return source.port === null ? text : `${text}${t('mtls.source.port', { port: source.port })}`;
}

/** Which editable policy "Edit mTLS" opens: the workload's own, else the namespace's, else a new one. */
function mtlsTarget(list: PeerAuthenticationList): MtlsTarget {
  const editable = list.items.filter((i) => i.form !== null);
  const pick =
    editable.find((i) => i.form?.scope === 'workload') ?? editable.find((i) => i.form?.scope === 'namespace');
  return pick?.form ? { mode: 'edit', rule: { ...pick, form: pick.form } } : { mode: 'create' };
}

/** mTLS of the service: the mode in force and its source, client TLS, plaintext callers, policies. */
export function MtlsSection({ service, readOnly }: { service: ServiceDetail; readOnly: string | undefined }) {
  const { t } = useTranslation('security');
  const { message } = App.useApp();
  const errorText = useErrorText();
  const query = useQuery(peerAuthenticationListQuery(service.id));
  const remove = useDeleteSecurityRule(MTLS_RESOURCE, service.id);
  const editor = useOpened<MtlsTarget>();
  const viewer = useOpened<PeerAuthenticationRule>();
  const history = useOpened<string>();

  const handleDelete = async (rule: PeerAuthenticationRule) => {
    try {
      await remove.mutateAsync({ name: rule.name, resourceVersion: rule.resourceVersion });
      void message.success(t('remove.done', { name: rule.name }));
    } catch (err) {
      const text =
        isApiError(err) && err.code !== CLIENT_ERROR_CODES.network
          ? errorText(err)
          : t('mtlsForm.saveFailed');
      void message.error(t('remove.failed', { name: rule.name, message: text }));
    }
  };

  const policyColumns: TableColumnsType<PeerAuthenticationRule> = [
    { title: t('tab.name'), dataIndex: 'name', key: 'name' },
    {
      title: t('mtls.mode'),
      key: 'mode',
      render: (_, r) => (r.form ? t(`mtls.modes.${r.form.mode}`) : '—'),
    },
    {
      title: t('mtlsForm.scope'),
      key: 'scope',
      render: (_, r) => (r.form ? t(`mtls.level.${r.form.scope}`) : '—'),
    },
    {
      title: t('tab.actions'),
      key: 'actions',
      render: (_, r) => {
        const form = r.form;
        return (
          <RuleRowActions
            texts={securityRowTexts(t, r.name)}
            onView={form === null || readOnly ? () => viewer.show(r) : undefined}
            onEdit={form === null ? undefined : () => editor.show({ mode: 'edit', rule: { ...r, form } })}
            onHistory={() => history.show(r.name)}
            onDelete={readOnly ? undefined : () => handleDelete(r)}
            deleting={remove.isPending && remove.variables?.name === r.name}
          />
        );
      },
    },
  ];

  const tlsColumns: TableColumnsType<ClientTls> = [
    { title: 'DestinationRule', key: 'ref', render: (_, c) => `${c.ref.namespace}/${c.ref.name}` },
    {
      title: t('mtls.mode'),
      key: 'mode',
      render: (_, c) => (
        <Flex gap={4} wrap>
          <Tag>{c.mode}</Tag>
          {c.subset ? <Tag>{t('mtls.subset', { subset: c.subset })}</Tag> : null}
          {c.port !== null ? <Tag>{`${t('mtls.port')} ${c.port}`}</Tag> : null}
          {c.conflict ? <Tag color="red">{t('mtls.conflict')}</Tag> : null}
        </Flex>
      ),
    },
  ];

  return (
    <section aria-label={t('mtls.title')}>
      <Flex vertical gap={12}>
        <Flex justify="space-between" align="center" gap={12} wrap>
          <Typography.Title level={5} style={{ margin: 0 }}>
            {t('mtls.title')}
          </Typography.Title>
          {readOnly ? null : (
            <Button
              icon={<SafetyOutlined aria-hidden />}
              disabled={!query.data}
              onClick={() => query.data && editor.show(mtlsTarget(query.data))}
            >
              {t('mtls.edit')}
            </Button>
          )}
        </Flex>
        <Typography.Text type="secondary">{t('mtls.description')}</Typography.Text>
        <Loaded query={query} errorTitle={t('tab.loadFailed')}>
          {(data) => (
            <Flex vertical gap={12}>
              <Flex gap={8} align="center" wrap>
                <Tag color={MODE_COLORS[data.effective.mode]} style={{ fontSize: 14, padding: '2px 8px' }}>
                  {t('mtls.inForce', { mode: data.effective.mode })}
                </Tag>
                <Typography.Text>{sourceText(data.effective.source, t)}</Typography.Text>
              </Flex>
              {data.effective.ports.length > 0 ? (
                <Descriptions
                  size="small"
                  column={1}
                  title={<Typography.Text strong>{t('mtls.ports')}</Typography.Text>}
                  items={data.effective.ports.map((p) => ({
                    key: String(p.port),
                    label: `${t('mtls.port')} ${p.port}`,
                    children: (
                      <Flex gap={8} wrap>
                        <Tag color={MODE_COLORS[p.mode]}>{p.mode}</Tag>
                        <span>{sourceText(p.source, t)}</span>
                      </Flex>
                    ),
                  }))}
                />
              ) : null}
              <Typography.Text strong>{t('mtls.clientTls')}</Typography.Text>
              {data.clientTls.length === 0 ? (
                <Typography.Text type="secondary">{t('mtls.noClientTls')}</Typography.Text>
              ) : (
                <Table<ClientTls>
                  aria-label={t('mtls.clientTls')}
                  rowKey={(c) => `${c.ref.namespace}/${c.ref.name}/${c.subset ?? ''}/${c.port ?? ''}`}
                  size="small"
                  pagination={false}
                  columns={tlsColumns}
                  dataSource={data.clientTls}
                />
              )}
              <Typography.Text strong>{t('mtls.plaintext')}</Typography.Text>
              {data.trafficUnavailable ? (
                <Alert type="warning" showIcon role="status" title={t('tab.trafficUnavailable')} />
              ) : null}
              {data.plaintextCallers.length === 0 ? (
                <Typography.Text type="secondary">{t('mtls.noPlaintext')}</Typography.Text>
              ) : (
                <ul aria-label={t('mtls.plaintext')} style={{ margin: 0, paddingInlineStart: 18 }}>
                  {data.plaintextCallers.map((c) => (
                    <li key={callerName(c)}>
                      {t('accessForm.refusedLine', {
                        caller: callerName(c),
                        rpm: Math.round(c.requestsPerMinute * 10) / 10,
                      })}
                    </li>
                  ))}
                </ul>
              )}
              {data.items.length > 0 ? (
                <>
                  <Typography.Text strong>{t('mtls.policies')}</Typography.Text>
                  <Table<PeerAuthenticationRule>
                    aria-label={t('mtls.policies')}
                    rowKey="name"
                    size="small"
                    pagination={false}
                    columns={policyColumns}
                    dataSource={data.items}
                  />
                </>
              ) : null}
              {data.others.length > 0 ? (
                <div>
                  <Typography.Text strong>{t('mtls.others')}</Typography.Text>
                  <Collapse
                    size="small"
                    items={data.others.map((o) => ({
                      key: `${o.ref.namespace}/${o.ref.name}`,
                      label: `${t(`mtls.level.${o.level}`)}: ${o.ref.namespace}/${o.ref.name}`,
                      children: (
                        <pre
                          aria-label={t('tab.yamlOf', { name: o.ref.name })}
                          tabIndex={0}
                          style={codeStyle}
                        >
                          {o.yaml}
                        </pre>
                      ),
                    }))}
                  />
                </div>
              ) : null}
            </Flex>
          )}
        </Loaded>
      </Flex>
      {editor.opened && query.data ? (
        <MtlsEditorDrawer
          key={editor.opened.key}
          service={service}
          list={query.data}
          target={editor.opened.value}
          open={editor.opened.open}
          onClose={editor.hide}
          onClosed={editor.clear}
        />
      ) : null}
      {viewer.opened ? (
        <YamlDrawer
          key={viewer.opened.key}
          title={viewer.opened.value.name}
          name={viewer.opened.value.name}
          yaml={viewer.opened.value.yaml}
          open={viewer.opened.open}
          onClose={viewer.hide}
          onClosed={viewer.clear}
        />
      ) : null}
      {history.opened ? (
        <HistoryDrawer
          key={history.opened.key}
          serviceId={service.id}
          name={history.opened.value}
          open={history.opened.open}
          readOnly={readOnly}
          resource={MTLS_RESOURCE}
          onClose={history.hide}
          onClosed={history.clear}
        />
      ) : null}
    </section>
  );
}
