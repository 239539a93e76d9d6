import {
  BaseNode,
  CanvasEvent,
  ComboEvent,
  EdgeEvent,
  ExtensionCategory,
  Graph,
  GraphEvent,
  NodeEvent,
  register,
} from '@antv/g6';
import type {
  BaseNodeStyleProps,
  ComboData,
  EdgeData,
  GraphData,
  IElementEvent,
  IPointerEvent,
  NodeData,
} from '@antv/g6';
import { HEALTH_COLORS, L4_EDGE_COLOR, SECURITY_COLORS, SECURITY_GLYPHS } from './colors';
import { GROUP_BOX, KIND_SIZE, NAMESPACE_BOX, NODE_LABEL, nodeLabelText } from './geometry';
import type { Positions } from './layout';
import type { ViewEdge, ViewGraph, ViewNode } from './model';

/**
 * The G6 side of the topology, in its own module so that G6 is loaded (dynamic import) only when the
 * graph is drawn, and so the benchmark drives exactly what the page draws.
 *
 * What keeps a large graph responsive: positions come with the data (no G6 layout runs), nothing is
 * animated, labels exist only when zoomed in far enough to read them, edges are straight lines, and
 * during a zoom or pan everything but the nodes' key shapes is hidden (G6's optimize-viewport-transform).
 * What keeps the whole mesh legible: each namespace in a box of its own (its applications' boxes
 * inside), versions named by their version inside their application's box, long names cut in the
 * middle, and edge labels (rate, error rate) only where the operator looks: on the edges of the
 * hovered or selected node, or once zoomed in (on a small graph, always).
 * Live updates diff the data: removed elements go, new ones are added, the rest are updated in place,
 * and neither the viewport nor the selection changes.
 */
export interface RendererEvents {
  onSelect: (selection: { kind: 'node' | 'edge'; id: string } | null) => void;
}

/**
 * Above this many nodes the graph is drawn in batches: all edges of one health as one path, all nodes
 * of one health as another, so a frame draws eight shapes instead of tens of thousands of elements.
 * Nodes inside the view get their own element (label, selection) once zoomed in; a click on a batch
 * is resolved to the nearest node.
 */
export const BATCH_ABOVE = 1000;
/** Or this many edges (a grouped view of a huge mesh: few nodes, thousands of edges between them). */
export const BATCH_EDGES_ABOVE = 2000;

export function isBatched(view: Pick<ViewGraph, 'nodes' | 'edges'>): boolean {
  return view.nodes.length > BATCH_ABOVE || view.edges.length > BATCH_EDGES_ABOVE;
}
/** In batches, at most this many nodes in view get their own element when zoomed in. */
const DETAIL_LIMIT = 300;
const BATCH_NODE_SIZE = 14;

interface BatchStyleProps extends BaseNodeStyleProps {
  /** `edges`: hidden while the view is zoomed or panned (only nodes' `key` shapes stay, see below). */
  batchKind?: 'nodes' | 'edges';
  d?: string;
  batchFill?: string;
  batchStroke?: string;
  batchLineWidth?: number;
}

/** One path for many nodes or edges (see BATCH_ABOVE). */
class BatchShape extends BaseNode<BatchStyleProps> {
  protected drawKeyShape(
    attributes: Required<BatchStyleProps>,
    container: Parameters<BaseNode['render']>[1],
  ) {
    if (!container) return undefined;
    return this.upsert(
      attributes.batchKind === 'edges' ? 'edges' : 'key',
      'path',
      {
        d: attributes.d || 'M0 0',
        fill: attributes.batchFill || 'none',
        stroke: attributes.batchStroke || 'none',
        lineWidth: attributes.batchLineWidth || 1,
        lineCap: attributes.batchKind === 'nodes' ? 'square' : 'butt',
      },
      container,
    );
  }
}

let batchRegistered = false;
function registerBatch() {
  if (batchRegistered) return;
  register(ExtensionCategory.NODE, 'topology-batch', BatchShape);
  batchRegistered = true;
}

const HEALTH_KEYS = ['none', 'healthy', 'degraded', 'failing'] as const;

/** The batch data of a large graph: edge paths first (drawn below), then node paths. */
function batchData(view: ViewGraph, positions: Positions): NodeData[] {
  const edgeParts: Record<string, string[]> = { none: [], healthy: [], degraded: [], failing: [] };
  const nodeParts: Record<string, string[]> = { none: [], healthy: [], degraded: [], failing: [] };
  const at = (id: string) => positions.get(id) ?? { x: 0, y: 0 };
  const r = (v: number) => Math.round(v * 10) / 10;
  for (const e of view.edges) {
    const a = at(e.source);
    const b = at(e.target);
    edgeParts[e.requestsPerMinute > 0 ? e.health : 'none']?.push(`M${r(a.x)} ${r(a.y)}L${r(b.x)} ${r(b.y)}`);
  }

  for (const n of view.nodes) {
    const p = at(n.id);
    nodeParts[n.health]?.push(
      // A node is one short stroke with a square cap as wide as the node: two segments, not five.
      `M${r(p.x - 0.05)} ${r(p.y)}L${r(p.x + 0.05)} ${r(p.y)}`,
    );
  }
  const batch = (id: string, style: Partial<BatchStyleProps>, zIndex: number): NodeData => ({
    id,
    type: 'topology-batch',
    data: { batch: true },
    style: { x: 0, y: 0, zIndex, ...style },
  });
  return [
    ...HEALTH_KEYS.map((k) =>
      batch(
        `batch:edges:${k}`,
        {
          batchKind: 'edges',
          d: (edgeParts[k] as string[]).join('') || 'M0 0',
          batchStroke: k === 'none' ? '#d9d9d9' : HEALTH_COLORS[k],
          batchLineWidth: 1,
        },
        0,
      ),
    ),
    ...HEALTH_KEYS.map((k) =>
      batch(
        `batch:nodes:${k}`,
        {
          batchKind: 'nodes',
          d: (nodeParts[k] as string[]).join('') || 'M0 0',
          batchStroke: HEALTH_COLORS[k],
          batchLineWidth: BATCH_NODE_SIZE,
        },
        1,
      ),
    ),
  ];
}

/** Labels appear from this zoom level up (and always on small graphs). */
export const LABEL_ZOOM = 0.6;
/** Graphs up to this many nodes always show labels. */
export const ALWAYS_LABEL_BELOW = 200;
/** Above this many edges, edge labels are shown only from this zoom level up (or on hover and selection). */
export const QUIET_EDGES_ABOVE = 24;
export const EDGE_LABEL_ZOOM = 1.2;
/** A fitted small graph is not blown up beyond this. */
const MAX_FIT_ZOOM = 1.25;

export const namespaceBoxId = (namespace: string) => `nsbox:${namespace}`;

const isNamespaceBox = (d: ComboData) => d.data?.kind === 'namespace';

const KIND_TYPE: Record<ViewNode['kind'], string> = {
  app: 'circle',
  version: 'circle',
  service: 'triangle',
  namespace: 'rect',
  appGroup: 'hexagon',
};

function formatRate(perMinute: number): string {
  if (perMinute >= 1000) return `${(perMinute / 1000).toFixed(1)}k/min`;
  return `${perMinute.toFixed(perMinute >= 10 ? 0 : 1)}/min`;
}

/** Bytes per second, short: 830 B/s, 12.5 kB/s. */
function formatBytesRate(perSecond: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let v = perSecond;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 || v >= 10 ? 0 : 1)} ${units[u]}/s`;
}

export function edgeLabel(e: ViewEdge): string {
  if (e.share !== null) return `${Math.round(e.share * 100)}%`;
  // Connections only (a TCP service, ambient without a waypoint): its bytes, marked as L4.
  if (e.l4 && e.tcpBytesPerSecond > 0) return `TCP ${formatBytesRate(e.tcpBytesPerSecond)}`;
  if (e.requestsPerMinute <= 0) return '';
  const errors = e.errorRate && e.errorRate > 0 ? ` · ${(e.errorRate * 100).toFixed(1)}%` : '';
  return `${formatRate(e.requestsPerMinute)}${errors}`;
}

function nodeDatum(n: ViewNode, p: { x: number; y: number } | undefined, boxed: boolean): NodeData {
  const combo = n.group ?? (boxed ? namespaceBoxId(n.namespace) : null);
  return {
    id: n.id,
    ...(combo ? { combo } : {}),
    type: KIND_TYPE[n.kind],
    data: { kind: n.kind, label: nodeLabelText(n) },
    style: {
      x: p?.x ?? 0,
      y: p?.y ?? 0,
      size: KIND_SIZE[n.kind],
      fill: HEALTH_COLORS[n.health],
      stroke: n.node && !n.node.inCatalog ? '#595959' : '#ffffff',
      lineWidth: 1.5,
    },
  };
}

function edgeDatum(e: ViewEdge): EdgeData {
  const l4 = e.l4 && e.tcpBytesPerSecond > 0;
  const active = e.requestsPerMinute > 0 || l4;
  const width =
    e.requestsPerMinute > 0
      ? Math.min(4, 1 + Math.log10(1 + e.requestsPerMinute) / 2)
      : l4
        ? Math.min(4, 1 + Math.log10(1 + e.tcpBytesPerSecond) / 4)
        : 1;
  return {
    id: e.id,
    source: e.source,
    target: e.target,
    data: { label: edgeLabel(e), security: e.security },
    style: {
      // An L4 edge has no requests to judge its health by: its own colour.
      stroke: l4 ? L4_EDGE_COLOR : e.requestsPerMinute > 0 ? HEALTH_COLORS[e.health] : '#d9d9d9',
      lineWidth: width,
      lineDash: active ? 0 : [4, 4],
      ...securityBadge(e),
    },
  };
}

/**
 * How the edge's requests arrived, as Kiali marks it: a lock on the edge (beside its label) for mutual
 * TLS, an open lock for plaintext, both for a mix. An edge that says nothing (idle, L4 alone) has none.
 */
function securityBadge(e: Pick<ViewEdge, 'security'>): Record<string, unknown> {
  if (!e.security) return { badge: false, badgeText: '' };
  return {
    badgeText: SECURITY_GLYPHS[e.security],
    badgePlacement: 'prefix',
    badgeFontSize: 10,
    badgeFill: SECURITY_COLORS[e.security],
    badgeBackground: true,
    badgeBackgroundFill: '#ffffff',
    badgeBackgroundStroke: SECURITY_COLORS[e.security],
    badgeBackgroundRadius: 4,
    badgePadding: [1, 2],
  };
}

export function toG6Data(view: ViewGraph, positions: Positions, detail?: ReadonlySet<string>): GraphData {
  if (isBatched(view)) {
    return {
      nodes: [
        ...batchData(view, positions),
        ...view.nodes
          .filter((n) => detail?.has(n.id))
          .map((n) => {
            const d = nodeDatum(n, positions.get(n.id), false);
            return { ...d, style: { ...d.style, zIndex: 2 } };
          }),
      ],
      edges: [],
      combos: [],
    };
  }
  // Namespaces in boxes of their own, when drawn as nodes (not when a namespace is one node).
  const boxed = !view.grouped;
  const namespaces = boxed ? [...new Set(view.nodes.map((n) => n.namespace))].sort() : [];
  return {
    nodes: view.nodes.map((n) => nodeDatum(n, positions.get(n.id), boxed)),
    edges: view.edges.map(edgeDatum),
    combos: [
      ...namespaces.map((ns): ComboData => ({
        id: namespaceBoxId(ns),
        data: { label: ns, kind: 'namespace' },
        style: {},
      })),
      ...view.groups.map((g): ComboData => ({
        id: g.id,
        ...(boxed ? { combo: namespaceBoxId(g.namespace) } : {}),
        data: { label: g.label, kind: 'application' },
        style: {},
      })),
    ],
  };
}

export interface TopologyRenderer {
  readonly graph: Graph;
  /** Draws a new graph, fitting it to the view. */
  show(view: ViewGraph, positions: Positions): Promise<void>;
  /** Applies a newer version of the same graph: positions, viewport and selection stay. */
  update(view: ViewGraph, positions: Positions): Promise<void>;
  select(selection: { kind: 'node' | 'edge'; id: string } | null): Promise<void>;
  focus(id: string): Promise<void>;
  labelsShown(): boolean;
  destroy(): void;
}

export function createRenderer(container: HTMLElement, events: RendererEvents): TopologyRenderer {
  registerBatch();
  let labels = true;
  let large = false;
  let batched = false;
  // Many edges: their labels only on hover, selection or zoomed in.
  let quiet = false;
  let selected: { kind: 'node' | 'edge'; id: string } | null = null;
  let view: ViewGraph = { nodes: [], edges: [], groups: [], grouped: false, hidden: 0 };
  let positions: Positions = new Map();
  let detail: Set<string> = new Set();

  const nodeOptions = () => ({
    style: {
      labelText: (d: NodeData) => (labels ? String(d.data?.label ?? '') : ''),
      label: labels,
      labelFontSize: NODE_LABEL.fontSize,
      labelLineHeight: NODE_LABEL.lineHeight,
      labelOffsetY: NODE_LABEL.offsetY,
      labelPadding: [0, NODE_LABEL.paddingX],
      labelPlacement: 'bottom' as const,
      labelBackground: labels,
      labelBackgroundFill: '#ffffff',
      labelBackgroundOpacity: 0.8,
    },
    state: {
      selected: { stroke: '#1677ff', lineWidth: 4, halo: true, haloStroke: '#1677ff' },
      active: { stroke: '#1677ff', lineWidth: 2.5 },
      inactive: { opacity: 0.3 },
    },
  });
  const edgeOptions = () => ({
    type: 'line',
    style: {
      endArrow: !large,
      endArrowSize: 6,
      label: labels && !large && !quiet,
      labelText: (d: EdgeData) => (labels && !large ? String(d.data?.label ?? '') : ''),
      labelFontSize: 10,
      labelBackground: true,
      labelBackgroundFill: '#ffffff',
      labelBackgroundOpacity: 0.85,
      // The lock (see securityBadge) whenever nodes are labelled: it tells more than the rate.
      badge: (d: EdgeData) => labels && Boolean(d.data?.security),
    },
    state: {
      selected: { stroke: '#1677ff', lineWidth: 3, halo: true, label: labels && !large },
      // The edges of the hovered node (hover-activate) and of the selected one.
      active: { label: labels && !large, lineWidth: 2.5 },
      neighbour: { label: labels && !large },
      inactive: { strokeOpacity: 0.15, label: false },
    },
  });

  const graph = new Graph({
    container,
    autoResize: true,
    animation: false,
    padding: 24,
    zoomRange: [0.02, 4],
    node: nodeOptions(),
    edge: edgeOptions(),
    combo: {
      type: 'rect',
      // The layout leaves room for exactly these boxes and their titles (see geometry.ts).
      style: {
        labelText: (d: ComboData) => String(d.data?.label ?? ''),
        labelPlacement: 'top',
        labelFontSize: (d: ComboData) =>
          isNamespaceBox(d) ? NAMESPACE_BOX.titleFontSize : GROUP_BOX.titleFontSize,
        labelLineHeight: (d: ComboData) =>
          isNamespaceBox(d) ? NAMESPACE_BOX.titleLineHeight : GROUP_BOX.titleLineHeight,
        labelFontWeight: (d: ComboData) => (isNamespaceBox(d) ? 600 : 400),
        labelFill: (d: ComboData) => (isNamespaceBox(d) ? '#1d39c4' : '#434343'),
        fill: (d: ComboData) => (isNamespaceBox(d) ? '#2f54eb' : '#99add1'),
        fillOpacity: (d: ComboData) => (isNamespaceBox(d) ? 0.03 : 0.08),
        stroke: (d: ComboData) => (isNamespaceBox(d) ? '#adc6ff' : '#99add1'),
        lineDash: (d: ComboData) => (isNamespaceBox(d) ? [6, 4] : 0),
        radius: (d: ComboData) => (isNamespaceBox(d) ? 10 : 4),
        padding: (d: ComboData) => (isNamespaceBox(d) ? NAMESPACE_BOX.padding : GROUP_BOX.padding),
      },
      // While a node is hovered the boxes stay light (the theme's inactive box is filled dark).
      state: { inactive: { fillOpacity: 0.03, strokeOpacity: 0.5, labelOpacity: 0.6 } },
    },
    behaviors: [
      'zoom-canvas',
      'drag-canvas',
      {
        // Hovering a node lights up its calls (their labels too) and its neighbours, dims the rest.
        type: 'hover-activate',
        key: 'hover',
        degree: 1,
        state: 'active',
        inactiveState: 'inactive',
        animation: false,
        enable: (event: IPointerEvent) => !batched && event.targetType === 'node',
      },
      {
        // While the view moves, draw nodes only: no edges (elements or batches), no labels, no groups.
        type: 'optimize-viewport-transform',
        key: 'optimize',
        debounce: 120,
        shapes: (type: string, shape: { className?: string }) =>
          type === 'node' && shape.className !== 'edges' && shape.className !== 'label',
      },
    ],
  });

  // Batched graphs always label their detail nodes (they exist only when zoomed in).
  const wantLabels = () => batched || !large || graph.getZoom() >= LABEL_ZOOM;

  /** In batches: the nodes in view, once zoomed in far enough to read them, and the selected one. */
  const wantedDetail = (): Set<string> => {
    const out = new Set<string>();
    if (!batched) return out;
    if (selected?.kind === 'node') out.add(selected.id);
    if (graph.getZoom() < LABEL_ZOOM) return out;
    const [w, h] = graph.getSize();
    const [x0 = 0, y0 = 0] = graph.getCanvasByViewport([0, 0]);
    const [x1 = 0, y1 = 0] = graph.getCanvasByViewport([w, h]);
    for (const n of view.nodes) {
      const p = positions.get(n.id);
      if (!p || p.x < x0 || p.x > x1 || p.y < y0 || p.y > y1) continue;
      out.add(n.id);
      if (out.size >= DETAIL_LIMIT) break;
    }
    return out;
  };

  /**
   * What each node and edge was last drawn with: a live refresh redraws only what changed (an edge's
   * rate, a node's health), not the whole graph every few seconds, which on a busy machine kept the
   * page from answering clicks for seconds at a time.
   */
  let drawnWith = new Map<string, string>();
  const signature = (d: NodeData | EdgeData) => JSON.stringify([d.data, d.style, d.combo ?? null]);
  const rememberDrawn = (data: GraphData) => {
    drawnWith = new Map();
    for (const n of data.nodes ?? []) drawnWith.set(`node:${n.id}`, signature(n));
    for (const e of data.edges ?? []) drawnWith.set(`edge:${e.id}`, signature(e));
  };
  const changedOnly = <T extends NodeData | EdgeData>(kind: 'node' | 'edge', items: T[]): T[] =>
    items.filter((d) => {
      const key = `${kind}:${d.id}`;
      const sig = signature(d);
      if (drawnWith.get(key) === sig) return false;
      drawnWith.set(key, sig);
      return true;
    });

  const applyData = async (next: GraphData) => {
    const current = graph.getData();
    const ids = (xs: { id?: string | number }[] | undefined) => new Set((xs ?? []).map((x) => String(x.id)));
    const nodeIdsNow = ids(current.nodes);
    const edgeIdsNow = ids(current.edges);
    const comboIdsNow = ids(current.combos);
    const nextNodes = ids(next.nodes);
    const nextEdges = ids(next.edges);
    const nextCombos = ids(next.combos);
    const removed = {
      edges: [...edgeIdsNow].filter((id) => !nextEdges.has(id)),
      nodes: [...nodeIdsNow].filter((id) => !nextNodes.has(id)),
      combos: [...comboIdsNow].filter((id) => !nextCombos.has(id)),
    };
    for (const id of removed.edges) drawnWith.delete(`edge:${id}`);
    for (const id of removed.nodes) drawnWith.delete(`node:${id}`);
    const added = {
      combos: (next.combos ?? []).filter((c) => !comboIdsNow.has(String(c.id))),
      nodes: changedOnly(
        'node',
        (next.nodes ?? []).filter((n) => !nodeIdsNow.has(String(n.id))),
      ),
      edges: changedOnly(
        'edge',
        (next.edges ?? []).filter((e) => !edgeIdsNow.has(String(e.id))),
      ),
    };
    const updated = {
      nodes: changedOnly(
        'node',
        (next.nodes ?? []).filter((n) => nodeIdsNow.has(String(n.id))),
      ),
      edges: changedOnly(
        'edge',
        (next.edges ?? []).filter((e) => edgeIdsNow.has(String(e.id))),
      ),
    };
    const count = (o: Record<string, unknown[]>) => Object.values(o).reduce((sum, xs) => sum + xs.length, 0);
    if (count(removed) + count(added) + count(updated) === 0) return;
    graph.removeData(removed);
    graph.addData(added);
    graph.updateData(updated);
    await graph.draw();
  };

  const applySelection = async () => {
    const states: Record<string, string[]> = {};
    for (const n of graph.getElementDataByState('node', 'selected')) states[String(n.id)] = [];
    for (const e of graph.getElementDataByState('edge', 'selected')) states[String(e.id)] = [];
    for (const e of graph.getElementDataByState('edge', 'neighbour')) states[String(e.id)] = [];
    if (selected && graph.hasNode(selected.id)) {
      // The selected node's calls keep their labels, however far out the view is.
      for (const e of graph.getRelatedEdgesData(selected.id)) states[String(e.id)] = ['neighbour'];
      states[selected.id] = ['selected'];
    } else if (selected && graph.hasEdge(selected.id)) states[selected.id] = ['selected'];
    if (Object.keys(states).length > 0) await graph.setElementState(states, false);
  };

  const wantQuiet = () => view.edges.length > QUIET_EDGES_ABOVE && graph.getZoom() < EDGE_LABEL_ZOOM;

  const syncView = async () => {
    const want = wantLabels();
    const wantedQuiet = wantQuiet();
    if (want !== labels || wantedQuiet !== quiet) {
      labels = want;
      quiet = wantedQuiet;
      graph.setNode(nodeOptions());
      graph.setEdge(edgeOptions());
      await graph.draw();
    }
    if (batched) {
      const next = wantedDetail();
      const same = next.size === detail.size && [...next].every((id) => detail.has(id));
      if (!same) {
        detail = next;
        await applyData(toG6Data(view, positions, detail));
        await applySelection();
      }
    }
  };

  let transformTimer: ReturnType<typeof setTimeout> | undefined;
  graph.on(GraphEvent.AFTER_TRANSFORM, () => {
    // After the gesture settles: one data change, not one per frame.
    if (transformTimer !== undefined) clearTimeout(transformTimer);
    transformTimer = setTimeout(() => void syncView(), 150);
  });

  /** A click on a batch: the nearest node under the pointer, if any. */
  const nodeAt = (x: number, y: number): string | null => {
    let best: string | null = null;
    let bestDistance = BATCH_NODE_SIZE;
    for (const n of view.nodes) {
      const p = positions.get(n.id);
      if (!p) continue;
      const d = Math.max(Math.abs(p.x - x), Math.abs(p.y - y));
      if (d <= bestDistance) {
        best = n.id;
        bestDistance = d;
      }
    }
    return best;
  };
  graph.on(NodeEvent.CLICK, (event: IElementEvent) => {
    const id = String(event.target.id);
    if (id.startsWith('batch:')) {
      const hit = nodeAt(event.canvas.x, event.canvas.y);
      events.onSelect(hit ? { kind: 'node', id: hit } : null);
      return;
    }
    events.onSelect({ kind: 'node', id });
  });
  graph.on(EdgeEvent.CLICK, (event: IElementEvent) =>
    events.onSelect({ kind: 'edge', id: String(event.target.id) }),
  );
  graph.on(ComboEvent.CLICK, () => undefined);
  graph.on(CanvasEvent.CLICK, () => events.onSelect(null));

  return {
    graph,
    async show(next, nextPositions) {
      view = next;
      positions = nextPositions;
      large = next.nodes.length > ALWAYS_LABEL_BELOW || next.edges.length > ALWAYS_LABEL_BELOW;
      batched = isBatched(next);
      // A large graph starts fitted, i.e. far out: no labels until the operator zooms in.
      labels = !large || batched;
      quiet = next.edges.length > QUIET_EDGES_ABOVE;
      detail = new Set(selected?.kind === 'node' && batched ? [selected.id] : []);
      graph.setNode(nodeOptions());
      graph.setEdge(edgeOptions());
      const data = toG6Data(next, nextPositions, detail);
      graph.setData(data);
      rememberDrawn(data);
      await graph.render();
      await graph.fitView();
      // A small graph fitted would be blown up: it is shown at a readable size, centred.
      if (graph.getZoom() > MAX_FIT_ZOOM) await graph.zoomTo(MAX_FIT_ZOOM, false);
      await syncView();
      await applySelection();
    },
    async update(next, nextPositions) {
      const wasBatched = batched;
      view = next;
      positions = nextPositions;
      large = next.nodes.length > ALWAYS_LABEL_BELOW || next.edges.length > ALWAYS_LABEL_BELOW;
      batched = isBatched(next);
      if (batched !== wasBatched) {
        labels = wantLabels();
        detail = wantedDetail();
        graph.setNode(nodeOptions());
        graph.setEdge(edgeOptions());
        const data = toG6Data(next, nextPositions, detail);
        graph.setData(data);
        rememberDrawn(data);
        await graph.draw();
      } else {
        if (batched) detail = wantedDetail();
        await applyData(toG6Data(next, nextPositions, detail));
      }
      await applySelection();
    },
    async select(selection) {
      selected = selection;
      if (batched) await syncView();
      await applySelection();
    },
    async focus(id) {
      if (graph.hasNode(id)) await graph.focusElement(id);
      else if (positions.has(id)) {
        // A node inside a batch: bring its place to the centre, zoomed in to read it.
        const p = positions.get(id) as { x: number; y: number };
        await graph.zoomTo(Math.max(graph.getZoom(), 1), false);
        const [ox = 0, oy = 0] = graph.getViewportCenter();
        const [vx = 0, vy = 0] = graph.getViewportByCanvas([p.x, p.y]);
        await graph.translateBy([ox - vx, oy - vy], false);
        await syncView();
      }
    },
    labelsShown: () => labels,
    destroy() {
      if (transformTimer !== undefined) clearTimeout(transformTimer);
      graph.destroy();
    },
  };
}
