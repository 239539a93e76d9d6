import type { Platform, Protocol, ServiceDetail } from '../../contract/catalog';
import { MTLS_EDGE_THRESHOLD } from '../../contract/topology';
import type {
  EdgeSecurity,
  GraphType,
  TcpTraffic,
  TopologyEdge,
  TopologyGroup,
  TopologyNode,
} from '../../contract/topology';
import type { CatalogView } from '../catalog/query';
import { platformList } from '../catalog/registry';
import { UNKNOWN } from '../monitoring/istio-metrics';
import type { LinkFigures, TrafficEdges } from '../monitoring/telemetry';
import { healthOf, linkTraffic, round } from './health';

/**
 * The topology as a pure function of telemetry's links and the catalog: no I/O, so it is tested with
 * tables and timed by the benchmark at thousands of services.
 *
 * Telemetry gives two kinds of link (rates per second): caller → service (Istio's source_* labels and
 * destination_service) and service → version (destination_*). A link carries requests (L7: counted by
 * the destination's sidecar or, in ambient mode, its waypoint), connections and bytes (L4: a TCP
 * service, or any ambient workload, counted by the destination's sidecar or ztunnel), or both; an edge
 * with connections alone is an `l4` edge. Each graph type maps their ends to nodes
 * and sums links that land on the same pair of nodes. Every service of the catalog has its nodes even
 * without traffic (idle nodes, which the page can hide).
 *
 * Percentiles do not add: where several links merge into one edge or node, its p95 is their
 * request-weighted mean, which is what the operator would estimate from them and equals them when they
 * are alike.
 */
export interface BuildInput {
  links: TrafficEdges;
  catalog: CatalogView;
  graphType: GraphType;
  /** Only nodes of this namespace and the nodes they exchange traffic with. */
  namespace?: string | null;
}

export interface BuiltGraph {
  groups: TopologyGroup[];
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  namespaces: string[];
}

interface Sum {
  requests: number;
  serverErrors: number;
  clientErrors: number;
  /** Σ p95 × requests over links that had a p95. */
  p95Weighted: number;
  p95Requests: number;
  /** L4, per second. */
  tcpSent: number;
  tcpReceived: number;
  tcpOpened: number;
  /** Requests the destination received over mutual TLS, per second (caller → service links). */
  mtls: number;
}

const emptySum = (): Sum => ({
  requests: 0,
  serverErrors: 0,
  clientErrors: 0,
  p95Weighted: 0,
  p95Requests: 0,
  tcpSent: 0,
  tcpReceived: 0,
  tcpOpened: 0,
  mtls: 0,
});

const hasTcp = (sum: Sum) => sum.tcpSent > 0 || sum.tcpReceived > 0 || sum.tcpOpened > 0;

function tcpTraffic(sum: Sum): TcpTraffic | null {
  if (!hasTcp(sum)) return null;
  return {
    sentBytesPerSecond: round(sum.tcpSent, 3),
    receivedBytesPerSecond: round(sum.tcpReceived, 3),
    connectionsOpenedPerSecond: round(sum.tcpOpened, 6),
  };
}

/** A version's share of its service: of the requests, or for connections alone of the connections. */
function shareOf(part: Sum, whole: Sum): number | null {
  if (whole.requests > 0) return round(part.requests / whole.requests, 6);
  if (whole.tcpOpened > 0) return round(part.tcpOpened / whole.tcpOpened, 6);
  return null;
}

/**
 * How an edge's requests were secured (see the contract's EdgeSecurity): by the share that arrived over
 * mutual TLS, with MTLS_EDGE_THRESHOLD's slack on either side.
 */
export function securityOf(sum: Pick<Sum, 'requests' | 'mtls'>): EdgeSecurity | null {
  if (!(sum.requests > 0)) return null;
  const share = sum.mtls / sum.requests;
  if (share >= MTLS_EDGE_THRESHOLD) return 'mutual_tls';
  if (share <= 1 - MTLS_EDGE_THRESHOLD) return 'none';
  return 'mixed';
}

function addTo(sum: Sum, link: LinkFigures & { mtls?: number }): void {
  if (link.tcp) {
    sum.tcpSent += link.tcp.sentBytes;
    sum.tcpReceived += link.tcp.receivedBytes;
    sum.tcpOpened += link.tcp.opened;
  }
  sum.requests += link.requests;
  sum.serverErrors += link.serverErrors;
  sum.clientErrors += link.clientErrors;
  sum.mtls += link.mtls ?? 0;
  if (link.p95 !== null && link.requests > 0) {
    sum.p95Weighted += link.p95 * link.requests;
    sum.p95Requests += link.requests;
  }
}

const p95Of = (sum: Sum) => (sum.p95Requests > 0 ? sum.p95Weighted / sum.p95Requests : null);

/** What a node is, from the catalog: the same for every build over one catalog view. */
type NodeInfo = Omit<
  TopologyNode,
  'inbound' | 'inboundTcp' | 'outboundRequestsPerMinute' | 'p95Ms' | 'health'
>;

interface NodeAcc {
  node: NodeInfo;
  inbound: Sum;
  outbound: number;
  /** Edges from this node, by target (no string keys to build per link). */
  out: Map<NodeAcc, EdgeAcc> | null;
}

interface EdgeAcc {
  source: NodeAcc;
  target: NodeAcc;
  sum: Sum;
  /** For service → version edges: the service's total, for the share. */
  shareOf: Sum | null;
}

export const nodeIds = {
  app: (namespace: string, app: string) => `app:${namespace}/${app}`,
  version: (namespace: string, app: string, version: string) => `version:${namespace}/${app}/${version}`,
  service: (serviceId: string) => `svc:${serviceId}`,
  group: (namespace: string, app: string) => `group:${namespace}/${app}`,
};

/** What the catalog says about an application: its services, protocols and platforms per version. */
interface AppInfo {
  namespace: string;
  app: string;
  services: ServiceDetail[];
}

const appKey = (namespace: string, app: string) => `${namespace}/${app}`;

function sharedProtocol(services: readonly ServiceDetail[]): Protocol | null {
  const first = services[0]?.protocol ?? null;
  return services.every((s) => s.protocol === first) ? first : null;
}

function platformsOf(services: readonly ServiceDetail[], version?: string): Platform[] {
  const out = new Set<Platform>();
  for (const s of services) {
    if (version === undefined) for (const p of s.platforms) out.add(p);
    else
      for (const v of s.versionDetails)
        if ((v.version ?? UNKNOWN) === version) for (const p of v.platforms) out.add(p);
  }
  return platformList((p) => out.has(p));
}

/**
 * The namespaces a service's applications live in: its owner's; for a service in conflict (owned by
 * no namespace), each namespace whose objects claim it (as far as the catalog given shows them).
 */
const homesOf = (s: ServiceDetail): string[] =>
  s.conflict ? [...new Set(s.sources.map((src) => src.namespace))] : [s.namespace];

/** The applications of a catalog view, by `namespace/app`: built once per view (a view never changes). */
const appsByView = new WeakMap<BuildInput['catalog'], Map<string, AppInfo>>();

function appsOf(catalog: BuildInput['catalog']): Map<string, AppInfo> {
  let apps = appsByView.get(catalog);
  if (apps) return apps;
  apps = new Map<string, AppInfo>();
  for (const s of catalog.services) {
    for (const ns of homesOf(s)) {
      const key = appKey(ns, s.application);
      let info = apps.get(key);
      if (!info) apps.set(key, (info = { namespace: ns, app: s.application, services: [] }));
      info.services.push(s);
    }
  }
  appsByView.set(catalog, apps);
  return apps;
}

/**
 * The nodes' descriptions a catalog view gives, by node ID: made once per view rather than once per
 * build. Every build (each new answer of the links) draws every application of the catalog, and
 * describing 20,000 of them again (their services, protocol and platforms) was most of a build.
 */
const nodeInfoByView = new WeakMap<BuildInput['catalog'], Map<string, NodeInfo>>();

function nodeInfosOf(catalog: BuildInput['catalog']): Map<string, NodeInfo> {
  let infos = nodeInfoByView.get(catalog);
  if (!infos) nodeInfoByView.set(catalog, (infos = new Map()));
  return infos;
}

/**
 * A graph type's nodes and edges over the whole catalog and every link, before the namespace filter
 * and the rendering: the part that a graph of each namespace shares (TopologyService keeps it while
 * the links and the catalog view are the same).
 */
export interface GraphParts {
  nodes: Map<string, NodeAcc>;
  groups: Map<string, TopologyGroup>;
  edges: EdgeAcc[];
}

export function buildGraph(input: BuildInput): BuiltGraph {
  return renderGraph(graphParts(input), input.namespace ?? null);
}

/**
 * A graph type's nodes over a catalog view with no traffic: every catalog service's node, in the
 * order a build draws them, each with an idle accumulator that no build changes. Made once per view
 * and graph type; each build copies the map and gives a node an accumulator of its own only when
 * traffic touches it, so at 20,000 services a build no longer makes (and collects) 20,000 of them.
 */
interface Skeleton {
  nodes: ReadonlyMap<string, NodeAcc>;
  groups: ReadonlyMap<string, TopologyGroup>;
  idle: ReadonlySet<NodeAcc>;
}

const skeletonsByView = new WeakMap<BuildInput['catalog'], Map<GraphType, Skeleton>>();

function skeletonOf(catalog: BuildInput['catalog'], graphType: GraphType): Skeleton {
  let byType = skeletonsByView.get(catalog);
  if (!byType) skeletonsByView.set(catalog, (byType = new Map()));
  let skeleton = byType.get(graphType);
  if (!skeleton) {
    const idle = draw({ links: NO_LINKS, catalog, graphType }, null);
    skeleton = { nodes: idle.nodes, groups: idle.groups, idle: new Set(idle.nodes.values()) };
    byType.set(graphType, skeleton);
  }
  return skeleton;
}

const NO_LINKS: BuildInput['links'] = { calls: [], versions: [] };

/** The nodes and edges of `graphType` (see buildGraph); nothing in them changes afterwards. */
export function graphParts(input: Omit<BuildInput, 'namespace'>): GraphParts {
  return draw(input, skeletonOf(input.catalog, input.graphType));
}

/** The catalog's nodes (from `skeleton`, or drawn here when there is none) and the links' traffic. */
function draw(
  { links, catalog, graphType }: Omit<BuildInput, 'namespace'>,
  skeleton: Skeleton | null,
): GraphParts {
  const apps = appsOf(catalog);
  const infos = nodeInfosOf(catalog);
  const accOf = (node: NodeInfo): NodeAcc => ({ node, inbound: emptySum(), outbound: 0, out: null });

  const nodes = new Map<string, NodeAcc>(skeleton?.nodes);
  const groups = new Map<string, TopologyGroup>(skeleton?.groups);
  const edges: EdgeAcc[] = [];
  const byServiceId = new Map<string, NodeAcc>();
  /** The node's accumulator of this build: an idle one of the skeleton is replaced (in place: same order). */
  const own = (id: string, acc: NodeAcc): NodeAcc => {
    if (!skeleton?.idle.has(acc)) return acc;
    const mine = accOf(acc.node);
    nodes.set(id, mine);
    return mine;
  };

  const appNode = (ns: string, app: string, name = app): NodeAcc => {
    const id = nodeIds.app(ns, app);
    let acc = nodes.get(id);
    if (acc) acc = own(id, acc);
    else {
      let node = infos.get(id);
      if (!node || node.name !== name) {
        const info = apps.get(appKey(ns, app));
        const services = info?.services ?? [];
        node = {
          id,
          kind: 'app',
          name,
          namespace: ns,
          application: app,
          version: null,
          parent: null,
          services: services.map((s) => s.id),
          protocol: sharedProtocol(services),
          platforms: platformsOf(services),
          inCatalog: info !== undefined,
        };
        infos.set(id, node);
      }
      nodes.set(id, (acc = accOf(node)));
    }
    return acc;
  };

  const versionNode = (ns: string, app: string, version: string): NodeAcc => {
    const id = nodeIds.version(ns, app, version);
    let acc = nodes.get(id);
    if (acc) acc = own(id, acc);
    else {
      const group = nodeIds.group(ns, app);
      if (!groups.has(group)) groups.set(group, { id: group, namespace: ns, application: app });
      let node = infos.get(id);
      if (!node) {
        const info = apps.get(appKey(ns, app));
        const services = (info?.services ?? []).filter((s) =>
          s.versionDetails.some((v) => (v.version ?? UNKNOWN) === version),
        );
        node = {
          id,
          kind: 'version',
          name: version,
          namespace: ns,
          application: app,
          version,
          parent: group,
          services: services.map((s) => s.id),
          protocol: sharedProtocol(info?.services ?? []),
          platforms: platformsOf(services, version),
          inCatalog: services.length > 0,
        };
        infos.set(id, node);
      }
      nodes.set(id, (acc = accOf(node)));
    }
    return acc;
  };

  const serviceNode = (serviceId: string, fallback?: { namespace: string; app: string }): NodeAcc => {
    let acc = byServiceId.get(serviceId);
    if (!acc) {
      const id = nodeIds.service(serviceId);
      const drawn = nodes.get(id);
      if (drawn) {
        acc = own(id, drawn);
        byServiceId.set(serviceId, acc);
        return acc;
      }
      const s = catalog.byId.get(serviceId);
      // Described by the catalog alone when it knows the service; else by where traffic went.
      let node = s ? infos.get(id) : undefined;
      if (!node) {
        node = {
          id,
          kind: 'service',
          name: s?.name ?? serviceId,
          namespace: s?.namespace ?? fallback?.namespace ?? UNKNOWN,
          application: s?.application ?? fallback?.app ?? UNKNOWN,
          version: null,
          parent: null,
          services: [serviceId],
          protocol: s?.protocol ?? null,
          platforms: platformList((p) => !!s?.platforms.includes(p)),
          inCatalog: s !== undefined,
        };
        if (s) infos.set(id, node);
      }
      acc = accOf(node);
      nodes.set(id, acc);
      byServiceId.set(serviceId, acc);
    }
    return acc;
  };

  const edge = (source: NodeAcc, target: NodeAcc, link: LinkFigures, shareOf: Sum | null = null) => {
    source.out ??= new Map();
    let acc = source.out.get(target);
    if (!acc) {
      acc = { source, target, sum: emptySum(), shareOf };
      source.out.set(target, acc);
      edges.push(acc);
    }
    addTo(acc.sum, link);
    source.outbound += link.requests;
  };

  // Where the destination of a service's traffic lives, when the catalog does not know the service.
  const serviceHome = new Map<string, { namespace: string; app: string }>();
  for (const v of links.versions) {
    if (!serviceHome.has(v.serviceId)) serviceHome.set(v.serviceId, { namespace: v.namespace, app: v.app });
  }
  const homeOf = (serviceId: string) => {
    const s = catalog.byId.get(serviceId);
    // A service in conflict: where telemetry saw its traffic arrive.
    if (s?.conflict) return serviceHome.get(serviceId) ?? { namespace: s.namespace, app: s.application };
    return s ? { namespace: s.namespace, app: s.application } : serviceHome.get(serviceId);
  };

  /** The node a caller is drawn as. */
  const callerNode = (src: {
    workload: string;
    namespace: string;
    app: string;
    version: string;
  }): NodeAcc => {
    const known = src.app !== UNKNOWN;
    const app = known ? src.app : src.workload;
    if (graphType === 'versionedApp' && known && src.version !== UNKNOWN)
      return versionNode(src.namespace, app, src.version);
    if (graphType === 'service') {
      const own = apps.get(appKey(src.namespace, app))?.services ?? [];
      if (own.length === 1) return serviceNode((own[0] as ServiceDetail).id);
    }
    return appNode(src.namespace, app);
  };

  // Every catalog service has its nodes, traffic or not (the skeleton's, when there is one).
  if (!skeleton)
    for (const s of catalog.services) {
      if (graphType === 'app') for (const ns of homesOf(s)) appNode(ns, s.application);
      else serviceNode(s.id);
      if (graphType === 'versionedApp')
        for (const ns of homesOf(s))
          for (const v of s.versionDetails) versionNode(ns, s.application, v.version ?? UNKNOWN);
    }

  // Service → version: the destination's own measure of what it received.
  const serviceTotals = new Map<string, Sum>();
  for (const v of links.versions) {
    let total = serviceTotals.get(v.serviceId);
    if (!total) serviceTotals.set(v.serviceId, (total = emptySum()));
    addTo(total, v);
  }
  for (const v of links.versions) {
    if (graphType === 'app') {
      addTo(appNode(v.namespace, v.app).inbound, v);
      continue;
    }
    const svc = serviceNode(v.serviceId, { namespace: v.namespace, app: v.app });
    addTo(svc.inbound, v);
    if (graphType === 'versionedApp') {
      const target = versionNode(v.namespace, v.app, v.version);
      addTo(target.inbound, v);
      edge(svc, target, v, serviceTotals.get(v.serviceId) ?? null);
    }
  }

  // Caller → service (or its application).
  for (const c of links.calls) {
    const source = callerNode(c.source);
    let target: NodeAcc;
    if (graphType === 'app') {
      const home = homeOf(c.serviceId);
      target = home ? appNode(home.namespace, home.app) : serviceNode(c.serviceId);
    } else {
      target = serviceNode(c.serviceId, homeOf(c.serviceId));
    }
    edge(source, target, c);
  }
  return { nodes, groups, edges };
}

/**
 * What a namespace's graph needs from the parts, built once per parts (they never change): the
 * nodes of each namespace, each node's edges, and the order of nodes and edges. A namespace's
 * graph then costs its own nodes and their edges, not a walk over the whole mesh's graph (at 5,000
 * services, each namespace's graph used to filter every node and edge).
 */
interface PartsIndex {
  byNamespace: Map<string, NodeAcc[]>;
  edgesOf: Map<NodeAcc, EdgeAcc[]>;
  nodeOrder: Map<NodeAcc, number>;
  edgeOrder: Map<EdgeAcc, number>;
}
const indexOfParts = new WeakMap<GraphParts, PartsIndex>();

function partsIndex(parts: GraphParts): PartsIndex {
  let found = indexOfParts.get(parts);
  if (found) return found;
  const byNamespace = new Map<string, NodeAcc[]>();
  const nodeOrder = new Map<NodeAcc, number>();
  for (const acc of parts.nodes.values()) {
    nodeOrder.set(acc, nodeOrder.size);
    const list = byNamespace.get(acc.node.namespace);
    if (list) list.push(acc);
    else byNamespace.set(acc.node.namespace, [acc]);
  }
  const edgesOf = new Map<NodeAcc, EdgeAcc[]>();
  const edgeOrder = new Map<EdgeAcc, number>();
  const touch = (n: NodeAcc, e: EdgeAcc) => {
    const list = edgesOf.get(n);
    if (list) list.push(e);
    else edgesOf.set(n, [e]);
  };
  for (const e of parts.edges) {
    edgeOrder.set(e, edgeOrder.size);
    touch(e.source, e);
    if (e.target !== e.source) touch(e.target, e);
  }
  indexOfParts.set(parts, (found = { byNamespace, edgesOf, nodeOrder, edgeOrder }));
  return found;
}

const namespacesOfParts = new WeakMap<GraphParts, string[]>();

/** The namespaces of the parts' nodes, sorted; once per parts (the whole graph needs no index). */
function namespacesOf(parts: GraphParts): string[] {
  let found = namespacesOfParts.get(parts);
  if (!found) {
    const all = new Set<string>();
    for (const acc of parts.nodes.values()) all.add(acc.node.namespace);
    // A service in conflict is in no namespace (''): not one to filter by.
    found = [...all].filter((ns) => ns !== '').sort();
    namespacesOfParts.set(parts, found);
  }
  return found;
}

/** The nodes and edges a namespace's graph shows: its nodes, and those at the other end of their edges. */
function namespaceSlice(parts: GraphParts, namespace: string): { nodes: NodeAcc[]; edges: EdgeAcc[] } {
  const index = partsIndex(parts);
  const own = index.byNamespace.get(namespace) ?? [];
  const keep = new Set(own);
  for (const n of own) {
    for (const e of index.edgesOf.get(n) ?? []) {
      keep.add(e.source);
      keep.add(e.target);
    }
  }
  // Every edge between two kept nodes (a neighbour's edge to another neighbour included).
  const edges = new Set<EdgeAcc>();
  for (const n of keep) {
    for (const e of index.edgesOf.get(n) ?? []) if (keep.has(e.source) && keep.has(e.target)) edges.add(e);
  }
  const byOrder =
    <T>(order: Map<T, number>) =>
    (a: T, b: T) =>
      (order.get(a) as number) - (order.get(b) as number);
  return {
    nodes: [...keep].sort(byOrder(index.nodeOrder)),
    edges: [...edges].sort(byOrder(index.edgeOrder)),
  };
}

/** The graph as the API gives it: only `namespace`'s nodes and their neighbours when one is given. */
export function renderGraph(parts: GraphParts, namespace: string | null): BuiltGraph {
  const { groups } = parts;
  const { nodes, edges } = namespace
    ? namespaceSlice(parts, namespace)
    : { nodes: [...parts.nodes.values()], edges: parts.edges };

  const outNodes: TopologyNode[] = [];
  const usedGroups = new Set<string>();
  for (const acc of nodes) {
    const n = acc.node;
    if (n.parent) usedGroups.add(n.parent);
    // Each field named: a literal that begins with a spread gets a hidden class of its own in V8.
    outNodes.push({
      id: n.id,
      kind: n.kind,
      name: n.name,
      namespace: n.namespace,
      application: n.application,
      version: n.version,
      parent: n.parent,
      services: n.services,
      protocol: n.protocol,
      platforms: n.platforms,
      inCatalog: n.inCatalog,
      inbound: linkTraffic(acc.inbound),
      inboundTcp: tcpTraffic(acc.inbound),
      outboundRequestsPerMinute: round(acc.outbound * 60, 3),
      p95Ms: round(p95Of(acc.inbound), 2),
      health: healthOf(acc.inbound),
    });
  }
  const outEdges: TopologyEdge[] = [];
  for (const e of edges) {
    const source = e.source.node.id;
    const target = e.target.node.id;
    outEdges.push({
      id: `${source}>${target}`,
      source,
      target,
      traffic: linkTraffic(e.sum),
      layer: e.sum.requests <= 0 && hasTcp(e.sum) ? 'l4' : 'l7',
      tcp: tcpTraffic(e.sum),
      p95Ms: round(p95Of(e.sum), 2),
      share: e.shareOf ? shareOf(e.sum, e.shareOf) : null,
      health: healthOf(e.sum),
      // A service → version edge repeats its callers' requests; the callers' edges carry the lock.
      security: e.shareOf ? null : securityOf(e.sum),
    });
  }
  return {
    groups: [...groups.values()].filter((g) => usedGroups.has(g.id)),
    nodes: outNodes,
    edges: outEdges,
    namespaces: namespacesOf(parts),
  };
}
