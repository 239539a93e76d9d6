import {
  Badge,
  Button,
  Card,
  Checkbox,
  Flex,
  Input,
  InputNumber,
  List,
  Segmented,
  Select,
  Space,
  Typography,
} from 'antd';
import { useDeferredValue, useEffect, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../../components/EmptyState';
import { QueryErrorAlert } from '../../components/QueryErrorAlert';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { TelemetryBanner } from '../monitoring/TelemetryBanner';
import { useMonitoringWindow } from '../monitoring/useMonitoringWindow';
import { HEALTH_COLORS, SECURITY_COLORS, SECURITY_GLYPHS } from './colors';
import { GRAPH_TYPES } from './contract';
import type { GraphType, Health, TopologyGraph } from './contract';
import { chooseLayout } from './layout';
import type { LayoutName } from './layout';
import { NOTHING_EXPANDED, expand, findNodes, nodeLabel, viewGraph } from './model';
import type { Expansion, HideOptions } from './model';
import { useTopologyFilters } from './useTopologyFilters';
import type { LayoutChoice } from './useTopologyFilters';
import { useLiveTopology } from './queries';
import { SidePanel } from './SidePanel';
import { TopologyCanvas, loadRenderer } from './TopologyCanvas';
import type { Selection } from './TopologyCanvas';
import { LivePageHeader } from '../monitoring/LivePageHeader';

const HEALTHS: Health[] = ['healthy', 'degraded', 'failing', 'none'];

function FindBox({ graph, onPick }: { graph: TopologyGraph | undefined; onPick: (id: string) => void }) {
  const { t } = useTranslation('topology');
  const [text, setText] = useState('');
  const deferred = useDeferredValue(text);
  const results = useMemo(() => (graph ? findNodes(graph, deferred) : []), [graph, deferred]);
  const listId = useId();
  return (
    // The results float over what is below instead of pushing the toolbar and the graph down.
    <div style={{ position: 'relative', minWidth: 240 }}>
      <Input.Search
        aria-label={t('find.label')}
        placeholder={t('find.placeholder')}
        allowClear
        value={text}
        onChange={(e) => setText(e.target.value)}
        // Only while the results exist: an id that names nothing is invalid ARIA (axe).
        aria-controls={deferred.trim() ? listId : undefined}
      />
      {deferred.trim() ? (
        <div
          id={listId}
          role="region"
          aria-label={t('find.results')}
          style={{ position: 'absolute', top: '100%', insetInline: 0, marginTop: 4, zIndex: 20 }}
        >
          <List
            size="small"
            bordered
            style={{ maxHeight: 220, overflow: 'auto', background: '#fff' }}
            locale={{ emptyText: t('find.none') }}
            dataSource={results}
            renderItem={(n) => (
              <List.Item>
                <Button type="link" size="small" onClick={() => onPick(n.id)} style={{ padding: 0 }}>
                  {nodeLabel(n)}
                </Button>
                <Typography.Text type="secondary">
                  {t(`kind.${n.kind}`)} · {n.namespace}
                </Typography.Text>
              </List.Item>
            )}
          />
        </div>
      ) : null}
    </div>
  );
}

/** 查看服务拓扑关系: who calls whom, live, with health by error rate. Loaded on its route only. */
export function TopologyPage() {
  const { t } = useTranslation('topology');
  // G6 loads while the graph is fetched (see loadRenderer); a failure shows when the canvas draws.
  useEffect(() => void loadRenderer().catch(() => undefined), []);
  useDocumentTitle(t('title'));
  const [window, setWindow] = useMonitoringWindow();
  // Graph type, namespace, layout and what is hidden are kept in the URL, as the window is.
  const [filters, updateFilters] = useTopologyFilters();
  const { graphType, namespace, layout: layoutChoice, hide } = filters;
  const setGraphType = (graphType: GraphType) => updateFilters((f) => ({ ...f, graphType }));
  const setNamespace = (namespace: string | null) => updateFilters((f) => ({ ...f, namespace }));
  const setLayoutChoice = (layout: LayoutChoice) => updateFilters((f) => ({ ...f, layout }));
  const setHide = (change: (h: HideOptions) => HideOptions) =>
    updateFilters((f) => ({ ...f, hide: change(f.hide) }));
  const [expansion, setExpansion] = useState<Expansion>(NOTHING_EXPANDED);
  const [selection, setSelection] = useState<Selection | null>(null);
  const [focus, setFocus] = useState<{ id: string; seq: number } | null>(null);
  const deferredHide = useDeferredValue(hide);

  const { query, live, streamState } = useLiveTopology({ graphType, window, namespace });
  const graph = query.data;
  const view = useMemo(
    () => (graph ? viewGraph(graph, deferredHide, expansion) : null),
    [graph, deferredHide, expansion],
  );
  const layout: LayoutName = layoutChoice === 'auto' ? chooseLayout(view?.nodes.length ?? 0) : layoutChoice;
  // A new drawing (fresh layout, fitted) when what is drawn changes in kind; data updates keep it.
  const drawingKey = [
    graph?.graphType,
    graph?.namespace,
    layout,
    view?.grouped,
    [...expansion.namespaces].join(','),
    [...expansion.applications].join(','),
  ].join('|');

  const handleSelect = (s: Selection | null) => {
    if (s?.kind === 'node' && view?.grouped) {
      const clicked = view.nodes.find((n) => n.id === s.id);
      if (clicked && clicked.node === null) {
        setExpansion((e) => expand(e, clicked));
        return;
      }
    }
    setSelection(s);
  };
  const handlePick = (id: string) => {
    // A node inside a group: open its namespace and application so that it is drawn.
    const picked = graph?.nodes.find((n) => n.id === id);
    if (view?.grouped && picked) {
      setExpansion((e) => ({
        namespaces: new Set([...e.namespaces, picked.namespace]),
        applications: new Set([...e.applications, `${picked.namespace}/${picked.application}`]),
      }));
    }
    setSelection({ kind: 'node', id });
    setFocus((f) => ({ id, seq: (f?.seq ?? 0) + 1 }));
  };
  const changeGraph = (next: () => void) => {
    next();
    setExpansion(NOTHING_EXPANDED);
  };

  const failed = query.isError && !graph;
  return (
    <Flex vertical gap={16}>
      <LivePageHeader
        title={t('title')}
        data={graph}
        streamState={streamState}
        live={live}
        window={window}
        onWindowChange={setWindow}
      />
      <Card size="small">
        <Flex gap={16} wrap align="flex-start">
          <Segmented<GraphType>
            aria-label={t('graphType.label')}
            value={graphType}
            onChange={(v) => changeGraph(() => setGraphType(v))}
            options={GRAPH_TYPES.map((g) => ({ value: g, label: t(`graphType.${g}`) }))}
          />
          <Select<string>
            aria-label={t('namespace.label')}
            showSearch
            style={{ minWidth: 200 }}
            value={namespace ?? ''}
            onChange={(v) => changeGraph(() => setNamespace(v || null))}
            options={[
              { value: '', label: t('namespace.all') },
              ...(graph?.namespaces ?? []).map((ns) => ({ value: ns, label: ns })),
            ]}
          />
          <Segmented<LayoutChoice>
            aria-label={t('layout.label')}
            value={layoutChoice}
            onChange={setLayoutChoice}
            options={(['auto', 'layered', 'fast'] as const).map((l) => ({
              value: l,
              label: t(`layout.${l}`),
            }))}
          />
          <FindBox graph={graph} onPick={handlePick} />
        </Flex>
        <Flex gap={16} wrap align="center" style={{ marginTop: 12 }}>
          <Input
            aria-label={t('hide.name')}
            placeholder={t('hide.namePlaceholder')}
            allowClear
            style={{ width: 220 }}
            value={hide.name}
            onChange={(e) => setHide((h) => ({ ...h, name: e.target.value }))}
          />
          <Space>
            <Typography.Text id="hide-error-label">{t('hide.errorRateAbove')}</Typography.Text>
            <InputNumber<number>
              aria-labelledby="hide-error-label"
              min={0}
              max={100}
              step={1}
              value={hide.errorRateAbove}
              onChange={(v) => setHide((h) => ({ ...h, errorRateAbove: v ?? null }))}
            />
          </Space>
          <Checkbox
            checked={hide.idleNodes}
            onChange={(e) => setHide((h) => ({ ...h, idleNodes: e.target.checked }))}
          >
            {t('hide.idleNodes')}
          </Checkbox>
          <Checkbox
            checked={hide.idleEdges}
            onChange={(e) => setHide((h) => ({ ...h, idleEdges: e.target.checked }))}
          >
            {t('hide.idleEdges')}
          </Checkbox>
        </Flex>
      </Card>
      {query.isError && graph ? (
        <TelemetryBanner
          error={query.error}
          streamError={null}
          shownUpdatedAt={graph?.updatedAt}
          onRetry={() => void query.refetch()}
          retrying={query.isFetching}
        />
      ) : null}
      {failed ? (
        <QueryErrorAlert
          title={t('loadFailed')}
          error={query.error}
          onRetry={() => void query.refetch()}
          retrying={query.isFetching}
        />
      ) : null}
      {!failed ? (
        <Card
          size="small"
          title={
            view ? (
              <Space wrap size="middle">
                <span>{t('summary', { nodes: view.nodes.length, edges: view.edges.length })}</span>
                {view.hidden > 0 ? (
                  <Typography.Text type="secondary">
                    {t('hiddenCount', { count: view.hidden })}
                  </Typography.Text>
                ) : null}
              </Space>
            ) : null
          }
          extra={
            <Space size="middle" wrap aria-hidden>
              {HEALTHS.map((h) => (
                <Badge key={h} color={HEALTH_COLORS[h]} text={t(`legend.${h}`)} />
              ))}
              {/* The marks edges carry (renderer.ts securityBadge). */}
              {(
                [
                  ['mutual_tls', 'mtls'],
                  ['none', 'plaintext'],
                ] as const
              ).map(([security, key]) => (
                <Typography.Text key={security} style={{ color: SECURITY_COLORS[security] }}>
                  {SECURITY_GLYPHS[security]} {t(`legend.${key}`)}
                </Typography.Text>
              ))}
            </Space>
          }
          loading={query.isPending}
        >
          {view?.grouped ? (
            <Typography.Paragraph type="secondary">{t('grouped')}</Typography.Paragraph>
          ) : null}
          {view && view.nodes.length === 0 ? (
            <EmptyState title={t('emptyTitle')} hint={t('emptyHint')} />
          ) : view ? (
            <TopologyCanvas
              view={view}
              layout={layout}
              drawingKey={drawingKey}
              selection={selection}
              onSelect={handleSelect}
              focus={focus}
            />
          ) : null}
        </Card>
      ) : null}
      {graph ? (
        <SidePanel
          graph={graph}
          selection={selection}
          onClose={() => setSelection(null)}
          onSelect={setSelection}
        />
      ) : null}
    </Flex>
  );
}
