import { DeleteOutlined, EditOutlined, EyeOutlined, HistoryOutlined } from '@ant-design/icons';
import { Button, Flex, Popconfirm, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { TableColumnsType } from 'antd';
import type { ServiceMetrics } from '../monitoring/contract';
import { formatPercent } from '../monitoring/format';
import type { Destination, RouteRule } from './contract';
import type { TFunction } from 'i18next';
import { useContractMessage } from '../../lib/messages/translate';
import { AppliesAt, observedPlace, refText } from './AppliesAt';
import { isGatewayApiRef } from './match-offer';

/** Names repeat across namespaces: a rule is known by both. */
const ruleKey = (rule: RouteRule) => `${rule.ref.namespace}/${rule.ref.name}`;

/** "v1 20% · v2 80%". */
function splitText(destinations: readonly Destination[]): string {
  return destinations.map((d) => `${d.version} ${d.weight}%`).join(' · ');
}

function describeSplit(rule: RouteRule, t: TFunction<'routing'>): string {
  const form = rule.form;
  if (!form) return '—';
  const split = splitText(form.destinations);
  if (form.routeType !== 'condition' || form.matches.length === 0) return split;
  return `${t('table.conditions', { count: form.matches.length })} ${split}`;
}

/** "v1 19.8% · v2 80.2%": the shares of traffic each version received lately. */
function observedText(split: ServiceMetrics['split'] | undefined, language: string): string | null {
  const seen = split?.versions.filter((v) => v.share !== null) ?? [];
  if (seen.length === 0) return null;
  return seen.map((v) => `${v.version} ${formatPercent(v.share, language)}`).join(' · ');
}

export interface RoutesTableProps {
  rules: RouteRule[];
  /** The split the mesh's telemetry observes now, when there is telemetry. */
  observed?: ServiceMetrics['split'] | undefined;
  application: string;
  /** The service's namespace: a rule elsewhere says where it lives. */
  namespace: string;
  loading: boolean;
  deleting: string | undefined;
  /**
   * The user may not change the rules: Edit becomes View, and Delete goes. A rule whose scope is
   * not editable from this service (another namespace's, a wildcard's, a delegate) is always
   * shown so, and without History (its revisions are not this service's).
   */
  readOnly?: boolean;
  onEdit: (rule: RouteRule) => void;
  onHistory: (rule: RouteRule) => void;
  onDelete: (rule: RouteRule) => void;
}

/**
 * Every rule that routes the service: VirtualServices on its host, HTTPRoutes and GRPCRoutes that
 * attach to it or send to it (each saying its kind), the console's and hand-written ones.
 */
export function RoutesTable({
  rules,
  observed,
  application,
  namespace,
  loading,
  deleting,
  readOnly = false,
  onEdit,
  onHistory,
  onDelete,
}: RoutesTableProps) {
  const { t, i18n } = useTranslation('routing');
  const contractText = useContractMessage();
  const observedNow = observedText(observed, i18n.language);
  // The list holds every rule that affects the service: calls between services go back to every
  // version only when no other rule routes the host for the mesh. A rule bound to gateways alone
  // never routed them.
  const deleteHint = (rule: RouteRule) => {
    if (!rule.scope.appliesAt.mesh)
      return t('remove.hintGateways', { gateways: rule.scope.appliesAt.gateways.join(', ') });
    const others = rules
      .filter((r) => ruleKey(r) !== ruleKey(rule) && observedPlace(r.scope) === 'here')
      .map((r) => r.name);
    return others.length === 0
      ? t('remove.hint')
      : t('remove.hintOthers', { count: others.length, names: others.join(', ') });
  };
  // Which rules are ignored in favour of each: the rule in effect says so too, not only the others.
  const preferredTo = (rule: RouteRule) =>
    rules
      .filter(
        (r) =>
          r.scope.effect === 'ignored' && r.scope.ignoredFor && refText(r.scope.ignoredFor) === ruleKey(rule),
      )
      .map(ruleKey);
  const columns: TableColumnsType<RouteRule> = [
    {
      key: 'name',
      title: t('table.name'),
      dataIndex: 'name',
      // A broken rule (weights not totalling 100, a subset missing or selecting nothing) says so
      // here, on the list, not only when it is opened.
      render: (name: string, rule) => (
        <Flex vertical gap={2}>
          <Flex gap={6} align="center">
            <Typography.Text strong style={{ whiteSpace: 'nowrap' }}>
              {name}
            </Typography.Text>
            {/* Kinds are names (HTTPRoute, GRPCRoute): not translated. */}
            {isGatewayApiRef(rule.ref) ? <Tag color="cyan">{rule.ref.kind}</Tag> : null}
            {rule.problems.length > 0 ? <Tag color="error">{t('table.broken')}</Tag> : null}
          </Flex>
          {rule.problems.length > 0 ? (
            <ul aria-label={t('table.problemsOf', { name })} style={{ margin: 0, paddingInlineStart: 16 }}>
              {rule.problems.map((p) => (
                <li key={p}>
                  <Typography.Text type="danger">{contractText(p)}</Typography.Text>
                </li>
              ))}
            </ul>
          ) : null}
        </Flex>
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
      key: 'observed',
      title: t('table.observed'),
      // The split the mesh observes is that of the rule deciding in-mesh calls; beside any other
      // rule it would be shown twice, and read as that rule's doing.
      render: (_, rule) => {
        const place = observedPlace(rule.scope);
        if (place === 'notInEffect')
          return <Typography.Text type="secondary">{t('table.observedNotInEffect')}</Typography.Text>;
        if (place === 'atGateways')
          return <Typography.Text type="secondary">{t('table.observedAtGateways')}</Typography.Text>;
        if (place === 'elsewhere') return <Typography.Text type="secondary">—</Typography.Text>;
        return (
          <Flex vertical gap={2} style={{ overflowWrap: 'anywhere' }}>
            {observedNow ?? <Typography.Text type="secondary">{t('table.noTraffic')}</Typography.Text>}
            {observedNow && rule.scope.effect === 'partly' ? (
              <Typography.Text type="secondary">({t('table.observedAllCallers')})</Typography.Text>
            ) : null}
          </Flex>
        );
      },
    },
    {
      key: 'appliesAt',
      title: t('table.appliesAt'),
      render: (_, rule) => (
        <AppliesAt rule={rule} serviceNamespace={namespace} preferredTo={preferredTo(rule)} />
      ),
    },
    {
      key: 'managedBy',
      title: t('table.managedBy'),
      // The tool the object says manages it (kubectl, Helm, Argo CD, …): names, not translated.
      render: (_, rule) =>
        rule.managedByConsole ? (
          <Tag color="blue">{t('table.console')}</Tag>
        ) : (
          <Tag color="gold">{rule.managedBy === 'unknown' ? t('table.handWritten') : rule.managedBy}</Tag>
        ),
    },
    {
      key: 'actions',
      title: t('table.actions'),
      render: (_, rule) => {
        const editable = rule.scope.editable;
        const viewOnly = readOnly || !editable;
        return (
          <Flex gap={4} wrap>
            <Button
              type="link"
              size="small"
              icon={viewOnly ? <EyeOutlined aria-hidden /> : <EditOutlined aria-hidden />}
              aria-label={t(viewOnly ? 'table.viewRule' : 'table.editRule', { name: rule.name })}
              onClick={() => onEdit(rule)}
            >
              {t(viewOnly ? 'table.view' : 'table.edit')}
            </Button>
            {editable ? (
              <Button
                type="link"
                size="small"
                icon={<HistoryOutlined aria-hidden />}
                aria-label={t('table.historyOf', { name: rule.name })}
                onClick={() => onHistory(rule)}
              >
                {t('table.history')}
              </Button>
            ) : null}
            {viewOnly ? null : (
              <Popconfirm
                title={t('remove.confirm', { name: rule.name })}
                description={deleteHint(rule)}
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
            )}
          </Flex>
        );
      },
    },
  ];
  return (
    <Table<RouteRule>
      size="small"
      rowKey={ruleKey}
      columns={columns}
      dataSource={rules}
      loading={loading}
      pagination={false}
    />
  );
}
