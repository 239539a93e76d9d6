import { describe, expect, it } from 'vitest';
import type { TopologyEdge, TopologyGraph, TopologyNode } from './contract';
import {
  NO_HIDING,
  NOTHING_EXPANDED,
  combineSecurity,
  expand,
  findNodes,
  nodeLabel,
  viewGraph,
} from './model';

function node(
  id: string,
  namespace: string,
  application: string,
  rpm: number,
  errorRate: number | null = 0,
): TopologyNode {
  return {
    id,
    kind: 'app',
    name: application,
    namespace,
    application,
    version: null,
    parent: null,
    services: [],
    protocol: 'http',
    platforms: ['kubernetes'],
    inCatalog: true,
    inbound: { requestsPerMinute: rpm, errorRate, serverErrorRate: errorRate, clientErrorRate: 0 },
    inboundTcp: null,
    outboundRequestsPerMinute: 0,
    p95Ms: 10,
    health: errorRate && errorRate >= 0.1 ? 'failing' : rpm > 0 ? 'healthy' : 'none',
  };
}

function edge(source: string, target: string, rpm: number, errorRate = 0, p95 = 10): TopologyEdge {
  return {
    id: `${source}>${target}`,
    source,
    target,
    traffic: {
      requestsPerMinute: rpm,
      errorRate: rpm > 0 ? errorRate : null,
      serverErrorRate: null,
      clientErrorRate: null,
    },
    layer: 'l7',
    tcp: null,
    p95Ms: rpm > 0 ? p95 : null,
    share: null,
    health: rpm > 0 ? (errorRate >= 0.1 ? 'failing' : 'healthy') : 'none',
    security: rpm > 0 ? 'mutual_tls' : null,
  };
}

const graph: TopologyGraph = {
  graphType: 'app',
  window: '5m',
  namespace: null,
  updatedAt: '2024-01-01T00:00:00.000Z',
  source: 'embedded',
  namespaces: ['a', 'b'],
  groups: [],
  nodes: [
    node('a1', 'a', 'front', 100),
    node('a2', 'a', 'cart', 60, 0.2),
    node('a3', 'a', 'idle', 0),
    node('b1', 'b', 'echo-provider', 30),
    node('b2', 'b', 'echo-provider', 10),
  ],
  edges: [
    edge('a1', 'a2', 60, 0.2, 30),
    edge('a1', 'b1', 30, 0, 10),
    edge('a2', 'b2', 10, 0, 50),
    edge('a1', 'a3', 0),
  ],
};

describe('what the canvas draws', () => {
  it('hides by name, by error rate above a value, idle nodes and idle edges', () => {
    expect(viewGraph(graph, { ...NO_HIDING, name: 'CART' }).nodes.map((n) => n.id)).not.toContain('a2');
    const errors = viewGraph(graph, { ...NO_HIDING, errorRateAbove: 10 });
    expect(errors.nodes.map((n) => n.id)).not.toContain('a2');
    expect(errors.edges.some((e) => e.source === 'a2' || e.target === 'a2')).toBe(false);
    expect(errors.hidden).toBe(1);
    expect(viewGraph(graph, { ...NO_HIDING, errorRateAbove: 20 }).nodes.map((n) => n.id)).toContain('a2');
    expect(viewGraph(graph, { ...NO_HIDING, idleNodes: true }).nodes.map((n) => n.id)).not.toContain('a3');
    const idleEdges = viewGraph(graph, { ...NO_HIDING, idleEdges: true });
    expect(idleEdges.edges.map((e) => e.id)).not.toContain('a1>a3');
    expect(idleEdges.nodes.map((n) => n.id)).toContain('a3');
  });

  it('below the grouping size, draws every node as it is', () => {
    const v = viewGraph(graph, NO_HIDING);
    expect(v.grouped).toBe(false);
    expect(v.nodes).toHaveLength(5);
    expect(v.edges).toHaveLength(4);
  });

  it('above it, one node per namespace, edges between them summed', () => {
    const v = viewGraph(graph, NO_HIDING, NOTHING_EXPANDED, 2);
    expect(v.grouped).toBe(true);
    expect(v.nodes.map((n) => n.id).sort()).toEqual(['ns:a', 'ns:b']);
    const a = v.nodes.find((n) => n.id === 'ns:a');
    expect(a).toMatchObject({ members: 3, requestsPerMinute: 160, health: 'failing' });
    expect(a?.errorRate).toBeCloseTo(12 / 160);
    const across = v.edges.find((e) => e.source === 'ns:a' && e.target === 'ns:b');
    expect(across?.requestsPerMinute).toBe(40);
    expect(across?.p95Ms).toBeCloseTo((30 * 10 + 10 * 50) / 40);
    // Edges inside a group are not drawn.
    expect(v.edges).toHaveLength(1);
  });

  it('a click on a namespace expands it; an application with several nodes stays one until clicked', () => {
    const grouped = viewGraph(graph, NO_HIDING, NOTHING_EXPANDED, 2);
    const nsB = grouped.nodes.find((n) => n.id === 'ns:b');
    if (!nsB) throw new Error('no ns:b');
    const e1 = expand(NOTHING_EXPANDED, nsB);
    const v1 = viewGraph(graph, NO_HIDING, e1, 2);
    expect(v1.nodes.map((n) => n.id).sort()).toEqual(['appgroup:b/echo-provider', 'ns:a']);
    const app = v1.nodes.find((n) => n.kind === 'appGroup');
    if (!app) throw new Error('no application group');
    const v2 = viewGraph(graph, NO_HIDING, expand(e1, app), 2);
    expect(v2.nodes.map((n) => n.id).sort()).toEqual(['b1', 'b2', 'ns:a']);
    expect(v2.edges.map((e) => `${e.source}>${e.target}`).sort()).toEqual(['ns:a>b1', 'ns:a>b2']);
  });

  it('finds nodes by name, exact matches first, and labels RPC services by their simple name', () => {
    expect(findNodes(graph, 'echo').map((n) => n.id)).toEqual(['b1', 'b2']);
    expect(findNodes(graph, 'cart').map((n) => n.id)).toEqual(['a2']);
    expect(findNodes(graph, '  ')).toEqual([]);
    expect(
      nodeLabel({
        ...node('s', 'b', 'echo-provider', 1),
        kind: 'service',
        protocol: 'dubbo',
        name: 'com.x.EchoService',
      }),
    ).toBe('EchoService');
    expect(nodeLabel({ ...node('v', 'b', 'reviews', 1), kind: 'version', version: 'v2' })).toBe('reviews v2');
  });
});

describe('L4 traffic on the canvas (connections only: a TCP service, ambient without a waypoint)', () => {
  const tcp = { sentBytesPerSecond: 9000, receivedBytesPerSecond: 500, connectionsOpenedPerSecond: 2 };
  const db: TopologyNode = { ...node('d1', 'b', 'mysql', 0), inboundTcp: tcp, health: 'none' };
  const l4: TopologyEdge = { ...edge('a1', 'd1', 0), layer: 'l4', tcp };
  const withDb: TopologyGraph = { ...graph, nodes: [...graph.nodes, db], edges: [...graph.edges, l4] };

  it('is not idle: hiding idle nodes and edges keeps the database and its L4 edge', () => {
    const v = viewGraph(withDb, { ...NO_HIDING, idleNodes: true, idleEdges: true });
    expect(v.nodes.map((n) => n.id)).toContain('d1');
    const e = v.edges.find((x) => x.id === 'a1>d1');
    expect(e).toMatchObject({ l4: true, tcpBytesPerSecond: 9500, requestsPerMinute: 0 });
    // The truly idle edge still goes.
    expect(v.edges.map((x) => x.id)).not.toContain('a1>a3');
    // A caller whose only traffic is the connections it opens is not idle either.
    const caller: TopologyNode = { ...node('c1', 'b', 'batch', 0), health: 'none' };
    const fromIdle: TopologyGraph = {
      ...withDb,
      nodes: [...withDb.nodes, caller],
      edges: [...withDb.edges, { ...l4, id: 'c1>d1', source: 'c1' }],
    };
    const kept = viewGraph(fromIdle, { ...NO_HIDING, idleNodes: true, idleEdges: true });
    expect(kept.nodes.map((n) => n.id)).toContain('c1');
    expect(kept.edges.map((e) => e.id)).toContain('c1>d1');
  });

  it('sums L4 bytes between groups, and a sum with any requests is not L4', () => {
    const v = viewGraph(withDb, NO_HIDING, NOTHING_EXPANDED, 2);
    const across = v.edges.find((e) => e.source === 'ns:a' && e.target === 'ns:b');
    expect(across).toMatchObject({ tcpBytesPerSecond: 9500, requestsPerMinute: 40, l4: false });
    const onlyDb: TopologyGraph = { ...withDb, edges: [l4] };
    const l4Only = viewGraph(onlyDb, NO_HIDING, NOTHING_EXPANDED, 2).edges[0];
    expect(l4Only).toMatchObject({ l4: true, tcpBytesPerSecond: 9500 });
  });
});

describe('how edges were secured, on the canvas', () => {
  it('an edge drawn as it is keeps its security; edges summed between groups are mixed where they differ', () => {
    const secured: TopologyGraph = {
      ...graph,
      edges: [
        { ...edge('a1', 'b1', 30), security: 'mutual_tls' },
        { ...edge('a2', 'b2', 10), security: 'none' },
        { ...edge('a1', 'a2', 60), security: 'mutual_tls' },
      ],
    };
    const plain = viewGraph(secured, NO_HIDING);
    expect(plain.edges.find((e) => e.id === 'a1>b1')?.security).toBe('mutual_tls');
    expect(plain.edges.find((e) => e.id === 'a2>b2')?.security).toBe('none');
    const across = viewGraph(secured, NO_HIDING, NOTHING_EXPANDED, 2).edges.find(
      (e) => e.source === 'ns:a' && e.target === 'ns:b',
    );
    expect(across?.security).toBe('mixed');
  });

  it('combines alike, leaves out edges that say nothing', () => {
    expect(combineSecurity('mutual_tls', 'mutual_tls')).toBe('mutual_tls');
    expect(combineSecurity('mutual_tls', null)).toBe('mutual_tls');
    expect(combineSecurity(null, 'none')).toBe('none');
    expect(combineSecurity('none', 'mutual_tls')).toBe('mixed');
    expect(combineSecurity(null, null)).toBeNull();
  });
});
