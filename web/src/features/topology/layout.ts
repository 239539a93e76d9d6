import {
  GROUP_BOX,
  GROUP_GAP,
  KIND_SIZE,
  NAMESPACE_BOX,
  NODE_LABEL_HEIGHT,
  groupTitleWidth,
  nodeWidth,
} from './geometry';
import type { ViewGraph } from './model';

/**
 * Node positions, computed here rather than by the graph library: both layouts are linear (or nearly)
 * in the size of the graph, run before anything is drawn, and give positions that later updates keep.
 *
 *  - `layered`: callers left of what they call, like dagre's left-to-right ranks: each node's rank is
 *    the longest path to it (cycles broken where the walk meets them), then two barycenter sweeps order
 *    each rank to shorten edges. A group (an application's versions, drawn in one box) is ranked as one
 *    node, so its members share a column; there they stay next to each other, ordered as a whole by
 *    their barycenter, with room around the group for its box and the title above it.
 *    With several namespaces (the whole mesh), each namespace is laid out so on its own, with its own
 *    calls only, and drawn in a box of its own; the boxes are packed in rows about as wide as the
 *    canvas is (clusteredLayout). Calls between namespaces (the ingress gateway's, mostly) cross
 *    between boxes instead of every namespace's columns interleaving into one unreadable band.
 *  - `fast`: for large graphs: every namespace is a block, its nodes filled into columns in rank
 *    order, blocks in a grid. A group is never split between columns and gets the same room around
 *    it. No crossing reduction; a few milliseconds for 20,000 nodes.
 */
export type LayoutName = 'layered' | 'fast';

export interface LayoutNode {
  id: string;
  /** Nodes with the same group are kept together within a rank. */
  group?: string | null;
  namespace: string;
  /** Drawn size (diameter); DEFAULT_NODE_SIZE when not given. */
  size?: number;
  /**
   * Horizontal room the node needs, centred on it: its label, and for a group's member also the
   * group's title (less the box's padding). Its size when not given.
   */
  width?: number;
}

export interface LayoutEdge {
  source: string;
  target: string;
}

export type Positions = Map<string, { x: number; y: number }>;

/**
 * Distances between node centres. The whole mesh's namespaces (clusteredLayout) are a little denser
 * (still clear of labels: a node and its label take 40), as the fitted view is smaller.
 */
export const SPACING = { rank: 220, row: 64, block: 120, clusterRank: 170, clusterRow: 52 } as const;

/** Width to height of the rows the namespaces' boxes are packed into: about the canvas's. */
const CLUSTER_ASPECT = 2.2;

const DEFAULT_NODE_SIZE = KIND_SIZE.app;

/** What the layouts need of a drawn graph. */
export function layoutInput(view: Pick<ViewGraph, 'nodes' | 'edges' | 'groups'>): {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
} {
  const titleRoom = new Map(view.groups.map((g) => [g.id, groupTitleWidth(g.label) - 2 * GROUP_BOX.padding]));
  return {
    nodes: view.nodes.map((n) => ({
      id: n.id,
      group: n.group,
      namespace: n.namespace,
      size: KIND_SIZE[n.kind],
      width: Math.max(nodeWidth(n), n.group ? (titleRoom.get(n.group) ?? 0) : 0),
    })),
    edges: view.edges,
  };
}

const sizeOf = (n: LayoutNode) => n.size ?? DEFAULT_NODE_SIZE;

/** Half the width a node takes in its column: a group's member, its group's box (title included). */
function halfWidth(n: LayoutNode): number {
  const size = sizeOf(n);
  return n.group ? Math.max(size, n.width ?? size) / 2 + GROUP_BOX.padding : size / 2;
}

/** Distance between the centres of two columns: `step` at least, more if their group boxes need it. */
function columnGap(left: number, right: number, step: number): number {
  return Math.max(step, left + GROUP_GAP + right);
}

/**
 * Distance from one node's centre to the next one's below it in a column, `step` apart at least:
 * where a group ends or begins, enough for its box (members' labels and padding below, padding and
 * title above) and GROUP_GAP of free space.
 */
function gapBetween(above: LayoutNode, below: LayoutNode, step: number): number {
  const a = above.group ?? null;
  const b = below.group ?? null;
  if (a === b) return step;
  const under = sizeOf(above) / 2 + NODE_LABEL_HEIGHT + (a !== null ? GROUP_BOX.padding : 0);
  const over = sizeOf(below) / 2 + (b !== null ? GROUP_BOX.padding + GROUP_BOX.titleHeight : 0);
  return Math.max(step, under + GROUP_GAP + over);
}

/** Above this many nodes the page picks the fast layout. */
const FAST_LAYOUT_ABOVE = 400;

export function chooseLayout(nodeCount: number): LayoutName {
  return nodeCount > FAST_LAYOUT_ABOVE ? 'fast' : 'layered';
}

/** Longest-path ranks; an edge closing a cycle is ignored. Iterative, so deep chains do not overflow. */
export function ranks(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): Map<string, number> {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const out: number[][] = nodes.map(() => []);
  const indegree = new Int32Array(nodes.length);
  for (const e of edges) {
    const s = index.get(e.source);
    const t = index.get(e.target);
    if (s === undefined || t === undefined || s === t) continue;
    (out[s] as number[]).push(t);
    indegree[t] = (indegree[t] as number) + 1;
  }
  // Kahn's order; what remains after it (cycles) is released one node at a time, lowest indegree first.
  const rank = new Int32Array(nodes.length);
  const done = new Uint8Array(nodes.length);
  const queue: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (indegree[i] === 0) queue.push(i);
  let head = 0;
  let processed = 0;
  let scan = 0;
  while (processed < nodes.length) {
    if (head === queue.length) {
      // A cycle: start it from the first node not yet placed.
      while (done[scan]) scan++;
      queue.push(scan);
      indegree[scan] = 0;
    }
    const i = queue[head++] as number;
    if (done[i]) continue;
    done[i] = 1;
    processed++;
    for (const t of out[i] as number[]) {
      if (done[t]) continue;
      if ((rank[t] as number) < (rank[i] as number) + 1) rank[t] = (rank[i] as number) + 1;
      indegree[t] = (indegree[t] as number) - 1;
      if (indegree[t] === 0) queue.push(t);
    }
  }
  return new Map(nodes.map((n, i) => [n.id, rank[i] as number]));
}

/**
 * Ranks as `ranks` gives them, with each group taken as one node (edges inside it ignored): all
 * members of a group share a rank, so the group's box covers one column and nothing of the others.
 */
function groupRanks(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): Map<string, number> {
  if (!nodes.some((n) => n.group)) return ranks(nodes, edges);
  const keyOf = new Map<string, string>();
  const keys: LayoutNode[] = [];
  const seen = new Set<string>();
  for (const n of nodes) {
    const key = n.group ? `group\u0000${n.group}` : n.id;
    keyOf.set(n.id, key);
    if (!seen.has(key)) {
      seen.add(key);
      keys.push({ id: key, namespace: n.namespace });
    }
  }
  const keyEdges: LayoutEdge[] = [];
  for (const e of edges) {
    const source = keyOf.get(e.source);
    const target = keyOf.get(e.target);
    if (source !== undefined && target !== undefined && source !== target) keyEdges.push({ source, target });
  }
  const rankOfKey = ranks(keys, keyEdges);
  return new Map(nodes.map((n) => [n.id, rankOfKey.get(keyOf.get(n.id) as string) ?? 0]));
}

/** Orders of each rank after barycenter sweeps (groups kept contiguous). */
function orderRanks(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  rankOf: Map<string, number>,
): string[][] {
  const layers: string[][] = [];
  for (const n of nodes) {
    const r = rankOf.get(n.id) ?? 0;
    (layers[r] ??= []).push(n.id);
  }
  const groupOf = new Map(nodes.map((n) => [n.id, n.group ?? n.id]));
  const neighbours = new Map<string, string[]>();
  for (const e of edges) {
    if (!rankOf.has(e.source) || !rankOf.has(e.target)) continue;
    (neighbours.get(e.source) ?? neighbours.set(e.source, []).get(e.source))?.push(e.target);
    (neighbours.get(e.target) ?? neighbours.set(e.target, []).get(e.target))?.push(e.source);
  }
  const pos = new Map<string, number>();
  for (const layer of layers) layer?.forEach((id, i) => pos.set(id, i));
  const sweep = (layer: string[]) => {
    const bary = new Map<string, number>();
    for (const id of layer) {
      const ns = neighbours.get(id) ?? [];
      let sum = 0;
      let count = 0;
      for (const n of ns) {
        const p = pos.get(n);
        if (p !== undefined && rankOf.get(n) !== rankOf.get(id)) {
          sum += p;
          count++;
        }
      }
      bary.set(id, count > 0 ? sum / count : (pos.get(id) ?? 0));
    }
    // A group sorts by its members' mean, and its members stay together.
    const groupBary = new Map<string, { sum: number; n: number }>();
    for (const id of layer) {
      const g = groupOf.get(id) as string;
      const acc = groupBary.get(g) ?? { sum: 0, n: 0 };
      acc.sum += bary.get(id) as number;
      acc.n++;
      groupBary.set(g, acc);
    }
    const gb = (id: string) => {
      const acc = groupBary.get(groupOf.get(id) as string) as { sum: number; n: number };
      return acc.sum / acc.n;
    };
    layer.sort(
      (a, b) =>
        gb(a) - gb(b) ||
        (groupOf.get(a) as string).localeCompare(groupOf.get(b) as string) ||
        (bary.get(a) as number) - (bary.get(b) as number),
    );
    layer.forEach((id, i) => pos.set(id, i));
  };
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 1; r < layers.length; r++) if (layers[r]) sweep(layers[r] as string[]);
    for (let r = layers.length - 2; r >= 0; r--) if (layers[r]) sweep(layers[r] as string[]);
  }
  return layers.map((l) => l ?? []);
}

export function layeredLayout(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  rankStep: number = SPACING.rank,
  rowStep: number = SPACING.row,
): Positions {
  const rankOf = groupRanks(nodes, edges);
  const layers = orderRanks(nodes, edges, rankOf);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const positions: Positions = new Map();
  let x = 0;
  let half = 0;
  layers.forEach((layer, r) => {
    // Centres down the column, with room around each group; then the column centred on y = 0.
    const ys: number[] = [];
    let y = 0;
    let prev: LayoutNode | null = null;
    let layerHalf = 0;
    for (const id of layer) {
      const n = byId.get(id) as LayoutNode;
      if (prev) y += gapBetween(prev, n, rowStep);
      ys.push(y);
      layerHalf = Math.max(layerHalf, halfWidth(n));
      prev = n;
    }
    // Columns SPACING.rank apart, or further where wide group boxes would meet.
    if (r > 0) x += columnGap(half, layerHalf, rankStep);
    half = layerHalf;
    const offset = y / 2;
    layer.forEach((id, i) => positions.set(id, { x, y: (ys[i] as number) - offset }));
  });
  return positions;
}

export function fastLayout(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): Positions {
  const rankOf = groupRanks(nodes, edges);
  const byNamespace = new Map<string, LayoutNode[]>();
  for (const n of nodes) {
    const list = byNamespace.get(n.namespace);
    if (list) list.push(n);
    else byNamespace.set(n.namespace, [n]);
  }
  const blocks = [...byNamespace.entries()].sort(([a], [b]) => a.localeCompare(b));
  const columnsOfBlocks = Math.max(1, Math.ceil(Math.sqrt(blocks.length)));
  const positions: Positions = new Map();
  const colSpacing = SPACING.rank / 2;
  const rowSpacing = SPACING.row / 2;
  let blockX = 0;
  let blockY = 0;
  let rowHeight = 0;
  blocks.forEach(([, members], b) => {
    // Nodes by rank, then group, filled column after column: ranks still read left to right, and
    // the block comes out about as wide as it is tall, however deep or shallow its call graph is.
    const rows = Math.max(4, Math.ceil(Math.sqrt((members.length * colSpacing) / rowSpacing)));
    const ordered = [...members].sort(
      (x, y) =>
        (rankOf.get(x.id) ?? 0) - (rankOf.get(y.id) ?? 0) || (x.group ?? x.id).localeCompare(y.group ?? y.id),
    );
    // Runs: a group's members, or one node; a run is never split between columns.
    const runEnds: number[] = [];
    let limit = (rows - 1) * rowSpacing;
    for (let s = 0; s < ordered.length;) {
      const group = (ordered[s] as LayoutNode).group;
      let e = s + 1;
      if (group) while (e < ordered.length && (ordered[e] as LayoutNode).group === group) e++;
      runEnds.push(e);
      limit = Math.max(limit, (e - s - 1) * rowSpacing);
      s = e;
    }
    // Column of each node (in `ordered`'s order), its y, and each column's half width.
    const colOf = new Int32Array(ordered.length);
    const yOf = new Float64Array(ordered.length);
    const halves: number[] = [0];
    let col = 0;
    let y = 0;
    let maxY = 0;
    let start = 0;
    for (const end of runEnds) {
      const first = ordered[start] as LayoutNode;
      const runHeight = (end - start - 1) * rowSpacing;
      if (start > 0) {
        const next = y + gapBetween(ordered[start - 1] as LayoutNode, first, rowSpacing);
        if (next + runHeight > limit) {
          col++;
          halves.push(0);
          y = 0;
        } else {
          y = next;
        }
      }
      for (let i = start; i < end; i++) {
        colOf[i] = col;
        yOf[i] = y + (i - start) * rowSpacing;
        halves[col] = Math.max(halves[col] as number, halfWidth(ordered[i] as LayoutNode));
      }
      y += runHeight;
      maxY = Math.max(maxY, y);
      start = end;
    }
    // Columns colSpacing apart, or further where wide group boxes would meet; a wide first or last
    // column widens the block, so that it does not meet the next block either.
    const colX = [Math.max(0, (halves[0] as number) - colSpacing / 2)];
    for (let c = 1; c <= col; c++)
      colX.push(
        (colX[c - 1] as number) + columnGap(halves[c - 1] as number, halves[c] as number, colSpacing),
      );
    ordered.forEach((n, i) =>
      positions.set(n.id, {
        x: blockX + (colX[colOf[i] as number] as number),
        y: blockY + (yOf[i] as number),
      }),
    );
    const width = (colX[col] as number) + Math.max(colSpacing, (halves[col] as number) + colSpacing / 2);
    rowHeight = Math.max(rowHeight, maxY + rowSpacing);
    if ((b + 1) % columnsOfBlocks === 0) {
      blockX = 0;
      blockY += rowHeight + SPACING.block;
      rowHeight = 0;
    } else {
      blockX += width + SPACING.block;
    }
  });
  return positions;
}

/** What a node takes around its centre: its label, and for a group's member its box and title. */
function extent(n: LayoutNode): { left: number; right: number; top: number; bottom: number } {
  const size = sizeOf(n);
  const half = Math.max(halfWidth(n), (n.width ?? size) / 2);
  const inGroup = n.group ? GROUP_BOX.padding : 0;
  return {
    left: half,
    right: half,
    top: size / 2 + inGroup + (n.group ? GROUP_BOX.titleHeight : 0),
    bottom: size / 2 + NODE_LABEL_HEIGHT + inGroup,
  };
}

/**
 * The whole mesh (see the top of this file): a layered layout per namespace, in boxes packed into
 * rows (tallest first) that fill a canvas CLUSTER_ASPECT times as wide as it is tall best. One namespace:
 * the layered layout as it is.
 */
export function clusteredLayout(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  aspect = CLUSTER_ASPECT,
): Positions {
  const byNamespace = new Map<string, LayoutNode[]>();
  for (const n of nodes) {
    const list = byNamespace.get(n.namespace);
    if (list) list.push(n);
    else byNamespace.set(n.namespace, [n]);
  }
  if (byNamespace.size <= 1) return layeredLayout(nodes, edges);
  const namespaceOf = new Map(nodes.map((n) => [n.id, n.namespace]));
  const inner = new Map<string, LayoutEdge[]>();
  for (const e of edges) {
    const ns = namespaceOf.get(e.source);
    if (ns === undefined || ns !== namespaceOf.get(e.target)) continue;
    (inner.get(ns) ?? inner.set(ns, []).get(ns))?.push(e);
  }
  // Room around a block for its namespace's box and title, and between boxes.
  const frame = NAMESPACE_BOX.padding;
  const gap = 2 * GROUP_GAP;
  const blocks = [...byNamespace.entries()].map(([ns, members]) => {
    const p = layeredLayout(members, inner.get(ns) ?? [], SPACING.clusterRank, SPACING.clusterRow);
    let x1 = Infinity;
    let y1 = Infinity;
    let x2 = -Infinity;
    let y2 = -Infinity;
    for (const n of members) {
      const at = p.get(n.id) as { x: number; y: number };
      const e = extent(n);
      x1 = Math.min(x1, at.x - e.left);
      x2 = Math.max(x2, at.x + e.right);
      y1 = Math.min(y1, at.y - e.top);
      y2 = Math.max(y2, at.y + e.bottom);
    }
    return {
      ns,
      p,
      x1: x1 - frame,
      y1: y1 - frame - NAMESPACE_BOX.titleHeight,
      width: x2 - x1 + 2 * frame,
      height: y2 - y1 + 2 * frame + NAMESPACE_BOX.titleHeight,
    };
  });
  blocks.sort((a, b) => b.height - a.height || a.ns.localeCompare(b.ns));
  // Shelves (rows) of boxes, tallest first; of the row widths worth trying, the one whose result
  // fits a canvas of that aspect at the largest scale.
  const pack = (rowWidth: number) => {
    const at: { x: number; y: number }[] = [];
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    let width = 0;
    for (const b of blocks) {
      if (x > 0 && x + b.width > rowWidth) {
        x = 0;
        y += rowHeight + gap;
        rowHeight = 0;
      }
      at.push({ x, y });
      width = Math.max(width, x + b.width);
      x += b.width + gap;
      rowHeight = Math.max(rowHeight, b.height);
    }
    return { at, scale: Math.min(aspect / width, 1 / (y + rowHeight)) };
  };
  const widest = Math.max(...blocks.map((b) => b.width));
  const total = blocks.reduce((sum, b) => sum + b.width + gap, 0);
  let best = pack(widest);
  for (let w = widest; w <= total; w += Math.max(1, (total - widest) / 40)) {
    const next = pack(w);
    if (next.scale > best.scale) best = next;
  }
  const positions: Positions = new Map();
  blocks.forEach((b, i) => {
    const origin = best.at[i] as { x: number; y: number };
    for (const [id, p] of b.p) positions.set(id, { x: origin.x + p.x - b.x1, y: origin.y + p.y - b.y1 });
  });
  return positions;
}

export function computeLayout(
  name: LayoutName,
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
): Positions {
  return name === 'fast' ? fastLayout(nodes, edges) : clusteredLayout(nodes, edges);
}

/**
 * Positions for an update: nodes already placed keep their place; a new node goes next to a placed
 * neighbour (below it, fanned out so several newcomers do not stack), or, with none, below the rest.
 */
export function placeNew(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  previous: Positions,
): { positions: Positions; added: string[] } {
  const positions: Positions = new Map();
  const added: string[] = [];
  for (const n of nodes) {
    const p = previous.get(n.id);
    if (p) positions.set(n.id, p);
    else added.push(n.id);
  }
  if (added.length === 0) return { positions, added };
  const neighbours = new Map<string, string[]>();
  for (const e of edges) {
    (neighbours.get(e.source) ?? neighbours.set(e.source, []).get(e.source))?.push(e.target);
    (neighbours.get(e.target) ?? neighbours.set(e.target, []).get(e.target))?.push(e.source);
  }
  let maxY = 0;
  let minX = Infinity;
  for (const p of positions.values()) {
    maxY = Math.max(maxY, p.y);
    minX = Math.min(minX, p.x);
  }
  if (!Number.isFinite(minX)) minX = 0;
  const crowd = new Map<string, number>();
  let orphans = 0;
  // Newcomers next to newcomers: repeat while any gets placed.
  let pending = added;
  for (let round = 0; round < 4 && pending.length > 0; round++) {
    const next: string[] = [];
    for (const id of pending) {
      const anchor = (neighbours.get(id) ?? []).find((n) => positions.has(n));
      if (!anchor) {
        next.push(id);
        continue;
      }
      const a = positions.get(anchor) as { x: number; y: number };
      const k = crowd.get(anchor) ?? 0;
      crowd.set(anchor, k + 1);
      const angle = Math.PI / 2 + (k % 8) * (Math.PI / 4);
      const r = SPACING.row * (1 + Math.floor(k / 8));
      positions.set(id, { x: a.x + r * Math.cos(angle) + SPACING.row / 2, y: a.y + r * Math.sin(angle) });
    }
    if (next.length === pending.length) {
      pending = next;
      break;
    }
    pending = next;
  }
  for (const id of pending) {
    positions.set(id, { x: minX + orphans * SPACING.row, y: maxY + SPACING.row * 2 });
    orphans++;
  }
  return { positions, added };
}
