import { describe, expect, it } from 'vitest';
import type { TopologyEdge, TopologyGraph, TopologyGroup, TopologyNode } from './contract';
import { GROUP_BOX, KIND_SIZE, NODE_LABEL_HEIGHT, groupTitleWidth, nodeWidth } from './geometry';
import { computeLayout, layoutInput } from './layout';
import type { LayoutName, Positions } from './layout';
import { NO_HIDING, viewGraph } from './model';
import type { ViewGraph } from './model';

/**
 * A versioned-app graph like the demo mesh's: applications in several namespaces with one to three
 * versions each (every version drawn inside its application's box), a service node per application,
 * and calls from versions to the services of other applications.
 */
function versionedGraph(
  apps: { ns: string; app: string; versions: string[] }[],
  calls: [string, string][],
  /** A second service of an application, served by some of its versions, called by other applications. */
  extra: { app: string; service: string; versions: string[]; callers: string[] }[] = [],
) {
  const nodes: TopologyNode[] = [];
  const edges: TopologyEdge[] = [];
  const groups: TopologyGroup[] = [];
  type Identity = 'id' | 'kind' | 'name' | 'namespace' | 'application' | 'version' | 'parent';
  const base: Omit<TopologyNode, Identity> = {
    services: [],
    protocol: 'http',
    platforms: ['kubernetes'],
    inCatalog: true,
    inbound: { requestsPerMinute: 10, errorRate: 0, serverErrorRate: 0, clientErrorRate: 0 },
    inboundTcp: null,
    outboundRequestsPerMinute: 10,
    p95Ms: 10,
    health: 'healthy',
  };
  const link = (source: string, target: string): TopologyEdge => ({
    id: `${source}>${target}`,
    source,
    target,
    traffic: { requestsPerMinute: 10, errorRate: 0, serverErrorRate: 0, clientErrorRate: 0 },
    layer: 'l7',
    tcp: null,
    p95Ms: 10,
    share: null,
    health: 'healthy',
    security: 'mutual_tls',
  });
  const versionsOf = new Map<string, string[]>();
  for (const { ns, app, versions } of apps) {
    const svc = `service:${ns}/${app}`;
    nodes.push({
      ...base,
      id: svc,
      kind: 'service',
      name: app,
      namespace: ns,
      application: app,
      version: null,
      parent: null,
    });
    if (versions.length === 0) {
      // A caller outside the mesh's catalog (the ingress gateway): one app node.
      nodes.push({
        ...base,
        id: `app:${ns}/${app}`,
        kind: 'app',
        name: app,
        namespace: ns,
        application: app,
        version: null,
        parent: null,
      });
      versionsOf.set(app, [`app:${ns}/${app}`]);
      continue;
    }
    const group = `group:${ns}/${app}`;
    groups.push({ id: group, namespace: ns, application: app });
    const ids = versions.map((v) => `version:${ns}/${app}/${v}`);
    versions.forEach((v, i) => {
      nodes.push({
        ...base,
        id: ids[i] as string,
        kind: 'version',
        name: v,
        namespace: ns,
        application: app,
        version: v,
        parent: group,
      });
      edges.push(link(svc, ids[i] as string));
    });
    versionsOf.set(app, ids);
  }
  const serviceOf = new Map(apps.map(({ ns, app }) => [app, `service:${ns}/${app}`]));
  for (const [from, to] of calls) {
    for (const v of versionsOf.get(from) ?? []) edges.push(link(v, serviceOf.get(to) as string));
  }
  for (const { app, service, versions, callers } of extra) {
    const { ns } = apps.find((a) => a.app === app) as { ns: string };
    const svc = `service:${ns}/${service}`;
    nodes.push({
      ...base,
      id: svc,
      kind: 'service',
      name: service,
      namespace: ns,
      application: app,
      version: null,
      parent: null,
    });
    for (const v of versions) edges.push(link(svc, `version:${ns}/${app}/${v}`));
    for (const c of callers) for (const v of versionsOf.get(c) ?? []) edges.push(link(v, svc));
  }
  const graph: TopologyGraph = {
    graphType: 'versionedApp',
    window: '5m',
    namespace: null,
    updatedAt: '2024-01-01T00:00:00.000Z',
    source: 'embedded',
    namespaces: [...new Set(apps.map((a) => a.ns))].sort(),
    groups,
    nodes,
    edges,
  };
  return graph;
}

const demo = versionedGraph(
  [
    { ns: 'istio-system', app: 'istio-ingressgateway', versions: [] },
    { ns: 'shop', app: 'frontend', versions: ['v1'] },
    { ns: 'shop', app: 'checkout', versions: ['v1'] },
    { ns: 'shop', app: 'cart', versions: ['v1'] },
    { ns: 'shop', app: 'currency', versions: ['v1'] },
    { ns: 'shop', app: 'email', versions: ['v1'] },
    { ns: 'shop', app: 'payment', versions: ['v1', 'v2'] },
    { ns: 'shop', app: 'productcatalog', versions: ['1.4.0', '1.5.0'] },
    { ns: 'shop', app: 'recommendation', versions: ['v1'] },
    { ns: 'shop', app: 'shipping', versions: ['v1'] },
    { ns: 'dubbo-demo', app: 'echo-consumer', versions: ['v1'] },
    { ns: 'dubbo-demo', app: 'echo-provider', versions: ['20191115224823305', '20191115225115467'] },
    { ns: 'dubbo-demo', app: 'greeting-provider', versions: ['1.0.0', '1.1.0'] },
    { ns: 'dubbo-demo', app: 'user-provider', versions: ['2.7.3'] },
    { ns: 'sofa-demo', app: 'sofa-gateway', versions: ['v1'] },
    { ns: 'sofa-demo', app: 'sofa-account', versions: ['1.0'] },
    { ns: 'sofa-demo', app: 'sofa-hello', versions: ['1.0', '1.1'] },
    { ns: 'bookinfo', app: 'productpage', versions: ['v1'] },
    { ns: 'bookinfo', app: 'details', versions: ['v1', 'v2'] },
    { ns: 'bookinfo', app: 'reviews', versions: ['v1', 'v2', 'v3'] },
    { ns: 'bookinfo', app: 'ratings', versions: ['v1'] },
    { ns: 'spring-demo', app: 'sc-gateway', versions: ['v1'] },
    { ns: 'spring-demo', app: 'order-service', versions: ['v1', 'v2'] },
    { ns: 'spring-demo', app: 'user-service', versions: ['v1'] },
    { ns: 'spring-demo', app: 'inventory-service', versions: ['v1'] },
  ],
  [
    ['istio-ingressgateway', 'frontend'],
    ['istio-ingressgateway', 'echo-consumer'],
    ['istio-ingressgateway', 'sofa-gateway'],
    ['istio-ingressgateway', 'productpage'],
    ['istio-ingressgateway', 'sc-gateway'],
    ['frontend', 'checkout'],
    ['frontend', 'recommendation'],
    ['frontend', 'productcatalog'],
    ['frontend', 'currency'],
    ['frontend', 'cart'],
    ['checkout', 'cart'],
    ['checkout', 'currency'],
    ['checkout', 'email'],
    ['checkout', 'payment'],
    ['checkout', 'shipping'],
    ['checkout', 'productcatalog'],
    ['recommendation', 'productcatalog'],
    ['echo-consumer', 'echo-provider'],
    ['echo-consumer', 'greeting-provider'],
    ['greeting-provider', 'user-provider'],
    ['sofa-gateway', 'sofa-account'],
    ['sofa-gateway', 'sofa-hello'],
    ['sofa-gateway', 'greeting-provider'],
    ['sofa-hello', 'sofa-account'],
    ['productpage', 'details'],
    ['productpage', 'reviews'],
    ['reviews', 'ratings'],
    ['sc-gateway', 'order-service'],
    ['sc-gateway', 'user-service'],
    ['order-service', 'user-service'],
    ['order-service', 'inventory-service'],
  ],
  [
    // RPC applications serve several interfaces, not all from every version: versions of one
    // application may sit at different depths of the call graph.
    { app: 'user-provider', service: 'UserQueryService', versions: ['2.7.3'], callers: ['echo-provider'] },
    { app: 'sofa-hello', service: 'HelloService', versions: ['1.1'], callers: ['sofa-account'] },
    { app: 'details', service: 'details-legacy', versions: ['v2'], callers: ['ratings'] },
  ],
);

/** Many applications, for the fast layout's columns (a few hundred nodes, as where it takes over). */
const large = (() => {
  const apps: { ns: string; app: string; versions: string[] }[] = [
    { ns: 'edge', app: 'gateway', versions: [] },
  ];
  const calls: [string, string][] = [];
  for (let i = 0; i < 150; i++) {
    const app = `app-${i}`;
    apps.push({ ns: `ns-${i % 7}`, app, versions: ['v1', 'v2', 'v3'].slice(0, 1 + ((i * 5) % 3)) });
    calls.push(i < 10 ? ['gateway', app] : [`app-${(i * 7) % i}`, app]);
    if (i > 20) calls.push([`app-${(i * 13) % 20}`, app]);
  }
  return versionedGraph(apps, calls);
})();

interface Rect {
  id: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * A group's box as the renderer draws it: its members with their labels, the padding around them,
 * and the title above (as wide as its text, centred).
 */
function groupRects(view: ViewGraph, p: Positions): Rect[] {
  return view.groups.map((g) => {
    const members = view.nodes.filter((n) => n.group === g.id);
    let x1 = Infinity;
    let y1 = Infinity;
    let x2 = -Infinity;
    let y2 = -Infinity;
    for (const n of members) {
      const at = p.get(n.id) as { x: number; y: number };
      const half = KIND_SIZE[n.kind] / 2;
      const wide = nodeWidth(n) / 2;
      x1 = Math.min(x1, at.x - wide);
      x2 = Math.max(x2, at.x + wide);
      y1 = Math.min(y1, at.y - half);
      y2 = Math.max(y2, at.y + half + NODE_LABEL_HEIGHT);
    }
    const box = {
      x1: x1 - GROUP_BOX.padding,
      x2: x2 + GROUP_BOX.padding,
      y1: y1 - GROUP_BOX.padding,
      y2: y2 + GROUP_BOX.padding,
    };
    const title = groupTitleWidth(g.label);
    const centre = (box.x1 + box.x2) / 2;
    return {
      id: g.id,
      x1: Math.min(box.x1, centre - title / 2),
      x2: Math.max(box.x2, centre + title / 2),
      y1: box.y1 - GROUP_BOX.titleHeight,
      y2: box.y2,
    };
  });
}

const intersect = (a: Omit<Rect, 'id'>, b: Omit<Rect, 'id'>) =>
  a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

describe.each<[string, TopologyGraph]>([
  ['the demo mesh', demo],
  ['150 applications', large],
])('group boxes of %s', (_, graph) => {
  const view = viewGraph(graph, NO_HIDING);

  it.each<LayoutName>(['layered', 'fast'])('%s: no two boxes overlap, titles included', (name) => {
    expect(view.grouped).toBe(false);
    // Every application with several versions has its box; one with a single version has none.
    const versions = new Map<string, number>();
    for (const n of graph.nodes) if (n.parent) versions.set(n.parent, (versions.get(n.parent) ?? 0) + 1);
    expect(view.groups.map((g) => g.id).sort()).toEqual(
      graph.groups
        .filter((g) => (versions.get(g.id) ?? 0) > 1)
        .map((g) => g.id)
        .sort(),
    );
    expect(view.groups.length).toBeGreaterThan(0);
    const { nodes, edges } = layoutInput(view);
    const p = computeLayout(name, nodes, edges);
    const rects = groupRects(view, p);
    const overlaps: string[] = [];
    for (let i = 0; i < rects.length; i++)
      for (let j = i + 1; j < rects.length; j++)
        if (intersect(rects[i] as Rect, rects[j] as Rect))
          overlaps.push(`${(rects[i] as Rect).id} × ${(rects[j] as Rect).id}`);
    expect(overlaps).toEqual([]);
    // Nor does a box cover a node that is not in it.
    const covered: string[] = [];
    for (const n of view.nodes) {
      const at = p.get(n.id) as { x: number; y: number };
      const half = KIND_SIZE[n.kind] / 2;
      const box = { x1: at.x - half, x2: at.x + half, y1: at.y - half, y2: at.y + half };
      for (const r of rects) if (r.id !== n.group && intersect(box, r)) covered.push(`${n.id} in ${r.id}`);
    }
    expect(covered).toEqual([]);
  });

  it.each<LayoutName>(['layered', 'fast'])('%s: a group is one run of its column', (name) => {
    const { nodes, edges } = layoutInput(view);
    const p = computeLayout(name, nodes, edges);
    const columns = new Map<number, { id: string; group: string | null; y: number }[]>();
    for (const n of view.nodes) {
      const at = p.get(n.id) as { x: number; y: number };
      const column = columns.get(at.x) ?? columns.set(at.x, []).get(at.x);
      column?.push({ id: n.id, group: n.group, y: at.y });
    }
    const columnOf = new Map<string, number>();
    const split: string[] = [];
    for (const [x, column] of columns) {
      column.sort((a, b) => a.y - b.y);
      const ended = new Set<string>();
      column.forEach((n, i) => {
        if (n.group === null) return;
        // Every member in one column (layer) ...
        if ((columnOf.get(n.group) ?? x) !== x) split.push(`${n.group} over two columns`);
        columnOf.set(n.group, x);
        // ... and no other node between its members.
        if (ended.has(n.group)) split.push(`${n.group} interrupted at ${n.id}`);
        if ((column[i + 1] as { group: string | null } | undefined)?.group !== n.group) ended.add(n.group);
      });
    }
    expect(split).toEqual([]);
  });
});
