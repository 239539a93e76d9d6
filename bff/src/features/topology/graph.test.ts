import { describe, expect, it } from 'vitest';
import type { Platform, Protocol, ServiceDetail } from '../../contract/catalog';
import { GRAPH_TYPES } from '../../contract/topology';
import type { TopologyGraph } from '../../contract/topology';
import { indexCatalog } from '../catalog/query';
import type { CallFigures, ServiceVersionFigures, TrafficEdges } from '../monitoring/telemetry';
import { buildGraph, graphParts, nodeIds, renderGraph, renderGraphJson, securityOf } from './graph';

function service(
  id: string,
  app: string,
  namespace: string,
  protocol: Protocol,
  versions: [string, Platform][],
): ServiceDetail {
  const platforms = [...new Set(versions.map(([, p]) => p))];
  return {
    id,
    name: id.split('.')[0] as string,
    application: app,
    namespace,
    protocol,
    host: id,
    platforms,
    versions: versions.map(([v]) => v),
    instances: { total: versions.length, ready: versions.length },
    ports: [],
    versionDetails: versions.map(([version, p]) => ({ version, instances: 1, ready: 1, platforms: [p] })),
    providers: [],
    sources: [],
  };
}

const PRODUCTPAGE = 'productpage.bookinfo.svc.cluster.local';
const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const ECHO = 'EchoService@dubbo';
const GREETING = 'GreetingService@dubbo';

const catalog = indexCatalog([
  service(PRODUCTPAGE, 'productpage', 'bookinfo', 'http', [
    ['v1', 'kubernetes'],
    ['v2', 'kubernetes'],
  ]),
  service(REVIEWS, 'reviews', 'bookinfo', 'http', [
    ['v1', 'kubernetes'],
    ['v2', 'vm'],
    ['v3', 'kubernetes'],
  ]),
  // One application providing two RPC services.
  service(ECHO, 'echo-provider', 'dubbo-demo', 'dubbo', [['1.0', 'vm']]),
  service(GREETING, 'echo-provider', 'dubbo-demo', 'dubbo', [['1.0', 'vm']]),
]);

const link = (requests: number, serverErrors = 0, clientErrors = 0, p95: number | null = 10) => ({
  requests,
  serverErrors,
  clientErrors,
  p95,
  tcp: { sentBytes: 0, receivedBytes: 0, opened: 0 },
});
/** Connections only: what ztunnel (or a sidecar's TCP proxy) reports for a TCP or waypoint-less ambient service. */
const l4 = (opened: number, sentBytes: number, receivedBytes: number) => ({
  ...link(0, 0, 0, null),
  tcp: { sentBytes, receivedBytes, opened },
});
const caller = (app: string, version: string, namespace = 'bookinfo') => ({
  workload: version === 'unknown' ? app : `${app}-${version}`,
  namespace,
  app,
  version,
});

const calls: CallFigures[] = [
  { source: caller('istio-ingressgateway', 'unknown', 'istio-system'), serviceId: PRODUCTPAGE, ...link(10) },
  { source: caller('productpage', 'v1'), serviceId: REVIEWS, ...link(6, 0.6, 0, 20) },
  { source: caller('productpage', 'v2'), serviceId: REVIEWS, ...link(2, 0, 0, 40) },
  { source: caller('reviews', 'v2'), serviceId: ECHO, ...link(4, 0, 1) },
  // Seen before the window, nothing in it: an idle edge.
  { source: caller('reviews', 'v3'), serviceId: GREETING, ...link(0, 0, 0, null) },
];
const ver = (serviceId: string, app: string, version: string, l: ReturnType<typeof link>, ns = 'bookinfo') =>
  ({ serviceId, namespace: ns, app, version, ...l }) satisfies ServiceVersionFigures;
const versions: ServiceVersionFigures[] = [
  ver(PRODUCTPAGE, 'productpage', 'v1', link(10)),
  ver(REVIEWS, 'reviews', 'v1', link(6, 0, 0, 10)),
  ver(REVIEWS, 'reviews', 'v2', link(2, 0.6, 0, 50)),
  ver(ECHO, 'echo-provider', '1.0', link(4, 0, 1), 'dubbo-demo'),
];
const links: TrafficEdges = { calls, versions };

const node = (g: Pick<TopologyGraph, 'nodes'>, id: string) => {
  const n = g.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`no node ${id} in ${g.nodes.map((x) => x.id).join(', ')}`);
  return n;
};
const edge = (g: Pick<TopologyGraph, 'edges'>, source: string, target: string) => {
  const e = g.edges.find((x) => x.source === source && x.target === target);
  if (!e) throw new Error(`no edge ${source} → ${target}`);
  return e;
};

describe('the versioned application graph', () => {
  const g = buildGraph({ links, catalog, graphType: 'versionedApp' });
  const v = (app: string, version: string, ns = 'bookinfo') => nodeIds.version(ns, app, version);

  it('draws caller version → service → version, with each version’s share of the service', () => {
    const svc = nodeIds.service(REVIEWS);
    expect(edge(g, v('productpage', 'v1'), svc).traffic.requestsPerMinute).toBe(360);
    expect(edge(g, svc, v('reviews', 'v1')).share).toBeCloseTo(0.75);
    expect(edge(g, svc, v('reviews', 'v2')).share).toBeCloseTo(0.25);
    // A version without traffic is still a node, with no edge.
    expect(node(g, v('reviews', 'v3')).inbound.requestsPerMinute).toBe(0);
    expect(g.edges.some((e) => e.target === v('reviews', 'v3'))).toBe(false);
  });

  it('groups versions under their application, with their platforms', () => {
    expect(node(g, v('reviews', 'v2')).parent).toBe(nodeIds.group('bookinfo', 'reviews'));
    expect(node(g, v('reviews', 'v2')).platforms).toEqual(['vm']);
    expect(g.groups.map((x) => x.id)).toContain(nodeIds.group('bookinfo', 'reviews'));
  });

  it('draws a caller without a version (the ingress gateway) as an application outside the catalog', () => {
    const ingress = node(g, nodeIds.app('istio-system', 'istio-ingressgateway'));
    expect(ingress).toMatchObject({ kind: 'app', inCatalog: false, parent: null, health: 'none' });
    expect(ingress.outboundRequestsPerMinute).toBe(600);
  });

  it('judges nodes by what they received and edges by what they carried', () => {
    // reviews v2 answered 30% 5xx: failing; the service as a whole 7.5%: degraded.
    expect(node(g, v('reviews', 'v2')).health).toBe('failing');
    expect(node(g, nodeIds.service(REVIEWS)).health).toBe('degraded');
    expect(node(g, nodeIds.service(REVIEWS)).inbound.serverErrorRate).toBeCloseTo(0.075);
    // 25% 4xx: failing.
    expect(node(g, nodeIds.service(ECHO)).health).toBe('failing');
    expect(edge(g, v('productpage', 'v1'), nodeIds.service(REVIEWS)).health).toBe('degraded');
    expect(edge(g, v('productpage', 'v2'), nodeIds.service(REVIEWS)).health).toBe('healthy');
  });

  it('keeps idle edges, with no error rate and no health', () => {
    const idle = edge(g, v('reviews', 'v3'), nodeIds.service(GREETING));
    expect(idle.traffic).toMatchObject({ requestsPerMinute: 0, errorRate: null });
    expect(idle.health).toBe('none');
  });
});

describe('the application graph', () => {
  const g = buildGraph({ links, catalog, graphType: 'app' });
  const app = (name: string, ns = 'bookinfo') => nodeIds.app(ns, name);

  it('sums every version of a caller into one edge, p95 weighted by requests', () => {
    const e = edge(g, app('productpage'), app('reviews'));
    expect(e.traffic.requestsPerMinute).toBe(480);
    expect(e.p95Ms).toBeCloseTo((6 * 20 + 2 * 40) / 8);
    expect(g.nodes.filter((n) => n.kind !== 'app')).toEqual([]);
  });

  it('gives an application the traffic of all its services and versions', () => {
    const echo = node(g, app('echo-provider', 'dubbo-demo'));
    expect(echo.services.sort()).toEqual([ECHO, GREETING]);
    expect(echo.protocol).toBe('dubbo');
    expect(echo.inbound.requestsPerMinute).toBe(240);
    expect(node(g, app('reviews')).platforms).toEqual(['kubernetes', 'vm']);
  });
});

describe('the service graph', () => {
  const g = buildGraph({ links, catalog, graphType: 'service' });

  it('draws a caller as its service when its application has one, else as the application', () => {
    expect(edge(g, nodeIds.service(PRODUCTPAGE), nodeIds.service(REVIEWS)).traffic.requestsPerMinute).toBe(
      480,
    );
    expect(edge(g, nodeIds.service(REVIEWS), nodeIds.service(ECHO))).toBeDefined();
    expect(g.nodes.some((n) => n.kind === 'version')).toBe(false);
    expect(node(g, nodeIds.service(ECHO))).toMatchObject({ protocol: 'dubbo', platforms: ['vm'] });
  });
});

describe('filters and telemetry the catalog does not know', () => {
  it('a namespace keeps its nodes and the nodes they exchange traffic with', () => {
    const g = buildGraph({ links, catalog, graphType: 'app', namespace: 'dubbo-demo' });
    expect(g.nodes.map((n) => n.id).sort()).toEqual(
      [nodeIds.app('bookinfo', 'reviews'), nodeIds.app('dubbo-demo', 'echo-provider')].sort(),
    );
    expect(g.edges).toHaveLength(1);
    expect(g.namespaces).toEqual(['bookinfo', 'dubbo-demo', 'istio-system']);
  });

  it('every namespace’s graph is the whole graph filtered: its nodes, their neighbours, the edges between those', () => {
    for (const graphType of GRAPH_TYPES) {
      const whole = buildGraph({ links, catalog, graphType });
      for (const namespace of [...whole.namespaces, 'nowhere']) {
        const own = new Set(whole.nodes.filter((n) => n.namespace === namespace).map((n) => n.id));
        const keep = new Set(own);
        for (const e of whole.edges) {
          if (own.has(e.source) || own.has(e.target)) {
            keep.add(e.source);
            keep.add(e.target);
          }
        }
        const nodes = whole.nodes.filter((n) => keep.has(n.id));
        const g = buildGraph({ links, catalog, graphType, namespace });
        expect(g.nodes, `${graphType} ${namespace}`).toEqual(nodes);
        expect(g.edges, `${graphType} ${namespace}`).toEqual(
          whole.edges.filter((e) => keep.has(e.source) && keep.has(e.target)),
        );
        const parents = new Set(nodes.map((n) => n.parent));
        expect(g.groups).toEqual(whole.groups.filter((gr) => parents.has(gr.id)));
        expect(g.namespaces).toEqual(whole.namespaces);
      }
    }
  });

  it('a service only telemetry knows still gets a node, placed where its traffic says', () => {
    const g = buildGraph({
      links: {
        calls: [{ source: caller('reviews', 'v1'), serviceId: 'ghost.other.svc.cluster.local', ...link(1) }],
        versions: [ver('ghost.other.svc.cluster.local', 'ghost', 'v9', link(1), 'other')],
      },
      catalog,
      graphType: 'versionedApp',
    });
    expect(node(g, nodeIds.service('ghost.other.svc.cluster.local'))).toMatchObject({
      namespace: 'other',
      application: 'ghost',
      inCatalog: false,
    });
    expect(node(g, nodeIds.version('other', 'ghost', 'v9')).inCatalog).toBe(false);
  });
});

describe('a service in conflict (an ID two namespaces define)', () => {
  const claimed: ServiceDetail = {
    ...service(ECHO, 'echo-provider', '', 'dubbo', [['1.0', 'vm']]),
    conflict: { namespaces: ['bookinfo', 'dubbo-demo'] },
    sources: [
      { kind: 'Service', namespace: 'bookinfo', name: 'claim' },
      { kind: 'Service', namespace: 'dubbo-demo', name: 'echo-provider' },
    ],
  };
  const links: TrafficEdges = {
    calls: [{ source: caller('reviews', 'v2'), serviceId: ECHO, ...link(4) }],
    versions: [ver(ECHO, 'echo-provider', '1.0', link(4), 'dubbo-demo')],
  };

  it('is drawn under each claimant’s application, never as an application of no namespace', () => {
    for (const graphType of ['app', 'versionedApp', 'service'] as const) {
      const g = buildGraph({ links, catalog: indexCatalog([claimed]), graphType });
      expect(g.namespaces, graphType).not.toContain('');
      expect(
        g.nodes.filter((n) => n.kind !== 'service').every((n) => n.namespace !== ''),
        graphType,
      ).toBe(true);
    }
    const app = buildGraph({ links, catalog: indexCatalog([claimed]), graphType: 'app' });
    expect(app.nodes.map((n) => n.id).sort()).toEqual(
      [
        nodeIds.app('bookinfo', 'echo-provider'),
        nodeIds.app('dubbo-demo', 'echo-provider'),
        nodeIds.app('bookinfo', 'reviews'),
      ].sort(),
    );
    // The traffic arrived in dubbo-demo: the call goes there.
    expect(app.edges.map((e) => e.target)).toEqual([nodeIds.app('dubbo-demo', 'echo-provider')]);
  });
});

describe('L4 traffic (connections and bytes, no requests)', () => {
  const DB = 'mysql.data.svc.cluster.local';
  const withDb = indexCatalog([
    ...catalog.services,
    service(DB, 'mysql', 'data', 'tcp', [
      ['v1', 'kubernetes'],
      ['v2', 'kubernetes'],
    ]),
  ]);
  const links: TrafficEdges = {
    calls: [
      { source: caller('reviews', 'v1'), serviceId: DB, ...l4(3, 9000, 600) },
      // An ambient service behind a waypoint: requests from the waypoint and bytes from ztunnel.
      {
        source: caller('productpage', 'v1'),
        serviceId: REVIEWS,
        ...link(6),
        tcp: { sentBytes: 500, receivedBytes: 50, opened: 1 },
      },
    ],
    versions: [
      ver(DB, 'mysql', 'v1', l4(2, 6000, 400), 'data'),
      ver(DB, 'mysql', 'v2', l4(1, 3000, 200), 'data'),
      ver(REVIEWS, 'reviews', 'v1', link(6)),
    ],
  };
  const g = buildGraph({ links, catalog: withDb, graphType: 'versionedApp' });

  it('draws an edge for connections alone, says it is L4 and carries its bytes and connections', () => {
    const e = edge(g, nodeIds.version('bookinfo', 'reviews', 'v1'), nodeIds.service(DB));
    expect(e.layer).toBe('l4');
    expect(e.tcp).toEqual({
      sentBytesPerSecond: 9000,
      receivedBytesPerSecond: 600,
      connectionsOpenedPerSecond: 3,
    });
    expect(e.traffic.requestsPerMinute).toBe(0);
    expect(e.health).toBe('none');
  });

  it('shares a TCP service between its versions by connections', () => {
    expect(edge(g, nodeIds.service(DB), nodeIds.version('data', 'mysql', 'v1')).share).toBeCloseTo(2 / 3, 5);
    expect(edge(g, nodeIds.service(DB), nodeIds.version('data', 'mysql', 'v2')).share).toBeCloseTo(1 / 3, 5);
    expect(node(g, nodeIds.service(DB)).inboundTcp).toEqual({
      sentBytesPerSecond: 9000,
      receivedBytesPerSecond: 600,
      connectionsOpenedPerSecond: 3,
    });
  });

  it('an edge with requests is L7, with its L4 figures alongside', () => {
    const e = edge(g, nodeIds.version('bookinfo', 'productpage', 'v1'), nodeIds.service(REVIEWS));
    expect(e.layer).toBe('l7');
    expect(e.traffic.requestsPerMinute).toBe(360);
    expect(e.tcp?.sentBytesPerSecond).toBe(500);
  });
});

describe('how edges were secured (mutual TLS or plaintext)', () => {
  const secured = (workload: string, serviceId: string, requests: number, mtls: number): CallFigures => ({
    source: caller(workload, 'v1'),
    serviceId,
    ...link(requests),
    mtls,
  });
  const securedLinks: TrafficEdges = {
    calls: [
      // productpage v1 → reviews over mutual TLS, v2 in plaintext.
      secured('productpage', REVIEWS, 6, 6),
      { ...secured('productpage', REVIEWS, 2, 0), source: caller('productpage', 'v2') },
      // reviews v1 → echo: some of each (a PERMISSIVE port).
      secured('reviews', ECHO, 4, 1),
      // reviews v1 → greeting: nothing in the window.
      secured('reviews', GREETING, 0, 0),
    ],
    versions: [
      ver(REVIEWS, 'reviews', 'v1', link(8)),
      ver(ECHO, 'echo-provider', '1.0', link(4), 'dubbo-demo'),
    ],
  };
  const v = (app: string, version: string, ns = 'bookinfo') => nodeIds.version(ns, app, version);

  it('marks each caller → service edge mutual_tls, none or mixed by its requests over mTLS; null without requests', () => {
    const g = buildGraph({ links: securedLinks, catalog, graphType: 'versionedApp' });
    expect(edge(g, v('productpage', 'v1'), nodeIds.service(REVIEWS)).security).toBe('mutual_tls');
    expect(edge(g, v('productpage', 'v2'), nodeIds.service(REVIEWS)).security).toBe('none');
    expect(edge(g, v('reviews', 'v1'), nodeIds.service(ECHO)).security).toBe('mixed');
    expect(edge(g, v('reviews', 'v1'), nodeIds.service(GREETING)).security).toBeNull();
    // The service → version edge repeats its callers' requests: it carries no lock of its own.
    expect(edge(g, nodeIds.service(REVIEWS), v('reviews', 'v1')).security).toBeNull();
  });

  it('sums the links merged into one edge: an mTLS version and a plaintext one make a mixed application edge', () => {
    const g = buildGraph({ links: securedLinks, catalog, graphType: 'app' });
    expect(edge(g, nodeIds.app('bookinfo', 'productpage'), nodeIds.app('bookinfo', 'reviews')).security).toBe(
      'mixed',
    );
  });

  it('an L4 edge (connections alone) says nothing', () => {
    const g = buildGraph({
      links: {
        calls: [{ source: caller('reviews', 'v1'), serviceId: ECHO, ...l4(2, 100, 10), mtls: 0 }],
        versions: [],
      },
      catalog,
      graphType: 'versionedApp',
    });
    const e = edge(g, v('reviews', 'v1'), nodeIds.service(ECHO));
    expect(e.layer).toBe('l4');
    expect(e.security).toBeNull();
  });

  it('allows 1% either way (requests a caller answered itself arrived nowhere)', () => {
    expect(securityOf({ requests: 100, mtls: 99.5 })).toBe('mutual_tls');
    expect(securityOf({ requests: 100, mtls: 98 })).toBe('mixed');
    expect(securityOf({ requests: 100, mtls: 0.5 })).toBe('none');
    expect(securityOf({ requests: 100, mtls: 2 })).toBe('mixed');
    expect(securityOf({ requests: 0, mtls: 0 })).toBeNull();
  });
});

describe('graphs built one after another over the same catalog view (each scrape)', () => {
  it('each build has its own traffic: the nodes a build does not touch are idle, an earlier build unchanged', () => {
    for (const graphType of GRAPH_TYPES) {
      const before = buildGraph({ links, catalog, graphType });
      const quiet = buildGraph({ links: { calls: [], versions: [] }, catalog, graphType });
      const again = buildGraph({ links, catalog, graphType });
      // The same nodes, in the same order, whatever traffic each build had.
      expect(quiet.nodes.map((n) => n.id)).toEqual(before.nodes.filter((n) => n.inCatalog).map((n) => n.id));
      expect(again).toEqual(before);
      for (const n of quiet.nodes) expect(n.inbound.requestsPerMinute).toBe(0);
      expect(quiet.edges).toEqual([]);
      // The first build's figures were not touched by the builds after it.
      const busy = before.nodes.filter((n) => n.inbound.requestsPerMinute > 0);
      expect(busy.length).toBeGreaterThan(0);
      expect(buildGraph({ links, catalog, graphType })).toEqual(before);
    }
  });
});

describe('the JSON the API sends, written a slice at a time', () => {
  /** A mesh larger than a slice: 300 services, each called by the one before it and by the gateway. */
  const many = Array.from({ length: 300 }, (_, i) =>
    service(`s${i}.ns${i % 3}.svc.cluster.local`, `s${i}`, `ns${i % 3}`, 'http', [
      ['v1', 'kubernetes'],
      ['v2', 'vm'],
    ]),
  );
  const bigCatalog = indexCatalog([...many, ...catalog.services]);
  const bigLinks: TrafficEdges = {
    calls: [
      ...calls,
      // Telemetry's labels can hold what JSON must escape.
      { source: caller('odd"app', 'v"1', 'ns\\0'), serviceId: 'odd"\\svc\u0001', ...link(2) },
      ...many.flatMap((s, i) => [
        {
          source: caller('istio-ingressgateway', 'unknown', 'istio-system'),
          serviceId: s.id,
          ...link(1 + i),
          // Over mutual TLS: all, half or none of the requests (mutual_tls, mixed, none).
          mtls: (1 + i) * ([1, 0.5, 0][i % 3] as number),
        },
        {
          source: caller(`s${(i + 299) % 300}`, 'v1', `ns${(i + 299) % 3}`),
          serviceId: s.id,
          ...l4(i, 10, 20),
        },
      ]),
    ],
    versions: [
      ...versions,
      ver('odd"\\svc\u0001', 'odd"app', 'v"1', link(3)),
      ...many.map((s, i) => ver(s.id, s.application, i % 2 ? 'v1' : 'v2', link(1 + i, i % 5), s.namespace)),
    ],
  };
  const head = { graphType: 'x', window: '5m', namespace: null, updatedAt: 'then', source: 'prometheus' };

  it('is, piece after piece, exactly the rendered graph’s JSON, for every graph type and namespace', () => {
    for (const graphType of GRAPH_TYPES) {
      const parts = graphParts({ links: bigLinks, catalog: bigCatalog, graphType });
      for (const namespace of [null, 'ns1', 'bookinfo', 'nowhere']) {
        const pieces = [...renderGraphJson(parts, namespace, head)];
        const whole = JSON.stringify({ ...head, ...renderGraph(parts, namespace) });
        expect(pieces.join('')).toBe(whole);
        if (namespace === null) {
          // More nodes and edges than one slice holds: written in several pieces.
          expect(JSON.parse(whole).edges.length).toBeGreaterThan(300);
          expect(pieces.length).toBeGreaterThan(4);
        }
      }
    }
  });

  it('an empty graph too', () => {
    const parts = graphParts({
      links: { calls: [], versions: [] },
      catalog: indexCatalog([]),
      graphType: 'app',
    });
    const pieces = [...renderGraphJson(parts, null, {})];
    expect(pieces.join('')).toBe(JSON.stringify(renderGraph(parts, null)));
  });
});
