import { BulbOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Collapse, Flex, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useErrorText } from '../../components/QueryErrorAlert';
import { CLIENT_ERROR_CODES, isApiError } from '../../lib/api';
import { useContractMessage } from '../../lib/messages/translate';
import type { ServiceDetail } from '../../lib/contract';
import { codeStyle } from '../rules/DiffView';
import { HistoryDrawer } from '../rules/HistoryDrawer';
import { AccessPolicyEditorDrawer } from './AccessPolicyEditorDrawer';
import type { AccessPolicyTarget } from './AccessPolicyEditorDrawer';
import { RuleRowActions } from '../rules/RuleRowActions';
import { callerName } from './callers';
import { securityRowTexts } from './rowTexts';
import type { AccessAction, AccessPolicyRule, CallerVerdict } from './contract';
import {
  ACCESS_RESOURCE,
  accessPolicyListQuery,
  accessPolicySuggestionQuery,
  useDeleteSecurityRule,
} from './queries';
import { useOpened } from '../rules/useOpened';
import { Loaded } from './Loaded';
import { YamlDrawer } from './YamlDrawer';

const ACTION_COLORS: Record<AccessAction, string> = { ALLOW: 'green', DENY: 'red', AUDIT: 'blue' };
const DECISION_COLORS: Record<CallerVerdict['decision'], string> = {
  allowed: 'green',
  denied: 'red',
  unknown: 'gold',
};

/** The action of a policy, from its form or (read-only ones) its YAML. */
function actionOf(rule: AccessPolicyRule): string {
  return rule.form?.action ?? /\baction:\s*(\w+)/.exec(rule.yaml)?.[1] ?? 'ALLOW';
}

/** Who may call the service: its AuthorizationPolicies, the mesh-wide ones, and the callers seen. */
export function AccessPoliciesSection({
  service,
  readOnly,
}: {
  service: ServiceDetail;
  /** Why the user may not change them (no New/Edit/Delete then). */
  readOnly: string | undefined;
}) {
  const { t } = useTranslation('security');
  const { message } = App.useApp();
  const errorText = useErrorText();
  const contractText = useContractMessage();
  const queryClient = useQueryClient();
  const query = useQuery(accessPolicyListQuery(service.id));
  const remove = useDeleteSecurityRule(ACCESS_RESOURCE, service.id);
  const editor = useOpened<AccessPolicyTarget>();
  const viewer = useOpened<AccessPolicyRule>();
  const history = useOpened<string>();
  const [suggesting, setSuggesting] = useState(false);

  const failureText = (err: unknown) =>
    isApiError(err) && err.code !== CLIENT_ERROR_CODES.network ? errorText(err) : t('accessForm.saveFailed');

  const handleDelete = async (rule: AccessPolicyRule) => {
    try {
      await remove.mutateAsync({ name: rule.name, resourceVersion: rule.resourceVersion });
      void message.success(t('remove.done', { name: rule.name }));
    } catch (err) {
      void message.error(t('remove.failed', { name: rule.name, message: failureText(err) }));
    }
  };

  const handleSuggest = async () => {
    setSuggesting(true);
    try {
      const suggestion = await queryClient.fetchQuery(accessPolicySuggestionQuery(service.id));
      editor.show({ mode: 'create', form: suggestion.form });
    } catch (err) {
      void message.error(t('access.suggestFailed', { message: failureText(err) }));
    } finally {
      setSuggesting(false);
    }
  };

  const columns: TableColumnsType<AccessPolicyRule> = [
    { title: t('tab.name'), dataIndex: 'name', key: 'name' },
    {
      title: t('access.action'),
      key: 'action',
      render: (_, r) => {
        const action = actionOf(r);
        return (
          <Flex gap={4} wrap>
            <Tag color={ACTION_COLORS[action as AccessAction] ?? 'default'}>{action}</Tag>
            {r.form?.dryRun ? <Tag color="gold">{t('access.dryRun')}</Tag> : null}
          </Flex>
        );
      },
    },
    {
      title: t('access.attachment'),
      key: 'attachment',
      render: (_, r) => t(`access.attachments.${r.attachment}`),
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

  const callerColumns: TableColumnsType<CallerVerdict> = [
    { title: t('access.caller'), key: 'caller', render: (_, v) => v.caller.name },
    { title: t('access.namespace'), key: 'namespace', render: (_, v) => v.caller.namespace ?? '—' },
    { title: t('access.version'), key: 'version', render: (_, v) => v.caller.version ?? '—' },
    {
      title: t('access.rpm'),
      key: 'rpm',
      render: (_, v) => Math.round(v.caller.requestsPerMinute * 10) / 10,
    },
    {
      title: t('access.verdict'),
      key: 'verdict',
      render: (_, v) => (
        <Flex gap={4} wrap align="center">
          <Tag color={DECISION_COLORS[v.decision]}>{t(`access.decisions.${v.decision}`)}</Tag>
          <Typography.Text type="secondary">{contractText(v.reason)}</Typography.Text>
        </Flex>
      ),
    },
  ];

  return (
    <section aria-label={t('access.title')}>
      <Flex vertical gap={12}>
        <Flex justify="space-between" align="center" gap={12} wrap>
          <Typography.Title level={5} style={{ margin: 0 }}>
            {t('access.title')}
          </Typography.Title>
          {readOnly ? null : (
            <Flex gap={8} wrap>
              <Button
                icon={<BulbOutlined aria-hidden />}
                disabled={!query.data}
                loading={suggesting}
                aria-label={t('access.suggest')}
                onClick={() => void handleSuggest()}
              >
                {t('access.suggest')}
              </Button>
              <Button
                type="primary"
                icon={<PlusOutlined aria-hidden />}
                disabled={!query.data}
                onClick={() => editor.show({ mode: 'create' })}
              >
                {t('access.add')}
              </Button>
            </Flex>
          )}
        </Flex>
        <Typography.Text type="secondary">{t('access.description')}</Typography.Text>
        <Loaded query={query} errorTitle={t('tab.loadFailed')}>
          {(data) => (
            <Flex vertical gap={12}>
              {data.items.length === 0 ? (
                <Typography.Text>{t('access.empty')}</Typography.Text>
              ) : (
                <Table<AccessPolicyRule>
                  aria-label={t('access.table')}
                  rowKey="name"
                  size="small"
                  pagination={false}
                  columns={columns}
                  dataSource={data.items}
                />
              )}
              {data.others.length > 0 ? (
                <div>
                  <Typography.Text strong>{t('access.others')}</Typography.Text>
                  <Collapse
                    size="small"
                    items={data.others.map((o) => ({
                      key: `${o.ref.namespace}/${o.ref.name}`,
                      label: `${o.action} ${o.ref.namespace}/${o.ref.name}`,
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
              <Typography.Text strong>{t('access.callers')}</Typography.Text>
              {data.trafficUnavailable ? (
                <Alert type="warning" showIcon role="status" title={t('tab.trafficUnavailable')} />
              ) : null}
              {data.callers.length === 0 ? (
                <Typography.Text type="secondary">{t('access.noCallers')}</Typography.Text>
              ) : (
                <Table<CallerVerdict>
                  aria-label={t('access.callers')}
                  rowKey={(v) => callerName(v.caller)}
                  size="small"
                  pagination={false}
                  columns={callerColumns}
                  dataSource={data.callers}
                />
              )}
            </Flex>
          )}
        </Loaded>
      </Flex>
      {editor.opened && query.data ? (
        <AccessPolicyEditorDrawer
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
          title={t('accessForm.titleView', { name: viewer.opened.value.name })}
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
          resource={ACCESS_RESOURCE}
          onClose={history.hide}
          onClosed={history.clear}
        />
      ) : null}
    </section>
  );
}
