import type { EdgeSecurity, Health, TopologyEdge, TopologyGraph, TopologyNode } from './contract';

/**
 * What the canvas draws, from the API's graph and the page's controls: hidden nodes and edges left
 * out, and, above a size, nodes grouped by namespace and application (a group expands on click).
 * Pure, so the rules are unit-tested and the canvas only draws.
 */
export interface HideOptions {
  /** Hide nodes whose name, application or namespace contains this (case-insensitive). */
  name: string;
  /** Hide nodes whose error rate (inbound, %) is above this. */
  errorRateAbove: number | null;
  /** Hide nodes that neither sent nor received requests in the window. */
  idleNodes: boolean;
  /** Hide edges that carried no requests in the window. */
  idleEdges: boolean;
}

export const NO_HIDING: HideOptions = { name: '', errorRateAbove: null, idleNodes: false, idleEdges: false };

type ViewNodeKind = TopologyNode['kind'] | 'namespace' | 'appGroup';

export interface ViewNode {
  id: string;
  kind: ViewNodeKind;
  label: string;
  namespace: string;
  application: string;
  group: string | null;
  health: Health;
  requestsPerMinute: number;
  errorRate: number | null;
  /** The API's node, for a node drawn as it is; null for a group. */
  node: TopologyNode | null;
  /** For a group: how many nodes it stands for. */
  members: number;
}

export interface ViewEdge {
  id: string;
  source: string;
  target: string;
  health: Health;
  requestsPerMinute: number;
  errorRate: number | null;
  p95Ms: number | null;
  share: number | null;
  /** L4 bytes per second, both ways (0 without connections). */
  tcpBytesPerSecond: number;
  /** Connections only, no requests (an `l4` edge, or a sum of them). */
  l4: boolean;
  /**
   * How its requests arrived: over mutual TLS, in plaintext, both; null where nothing says (see the
   * contract's TopologyEdge.security). A sum of edges is mixed where its edges differ.
   */
  security: EdgeSecurity | null;
  /** The API's edge, for an edge drawn as it is; null for a sum of edges between groups. */
  edge: TopologyEdge | null;
}

/** The security of edges drawn as one: alike, or mixed; edges that say nothing are left out. */
export function combineSecurity(a: EdgeSecurity | null, b: EdgeSecurity | null): EdgeSecurity | null {
  if (a === null) return b;
  if (b === null || a === b) return a;
  return 'mixed';
}

interface ViewGroup {
  id: string;
  label: string;
  namespace: string;
}

export interface ViewGraph {
  nodes: ViewNode[];
  edges: ViewEdge[];
  groups: ViewGroup[];
  /** Nodes stand for groups (the graph was above the grouping size). */
  grouped: boolean;
  /** Nodes of the API's graph that the hide options removed. */
  hidden: number;
}

/** Above this many nodes, the graph is drawn grouped by namespace (and application) until expanded. */
const GROUP_ABOVE = 1500;

const HEALTH_RANK: Record<Health, number> = { none: 0, healthy: 1, degraded: 2, failing: 3 };
const worse = (a: Health, b: Health): Health => (HEALTH_RANK[a] >= HEALTH_RANK[b] ? a : b);

export function nodeLabel(n: TopologyNode): string {
  if (n.kind === 'version') return `${n.application} ${n.version ?? ''}`.trim();
  if (n.kind === 'service' && n.protocol && ['dubbo', 'sofarpc'].includes(n.protocol)) {
    // An RPC interface: its simple name reads better than the whole package.
    return n.name.split('.').pop() ?? n.name;
  }
  return n.name;
}

/** Bytes per second both ways of L4 traffic (0 without connections). */
function tcpBytes(tcp: TopologyEdge['tcp']): number {
  return tcp ? tcp.sentBytesPerSecond + tcp.receivedBytesPerSecond : 0;
}

/** Neither requests nor connections: a node with L4 traffic alone (a database) is not idle. */
function isIdleNode(n: TopologyNode): boolean {
  return n.inbound.requestsPerMinute <= 0 && n.outboundRequestsPerMinute <= 0 && n.inboundTcp === null;
}

/** An edge with neither requests nor connections in the window. */
export function isIdleEdge(e: TopologyEdge): boolean {
  return e.traffic.requestsPerMinute <= 0 && e.tcp === null;
}

function hideNodes(graph: TopologyGraph, hide: HideOptions): Set<string> {
  const hidden = new Set<string>();
  const needle = hide.name.trim().toLowerCase();
  const limit = hide.errorRateAbove === null ? null : hide.errorRateAbove / 100;
  // A node that only opens connections (a caller of a database) has no figures of its own to show it:
  // its L4 edges do.
  const connecting = hide.idleNodes
    ? new Set(graph.edges.filter((e) => e.tcp !== null).map((e) => e.source))
    : new Set<string>();
  for (const n of graph.nodes) {
    if (needle && `${n.name} ${n.application} ${n.namespace}`.toLowerCase().includes(needle))
      hidden.add(n.id);
    else if (limit !== null && (n.inbound.errorRate ?? 0) > limit) hidden.add(n.id);
    else if (hide.idleNodes && isIdleNode(n) && !connecting.has(n.id)) hidden.add(n.id);
  }
  return hidden;
}

/** Nodes matching a search (the find box), best first: exact names, then the rest by name. */
export function findNodes(graph: TopologyGraph, text: string, limit = 20): TopologyNode[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return [];
  const matches = graph.nodes.filter((n) =>
    `${nodeLabel(n)} ${n.name} ${n.application} ${n.namespace} ${n.services.join(' ')}`
      .toLowerCase()
      .includes(needle),
  );
  const score = (n: TopologyNode) =>
    n.application.toLowerCase() === needle || n.name.toLowerCase() === needle ? 0 : 1;
  return matches
    .sort((a, b) => score(a) - score(b) || nodeLabel(a).localeCompare(nodeLabel(b)))
    .slice(0, limit);
}

const namespaceGroupId = (ns: string) => `ns:${ns}`;
const appGroupId = (ns: string, app: string) => `appgroup:${ns}/${app}`;

export interface Expansion {
  namespaces: ReadonlySet<string>;
  /** `namespace/application` keys. */
  applications: ReadonlySet<string>;
}

export const NOTHING_EXPANDED: Expansion = { namespaces: new Set(), applications: new Set() };

function plainNode(n: TopologyNode): ViewNode {
  return {
    id: n.id,
    kind: n.kind,
    label: nodeLabel(n),
    namespace: n.namespace,
    application: n.application,
    group: n.parent,
    health: n.health,
    requestsPerMinute: n.inbound.requestsPerMinute,
    errorRate: n.inbound.errorRate,
    node: n,
    members: 1,
  };
}

function plainEdge(e: TopologyEdge): ViewEdge {
  return {
    id: e.id,
    source: e.source,
    target: e.target,
    health: e.health,
    requestsPerMinute: e.traffic.requestsPerMinute,
    errorRate: e.traffic.errorRate,
    p95Ms: e.p95Ms,
    share: e.share,
    tcpBytesPerSecond: tcpBytes(e.tcp),
    l4: e.layer === 'l4',
    security: e.security,
    edge: e,
  };
}

/**
 * The graph to draw. Below `groupAbove` nodes, every node as it is (versions inside their
 * application's group). Above, a namespace is one node until expanded; inside an expanded namespace
 * an application with several nodes is one node until expanded. Edges between the same pair of drawn
 * nodes are summed; their error rate is request-weighted and their health the worst of them.
 */
export function viewGraph(
  graph: TopologyGraph,
  hide: HideOptions,
  expansion: Expansion = NOTHING_EXPANDED,
  groupAbove = GROUP_ABOVE,
): ViewGraph {
  const hidden = hideNodes(graph, hide);
  const visible = graph.nodes.filter((n) => !hidden.has(n.id));
  const edgeVisible = (e: TopologyEdge) =>
    !hidden.has(e.source) && !hidden.has(e.target) && !(hide.idleEdges && isIdleEdge(e));

  if (visible.length <= groupAbove) {
    // An application's box only where it holds several versions: a box around one node says
    // nothing and takes the room of three (its title and padding); that node keeps its full name.
    const members = new Map<string, number>();
    for (const n of visible) if (n.parent) members.set(n.parent, (members.get(n.parent) ?? 0) + 1);
    const nodes = visible.map((n) => {
      const node = plainNode(n);
      return node.group !== null && (members.get(node.group) ?? 0) < 2 ? { ...node, group: null } : node;
    });
    const usedGroups = new Set(nodes.map((n) => n.group).filter((g): g is string => g !== null));
    return {
      nodes,
      edges: graph.edges.filter(edgeVisible).map(plainEdge),
      groups: graph.groups
        .filter((g) => usedGroups.has(g.id))
        // The namespace's box around it names the namespace.
        .map((g) => ({ id: g.id, label: g.application, namespace: g.namespace })),
      grouped: false,
      hidden: hidden.size,
    };
  }

  // Per application, how many nodes it has, to know whether grouping it says anything.
  const appSize = new Map<string, number>();
  for (const n of visible) {
    const key = `${n.namespace}/${n.application}`;
    appSize.set(key, (appSize.get(key) ?? 0) + 1);
  }
  const drawnAs = new Map<string, string>();
  const drawn = new Map<string, ViewNode & { errors: number }>();
  for (const n of visible) {
    const appKey = `${n.namespace}/${n.application}`;
    let id: string;
    let make: () => ViewNode;
    if (!expansion.namespaces.has(n.namespace)) {
      id = namespaceGroupId(n.namespace);
      make = () => ({
        ...groupNode(id, 'namespace', n.namespace, n.namespace, ''),
      });
    } else if ((appSize.get(appKey) ?? 0) > 1 && !expansion.applications.has(appKey)) {
      id = appGroupId(n.namespace, n.application);
      make = () => groupNode(id, 'appGroup', n.application, n.namespace, n.application);
    } else {
      id = n.id;
      make = () => ({ ...plainNode(n), group: null });
    }
    drawnAs.set(n.id, id);
    let acc = drawn.get(id);
    if (!acc) {
      acc = { ...make(), errors: 0 };
      if (acc.node === null) {
        acc.requestsPerMinute = 0;
        acc.members = 0;
        acc.health = 'none';
      }
      drawn.set(id, acc);
    }
    if (acc.node === null) {
      acc.members++;
      acc.requestsPerMinute += n.inbound.requestsPerMinute;
      acc.errors += (n.inbound.errorRate ?? 0) * n.inbound.requestsPerMinute;
      acc.health = worse(acc.health, n.health);
    }
  }
  const edges = new Map<string, ViewEdge & { errors: number; p95w: number; p95n: number }>();
  for (const e of graph.edges) {
    if (!edgeVisible(e)) continue;
    const source = drawnAs.get(e.source);
    const target = drawnAs.get(e.target);
    if (!source || !target || source === target) continue;
    if (source === e.source && target === e.target) {
      edges.set(e.id, { ...plainEdge(e), errors: 0, p95w: 0, p95n: 0 });
      continue;
    }
    const id = `${source}>${target}`;
    let acc = edges.get(id);
    if (!acc) {
      acc = {
        id,
        source,
        target,
        health: 'none',
        requestsPerMinute: 0,
        errorRate: null,
        p95Ms: null,
        share: null,
        tcpBytesPerSecond: 0,
        l4: true,
        security: null,
        edge: null,
        errors: 0,
        p95w: 0,
        p95n: 0,
      };
      edges.set(id, acc);
    }
    const r = e.traffic.requestsPerMinute;
    acc.requestsPerMinute += r;
    acc.tcpBytesPerSecond += tcpBytes(e.tcp);
    // A sum is L4 only while none of its edges has requests.
    acc.l4 = acc.l4 && e.layer === 'l4';
    acc.security = combineSecurity(acc.security, e.security);
    acc.errors += (e.traffic.errorRate ?? 0) * r;
    if (e.p95Ms !== null && r > 0) {
      acc.p95w += e.p95Ms * r;
      acc.p95n += r;
    }
    acc.health = worse(acc.health, e.health);
  }
  return {
    nodes: [...drawn.values()].map(({ errors, ...n }) =>
      n.node === null
        ? { ...n, errorRate: n.requestsPerMinute > 0 ? errors / n.requestsPerMinute : null }
        : n,
    ),
    edges: [...edges.values()].map(({ errors, p95w, p95n, ...e }) =>
      e.edge === null
        ? {
            ...e,
            errorRate: e.requestsPerMinute > 0 ? errors / e.requestsPerMinute : null,
            p95Ms: p95n > 0 ? p95w / p95n : null,
          }
        : e,
    ),
    groups: [],
    grouped: true,
    hidden: hidden.size,
  };
}

function groupNode(
  id: string,
  kind: 'namespace' | 'appGroup',
  label: string,
  ns: string,
  app: string,
): ViewNode {
  return {
    id,
    kind,
    label,
    namespace: ns,
    application: app,
    group: null,
    health: 'none',
    requestsPerMinute: 0,
    errorRate: null,
    node: null,
    members: 0,
  };
}

/** The expansion after a click on a group node (namespace or application); unchanged for other nodes. */
export function expand(expansion: Expansion, node: ViewNode): Expansion {
  if (node.kind === 'namespace') {
    return { ...expansion, namespaces: new Set([...expansion.namespaces, node.namespace]) };
  }
  if (node.kind === 'appGroup') {
    return {
      ...expansion,
      applications: new Set([...expansion.applications, `${node.namespace}/${node.application}`]),
    };
  }
  return expansion;
}
