import { LockOutlined, UnlockOutlined } from '@ant-design/icons';
import { Badge, Button, Descriptions, Drawer, Flex, List, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatBytes, formatMs, formatNumber, formatPercent } from '../monitoring/format';
import type { EdgeSecurity, Health, TopologyEdge, TopologyGraph, TopologyNode } from './contract';
import { isIdleEdge, nodeLabel } from './model';
import { HEALTH_COLORS, SECURITY_COLORS } from './colors';
import type { Selection } from './TopologyCanvas';

export interface SidePanelProps {
  graph: TopologyGraph;
  selection: Selection | null;
  onClose: () => void;
  onSelect: (selection: Selection) => void;
}

function HealthBadge({ health }: { health: Health }) {
  const { t } = useTranslation('topology');
  return <Badge color={HEALTH_COLORS[health]} text={t(`legend.${health}`)} />;
}

/**
 * How an edge's requests arrived, as the graph marks it: a lock named "mTLS", an open lock named
 * "plaintext", both for a mix; nothing where nothing says.
 */
function SecurityMark({ security }: { security: EdgeSecurity | null }) {
  const { t } = useTranslation('topology');
  if (!security) return null;
  const name = t(`panel.securities.${security}`);
  const style = { color: SECURITY_COLORS[security] };
  if (security === 'mutual_tls') return <LockOutlined role="img" aria-label={name} style={style} />;
  if (security === 'none') return <UnlockOutlined role="img" aria-label={name} style={style} />;
  return (
    <span role="img" aria-label={name} style={style}>
      <LockOutlined aria-hidden />
      <UnlockOutlined aria-hidden />
    </span>
  );
}

type Tcp = NonNullable<TopologyEdge['tcp']>;

/** L4 figures of a node or edge: bytes each way and connections, per second. */
function tcpItems(tcp: Tcp | null, labels: { sent: string; received: string; opened: string }, lang: string) {
  if (!tcp) return [];
  return [
    <Descriptions.Item key="tcpSent" label={labels.sent}>
      {formatBytes(tcp.sentBytesPerSecond, lang)}
    </Descriptions.Item>,
    <Descriptions.Item key="tcpReceived" label={labels.received}>
      {formatBytes(tcp.receivedBytesPerSecond, lang)}
    </Descriptions.Item>,
    <Descriptions.Item key="tcpOpened" label={labels.opened}>
      {formatNumber(tcp.connectionsOpenedPerSecond, lang, 2)}
    </Descriptions.Item>,
  ];
}

function ServiceLinks({ ids }: { ids: string[] }) {
  const { t } = useTranslation('topology');
  if (ids.length === 0) return null;
  return (
    <List
      size="small"
      header={<Typography.Text strong>{t('panel.links')}</Typography.Text>}
      dataSource={ids}
      renderItem={(id) => {
        const base = `/services/${encodeURIComponent(id)}`;
        return (
          <List.Item>
            <Flex vertical gap={4}>
              <Typography.Text code>{id}</Typography.Text>
              <Space size="middle" wrap>
                <Link to={base}>{t('panel.details')}</Link>
                <Link to={`${base}?tab=routes`}>{t('panel.routes')}</Link>
                <Link to={`${base}?tab=rate-limits`}>{t('panel.rateLimits')}</Link>
              </Space>
            </Flex>
          </List.Item>
        );
      }}
    />
  );
}

function Neighbours({
  title,
  edges,
  end,
  byId,
  onSelect,
}: {
  title: string;
  edges: TopologyEdge[];
  end: 'source' | 'target';
  byId: Map<string, TopologyNode>;
  onSelect: (s: Selection) => void;
}) {
  const { t, i18n } = useTranslation('topology');
  return (
    <section aria-label={title}>
      <List
        size="small"
        header={<Typography.Text strong>{title}</Typography.Text>}
        locale={{ emptyText: t('panel.none') }}
        dataSource={edges}
        renderItem={(e) => {
          const other = byId.get(e[end]);
          return (
            <List.Item
              extra={
                <Typography.Text type="secondary">
                  <SecurityMark security={e.security} />{' '}
                  {e.layer === 'l4' && e.tcp
                    ? `TCP ${formatBytes(e.tcp.sentBytesPerSecond + e.tcp.receivedBytesPerSecond, i18n.language)}/s`
                    : `${formatNumber(e.traffic.requestsPerMinute, i18n.language)}/min`}
                </Typography.Text>
              }
            >
              <Button
                type="link"
                size="small"
                style={{ padding: 0 }}
                onClick={() => onSelect({ kind: 'node', id: e[end] })}
              >
                {other ? nodeLabel(other) : e[end]}
              </Button>
            </List.Item>
          );
        }}
      />
    </section>
  );
}

/** What a click on a node or edge opens: its figures, its neighbours, links to its service's pages. */
export function SidePanel({ graph, selection, onClose, onSelect }: SidePanelProps) {
  const { t, i18n } = useTranslation(['topology', 'common']);
  const lang = i18n.language;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const node = selection?.kind === 'node' ? byId.get(selection.id) : undefined;
  const edge = selection?.kind === 'edge' ? graph.edges.find((e) => e.id === selection.id) : undefined;
  const open = node !== undefined || edge !== undefined;
  const tcpLabels = {
    sent: t('panel.tcpSent'),
    received: t('panel.tcpReceived'),
    opened: t('panel.tcpOpened'),
  };

  let title = '';
  let body = null;
  if (node) {
    title = nodeLabel(node);
    const incoming = graph.edges.filter((e) => e.target === node.id && !isIdleEdge(e));
    const outgoing = graph.edges.filter((e) => e.source === node.id && !isIdleEdge(e));
    body = (
      <Flex vertical gap={16}>
        <Descriptions size="small" column={1} bordered>
          <Descriptions.Item label={t('panel.namespace')}>{node.namespace}</Descriptions.Item>
          <Descriptions.Item label={t('panel.application')}>{node.application}</Descriptions.Item>
          {node.version ? (
            <Descriptions.Item label={t('panel.version')}>{node.version}</Descriptions.Item>
          ) : null}
          <Descriptions.Item label={t('panel.protocol')}>
            {node.protocol ? t(`common:protocol.${node.protocol}`) : '—'}
          </Descriptions.Item>
          <Descriptions.Item label={t('panel.platforms')}>
            {node.inCatalog
              ? node.platforms.map((p) => <Tag key={p}>{t(`common:platform.${p}`)}</Tag>)
              : t('panel.notInCatalog')}
          </Descriptions.Item>
          <Descriptions.Item label={t('panel.health')}>
            <HealthBadge health={node.health} />
          </Descriptions.Item>
          <Descriptions.Item label={t('panel.requests')}>
            {formatNumber(node.inbound.requestsPerMinute, lang)}
          </Descriptions.Item>
          <Descriptions.Item label={t('panel.errorRate')}>
            {formatPercent(node.inbound.errorRate, lang)} ({t('panel.serverErrors')}{' '}
            {formatPercent(node.inbound.serverErrorRate, lang)}, {t('panel.clientErrors')}{' '}
            {formatPercent(node.inbound.clientErrorRate, lang)})
          </Descriptions.Item>
          <Descriptions.Item label={t('panel.p95')}>{formatMs(node.p95Ms, lang)}</Descriptions.Item>
          <Descriptions.Item label={t('panel.outbound')}>
            {formatNumber(node.outboundRequestsPerMinute, lang)}
          </Descriptions.Item>
          {tcpItems(node.inboundTcp, tcpLabels, lang)}
        </Descriptions>
        <ServiceLinks ids={node.services} />
        <Neighbours
          title={t('panel.callers')}
          edges={incoming}
          end="source"
          byId={byId}
          onSelect={onSelect}
        />
        <Neighbours
          title={t('panel.callees')}
          edges={outgoing}
          end="target"
          byId={byId}
          onSelect={onSelect}
        />
      </Flex>
    );
  } else if (edge) {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    title = t('panel.edgeTitle', {
      source: source ? nodeLabel(source) : edge.source,
      target: target ? nodeLabel(target) : edge.target,
    });
    body = (
      <Flex vertical gap={16}>
        <Descriptions size="small" column={1} bordered>
          <Descriptions.Item label={t('panel.layer')}>
            <Tag color={edge.layer === 'l4' ? 'cyan' : 'blue'}>{t(`panel.layers.${edge.layer}`)}</Tag>
          </Descriptions.Item>
          <Descriptions.Item label={t('panel.health')}>
            <HealthBadge health={edge.health} />
          </Descriptions.Item>
          <Descriptions.Item label={t('panel.security')}>
            {edge.security ? (
              <Space size={4}>
                <SecurityMark security={edge.security} />
                <span aria-hidden>{t(`panel.securities.${edge.security}`)}</span>
              </Space>
            ) : (
              t('panel.securities.unknown')
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t('panel.requests')}>
            {formatNumber(edge.traffic.requestsPerMinute, lang)}
          </Descriptions.Item>
          <Descriptions.Item label={t('panel.errorRate')}>
            {formatPercent(edge.traffic.errorRate, lang)} ({t('panel.serverErrors')}{' '}
            {formatPercent(edge.traffic.serverErrorRate, lang)}, {t('panel.clientErrors')}{' '}
            {formatPercent(edge.traffic.clientErrorRate, lang)})
          </Descriptions.Item>
          <Descriptions.Item label={t('panel.p95')}>{formatMs(edge.p95Ms, lang)}</Descriptions.Item>
          {edge.share !== null ? (
            <Descriptions.Item label={t('panel.share')}>{formatPercent(edge.share, lang)}</Descriptions.Item>
          ) : null}
          {tcpItems(edge.tcp, tcpLabels, lang)}
        </Descriptions>
        <ServiceLinks ids={[...new Set(target?.services ?? [])]} />
      </Flex>
    );
  }

  return (
    <Drawer
      open={open}
      title={title}
      onClose={onClose}
      mask={false}
      size={420}
      closable={{ 'aria-label': t('panel.close') }}
      destroyOnHidden
    >
      {body}
    </Drawer>
  );
}
