import { Alert, Spin } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { computeLayout, layoutInput, placeNew } from './layout';
import type { LayoutName, Positions } from './layout';
import type { ViewEdge, ViewGraph } from './model';
import type * as RendererModule from './renderer';
import type { TopologyRenderer } from './renderer';

export interface Selection {
  kind: 'node' | 'edge';
  id: string;
}

export interface TopologyCanvasProps {
  view: ViewGraph;
  layout: LayoutName;
  /**
   * Identifies the drawing: while it stays the same, a new `view` is an update of the one on screen
   * (positions, zoom, pan and selection stay); when it changes, the graph is laid out and fitted anew.
   */
  drawingKey: string;
  selection: Selection | null;
  onSelect: (selection: Selection | null) => void;
  /** A node to bring into view (the find box). */
  focus: { id: string; seq: number } | null;
  /** CSS height; by default what the viewport leaves below the page's header and toolbar. */
  height?: number | string;
}

/**
 * The edges of one security, as `namespace/label → namespace/label` of their nodes (`bookinfo/productpage
 * v1 → bookinfo/details`), sorted, one a line: what the canvas
 * draws a lock (mutual TLS) or an open lock (plaintext) on, for tests and tools that cannot read a
 * canvas (the e2e reads `data-mtls-edges`).
 */
function edgesWithSecurity(view: ViewGraph, security: NonNullable<ViewEdge['security']>): string {
  const label = new Map(view.nodes.map((n) => [n.id, `${n.namespace}/${n.label}`]));
  return view.edges
    .filter((e) => e.security === security)
    .map((e) => `${label.get(e.source) ?? e.source} → ${label.get(e.target) ?? e.target}`)
    .sort()
    .join('\n');
}

let rendererModule: Promise<typeof RendererModule> | null = null;

/**
 * G6 (`./renderer`, about 1.5 MB) as one import for the page's life. The page starts it as it loads,
 * so G6 downloads and compiles while the graph is being fetched, not after.
 */
export function loadRenderer(): Promise<typeof RendererModule> {
  rendererModule ??= import('./renderer').catch((err: unknown) => {
    rendererModule = null;
    throw err;
  });
  return rendererModule;
}

/** The graph. G6 comes with `./renderer` (see loadRenderer). */
export function TopologyCanvas({
  view,
  layout,
  drawingKey,
  selection,
  onSelect,
  focus,
  height = 'max(480px, calc(100vh - 370px))',
}: TopologyCanvasProps) {
  const { t } = useTranslation(['topology', 'common']);
  const container = useRef<HTMLDivElement>(null);
  const renderer = useRef<TopologyRenderer | null>(null);
  const positions = useRef<Positions>(new Map());
  const drawn = useRef<string | null>(null);
  // Draws run one after another: a newer view waits for the one being drawn.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const onSelectRef = useRef(onSelect);
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    onSelectRef.current = onSelect;
  });

  useEffect(() => {
    let cancelled = false;
    let created: TopologyRenderer | null = null;
    loadRenderer()
      .then(({ createRenderer }) => {
        if (cancelled || !container.current) return;
        created = createRenderer(container.current, {
          onSelect: (s) => onSelectRef.current(s),
        });
        renderer.current = created;
        setReady(true);
      })
      .catch(() => {
        if (!cancelled) setFailed(true);
      });
    return () => {
      cancelled = true;
      created?.destroy();
      renderer.current = null;
      drawn.current = null;
    };
  }, []);

  useEffect(() => {
    const r = renderer.current;
    if (!ready || !r) return;
    queue.current = queue.current
      .then(async () => {
        const { nodes, edges } = layoutInput(view);
        if (drawn.current !== drawingKey) {
          positions.current = computeLayout(layout, nodes, edges);
          await r.show(view, positions.current);
          drawn.current = drawingKey;
        } else {
          // Kept for nodes hidden for now, so a node shown again returns to its place.
          const placed = placeNew(nodes, edges, positions.current).positions;
          positions.current = new Map([...positions.current, ...placed]);
          await r.update(view, positions.current);
        }
      })
      .catch(() => setFailed(true));
  }, [ready, view, layout, drawingKey]);

  useEffect(() => {
    const r = renderer.current;
    if (!ready || !r) return;
    queue.current = queue.current.then(() => r.select(selection)).catch(() => undefined);
  }, [ready, selection]);

  useEffect(() => {
    const r = renderer.current;
    if (!ready || !r || !focus) return;
    queue.current = queue.current.then(() => r.focus(focus.id)).catch(() => undefined);
  }, [ready, focus]);

  return (
    <div style={{ position: 'relative' }}>
      {failed ? <Alert type="error" showIcon title={t('drawFailed')} /> : null}
      <div
        ref={container}
        role="img"
        aria-label={`${t('canvas')}: ${t('summary', {
          nodes: view.nodes.length,
          edges: view.edges.length,
        })}`}
        data-testid="topology-canvas"
        data-ready={ready && !failed ? 'true' : 'false'}
        data-mtls-edges={edgesWithSecurity(view, 'mutual_tls')}
        data-plaintext-edges={edgesWithSecurity(view, 'none')}
        data-mixed-edges={edgesWithSecurity(view, 'mixed')}
        style={{ height, width: '100%', background: '#fafafa', borderRadius: 8 }}
      />
      {!ready && !failed ? (
        <Spin style={{ position: 'absolute', top: '45%', left: '50%' }} aria-label={t('common:loading')} />
      ) : null}
    </div>
  );
}
