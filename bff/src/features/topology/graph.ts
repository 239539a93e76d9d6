import type { Platform, Protocol, ServiceDetail } from '../../contract/catalog';
import { MTLS_EDGE_THRESHOLD } from '../../contract/topology';
import type {
  EdgeSecurity,
  GraphType,
  Health,
  LinkTraffic,
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

/**
 * A link's figures summed (rates per second), kept as a row of WIDTH numbers in a Float64Array rather
 * than as an object: a build at 5,000 services sums into some 20,000 of them, and as objects (each
 * number boxed) they were most of what a build allocated and what its collections copied.
 */
const REQUESTS = 0;
const SERVER_ERRORS = 1;
const CLIENT_ERRORS = 2;
/** Σ p95 × requests over links that had a p95. */
const P95_WEIGHTED = 3;
const P95_REQUESTS = 4;
/** L4, per second. */
const TCP_SENT = 5;
const TCP_RECEIVED = 6;
const TCP_OPENED = 7;
/** Requests the destination received over mutual TLS, per second (caller → service links). */
const MTLS = 8;
/** A node's requests to others, per second (its outbound edges' requests). */
const OUTBOUND = 9;
const WIDTH = 10;

/** Adds `x` to `d[i]`. */
function bump(d: Float64Array, i: number, x: number): void {
  d[i] = (d[i] as number) + x;
}

/** Rows of sums, one per node or edge, grown as rows are added (all zero at first). */
class Sums {
  data: Float64Array;

  /** Room for `capacity` rows, of which the first `rows` are in use. */
  constructor(
    capacity: number,
    public rows = 0,
  ) {
    this.data = new Float64Array(Math.max(capacity, rows, 16) * WIDTH);
  }

  /** A new row of zeros; its number. */
  add(): number {
    if ((this.rows + 1) * WIDTH > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    return this.rows++;
  }

  /** Adds a link's figures to a row. */
  addLink(row: number, link: LinkFigures & { mtls?: number }): void {
    const d = this.data;
    const at = row * WIDTH;
    if (link.tcp) {
      bump(d, at + TCP_SENT, link.tcp.sentBytes);
      bump(d, at + TCP_RECEIVED, link.tcp.receivedBytes);
      bump(d, at + TCP_OPENED, link.tcp.opened);
    }
    bump(d, at + REQUESTS, link.requests);
    bump(d, at + SERVER_ERRORS, link.serverErrors);
    bump(d, at + CLIENT_ERRORS, link.clientErrors);
    bump(d, at + MTLS, link.mtls ?? 0);
    if (link.p95 !== null && link.requests > 0) {
      bump(d, at + P95_WEIGHTED, link.p95 * link.requests);
      bump(d, at + P95_REQUESTS, link.requests);
    }
  }

  addOutbound(row: number, requests: number): void {
    bump(this.data, row * WIDTH + OUTBOUND, requests);
  }

  at(row: number, field: number): number {
    return this.data[row * WIDTH + field] as number;
  }

  hasTcp(row: number): boolean {
    return this.at(row, TCP_SENT) > 0 || this.at(row, TCP_RECEIVED) > 0 || this.at(row, TCP_OPENED) > 0;
  }

  tcp(row: number): TcpTraffic | null {
    if (!this.hasTcp(row)) return null;
    return {
      sentBytesPerSecond: round(this.at(row, TCP_SENT), 3),
      receivedBytesPerSecond: round(this.at(row, TCP_RECEIVED), 3),
      connectionsOpenedPerSecond: round(this.at(row, TCP_OPENED), 6),
    };
  }

  traffic(row: number): LinkTraffic {
    return linkTraffic(this.at(row, REQUESTS), this.at(row, SERVER_ERRORS), this.at(row, CLIENT_ERRORS));
  }

  health(row: number): Health {
    return healthOf(this.at(row, REQUESTS), this.at(row, SERVER_ERRORS), this.at(row, CLIENT_ERRORS));
  }

  /** The request-weighted p95 of the links summed, rounded for the wire; null when none had one. */
  p95Ms(row: number): number | null {
    const n = this.at(row, P95_REQUESTS);
    return n > 0 ? round(this.at(row, P95_WEIGHTED) / n, 2) : null;
  }
}

/** A version's share of its service: of the requests, or for connections alone of the connections. */
function shareOf(part: Sums, partRow: number, whole: Sums, wholeRow: number): number | null {
  const requests = whole.at(wholeRow, REQUESTS);
  if (requests > 0) return round(part.at(partRow, REQUESTS) / requests, 6);
  const opened = whole.at(wholeRow, TCP_OPENED);
  if (opened > 0) return round(part.at(partRow, TCP_OPENED) / opened, 6);
  return null;
}

/**
 * How an edge's requests were secured (see the contract's EdgeSecurity): by the share that arrived over
 * mutual TLS, with MTLS_EDGE_THRESHOLD's slack on either side.
 */
export function securityOf(sum: { requests: number; mtls: number }): EdgeSecurity | null {
  if (!(sum.requests > 0)) return null;
  const share = sum.mtls / sum.requests;
  if (share >= MTLS_EDGE_THRESHOLD) return 'mutual_tls';
  if (share <= 1 - MTLS_EDGE_THRESHOLD) return 'none';
  return 'mixed';
}

/** What a node is, from the catalog: the same for every build over one catalog view. */
type NodeInfo = Omit<
  TopologyNode,
  'inbound' | 'inboundTcp' | 'outboundRequestsPerMinute' | 'p95Ms' | 'health'
>;

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
 * the links and the catalog view are the same). Nodes and edges are numbered in the order they were
 * drawn, which is the order the API lists them in.
 */
export interface GraphParts {
  nodes: readonly NodeInfo[];
  /** Each node's inbound figures and outbound requests (row = node number). */
  inbound: Sums;
  groups: ReadonlyMap<string, TopologyGroup>;
  edgeCount: number;
  edgeSource: Int32Array;
  edgeTarget: Int32Array;
  /** Each edge's figures (row = edge number). */
  edgeSums: Sums;
  /** For a service → version edge: its service's row in `totals` (for the share); otherwise -1. */
  edgeShare: Int32Array;
  totals: Sums;
}

export function buildGraph(input: BuildInput): BuiltGraph {
  return renderGraph(graphParts(input), input.namespace ?? null);
}

/**
 * A graph type's nodes over a catalog view with no traffic: every catalog service's nodes, in the
 * order a build draws them. Made once per view and graph type; each build starts from it and adds
 * only the nodes that traffic reaches outside the catalog.
 */
interface Skeleton {
  nodes: readonly NodeInfo[];
  ids: ReadonlyMap<string, number>;
  groups: ReadonlyMap<string, TopologyGroup>;
}

const skeletonsByView = new WeakMap<BuildInput['catalog'], Map<GraphType, Skeleton>>();

function skeletonOf(catalog: BuildInput['catalog'], graphType: GraphType): Skeleton {
  let byType = skeletonsByView.get(catalog);
  if (!byType) skeletonsByView.set(catalog, (byType = new Map()));
  let skeleton = byType.get(graphType);
  if (!skeleton) {
    const drawing = new Drawing(catalog, graphType, null);
    // Every catalog service has its nodes, traffic or not.
    for (const s of catalog.services) {
      if (graphType === 'app') for (const ns of homesOf(s)) drawing.appNode(ns, s.application);
      else drawing.serviceNode(s.id);
      if (graphType === 'versionedApp')
        for (const ns of homesOf(s))
          for (const v of s.versionDetails) drawing.versionNode(ns, s.application, v.version ?? UNKNOWN);
    }
    skeleton = { nodes: drawing.nodes, ids: drawing.ids, groups: drawing.groups };
    byType.set(graphType, skeleton);
  }
  return skeleton;
}

/** The nodes and edges of `graphType` (see buildGraph); nothing in them changes afterwards. */
export function graphParts({ links, catalog, graphType }: Omit<BuildInput, 'namespace'>): GraphParts {
  const drawing = new Drawing(catalog, graphType, skeletonOf(catalog, graphType));
  drawing.draw(links);
  return drawing.parts();
}

/** Node numbers stay below this (2^26), so an edge's key, source × MAX_NODES + target, is exact. */
const MAX_NODES = 0x4000000;

/** A caller as telemetry names it (Istio's source_* labels). */
type Caller = TrafficEdges['calls'][number]['source'];

/**
 * One build: the catalog's nodes (the skeleton's, numbered first) and those traffic adds, and the
 * links' figures summed onto them. A class rather than closures made per build: the production
 * bundle keeps function names, which costs each closure when it is made.
 */
class Drawing {
  readonly nodes: NodeInfo[];
  readonly ids: Map<string, number>;
  readonly groups: Map<string, TopologyGroup>;
  private readonly apps: Map<string, AppInfo>;
  private readonly infos: Map<string, NodeInfo>;
  private readonly byServiceId = new Map<string, number>();
  private readonly inbound: Sums;
  private edgeSums: Sums;
  private edgeSource: Int32Array;
  private edgeTarget: Int32Array;
  private edgeShare: Int32Array;
  /** Edge numbers by source × 2^26 + target (one map for every edge, no string keys). */
  private readonly edgeOf = new Map<number, number>();
  private readonly totals = new Sums(0);
  private readonly totalOf = new Map<string, number>();

  constructor(
    private readonly catalog: BuildInput['catalog'],
    private readonly graphType: GraphType,
    private readonly skeleton: Skeleton | null,
  ) {
    this.apps = appsOf(catalog);
    this.infos = nodeInfosOf(catalog);
    this.nodes = skeleton ? skeleton.nodes.slice() : [];
    this.ids = new Map<string, number>();
    this.groups = new Map(skeleton?.groups);
    this.inbound = new Sums(this.nodes.length + 64, this.nodes.length);
    this.edgeSums = new Sums(0);
    this.edgeSource = new Int32Array(16);
    this.edgeTarget = new Int32Array(16);
    this.edgeShare = new Int32Array(16);
  }

  /** The number of a node already drawn (by the skeleton or this build). */
  private find(id: string): number | undefined {
    return this.skeleton?.ids.get(id) ?? this.ids.get(id);
  }

  /** Draws a node this build adds; its number. */
  private added(node: NodeInfo): number {
    const n = this.inbound.add();
    // Edges are keyed by their nodes' numbers (`edgeOf`), exact while below 2^26.
    if (n >= MAX_NODES) throw new Error(`a topology of more than ${MAX_NODES} nodes`);
    this.nodes.push(node);
    this.ids.set(node.id, n);
    return n;
  }

  appNode(ns: string, app: string): number {
    const id = nodeIds.app(ns, app);
    const found = this.find(id);
    if (found !== undefined) return found;
    let node = this.infos.get(id);
    if (!node) {
      const info = this.apps.get(appKey(ns, app));
      const services = info?.services ?? [];
      node = {
        id,
        kind: 'app',
        name: app,
        namespace: ns,
        application: app,
        version: null,
        parent: null,
        services: services.map((s) => s.id),
        protocol: sharedProtocol(services),
        platforms: platformsOf(services),
        inCatalog: info !== undefined,
      };
      this.infos.set(id, node);
    }
    return this.added(node);
  }

  versionNode(ns: string, app: string, version: string): number {
    const id = nodeIds.version(ns, app, version);
    const found = this.find(id);
    if (found !== undefined) return found;
    const group = nodeIds.group(ns, app);
    if (!this.groups.has(group)) this.groups.set(group, { id: group, namespace: ns, application: app });
    let node = this.infos.get(id);
    if (!node) {
      const info = this.apps.get(appKey(ns, app));
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
      this.infos.set(id, node);
    }
    return this.added(node);
  }

  serviceNode(serviceId: string, fallback?: { namespace: string; app: string }): number {
    let n = this.byServiceId.get(serviceId);
    if (n !== undefined) return n;
    const id = nodeIds.service(serviceId);
    n = this.find(id);
    if (n === undefined) {
      const s = this.catalog.byId.get(serviceId);
      // Described by the catalog alone when it knows the service; else by where traffic went.
      let node = s ? this.infos.get(id) : undefined;
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
        if (s) this.infos.set(id, node);
      }
      n = this.added(node);
    }
    this.byServiceId.set(serviceId, n);
    return n;
  }

  /** Adds a link to the edge source → target (drawn on its first link). `share`: its service's total row. */
  private edge(source: number, target: number, link: LinkFigures, share = -1): void {
    const key = source * MAX_NODES + target;
    let e = this.edgeOf.get(key);
    if (e === undefined) {
      e = this.edgeSums.add();
      if (e >= this.edgeSource.length) {
        this.edgeSource = grownInts(this.edgeSource);
        this.edgeTarget = grownInts(this.edgeTarget);
        this.edgeShare = grownInts(this.edgeShare);
      }
      this.edgeSource[e] = source;
      this.edgeTarget[e] = target;
      this.edgeShare[e] = share;
      this.edgeOf.set(key, e);
    }
    this.edgeSums.addLink(e, link);
    this.inbound.addOutbound(source, link.requests);
  }

  /** The node a caller is drawn as. */
  private callerNode(src: Caller): number {
    const known = src.app !== UNKNOWN;
    const app = known ? src.app : src.workload;
    if (this.graphType === 'versionedApp' && known && src.version !== UNKNOWN)
      return this.versionNode(src.namespace, app, src.version);
    if (this.graphType === 'service') {
      const own = this.apps.get(appKey(src.namespace, app))?.services ?? [];
      if (own.length === 1) return this.serviceNode((own[0] as ServiceDetail).id);
    }
    return this.appNode(src.namespace, app);
  }

  /** The links' traffic, onto the nodes. */
  draw(links: TrafficEdges): void {
    const { catalog, graphType } = this;
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

    // Service → version: the destination's own measure of what it received.
    for (const v of links.versions) {
      let total = this.totalOf.get(v.serviceId);
      if (total === undefined) this.totalOf.set(v.serviceId, (total = this.totals.add()));
      this.totals.addLink(total, v);
    }
    for (const v of links.versions) {
      if (graphType === 'app') {
        this.inbound.addLink(this.appNode(v.namespace, v.app), v);
        continue;
      }
      const svc = this.serviceNode(v.serviceId, { namespace: v.namespace, app: v.app });
      this.inbound.addLink(svc, v);
      if (graphType === 'versionedApp') {
        const target = this.versionNode(v.namespace, v.app, v.version);
        this.inbound.addLink(target, v);
        this.edge(svc, target, v, this.totalOf.get(v.serviceId));
      }
    }

    // Caller → service (or its application).
    for (const c of links.calls) {
      const source = this.callerNode(c.source);
      let target: number;
      if (graphType === 'app') {
        const home = homeOf(c.serviceId);
        target = home ? this.appNode(home.namespace, home.app) : this.serviceNode(c.serviceId);
      } else {
        target = this.serviceNode(c.serviceId, homeOf(c.serviceId));
      }
      this.edge(source, target, c);
    }
  }

  parts(): GraphParts {
    return {
      nodes: this.nodes,
      inbound: this.inbound,
      groups: this.groups,
      edgeCount: this.edgeSums.rows,
      edgeSource: this.edgeSource,
      edgeTarget: this.edgeTarget,
      edgeSums: this.edgeSums,
      edgeShare: this.edgeShare,
      totals: this.totals,
    };
  }
}

function grownInts(a: Int32Array): Int32Array {
  const grown = new Int32Array(a.length * 2);
  grown.set(a);
  return grown;
}

/**
 * What a namespace's graph needs from the parts, built once per parts (they never change): the
 * nodes of each namespace and each node's edges (`edgesFrom[n]` up to `edgesFrom[n + 1]` in
 * `edgeList`). A namespace's graph then costs its own nodes and their edges, not a walk over the
 * whole mesh's graph (at 5,000 services, each namespace's graph used to filter every node and edge).
 */
interface PartsIndex {
  byNamespace: Map<string, number[]>;
  edgesFrom: Int32Array;
  edgeList: Int32Array;
}
const indexOfParts = new WeakMap<GraphParts, PartsIndex>();

function partsIndex(parts: GraphParts): PartsIndex {
  let found = indexOfParts.get(parts);
  if (found) return found;
  const byNamespace = new Map<string, number[]>();
  parts.nodes.forEach((node, n) => {
    const list = byNamespace.get(node.namespace);
    if (list) list.push(n);
    else byNamespace.set(node.namespace, [n]);
  });
  const { edgeCount, edgeSource, edgeTarget } = parts;
  const edgesFrom = new Int32Array(parts.nodes.length + 1);
  const ends = (e: number, each: (n: number) => void) => {
    each(edgeSource[e] as number);
    if (edgeTarget[e] !== edgeSource[e]) each(edgeTarget[e] as number);
  };
  for (let e = 0; e < edgeCount; e++) ends(e, (n) => (edgesFrom[n + 1] as number)++);
  for (let n = 0; n < parts.nodes.length; n++) (edgesFrom[n + 1] as number) += edgesFrom[n] as number;
  const edgeList = new Int32Array(edgesFrom[parts.nodes.length] as number);
  const next = edgesFrom.slice(0, parts.nodes.length);
  for (let e = 0; e < edgeCount; e++) ends(e, (n) => (edgeList[(next[n] as number)++] = e));
  indexOfParts.set(parts, (found = { byNamespace, edgesFrom, edgeList }));
  return found;
}

const namespacesOfParts = new WeakMap<GraphParts, string[]>();

/** The namespaces of the parts' nodes, sorted; once per parts (the whole graph needs no index). */
function namespacesOf(parts: GraphParts): string[] {
  let found = namespacesOfParts.get(parts);
  if (!found) {
    const all = new Set<string>();
    for (const node of parts.nodes) all.add(node.namespace);
    // A service in conflict is in no namespace (''): not one to filter by.
    found = [...all].filter((ns) => ns !== '').sort();
    namespacesOfParts.set(parts, found);
  }
  return found;
}

/**
 * The nodes and edges a namespace's graph shows (by number, in the whole graph's order): its nodes,
 * and those at the other end of their edges.
 */
function namespaceSlice(parts: GraphParts, namespace: string): { nodes: Int32Array; edges: Int32Array } {
  const { byNamespace, edgesFrom, edgeList } = partsIndex(parts);
  const { edgeSource, edgeTarget } = parts;
  const own = byNamespace.get(namespace) ?? [];
  const keep = new Set<number>(own);
  for (const n of own) {
    for (let i = edgesFrom[n] as number; i < (edgesFrom[n + 1] as number); i++) {
      const e = edgeList[i] as number;
      keep.add(edgeSource[e] as number);
      keep.add(edgeTarget[e] as number);
    }
  }
  // Every edge between two kept nodes (a neighbour's edge to another neighbour included).
  const edges = new Set<number>();
  for (const n of keep) {
    for (let i = edgesFrom[n] as number; i < (edgesFrom[n + 1] as number); i++) {
      const e = edgeList[i] as number;
      if (keep.has(edgeSource[e] as number) && keep.has(edgeTarget[e] as number)) edges.add(e);
    }
  }
  return { nodes: Int32Array.from(keep).sort(), edges: Int32Array.from(edges).sort() };
}

/** Every number below `n`, in order. */
function all(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** The nodes and edges (by number) the graph shows: only `namespace`'s and their neighbours when one is given. */
function shown(parts: GraphParts, namespace: string | null): { nodes: Int32Array; edges: Int32Array } {
  return namespace
    ? namespaceSlice(parts, namespace)
    : { nodes: all(parts.nodes.length), edges: all(parts.edgeCount) };
}

/** Node `i` as the API gives it. */
function renderNode(parts: GraphParts, i: number): TopologyNode {
  const { inbound } = parts;
  const n = parts.nodes[i] as NodeInfo;
  // Each field named: a literal that begins with a spread gets a hidden class of its own in V8.
  return {
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
    inbound: inbound.traffic(i),
    inboundTcp: inbound.tcp(i),
    outboundRequestsPerMinute: round(inbound.at(i, OUTBOUND) * 60, 3),
    p95Ms: inbound.p95Ms(i),
    health: inbound.health(i),
  };
}

/** Edge `e` as the API gives it. */
function renderEdge(parts: GraphParts, e: number): TopologyEdge {
  const { edgeSums, edgeShare, totals } = parts;
  const source = (parts.nodes[parts.edgeSource[e] as number] as NodeInfo).id;
  const target = (parts.nodes[parts.edgeTarget[e] as number] as NodeInfo).id;
  const share = edgeShare[e] as number;
  const requests = edgeSums.at(e, REQUESTS);
  return {
    id: `${source}>${target}`,
    source,
    target,
    traffic: edgeSums.traffic(e),
    layer: requests <= 0 && edgeSums.hasTcp(e) ? 'l4' : 'l7',
    tcp: edgeSums.tcp(e),
    p95Ms: edgeSums.p95Ms(e),
    share: share >= 0 ? shareOf(edgeSums, e, totals, share) : null,
    health: edgeSums.health(e),
    // A service → version edge repeats its callers' requests; the callers' edges carry the lock.
    security: share >= 0 ? null : securityOf({ requests, mtls: edgeSums.at(e, MTLS) }),
  };
}

/** The groups of the versions among `nodes`. */
function groupsOf(parts: GraphParts, nodes: Int32Array): TopologyGroup[] {
  const used = new Set<string>();
  for (const i of nodes) {
    const parent = (parts.nodes[i] as NodeInfo).parent;
    if (parent) used.add(parent);
  }
  return [...parts.groups.values()].filter((g) => used.has(g.id));
}

/** The graph as the API gives it: only `namespace`'s nodes and their neighbours when one is given. */
export function renderGraph(parts: GraphParts, namespace: string | null): BuiltGraph {
  const { nodes, edges } = shown(parts, namespace);
  const outNodes: TopologyNode[] = [];
  for (const i of nodes) outNodes.push(renderNode(parts, i));
  const outEdges: TopologyEdge[] = [];
  for (const e of edges) outEdges.push(renderEdge(parts, e));
  return {
    groups: groupsOf(parts, nodes),
    nodes: outNodes,
    edges: outEdges,
    namespaces: namespacesOf(parts),
  };
}

/** Nodes or edges rendered and serialized together (an edge is about 350 bytes of JSON). */
const SLICE = 128;

/**
 * `JSON.stringify({ ...head, ...renderGraph(parts, namespace) })`, in pieces whose concatenation is
 * exactly that string, without the rendered graph ever being whole: SLICE nodes or edges are
 * rendered, serialized and dropped at a time. At 5,000 services the graph is 20,000 objects and
 * 7 MB of JSON; whole, they outlived the young generation's collections during the build and were
 * promoted, and the old generation's collections that followed were the tail of the API's latency.
 */
export function* renderGraphJson(
  parts: GraphParts,
  namespace: string | null,
  head: Record<string, unknown>,
): Generator<string> {
  const { nodes, edges } = shown(parts, namespace);
  const opening = JSON.stringify(head);
  let pending = `${opening.slice(0, -1)}${opening.length > 2 ? ',' : ''}"groups":${JSON.stringify(groupsOf(parts, nodes))}`;
  for (const [key, numbers, render] of [
    ['nodes', nodes, renderNode],
    ['edges', edges, renderEdge],
  ] as const) {
    pending += `,"${key}":[`;
    for (let from = 0; from < numbers.length; from += SLICE) {
      const slice: (TopologyNode | TopologyEdge)[] = [];
      for (const i of numbers.subarray(from, from + SLICE)) slice.push(render(parts, i));
      const json = JSON.stringify(slice);
      yield `${pending}${from > 0 ? ',' : ''}${json.slice(1, -1)}`;
      pending = '';
    }
    pending += ']';
  }
  yield `${pending},"namespaces":${JSON.stringify(namespacesOf(parts))}}`;
}
