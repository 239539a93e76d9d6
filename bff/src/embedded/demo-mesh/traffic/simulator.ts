import type { Instance, Protocol, ServiceDetail } from '../../../contract/catalog';
import type { CatalogSource } from '../../../features/catalog/catalog';
import type { CatalogView } from '../../../features/catalog/query';
import { ISTIO_BUCKETS, MUTUAL_TLS, UNKNOWN } from '../../../features/monitoring/istio-metrics';
import type { Logger } from '../../../lib/logger';
import type { RpcDialect } from '../../../mesh/model';
import type { DemoApp } from '../mesh';
import { AmbientMesh } from './ambient';
import { BucketedLogNormal } from './distribution';
import type { IstioExporter, MeshLabels } from './exporter';
import { decideRoute } from './istio/decide';
import type {
  DecideRoute,
  MeshConfig,
  RequestContext,
  RouteDecision,
  WeightedDestination,
} from './istio/types';
import { meshConfig, ROOT_NAMESPACE, securityConfig } from './mesh-config';
import { MisbehaviourReader, versionMisbehaviour } from './misbehaviour';
import type { PodMisbehaviour } from './misbehaviour';
import { ADMIT_ALL } from './pipeline';
import type { AdmissionPolicy, Flow, TickInfo } from './pipeline';
import { Drift, entryRate, fanOut, versionProfile } from './profiles';
import type { VersionProfile } from './profiles';
import { headersKey, propagated, requestKinds } from './requests';
import type { RequestKind } from './requests';
import type { RuleSnapshot, RuleSource } from './rules';
import { rpcDecision } from './rpc-rules';
import { Rng } from './rng';
import { SAMPLE_APPS, workloadOfPod } from './samples';
import type {
  AppNode,
  Call,
  DataPath,
  Decided,
  Handled,
  KindSet,
  ServiceNode,
  Target,
  VersionNode,
  Workload,
} from './graph';
import { dependsOnKind, topologicalOrder } from './graph';
import {
  LOCAL_REPLY,
  LOCAL_REPLY_BYTES,
  RETRY_BACKOFF_MS,
  UNLIMITED,
  bucketOf,
  exceeds,
  retriesMatter,
  selects,
  weightedSum,
} from './envoy';
import type { SampleApp } from './samples';
import { BUCKET_COUNT } from './store';
import type { ConsumerMeta, TickRecord, TrafficStore } from './store';
import { GATE_MTLS, GATE_PLAINTEXT, ZeroTrust } from './zero-trust';
import type { Destination, Gate } from './zero-trust';

const GATEWAY_LABELS = { app: 'istio-ingressgateway', istio: 'ingressgateway' };

const INGRESS: Workload = {
  key: `${ROOT_NAMESPACE}/istio-ingressgateway`,
  workload: 'istio-ingressgateway',
  namespace: ROOT_NAMESPACE,
  app: 'istio-ingressgateway',
  version: UNKNOWN,
  labels: GATEWAY_LABELS,
  instances: 1,
  gateway: true,
  principal: `cluster.local/ns/${ROOT_NAMESPACE}/sa/istio-ingressgateway-service-account`,
};

/** The same gateway where it routes outside traffic by the Gateways' rules (a workload of its own for the caches). */
const GATEWAY: Workload = { ...INGRESS };

/** The host outside users address the ingress gateway by (`curl http://$GATEWAY_URL/productpage`). */
const OUTSIDE_HOST = `istio-ingressgateway.${ROOT_NAMESPACE}.svc.cluster.local`;
/** The port the ingress gateway's Pod listens on for HTTP (its Service's port 80 targets it). */
const GATEWAY_PORT = 8080;

export interface SimulatorOptions {
  /** Who calls whom among the demo's own applications; each application's services and instances come from the catalog. */
  apps: readonly DemoApp[];
  catalog: CatalogSource;
  rules: RuleSource;
  /** How rules for RPC services are written (kept for the console's options; routing follows Istio's rules). */
  dialect?: RpcDialect;
  store: TrafficStore;
  exporter?: IstioExporter | null;
  admission?: AdmissionPolicy;
  /** The routing engine (Istio's semantics); the demo's own by default. */
  decide?: DecideRoute;
  seed?: number;
  clock?: () => number;
  /** Multiplies every entry rate (benchmarks). */
  rateScale?: number;
  /** Overrides what versions are like (tests: a version that fails), by namespace/app/version. */
  characters?: (namespace: string, app: string, version: string) => Partial<VersionProfile> | undefined;
  log?: Logger;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
const workloadName = (app: string, version: string) =>
  version === UNKNOWN ? app : `${app}-${slug(version)}`;

const PROTOCOL_LABEL: Record<Protocol, string> = {
  http: 'http',
  http2: 'http',
  springcloud: 'http',
  grpc: 'grpc',
  dubbo: 'dubbo',
  sofarpc: 'sofarpc',
  tcp: 'tcp',
};

/**
 * For a Service that selects only some of the Pods another Service of its application selects (a
 * per-version Service, `reviews-v1` beside `reviews`), that other one (the one selecting most);
 * null for the application's own Services.
 */
function mainServiceOf(svc: ServiceDetail, list: readonly ServiceDetail[]): ServiceDetail | null {
  if (list.length < 2 || svc.sources.every((s) => s.kind !== 'Service')) return null;
  const mine = new Set(svc.providers.map((p) => p.name));
  let best: ServiceDetail | null = null;
  for (const other of list) {
    if (other === svc || other.providers.length <= mine.size) continue;
    if (!svc.providers.every((p) => other.providers.some((q) => q.name === p.name))) continue;
    if (!best || other.providers.length > best.providers.length) best = other;
  }
  return best;
}

const NO_SHIFT = { shiftMs: 0 } as const;
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** At most this much time is simulated in one tick (after a suspended laptop, not an hour of traffic at once). */
const MAX_TICK_SECONDS = 60;

/** Who reports a request: the caller's sidecar, the destination's, or (ambient mode) the waypoint. */
type Reporter = 'source' | 'destination' | 'waypoint';

/** What one emitted group of requests looked like. */
interface Emission {
  s: ServiceNode | null;
  host: string;
  v: VersionNode | null;
  source: Workload;
  instance: string;
  reporter: Reporter;
  code: string;
  flags: string;
  n: number;
  /** Latency: drawn from the version's distribution shifted by `shiftMs`, or fixed. */
  latency: { shiftMs: number; capMs?: number } | { fixedMs: number } | 'local';
  toStore: boolean;
  toExporter: boolean;
  limited?: boolean;
  shadowLimited?: number;
  /** ztunnel's (or a TCP proxy's) L4 figures rather than a request: request_protocol "tcp". */
  l4?: boolean;
  /** The connection to the destination was Istio's mutual TLS (security labels, the store's mtls count). */
  secure?: boolean;
  /**
   * Whether the store counts the requests (default yes). The store answers as the request queries
   * do (features/monitoring/promql.ts): requests where they arrive, at the destination's sidecar or
   * the waypoint. What only the caller reports (a sidecar or gateway calling ambient pods that have
   * no waypoint) counts there at L4 alone, as ztunnel sees it.
   */
  storeRequests?: boolean;
}

/** A record to fill for each group of requests (reused: no object per record on the hot path). */
function blankRecord(buckets: Float64Array): TickRecord {
  return {
    group: 0,
    consumer: 0,
    instance: 0,
    requests: 0,
    errors: 0,
    durationSum: 0,
    inBytes: 0,
    outBytes: 0,
    clientErrors: 0,
    limited: 0,
    shadowLimited: 0,
    mtls: 0,
    buckets,
  };
}

/**
 * Simulated traffic through the mesh, in aggregate: every tick computes how many requests each
 * workload sends to each service (entry traffic into the demo's front applications, users through
 * the ingress gateway, clients of Istio's samples, and the calls each served request causes), asks
 * the routing engine (Istio's semantics, traffic/istio) what a proxy does with each kind of request,
 * and applies the decision as Envoy would: faults, retries and timeouts, mirrors, connection-pool
 * overflow and outlier ejection, with Envoy's response codes and flags. Errors and latency are drawn
 * per (caller, instance, outcome) — never one object per request. The results go to the store (the
 * embedded telemetry's series, one count per request as its caller saw it) and, when exporting, to
 * Istio's metrics with the reporter Envoy would use.
 */
export class TrafficSimulator {
  private readonly rng: Rng;
  private readonly clock: () => number;
  private readonly admission: AdmissionPolicy;
  private readonly decide: DecideRoute;
  private readonly drifts = new Map<string, Drift>();
  private readonly labelCache = new Map<string, MeshLabels>();
  private readonly kindSets = new Map<string, KindSet>();
  /** Outlier detection: ejected endpoints per cluster (host|subset), until when, and how often so far. */
  private readonly ejections = new Map<string, Map<string, { until: number; times: number }>>();
  private topology: {
    view: CatalogView;
    revision: number;
    order: AppNode[];
    byHost: Map<string, ServiceNode>;
    byId: Map<string, ServiceNode>;
    unowned: Map<string, ServiceDetail>;
    config: MeshConfig;
    rules: RuleSnapshot;
    decisions: Map<Workload, Map<ServiceNode | string, Map<KindSet, Decided[]>>>;
    gatewayExposed: boolean;
    /** What mTLS and authorization do to each caller's requests at each version, per kind and subset. */
    gates: Map<Workload, Map<VersionNode, Map<RequestKind, Map<string, Gate>>>>;
  } | null = null;
  private lastTickMs: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Requests simulated in the last tick (for logs and benchmarks). */
  lastTickRequests = 0;

  constructor(private readonly options: SimulatorOptions) {
    this.rng = new Rng(options.seed ?? 20191115);
    this.clock = options.clock ?? Date.now;
    this.admission = options.admission ?? ADMIT_ALL;
    this.decide = options.decide ?? decideRoute;
  }

  start(intervalMs = 1000): void {
    if (this.timer) return;
    this.lastTickMs ??= this.clock();
    // The topology (and the exported series, at zero) exist before the first tick counts anything.
    this.currentTopology();
    this.timer = setInterval(() => {
      try {
        this.tick(this.clock());
      } catch (err) {
        // A bad tick (an object the simulator did not expect) must not take the console down.
        this.options.log?.error({ err }, 'demo traffic tick failed');
      }
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * The share of each version in what a caller (by workload name; default: the first that calls the
   * service) sends to a service, as the current rules decide: what the next tick will do. Requests
   * the caller's sidecar answers itself (faults, undefined subsets) count for no version.
   */
  sharesFor(serviceId: string, sourceWorkload?: string): Map<string, number> | null {
    const topo = this.currentTopology();
    const s = topo.byId.get(serviceId);
    if (!s?.node) return null;
    const node = s.node;
    const callers = [
      ...(node.entry ? [INGRESS] : []),
      ...topo.order
        .filter((n) => n.callees.some((c) => c.node === node))
        .flatMap((n) => [...n.workloads.values()]),
    ];
    const source = sourceWorkload ? callers.find((w) => w.workload === sourceWorkload) : callers[0];
    if (!source) return null;
    const call = this.callTo(s, source, 1, this.kindSet(s.kinds, NO_HEADERS));
    const out = new Map<string, number>();
    if (call.via === 'ztunnel') {
      // No rule applies: spread over the ready endpoints.
      const ready = [...s.instances.values()].filter((e) => e.instance.ready);
      for (const e of ready) out.set(e.version.version, (out.get(e.version.version) ?? 0) + 1 / ready.length);
      return out;
    }
    for (const d of this.decisions(call)) {
      const abort = d.decision.kind === 'route' ? (d.decision.fault?.abort?.percent ?? 0) / 100 : 0;
      for (const t of d.targets) {
        const ready = t.dest.endpoints.filter((e) => e.ready);
        for (const e of ready) {
          const version = t.service?.instances.get(e.name)?.version.version ?? e.labels.version ?? UNKNOWN;
          out.set(version, (out.get(version) ?? 0) + (d.share * t.dest.share * (1 - abort)) / ready.length);
        }
      }
    }
    return out;
  }

  /** Simulates the traffic since the last tick, up to `nowMs`. The first call only sets the clock. */
  tick(nowMs: number): void {
    if (this.lastTickMs === null) {
      this.lastTickMs = nowMs;
      return;
    }
    const dt = Math.min(MAX_TICK_SECONDS, (nowMs - this.lastTickMs) / 1000);
    if (dt <= 0) return;
    this.lastTickMs = nowMs;
    // The store's data begin where the first counted tick does (its rates are over what it holds).
    this.options.store.coverFrom(nowMs - dt * 1000);
    const tick: TickInfo = { nowMs, dtSeconds: dt };
    this.admission.beginTick?.(tick);
    const topo = this.currentTopology();
    const order = topo.order;
    this.lastTickRequests = 0;
    for (const node of order)
      for (const s of node.services) for (const v of s.versions.values()) this.driftVersion(v, tick);

    const calls = new Map<AppNode, Call[]>();
    const push = (node: AppNode, call: Call) => {
      const list = calls.get(node);
      if (list) list.push(call);
      else calls.set(node, [call]);
    };
    const handled = new Map<AppNode, Handled>();
    const scale = this.options.rateScale ?? 1;
    for (const node of order) {
      if (node.entry && node.services.length > 0) {
        const rate = (node.entry.rate * node.entry.drift.step(nowMs, dt, this.rng)) / node.services.length;
        for (const s of node.services)
          push(node, this.callTo(s, INGRESS, rate, this.kindSet(s.kinds, NO_HEADERS)));
      }
      for (const client of node.sample?.clients ?? []) {
        const target = topo.order.find((n) => n.namespace === node.namespace && n.app === client.app);
        const s = target?.services[0];
        if (!target || !s || node.workloads.size === 0) continue;
        for (const w of node.workloads.values()) {
          const call = this.callTo(
            s,
            w,
            (client.ratePerSecond * scale) / node.workloads.size,
            this.kindSet(client.kinds, NO_HEADERS),
          );
          if (client.concurrency !== undefined) call.concurrency = client.concurrency;
          push(target, call);
        }
      }
    }
    // Users through the ingress gateway, routed there by the gateway's rules (a Gateway must select it).
    if (topo.gatewayExposed) {
      for (const node of order) {
        const outside = node.sample?.outside;
        if (!outside || node.services.length === 0) continue;
        const call: Call = {
          source: GATEWAY,
          atGateway: true,
          service: null,
          host: OUTSIDE_HOST,
          port: outside.port ?? GATEWAY_PORT,
          rate: outside.ratePerSecond * scale,
          kinds: this.kindSet(outside.kinds, NO_HEADERS),
          ...(outside.tcp ? { tcp: true } : {}),
        };
        this.serve(call, tick, handled);
      }
    }
    for (const node of order) {
      for (const call of calls.get(node) ?? []) this.serve(call, tick, handled);
      const served = handled.get(node);
      if (!served) continue;
      for (const edge of node.callees) {
        const target = edge.node.services;
        if (target.length === 0) continue;
        const propagates = node.sample?.propagates;
        if (!propagates && !edge.onPaths) {
          // The demo's own applications: what each version served, whatever its kind.
          for (const [v, byKind] of served) {
            if (edge.fromVersions && !edge.fromVersions.has(v.version)) continue;
            const workload = node.workloads.get(v.version);
            if (!workload) continue;
            let count = 0;
            for (const c of byKind.values()) count += c;
            if (count <= 0) continue;
            const perService = ((count / dt) * edge.fanOut) / target.length;
            for (const s of target)
              push(
                edge.node,
                this.callTo(s, workload, perService, this.kindSet(edge.kinds ?? s.kinds, NO_HEADERS)),
              );
          }
          continue;
        }
        // Calls per (calling workload, propagated headers).
        const out = new Map<string, { workload: Workload; headers: Record<string, string>; count: number }>();
        for (const [v, byKind] of served) {
          if (edge.fromVersions && !edge.fromVersions.has(v.version)) continue;
          const workload = node.workloads.get(v.version);
          if (!workload) continue;
          for (const [kind, count] of byKind) {
            if (count <= 0) continue;
            if (edge.onPaths && !edge.onPaths.some((p) => kind.path?.startsWith(p))) continue;
            const headers = propagates ? propagated(kind.headers, propagates) : NO_HEADERS;
            const key = `${workload.key}\u0000${headersKey(headers)}`;
            const o = out.get(key);
            if (o) o.count += count;
            else out.set(key, { workload, headers, count });
          }
        }
        for (const { workload, headers, count } of out.values()) {
          const perService = ((count / dt) * edge.fanOut) / target.length;
          for (const s of target) {
            const call = this.callTo(s, workload, perService, this.kindSet(edge.kinds ?? s.kinds, headers));
            if (edge.clientTimeoutMs !== undefined) call.clientTimeoutMs = edge.clientTimeoutMs;
            if (edge.clientRetries !== undefined) call.clientRetries = edge.clientRetries;
            push(edge.node, call);
          }
        }
      }
    }
    // What each caller waited for its calls this tick: the time the next tick's requests spend in them.
    for (const byKinds of this.waited.values()) {
      for (const w of byKinds.values()) {
        if (w.n > 0) w.meanMs = w.sum / w.n;
        w.sum = 0;
        w.n = 0;
      }
    }
  }

  /**
   * Time a request of `kind` at version `v` spends waiting for the calls it causes (an application of
   * Istio's samples calls its backends in turn): the mean its callers saw in the last tick, per call
   * times the calls per request. The demo's own applications keep their latency their own.
   */
  private downstream(s: ServiceNode, v: VersionNode, kind: RequestKind): number {
    const node = s.node;
    if (!node?.sample?.calls) return 0;
    const workload = node.workloads.get(v.version);
    const waited = workload ? this.waited.get(workload.key) : undefined;
    if (!waited) return 0;
    let ms = 0;
    for (const edge of node.callees) {
      if (edge.fromVersions && !edge.fromVersions.has(v.version)) continue;
      if (edge.onPaths && !edge.onPaths.some((p) => kind.path?.startsWith(p))) continue;
      const headers = node.sample.propagates ? propagated(kind.headers, node.sample.propagates) : NO_HEADERS;
      const target = edge.node.services[0];
      if (!target) continue;
      const w = waited.get(this.kindSet(edge.kinds ?? target.kinds, headers));
      if (w) ms += w.meanMs * edge.fanOut;
    }
    return ms;
  }

  /** Per calling workload and kinds of call: the caller-side time of its calls (sum and count this tick, mean of the last). */
  private readonly waited = new Map<string, Map<KindSet, { sum: number; n: number; meanMs: number }>>();
  /** Where the caller-side times of the call being served are added up (null: not measured). */
  private measuring: { sum: number; n: number; meanMs: number } | null = null;

  private callTo(s: ServiceNode, source: Workload, rate: number, kinds: KindSet): Call {
    const call: Call = {
      source,
      atGateway: false,
      service: s,
      host: s.service.host,
      port: s.port,
      rate,
      kinds,
    };
    const via = this.pathOf(source, s);
    if (via !== 'sidecar') call.via = via;
    return call;
  }

  /**
   * How a workload's calls to a service travel: an ambient caller's through ztunnel, to the service's
   * waypoint when it has one (which routes them by the rules, HTTPRoutes first), else straight to its
   * endpoints (L4 only: no routing rules apply). Sidecars and the ingress gateway route themselves.
   */
  private pathOf(source: Workload, s: ServiceNode): DataPath {
    if (!source.ambient)
      return source.gateway && s.waypoint && s.ingressUsesWaypoint ? 'waypoint' : 'sidecar';
    return s.waypoint ? 'waypoint' : 'ztunnel';
  }

  /** The kinds a call sends, with the headers its caller propagates added to each (memoized). */
  private kindSet(base: readonly RequestKind[], headers: Record<string, string>): KindSet {
    if (headers === NO_HEADERS) {
      let plain = this.plainKindSets.get(base);
      if (!plain) this.plainKindSets.set(base, (plain = { key: '', kinds: base }));
      return plain;
    }
    const hk = headersKey(headers);
    let id = this.baseIds.get(base);
    if (id === undefined) this.baseIds.set(base, (id = this.baseIds.size));
    const key = `${id}\u0000${hk}`;
    let set = this.kindSets.get(key);
    if (!set) {
      const kinds = hk === '' ? base : base.map((k) => ({ ...k, headers: { ...headers, ...k.headers } }));
      set = { key, kinds };
      this.kindSets.set(key, set);
    }
    return set;
  }

  private readonly plainKindSets = new Map<readonly RequestKind[], KindSet>();
  private readonly baseIds = new Map<readonly RequestKind[], number>();

  /** What the engine decides for each kind of a call (cached until the rules or the catalog change). */
  private decisions(call: Call): Decided[] {
    const topo = this.currentTopology();
    // Keyed by objects the topology keeps (workloads, services, memoized kind sets): no key strings per tick.
    let bySource = topo.decisions.get(call.source);
    if (!bySource) topo.decisions.set(call.source, (bySource = new Map()));
    let byTarget = bySource.get(call.service ?? call.host);
    if (!byTarget) bySource.set(call.service ?? call.host, (byTarget = new Map()));
    let decided = byTarget.get(call.kinds);
    if (decided) return decided;
    decided = [];
    byTarget.set(call.kinds, decided);
    const protocol = call.tcp || call.service?.protocol === 'tcp' ? 'tcp' : 'http';
    const clusterShares = new Map<string, number>();
    const signatures = new Map<string, Decided>();
    const kindBlind = !call.atGateway && call.service !== null && !dependsOnKind(call.service.node);
    for (const kind of call.kinds.kinds) {
      const request: RequestContext = {
        at: call.atGateway
          ? { kind: 'gateway', workloadNamespace: call.source.namespace, workloadLabels: call.source.labels }
          : { kind: 'mesh' },
        sourceNamespace: call.source.namespace,
        sourceLabels: call.source.labels,
        host: call.host,
        port: call.port,
        protocol,
        headers: kind.headers,
        ...(kind.method ? { method: kind.method } : {}),
        ...(kind.path ? { path: kind.path } : {}),
      };
      const decision = this.decideFor(call, request, topo.config, topo.rules);
      const target = (dest: WeightedDestination): Target => {
        const host = dest.service?.host ?? dest.host;
        const s = call.service && call.service.service.host === host ? call.service : this.serviceAt(host);
        return {
          dest,
          service: s,
          cluster: `${host}|${dest.subset ?? ''}|${dest.port ?? ''}`,
          clusterShare: 0,
        };
      };
      const targets = decision.kind === 'route' ? decision.destinations.map(target) : [];
      const mirrors =
        decision.kind === 'route'
          ? decision.mirrors.map((m) => ({ target: target(m.destination), percent: m.percent }))
          : [];
      for (const t of targets)
        clusterShares.set(t.cluster, (clusterShares.get(t.cluster) ?? 0) + kind.share * t.dest.share);
      // Kinds decided alike are served as one, unless what the served application calls depends on them.
      const signature = kindBlind ? JSON.stringify(decision) : null;
      const same = signature !== null ? signatures.get(signature) : undefined;
      if (same) same.share += kind.share;
      else {
        // Headers the route sets reach the destination (and what it propagates downstream).
        const set = decision.kind === 'route' ? decision.requestHeaders : undefined;
        const served =
          set && Object.keys(set).length > 0 ? { ...kind, headers: { ...kind.headers, ...set } } : kind;
        const entry = { kind: served, share: kind.share, decision, targets, mirrors };
        decided.push(entry);
        if (signature !== null) signatures.set(signature, entry);
      }
    }
    for (const d of decided) for (const t of d.targets) t.clusterShare = clusterShares.get(t.cluster) ?? 0;
    return decided;
  }

  /**
   * The engine's decision; for an RPC interface, the Dubbo-style rules of a Dubbo-aware mesh where the
   * console writes them (the dubbo and sofa dialects), else where Istio's rules say nothing.
   */
  private decideFor(
    call: Call,
    request: RequestContext,
    config: MeshConfig,
    rules: RuleSnapshot,
  ): RouteDecision {
    const rpc = () =>
      call.service && !call.atGateway ? rpcDecision(rules, call.service.service, call.source.labels) : null;
    if ((this.options.dialect ?? 'istio') !== 'istio') {
      const first = rpc();
      if (first) return first;
    }
    let decision: RouteDecision;
    try {
      decision = this.decide(config, request);
    } catch (err) {
      // An engine failure on one object must not stop the traffic: route as without rules.
      this.options.log?.warn({ err }, 'demo traffic: routing decision failed');
      decision = { kind: 'route', destinations: [], mirrors: [] };
    }
    if (decision.kind === 'route' && !decision.rule) return rpc() ?? decision;
    return decision;
  }

  /** One caller's requests (at `call.rate` per second) through its sidecar, to wherever they are routed. */
  private serve(call: Call, tick: TickInfo, handled: Map<AppNode, Handled>) {
    const expected = call.rate * tick.dtSeconds;
    if (!(expected > 0)) return;
    this.via = call.via ?? 'sidecar';
    this.secure = !call.source.noProxy;
    this.measuring = null;
    if (this.via === 'ztunnel' && call.service) {
      this.throughZtunnel(call, call.service, expected, tick, handled);
      return;
    }
    if (call.source.sample) {
      let byKinds = this.waited.get(call.source.key);
      if (!byKinds) this.waited.set(call.source.key, (byKinds = new Map()));
      let w = byKinds.get(call.kinds);
      if (!w) byKinds.set(call.kinds, (w = { sum: 0, n: 0, meanMs: 0 }));
      this.measuring = w;
    }
    for (const d of this.decisions(call)) {
      const lambda = expected * d.share;
      const decision = d.decision;
      if (decision.kind === 'not-found') {
        // No route: Envoy answers 404 itself, with "no route" (NR). At the gateway the requests count
        // for the gateway's own service, when the catalog has it.
        const at = call.service ?? this.serviceAt(call.host);
        this.localReply(call, at, null, 404, 'NR', this.rng.poisson(lambda), tick);
        continue;
      }
      if (decision.directResponse) {
        this.localReply(
          call,
          call.service,
          null,
          decision.directResponse.status,
          '-',
          this.rng.poisson(lambda),
          tick,
        );
        continue;
      }
      if (decision.destinations.length === 0) {
        // No destination at all (the engine could not route): spread over the called service as without rules.
        if (call.service)
          this.plainToService(call, d.kind, call.service, this.rng.poisson(lambda), tick, handled);
        continue;
      }
      const fault = decision.fault;
      const policy = fault !== undefined || (decision.timeoutMs ?? 0) > 0 || retriesMatter(decision.retries);
      for (const t of d.targets) {
        let n = this.rng.poisson(lambda * t.dest.share);
        if (n === 0) continue;
        this.lastTickRequests += n;
        const s = t.service;
        // The fault filter acts before the router: an aborted request goes nowhere, not even to a mirror.
        if (fault?.abort) {
          const a = this.rng.binomial(n, fault.abort.percent / 100);
          const status = 'httpStatus' in fault.abort ? fault.abort.httpStatus : 503;
          this.localReply(call, s, t.dest, status, 'FI', a, tick);
          n -= a;
        }
        for (const m of d.mirrors) this.mirror(call, m.target, this.rng.binomial(n, m.percent / 100), tick);
        if (n === 0) continue;
        if (t.dest.undefinedSubset) {
          this.localReply(call, s, t.dest, 503, 'NC', n, tick);
          continue;
        }
        if (!s) {
          this.localReply(call, null, null, 503, 'UH', n, tick);
          continue;
        }
        const overflow = this.overflow(call, t, s);
        if (overflow > 0) {
          const o = this.rng.binomial(n, overflow);
          this.localReply(call, s, t.dest, 503, 'UO', o, tick);
          n -= o;
        }
        const endpoints = this.available(t, s, tick.nowMs);
        if (endpoints.length === 0) {
          this.localReply(call, s, t.dest, 503, 'UH', n, tick);
          continue;
        }
        const delayed = fault?.delay ? this.rng.binomial(n, fault.delay.percent / 100) : 0;
        const groups: [number, number][] = [
          [n - delayed, 0],
          [delayed, fault?.delay?.fixedDelayMs ?? 0],
        ];
        for (const [count, delayMs] of groups) {
          if (count === 0) continue;
          if (policy) this.attempts(call, d, t, s, endpoints, count, delayMs, tick, handled);
          else this.plain(call, d.kind, t, s, endpoints, count, tick, handled);
        }
      }
    }
  }

  /** How the call being served travels (see pathOf): who reports its requests. */
  private via: DataPath = 'sidecar';

  /**
   * An ambient caller's requests to a service without a waypoint: ztunnel carries the connections to
   * the service's ready endpoints, spread evenly (no routing rule applies: they are L7), and reports
   * only L4 figures. The destination still serves the requests (and makes its own calls).
   */
  private throughZtunnel(
    call: Call,
    s: ServiceNode,
    expected: number,
    tick: TickInfo,
    handled: Map<AppNode, Handled>,
  ) {
    const endpoints = [...s.instances.values()].filter((e) => e.instance.ready);
    if (endpoints.length === 0) return;
    for (const kind of call.kinds.kinds) {
      const n = this.rng.poisson(expected * kind.share);
      if (n === 0) continue;
      this.lastTickRequests += n;
      const counts = this.spread(n, endpoints.length);
      for (let i = 0; i < endpoints.length; i++) {
        const c = counts[i] as number;
        if (c === 0) continue;
        const { instance, version: v } = endpoints[i] as { instance: Instance; version: VersionNode };
        // ztunnel refuses at L4: the connection is closed, nobody reports a request.
        const gate = this.gate(call, s, v, instance, kind, undefined);
        if (gate.outcome !== 'ok') continue;
        this.secure = gate.mtls;
        this.l4(s, v, call.source, instance.name, c, tick);
        if (s.protocol !== 'tcp') this.addHandled(handled, s, v, kind, c);
      }
    }
  }

  /** The service of a host, made when first needed for one no known application owns. */
  private serviceAt(host: string): ServiceNode | null {
    const topo = this.currentTopology();
    const known = topo.byHost.get(host);
    if (known) return known;
    const detail = topo.unowned.get(host);
    if (!detail) return null;
    const s = this.serviceNode(detail, null, false);
    topo.byHost.set(host, s);
    topo.byId.set(detail.id, s);
    return s;
  }

  /** The version a destination's requests would be counted for when its sidecar answers them itself. */
  private versionOf(s: ServiceNode, dest: WeightedDestination): VersionNode {
    // A subset of one version is that version; a destination over several is none of them.
    let found: VersionNode | undefined;
    for (const e of dest.endpoints) {
      const v = s.instances.get(e.name)?.version;
      if (!v || (found && v !== found)) return this.versionNode(s, UNKNOWN, []);
      found = v;
    }
    return found ?? this.versionNode(s, UNKNOWN, []);
  }

  /** The destination's ready endpoints that outlier detection has not ejected. */
  private available(t: Target, s: ServiceNode, nowMs: number) {
    if (!t.ready) {
      t.ready = [];
      for (const e of t.dest.endpoints) {
        const known = e.ready ? s.instances.get(e.name) : undefined;
        if (known) t.ready.push(known);
      }
    }
    const ejected = this.ejections.get(t.cluster);
    if (!ejected || ejected.size === 0) return t.ready;
    return t.ready.filter((e) => !((ejected.get(e.instance.name)?.until ?? 0) > nowMs));
  }

  /**
   * The share of requests the connection pool refuses (503 UO): by Little's law the caller keeps
   * rate × latency requests in flight toward the cluster (or its own fixed concurrency), and each of
   * its sidecars holds at most maxConnections + http1MaxPendingRequests of them (http2MaxRequests
   * for HTTP/2 and gRPC).
   */
  private overflow(call: Call, t: Target, s: ServiceNode): number {
    const p = t.dest.policy;
    const h2 = s.protocol === 'grpc' || s.service.protocol === 'http2';
    const capacity = h2
      ? (p.http2MaxRequests ?? UNLIMITED)
      : (p.maxConnections ?? UNLIMITED) + (p.http1MaxPendingRequests ?? UNLIMITED);
    if (capacity >= UNLIMITED) return 0;
    const first = t.dest.endpoints[0];
    const v = (first ? s.instances.get(first.name)?.version : undefined) ?? this.versionOf(s, t.dest);
    const inFlight =
      call.concurrency !== undefined
        ? call.concurrency * t.clusterShare
        : (call.rate * t.clusterShare * (v.latency.mean / 1000)) / Math.max(1, call.source.instances);
    return inFlight > capacity ? 1 - capacity / inFlight : 0;
  }

  /** Requests spread over the endpoints, each served once, nothing between caller and destination. */
  private plain(
    call: Call,
    kind: RequestKind,
    t: Target | null,
    s: ServiceNode,
    endpoints: { instance: Instance; version: VersionNode }[],
    n: number,
    tick: TickInfo,
    handled: Map<AppNode, Handled>,
  ) {
    const counts = this.spread(n, endpoints.length);
    let abandoned = 0;
    for (let i = 0; i < endpoints.length; i++) {
      const c = counts[i] as number;
      if (c === 0) continue;
      const { instance, version: v } = endpoints[i] as { instance: Instance; version: VersionNode };
      const gate = this.gate(call, s, v, instance, kind, t?.dest.subset);
      if (gate.outcome !== 'ok') {
        this.refuse(call, s, v, instance.name, c, gate, tick);
        continue;
      }
      this.secure = gate.mtls;
      if (s.protocol === 'tcp') {
        this.tcp(s, v, call.source, instance.name, c, tick);
        continue;
      }
      const admitted = this.admit(s, v, call.source, instance.name, c, tick);
      const limited = c - admitted;
      let errors = this.rng.binomial(admitted, v.errorRate);
      let ok = admitted - errors;
      const name = instance.name;
      // Its own time plus the calls it waits for; the caller's application may give up first.
      const shift = this.downstream(s, v, kind);
      const giveUp = call.clientTimeoutMs;
      let latency: Emission['latency'] = shift > 0 ? { shiftMs: shift } : NO_SHIFT;
      if (giveUp !== undefined) {
        const late = exceeds(v.latency, giveUp - shift);
        if (late > 0) {
          const gone = this.rng.binomial(ok, late);
          const goneErrors = this.rng.binomial(errors, late);
          abandoned += gone + goneErrors;
          ok -= gone;
          errors -= goneErrors;
          // The client closed the connection: no response code, "downstream connection termination".
          this.at(s, v, call.source, name).served(
            '0',
            'DC',
            gone + goneErrors,
            { fixedMs: giveUp },
            true,
            tick,
          );
          latency = { shiftMs: shift, capMs: giveUp };
        }
      }
      this.at(s, v, call.source, name).served('200', '-', ok, latency, true, tick);
      this.at(s, v, call.source, name).served('500', '-', errors, latency, true, tick);
      if (limited > 0)
        this.at(s, v, call.source, name).served(this.limitedCode(), 'RL', limited, 'local', true, tick);
      this.addHandled(handled, s, v, kind, admitted);
      const od = t?.dest.policy.outlierDetection;
      if (t && od) this.outlier(t, name, endpoints.length, admitted, errors, od, tick.nowMs);
    }
    // The application tries again what it gave up on (productpage: once more after 3 s).
    const retries = call.clientRetries ?? 0;
    if (abandoned > 0 && retries > 0) {
      this.lastTickRequests += abandoned;
      this.plain({ ...call, clientRetries: retries - 1 }, kind, t, s, endpoints, abandoned, tick, handled);
    }
  }

  /**
   * Connections to a TCP service (a "request" of a TCP caller is one connection): Istio's TCP metrics
   * when exporting, and one count per connection in the store.
   */
  private tcp(s: ServiceNode, v: VersionNode, source: Workload, instance: string, n: number, tick: TickInfo) {
    this.l4(s, v, source, instance, n, tick);
  }

  /**
   * `n` connections (one a request: the demo's clients do not keep them open) to an instance, as
   * counted at the destination: by its sidecar's TCP proxy, or in ambient mode by ztunnel on its node
   * (reporter="destination"). Opened and closed within the tick; bytes from the version's request and
   * response sizes. In the store, a record of L4 figures only (no requests).
   */
  private l4(s: ServiceNode, v: VersionNode, source: Workload, instance: string, n: number, tick: TickInfo) {
    if (n <= 0) return;
    const sent = n * v.responseBytes.mean;
    const received = n * v.requestBytes.mean;
    const e = this.l4Emission;
    e.s = s;
    e.host = s.service.host;
    e.v = v;
    e.source = source;
    e.instance = instance;
    e.n = n;
    e.secure = this.secure;
    this.options.exporter?.addTcp(this.labels(e), n, sent, received);
    const r = this.l4Record;
    const counted = s.versionOf ?? s;
    r.group = v.group;
    r.consumer = this.consumerCell(counted, source, this.secure);
    r.instance = this.instanceCell(counted, v, instance);
    r.tcpOpened = n;
    r.tcpClosed = n;
    r.tcpSentBytes = sent;
    r.tcpReceivedBytes = received;
    this.options.store.add(tick.nowMs, r);
  }

  private readonly l4Emission: Emission = {
    s: null,
    host: '',
    v: null,
    source: INGRESS,
    instance: '',
    reporter: 'destination',
    code: '-',
    flags: '-',
    n: 0,
    latency: 'local',
    toStore: false,
    toExporter: false,
    l4: true,
  };

  private readonly l4Record = blankRecord(new Float64Array(BUCKET_COUNT));

  /** Without a decision to follow: the called service's ready instances, as without rules. */
  private plainToService(
    call: Call,
    kind: RequestKind,
    s: ServiceNode,
    n: number,
    tick: TickInfo,
    handled: Map<AppNode, Handled>,
  ) {
    if (n === 0) return;
    this.lastTickRequests += n;
    const endpoints = [...s.instances.values()].filter((e) => e.instance.ready);
    if (endpoints.length === 0) this.localReply(call, s, null, 503, 'UH', n, tick);
    else this.plain(call, kind, null, s, endpoints, n, tick, handled);
  }

  /**
   * Requests under a route with a fault, timeout or retry policy: each attempt is served (and counted)
   * at an endpoint; a failed one is retried while attempts remain; the caller's outcome is the last
   * attempt's, or 504 UT once the route's timeout has passed. The destination counts every attempt
   * it served; the caller's sidecar reports what its application got.
   */
  private attempts(
    call: Call,
    d: Decided,
    t: Target,
    s: ServiceNode,
    endpoints: { instance: Instance; version: VersionNode }[],
    n: number,
    delayMs: number,
    tick: TickInfo,
    handled: Map<AppNode, Handled>,
  ) {
    const decision = d.decision as Extract<RouteDecision, { kind: 'route' }>;
    const retries = decision.retries;
    const retryOn = new Set(retries?.retryOn.flatMap((r) => r.split(',')).map((r) => r.trim()) ?? []);
    const retry5xx = retryOn.has('5xx') || (retries?.retriableStatusCodes?.includes(500) ?? false);
    const retryTimeout = retry5xx || retryOn.has('gateway-error');
    const perTry = retries?.perTryTimeoutMs;
    const timeout =
      decision.timeoutMs !== undefined && decision.timeoutMs > 0 ? decision.timeoutMs : undefined;
    const flags = delayMs > 0 ? 'DI' : '-';
    // Nothing between the caller and what the destination served (no delay, no timeout of any kind,
    // no retry on 5xx: a route with only an abort, or default retries): the caller got exactly the
    // destination's answers, so the store counts those (one draw of latency and bytes, as exported),
    // not a second, independent draw of the same requests.
    const asServed =
      delayMs === 0 &&
      perTry === undefined &&
      timeout === undefined &&
      call.clientTimeoutMs === undefined &&
      !retry5xx;
    let pending = n;
    let elapsed = delayMs;
    const od = t.dest.policy.outlierDetection;
    for (let attempt = 0; pending > 0; attempt++) {
      const last = attempt >= (retries?.attempts ?? 0);
      if (timeout !== undefined && elapsed >= timeout) {
        this.callerSees(call, s, null, '', 504, 'UT', pending, { fixedMs: timeout }, tick);
        return;
      }
      const counts = this.spread(pending, endpoints.length);
      pending = 0;
      let attemptMs = 0;
      let attemptN = 0;
      for (let i = 0; i < endpoints.length; i++) {
        const c = counts[i] as number;
        if (c === 0) continue;
        const { instance, version: v } = endpoints[i] as { instance: Instance; version: VersionNode };
        const gate = this.gate(call, s, v, instance, d.kind, t.dest.subset);
        if (gate.outcome !== 'ok') {
          this.refuse(call, s, v, instance.name, c, gate, tick);
          continue;
        }
        this.secure = gate.mtls;
        const admitted = this.admit(s, v, call.source, instance.name, c, tick);
        const limited = c - admitted;
        const limitedCode = limited > 0 ? this.limitedCode() : '429';
        const errors = this.rng.binomial(admitted, v.errorRate);
        const ok = admitted - errors;
        // What the destination served, every attempt counted there (its own time plus the calls it waits for).
        const name = instance.name;
        const shift = this.downstream(s, v, d.kind);
        const served: Emission['latency'] = shift > 0 ? { shiftMs: shift } : NO_SHIFT;
        this.at(s, v, call.source, name).served('200', '-', ok, served, asServed, tick);
        this.at(s, v, call.source, name).served('500', '-', errors, served, asServed, tick);
        this.at(s, v, call.source, name).served(limitedCode, 'RL', limited, 'local', asServed, tick);
        this.addHandled(handled, s, v, d.kind, admitted);
        // The caller's view of this attempt: a per-try timeout cuts it short (504 UT).
        const slow = perTry !== undefined ? exceeds(v.latency, perTry - shift) : 0;
        const okSlow = this.rng.binomial(ok, slow);
        const errSlow = this.rng.binomial(errors, slow);
        const timedOut = okSlow + errSlow;
        const retriable = (retry5xx ? errors - errSlow : 0) + (retryTimeout ? timedOut : 0);
        const again = last ? 0 : retriable;
        pending += again;
        const finalErrors = errors - errSlow - (retry5xx && !last ? errors - errSlow : 0);
        const finalTimedOut = timedOut - (retryTimeout && !last ? timedOut : 0);
        const finalOk = ok - okSlow;
        if (asServed) {
          if (od) this.outlier(t, instance.name, endpoints.length, admitted, errors, od, tick.nowMs);
          continue;
        }
        this.finish(call, s, v, instance.name, 200, flags, finalOk, elapsed + shift, timeout, tick);
        // A 5xx that used up the retries: Envoy adds "upstream retry limit exceeded".
        const exhausted = last && attempt > 0 && retry5xx;
        const errorFlags = exhausted ? (delayMs > 0 ? 'DI,URX' : 'URX') : flags;
        this.finish(call, s, v, instance.name, 500, errorFlags, finalErrors, elapsed + shift, timeout, tick);
        if (finalTimedOut > 0 && perTry !== undefined)
          this.callerSees(
            call,
            s,
            v,
            instance.name,
            504,
            'UT',
            finalTimedOut,
            { fixedMs: Math.min(elapsed + perTry, timeout ?? Infinity) },
            tick,
          );
        if (limited > 0)
          this.callerSees(call, s, v, instance.name, Number(limitedCode), 'RL', limited, 'local', tick);
        if (od) this.outlier(t, instance.name, endpoints.length, admitted, errors + timedOut, od, tick.nowMs);
        attemptMs += c * Math.min(v.latency.mean + shift, perTry ?? Infinity);
        attemptN += c;
      }
      elapsed += (attemptN > 0 ? attemptMs / attemptN : 0) + RETRY_BACKOFF_MS;
    }
  }

  /** Final outcomes of an attempt that began `elapsedMs` after the request: 504 UT for the share past the route's timeout. */
  private finish(
    call: Call,
    s: ServiceNode,
    v: VersionNode,
    instance: string,
    code: number,
    flags: string,
    n: number,
    elapsedMs: number,
    timeout: number | undefined,
    tick: TickInfo,
  ) {
    if (n <= 0) return;
    // Whichever comes first: the route's timeout (Envoy answers 504 UT) or the application giving up (DC).
    const giveUp = call.clientTimeoutMs;
    const appFirst = giveUp !== undefined && (timeout === undefined || giveUp < timeout);
    const limit = appFirst ? giveUp : timeout;
    const late = limit !== undefined ? this.rng.binomial(n, exceeds(v.latency, limit - elapsedMs)) : 0;
    if (late > 0) {
      if (appFirst) this.callerSees(call, s, v, instance, 0, 'DC', late, { fixedMs: limit as number }, tick);
      else this.callerSees(call, s, v, instance, 504, 'UT', late, { fixedMs: limit as number }, tick);
    }
    const latency = limit !== undefined ? { shiftMs: elapsedMs, capMs: limit } : { shiftMs: elapsedMs };
    this.callerSees(call, s, v, instance, code, flags, n - late, latency, tick);
  }

  /** What the caller's application got: counted once in the store, and reported by the caller's sidecar. */
  private callerSees(
    call: Call,
    s: ServiceNode,
    v: VersionNode | null,
    instance: string,
    code: number,
    flags: string,
    n: number,
    latency: Emission['latency'],
    tick: TickInfo,
  ) {
    if (n <= 0) return;
    this.emit(
      {
        s,
        host: s.service.host,
        v: v ?? this.versionNode(s, UNKNOWN, []),
        source: call.source,
        instance,
        reporter: this.via === 'waypoint' ? 'waypoint' : 'source',
        code: String(code),
        flags,
        n,
        latency,
        toStore: true,
        toExporter: true,
        limited: flags === 'RL',
        secure: this.secure,
      },
      tick,
    );
  }

  /** Requests the caller's sidecar (or the gateway) answers itself: they never reach a destination. */
  private localReply(
    call: Call,
    s: ServiceNode | null,
    dest: WeightedDestination | null,
    code: number,
    flags: string,
    n: number,
    tick: TickInfo,
  ) {
    if (n <= 0) return;
    // Counted (in the store) for the version the destination is, when it is one.
    const v = s ? (dest ? this.versionOf(s, dest) : this.versionNode(s, UNKNOWN, [])) : null;
    this.emit(
      {
        s,
        host: s?.service.host ?? call.host,
        v,
        source: call.source,
        instance: '',
        reporter: this.via === 'waypoint' ? 'waypoint' : 'source',
        code: String(code),
        flags,
        n,
        latency: 'local',
        toStore: s !== null,
        toExporter: true,
      },
      tick,
    );
  }

  /**
   * Mirrored requests: served at the mirror (counted there, reporter=destination, same caller; Envoy
   * sends them with `-shadow` appended to the authority) and their responses dropped: nothing of
   * them reaches the caller's outcome or latency.
   */
  private mirror(call: Call, t: Target, n: number, tick: TickInfo) {
    const s = t.service;
    if (n <= 0 || !s || t.dest.undefinedSubset) return;
    // Nobody waits for a mirror's response.
    const measuring = this.measuring;
    this.measuring = null;
    try {
      this.mirrorTo(call, t, s, n, tick);
    } finally {
      this.measuring = measuring;
    }
  }

  private mirrorTo(call: Call, t: Target, s: ServiceNode, n: number, tick: TickInfo) {
    const endpoints = this.available(t, s, tick.nowMs);
    if (endpoints.length === 0) return;
    this.lastTickRequests += n;
    const counts = this.spread(n, endpoints.length);
    for (let i = 0; i < endpoints.length; i++) {
      const c = counts[i] as number;
      if (c === 0) continue;
      const { instance, version: v } = endpoints[i] as { instance: Instance; version: VersionNode };
      if (this.via === 'waypoint' || v.ambient) {
        // Nobody reports a mirrored request as one (a waypoint counts the requests it receives; the
        // mirror has no sidecar): ztunnel counts its connection.
        this.l4(s, v, call.source, instance.name, c, tick);
        continue;
      }
      const errors = this.rng.binomial(c, v.errorRate);
      this.at(s, v, call.source, instance.name).served('200', '-', c - errors, NO_SHIFT, true, tick);
      this.at(s, v, call.source, instance.name).served('500', '-', errors, NO_SHIFT, true, tick);
    }
  }

  /**
   * Outlier detection: an endpoint whose run of 5xx reaches consecutive5xxErrors is ejected for
   * baseEjectionTime × the times it has been ejected, while no more than maxEjectionPercent of the
   * cluster's endpoints are (Envoy ejects at least one).
   */
  private outlier(
    t: Target,
    endpoint: string,
    endpoints: number,
    served: number,
    failed: number,
    od: NonNullable<WeightedDestination['policy']['outlierDetection']>,
    nowMs: number,
  ) {
    const k = od.consecutive5xxErrors ?? od.consecutiveGatewayErrors ?? 5;
    if (k <= 0 || failed < k || served === 0) return;
    const p = failed / served;
    // The chance of k failures in a row somewhere among `served` requests failing with probability p.
    const streak = p >= 1 ? 1 : 1 - (1 - p ** k) ** Math.max(1, served - k + 1);
    if (this.rng.next() >= streak) return;
    let ejected = this.ejections.get(t.cluster);
    if (!ejected) this.ejections.set(t.cluster, (ejected = new Map()));
    const total = t.dest.endpoints.length || endpoints;
    const now = [...ejected.values()].filter((e) => e.until > nowMs).length;
    const max = Math.max(1, Math.floor(((od.maxEjectionPercent ?? 10) / 100) * total));
    const state = ejected.get(endpoint) ?? { until: 0, times: 0 };
    if (state.until > nowMs || now >= max) return;
    state.times++;
    state.until = nowMs + (od.baseEjectionTimeMs ?? 30_000) * state.times;
    ejected.set(endpoint, state);
  }

  private admit(
    s: ServiceNode,
    v: VersionNode,
    source: Workload,
    instance: string,
    n: number,
    tick: TickInfo,
  ) {
    const flow: Flow = {
      serviceId: s.service.id,
      namespace: s.service.namespace,
      app: s.service.application,
      version: v.version,
      instance,
      sourceWorkload: source.workload,
      sourceNamespace: source.namespace,
      sourceLabels: source.labels,
    };
    const admitted = Math.max(0, Math.min(n, Math.round(this.admission.admit(flow, n, tick))));
    // What shadow-mode rules would have refused: it passed, and goes with the first record served.
    this.shadowPending = 0;
    const decisions = this.admission.decisions?.();
    if (decisions) {
      for (const d of decisions) {
        this.shadowPending += d.rateLimited - d.enforced;
        this.options.exporter?.addLocalRateLimit(d.rule, flow, d.rateLimited, d.enforced);
      }
    }
    this.lastLimitedCode = n > admitted ? String(this.admission.limitedStatus?.(flow) ?? 429) : '429';
    return admitted;
  }

  private addHandled(
    handled: Map<AppNode, Handled>,
    s: ServiceNode,
    v: VersionNode,
    kind: RequestKind,
    n: number,
  ) {
    if (!s.node || n <= 0) return;
    let h = handled.get(s.node);
    if (!h) handled.set(s.node, (h = new Map()));
    let byKind = h.get(v);
    if (!byKind) h.set(v, (byKind = new Map()));
    byKind.set(kind, (byKind.get(kind) ?? 0) + n);
  }

  /** `n` requests spread evenly at random over `k` endpoints (a multinomial draw). */
  private spread(n: number, k: number): Float64Array {
    if (this.spreadScratch.length < k) this.spreadScratch = new Float64Array(k * 2);
    const out = this.spreadScratch;
    let left = n;
    for (let i = 0; i < k; i++) {
      const c = i === k - 1 ? left : this.rng.binomial(left, 1 / (k - i));
      out[i] = c;
      left -= c;
    }
    return out;
  }

  /** The counts of the last spread (one spread is read before the next begins). */
  private spreadScratch = new Float64Array(16);

  /**
   * Where the next `served` records go: a service version's instance, from a caller. The emission is
   * reused (no object per record on the hot path).
   */
  private at(s: ServiceNode, v: VersionNode, source: Workload, instance: string): this {
    const e = this.emission;
    e.s = s;
    e.host = s.service.host;
    e.v = v;
    e.source = source;
    e.instance = instance;
    e.secure = this.secure;
    return this;
  }

  /** Whether the connection of the requests being served is Istio's mutual TLS (set per caller and endpoint). */
  private secure = true;

  /**
   * What identities, mTLS and authorization do to a caller's requests of `kind` at an instance of
   * version `v` (the same for every instance of a version; cached until the rules or the catalog change).
   */
  private gate(
    call: Call,
    s: ServiceNode,
    v: VersionNode,
    instance: Instance,
    kind: RequestKind,
    subset: string | undefined,
  ): Gate {
    const source = call.source;
    const zt = this.zeroTrust;
    if (!zt.active) return source.noProxy ? GATE_PLAINTEXT : GATE_MTLS;
    const topo = this.topology;
    if (!topo) return GATE_MTLS;
    let byVersion = topo.gates.get(source);
    if (!byVersion) topo.gates.set(source, (byVersion = new Map()));
    let byKind = byVersion.get(v);
    if (!byKind) byVersion.set(v, (byKind = new Map()));
    let bySubset = byKind.get(kind);
    if (!bySubset) byKind.set(kind, (bySubset = new Map()));
    // A waypoint enforces the policies of the Service the caller addressed (not the backend it routes to).
    const addressed = this.via === 'waypoint' && call.service ? call.service : s;
    const key = `${addressed.service.id}\u0000${s.service.id}\u0000${subset ?? ''}\u0000${this.via}`;
    let gate = bySubset.get(key);
    if (gate) return gate;
    const k8s = addressed.service.sources.find((x) => x.kind === 'Service');
    const dest: Destination = {
      workload: { namespace: instance.namespace, labels: instance.labels },
      targetPort: instance.port ?? call.port,
      servicePort: s.port,
      host: s.service.host,
      serviceNamespace: addressed.service.namespace,
      serviceName: k8s?.name ?? null,
      subset,
      ambient: v.ambient,
      tcp: s.protocol === 'tcp',
      waypoint: this.via === 'waypoint' ? s.waypoint : null,
    };
    gate = zt.gate(
      {
        workload: { namespace: source.namespace, labels: source.labels },
        principal: source.principal ?? null,
        proxy: !source.noProxy,
        ambient: source.ambient === true,
      },
      dest,
      {
        headers: kind.headers,
        ...(kind.method ? { method: kind.method } : {}),
        ...(kind.path ? { path: kind.path } : {}),
      },
    );
    bySubset.set(key, gate);
    return gate;
  }

  /**
   * Requests refused for their identity or their connection. An AuthorizationPolicy's refusal is a
   * 403 the enforcing proxy answers (the destination's sidecar, reporter="destination"; or the
   * waypoint), response flags "-" (Envoy's RBAC filter sets none) or UAEX for a CUSTOM policy's
   * external authorizer. A connection the server closes (plaintext to a STRICT port; ztunnel's L4
   * refusal) reaches no destination: the caller's proxy, when it has one, answers 503 UC ("upstream
   * connection termination"); without a proxy nobody reports it. The store counts them all as the
   * caller saw them.
   */
  private refuse(
    call: Call,
    s: ServiceNode,
    v: VersionNode,
    instance: string,
    n: number,
    gate: Gate,
    tick: TickInfo,
  ) {
    if (n <= 0) return;
    const denied = gate.outcome === 'denied';
    const reporter: Reporter = this.via === 'waypoint' ? 'waypoint' : denied ? 'destination' : 'source';
    const unreported = reporter === 'source' && call.source.noProxy === true;
    this.emit(
      {
        s,
        host: s.service.host,
        v,
        source: call.source,
        instance: reporter === 'destination' ? instance : '',
        reporter,
        code: denied ? '403' : unreported ? '0' : '503',
        flags: gate.flags,
        n,
        latency: 'local',
        toStore: true,
        toExporter: !unreported,
        secure: gate.mtls,
      },
      tick,
    );
  }

  /** Records `n` requests the destination's sidecar reports (set by `at`), in the store too when `toStore`. */
  private served(
    code: string,
    flags: string,
    n: number,
    latency: Emission['latency'],
    toStore: boolean,
    tick: TickInfo,
  ) {
    if (n <= 0) return;
    const e = this.emission;
    e.code = code;
    e.flags = flags;
    e.n = n;
    e.latency = latency;
    e.toStore = toStore;
    e.limited = flags === 'RL';
    const v = e.v;
    if (this.via === 'waypoint' || v?.ambient) {
      // No sidecar at the destination: the waypoint (or the caller's sidecar, the ingress gateway)
      // reports the request once, as its caller got it; ztunnel on the destination's node counts
      // every attempt's connection.
      e.reporter = this.via === 'waypoint' ? 'waypoint' : 'source';
      e.toExporter = toStore;
      e.storeRequests = this.via === 'waypoint';
      this.emit(e, tick);
      if (e.s && v) this.l4(e.s, v, e.source, e.instance, n, tick);
      return;
    }
    e.reporter = 'destination';
    e.toExporter = true;
    e.storeRequests = true;
    this.emit(e, tick);
  }

  private readonly emission: Emission = {
    s: null,
    host: '',
    v: null,
    source: INGRESS,
    instance: '',
    reporter: 'destination',
    code: '200',
    flags: '-',
    n: 0,
    latency: 'local',
    toStore: false,
    toExporter: false,
  };

  /** The status the admission policy refused the last flow with (429 unless it says otherwise). */
  private limitedCode(): string {
    return this.lastLimitedCode;
  }

  private lastLimitedCode = '429';

  /** Requests of the flow being served that a shadow-mode limit would have refused (see admit). */
  private shadowPending = 0;

  /** Scratch arrays for one emit (the store and the exporter copy what they are given). */
  private readonly scratch = {
    duration: new Float64Array(BUCKET_COUNT),
    drawn: new Float64Array(BUCKET_COUNT),
    requestBytes: new Float64Array(BUCKET_COUNT),
    responseBytes: new Float64Array(BUCKET_COUNT),
  };

  private readonly record = blankRecord(this.scratch.duration);

  /** The store's cell of a caller of a service; its principal is the caller's identity as first seen over `secure`. */
  private consumerCell(s: ServiceNode, source: Workload, secure = false): number {
    let cell = s.consumerCells.get(source.key);
    if (cell === undefined) {
      // The caller's identity as the destination saw it: none over plaintext.
      const meta: ConsumerMeta = {
        serviceId: s.service.id,
        workload: source.workload,
        app: source.app,
        namespace: source.namespace,
        version: source.version,
        principal: secure ? (source.principal ?? null) : null,
      };
      cell = this.options.store.consumerCell(meta);
      s.consumerCells.set(source.key, cell);
    }
    return cell;
  }

  private instanceCell(s: ServiceNode, v: VersionNode, instance: string): number {
    let cell = v.instanceCells.get(instance);
    if (cell === undefined) {
      cell = this.options.store.instanceCell({ serviceId: s.service.id, instance, version: v.version });
      v.instanceCells.set(instance, cell);
    }
    return cell;
  }

  /** Durations of `n` requests into the scratch histogram; returns their sum. */
  private drawLatency(e: Emission): number {
    const { duration, drawn } = this.scratch;
    duration.fill(0);
    const n = e.n;
    if (e.latency === 'local' || !e.v) {
      this.rng.multinomialInto(n, LOCAL_REPLY.probs, LOCAL_REPLY.cumulative, duration);
      return weightedSum(duration, LOCAL_REPLY.bucketMeans);
    }
    if ('fixedMs' in e.latency) {
      duration[bucketOf(e.latency.fixedMs)] = n;
      return n * e.latency.fixedMs;
    }
    const dist = e.v.latency;
    const { shiftMs, capMs } = e.latency;
    if (shiftMs === 0 && capMs === undefined) {
      this.rng.multinomialInto(n, dist.probs, dist.cumulative, duration);
      return weightedSum(duration, dist.bucketMeans);
    }
    // The version's latency after `shiftMs` spent before it (an injected delay, earlier attempts).
    drawn.fill(0);
    this.rng.multinomialInto(n, dist.probs, dist.cumulative, drawn);
    let sum = 0;
    for (let i = 0; i < drawn.length; i++) {
      const c = drawn[i] as number;
      if (c === 0) continue;
      const value = Math.min((dist.bucketMeans[i] as number) + shiftMs, capMs ?? Infinity);
      const b = bucketOf(value);
      duration[b] = (duration[b] as number) + c;
      sum += c * value;
    }
    return sum;
  }

  /** Records one group of requests: latency buckets, bytes, counts, to the store and/or the exporter. */
  private emit(e: Emission, tick: TickInfo) {
    const n = e.n;
    if (n <= 0) return;
    const durationSum = this.drawLatency(e);
    const { duration, requestBytes, responseBytes } = this.scratch;
    const local = e.latency === 'local';
    const v = e.v;
    const reqDist = v?.requestBytes ?? null;
    const resDist = v?.responseBytes ?? null;
    let inBytes = n * (reqDist?.mean ?? 0);
    let outBytes = n * (local || !resDist ? LOCAL_REPLY_BYTES : resDist.mean);
    const exporter = this.options.exporter;
    if (exporter && e.toExporter) {
      // Byte histograms are only exported; the embedded series keep their sums.
      requestBytes.fill(0);
      responseBytes.fill(0);
      if (reqDist) {
        this.rng.multinomialInto(n, reqDist.probs, reqDist.cumulative, requestBytes);
        inBytes = weightedSum(requestBytes, reqDist.bucketMeans);
      } else requestBytes[0] = n;
      if (local || !resDist) responseBytes[bucketOf(LOCAL_REPLY_BYTES)] = n;
      else this.rng.multinomialInto(n, resDist.probs, resDist.cumulative, responseBytes);
      outBytes = local || !resDist ? n * LOCAL_REPLY_BYTES : weightedSum(responseBytes, resDist.bucketMeans);
      exporter.add({
        labels: this.labels(e),
        count: n,
        durationBuckets: duration,
        durationSum,
        requestBytesBuckets: requestBytes,
        requestBytesSum: inBytes,
        responseBytesBuckets: responseBytes,
        responseBytesSum: outBytes,
      });
    }
    if (e.toStore && this.measuring) {
      this.measuring.sum += durationSum;
      this.measuring.n += n;
    }
    if (!e.toStore || e.storeRequests === false || !e.s || !v) return;
    const r = this.record;
    const counted = e.s.versionOf ?? e.s;
    r.group = v.group;
    r.consumer = this.consumerCell(counted, e.source, e.secure === true);
    r.instance = this.instanceCell(counted, v, e.instance);
    r.requests = n;
    r.errors = e.code === '200' ? 0 : n;
    r.clientErrors = e.code.startsWith('4') ? n : 0;
    r.limited = e.limited ? n : 0;
    r.shadowLimited = 0;
    if (!e.limited && this.shadowPending > 0) {
      r.shadowLimited = this.shadowPending;
      this.shadowPending = 0;
    }
    r.mtls = e.secure === true ? n : 0;
    r.durationSum = durationSum;
    r.inBytes = inBytes;
    r.outBytes = outBytes;
    this.options.store.add(tick.nowMs, r);
  }

  private labels(e: Emission): MeshLabels {
    const s = e.s;
    const v = e.v;
    const secure = e.secure === true;
    const key = `${e.host}\u0000${s?.service.id ?? ''}\u0000${v?.version ?? ''}\u0000${e.instance}\u0000${e.source.key}\u0000${e.reporter}\u0000${e.code}\u0000${e.flags}\u0000${e.l4 ? 'l4' : ''}\u0000${secure ? 'mtls' : ''}`;
    let labels = this.labelCache.get(key);
    if (!labels) {
      const answeredLocally = e.reporter === 'source' && e.instance === '';
      labels = {
        reporter: e.reporter,
        source_workload: e.source.workload,
        source_workload_namespace: e.source.namespace,
        source_app: e.source.app,
        source_version: e.source.version,
        destination_service: s?.service.id ?? e.host,
        destination_service_name: s?.service.name ?? e.host,
        destination_service_namespace: s?.service.namespace ?? UNKNOWN,
        // A reply the caller's sidecar made itself reached no workload: Istio knows none of it ("unknown").
        destination_workload: answeredLocally ? UNKNOWN : (v?.workload ?? UNKNOWN),
        destination_workload_namespace: answeredLocally || !s ? UNKNOWN : s.service.namespace,
        destination_app: answeredLocally || !s ? UNKNOWN : s.service.application,
        destination_version: answeredLocally ? UNKNOWN : (v?.version ?? UNKNOWN),
        request_protocol: e.l4 ? 'tcp' : (s?.protocol ?? 'http'),
        response_code: e.code,
        response_flags: e.flags,
        pod: e.instance,
        // Istio's security labels: what the destination's proxy (or the waypoint) saw of the
        // connection; a caller's proxy does not know it ("unknown"). Principals come from the
        // certificates, so only over mutual TLS.
        connection_security_policy: e.reporter === 'source' ? UNKNOWN : secure ? MUTUAL_TLS : 'none',
        source_principal: secure && e.source.principal ? `spiffe://${e.source.principal}` : UNKNOWN,
        destination_principal:
          secure && !answeredLocally && v?.principal ? `spiffe://${v.principal}` : UNKNOWN,
      };
      this.labelCache.set(key, labels);
    }
    return labels;
  }

  /** Every series the traffic can produce in the normal course (served or failed), exported at zero. */
  private declareSeries(order: AppNode[], gatewayExposed: boolean) {
    const exporter = this.options.exporter;
    if (!exporter) return;
    const callers = new Map<AppNode, Workload[]>();
    for (const node of order) {
      if (node.entry) callers.set(node, [INGRESS]);
      if (gatewayExposed && node.sample?.outside) callers.set(node, [GATEWAY]);
    }
    for (const node of order) {
      for (const c of node.callees) {
        const from = [...node.workloads.values()].filter(
          (w) => !c.fromVersions || c.fromVersions.has(w.version),
        );
        callers.set(c.node, [...(callers.get(c.node) ?? []), ...from]);
      }
      for (const client of node.sample?.clients ?? []) {
        const target = order.find((n) => n.namespace === node.namespace && n.app === client.app);
        if (target) callers.set(target, [...(callers.get(target) ?? []), ...node.workloads.values()]);
      }
    }
    for (const node of order) {
      for (const source of callers.get(node) ?? []) {
        for (const s of node.services) {
          // TCP has no request metrics (its connection counters appear with the first connection);
          // neither has what ztunnel alone carries.
          if (s.protocol === 'tcp') continue;
          const via = this.pathOf(source, s);
          if (via === 'ztunnel') continue;
          for (const v of s.versions.values()) {
            const reporter: Reporter = via === 'waypoint' ? 'waypoint' : v.ambient ? 'source' : 'destination';
            for (const inst of v.ready) {
              const base = {
                s,
                host: s.service.host,
                v,
                source,
                instance: inst.name,
                reporter,
                flags: '-',
                n: 0,
                latency: 'local' as const,
                toStore: false,
                toExporter: true,
                secure: !source.noProxy,
              };
              exporter.declare(this.labels({ ...base, code: '200' }));
              exporter.declare(this.labels({ ...base, code: '500' }));
            }
          }
        }
      }
    }
  }

  private drift(key: string, amplitude: number, volatility: number): Drift {
    let d = this.drifts.get(key);
    if (!d) this.drifts.set(key, (d = Drift.for(key, amplitude, volatility)));
    return d;
  }

  private driftVersion(v: VersionNode, tick: TickInfo) {
    const factor = v.latencyDrift.step(tick.nowMs, tick.dtSeconds, this.rng);
    // The latency distribution moves in steps of 2%: rebuilding it (40 normal CDFs) for every
    // version on every tick would cost more than the traffic itself.
    const step = Math.round(Math.log(factor) / Math.log(1.02));
    const added = v.misbehaviour?.latencyMs ?? 0;
    if (step !== v.latencyStep || added !== v.latency.offset) {
      v.latencyStep = step;
      v.latency = new BucketedLogNormal(
        ISTIO_BUCKETS,
        v.profile.latencyMedianMs * 1.02 ** step,
        v.profile.latencySigma,
        added,
      );
    }
    const usual = Math.min(
      0.95,
      v.profile.errorRate * v.errorDrift.step(tick.nowMs, tick.dtSeconds, this.rng),
    );
    // Pods told to fail (demo.mesh-console.io/error-rate) do at their rate, undrifted; the others as usual.
    const m = v.misbehaviour;
    v.errorRate = m ? m.errorShare * m.errorRate + (1 - m.errorShare) * usual : usual;
  }

  private versionNode(s: ServiceNode, version: string, ready: Instance[], workload?: string): VersionNode {
    const existing = s.versions.get(version);
    if (existing) return existing;
    const svc = s.service;
    const profile = {
      ...versionProfile(svc.namespace, svc.application, svc.protocol, version),
      ...this.options.characters?.(svc.namespace, svc.application, version),
    };
    const base = `${svc.namespace}/${svc.application}/${version}`;
    const latency = new BucketedLogNormal(ISTIO_BUCKETS, profile.latencyMedianMs, profile.latencySigma);
    const node: VersionNode = {
      version,
      workload: workload ?? workloadName(svc.application, version),
      ready,
      profile,
      latencyDrift: this.drift(`${base}/latency`, 0.1, 0.005),
      errorDrift: this.drift(`${base}/errors`, 0.3, 0.05),
      requestBytes: new BucketedLogNormal(ISTIO_BUCKETS, profile.requestBytesMedian, 0.5),
      responseBytes: new BucketedLogNormal(ISTIO_BUCKETS, profile.responseBytesMedian, 0.7),
      latency,
      latencyStep: 0,
      errorRate: profile.errorRate,
      instanceCells: new Map(),
      ambient: false,
      group: this.options.store.groupCell({
        serviceId: svc.id,
        app: svc.application,
        namespace: svc.namespace,
        version,
      }),
    };
    s.versions.set(version, node);
    return node;
  }

  private serviceNode(service: ServiceDetail, node: AppNode | null, demo: boolean): ServiceNode {
    const s: ServiceNode = {
      service,
      node,
      kinds: requestKinds(service.protocol),
      protocol: PROTOCOL_LABEL[service.protocol],
      port: service.ports[0]?.port ?? 80,
      versions: new Map(),
      instances: new Map(),
      consumerCells: new Map(),
      waypoint: this.ambient.waypointOf(service),
      ingressUsesWaypoint: this.ambient.ingressUsesWaypoint(service),
    };
    for (const vd of service.versionDetails) {
      const version = vd.version ?? UNKNOWN;
      const mine = service.providers.filter((p) => (p.version ?? UNKNOWN) === version);
      const first = mine[0];
      // The demo's own workloads keep their names; a user's are their Deployments'.
      const workload = !demo && first ? (workloadOfPod(first.name, first.labels) ?? undefined) : undefined;
      this.versionNode(
        s,
        version,
        mine.filter((p) => p.ready),
        workload,
      );
    }
    for (const p of service.providers) {
      const version = s.versions.get(p.version ?? UNKNOWN) ?? this.versionNode(s, p.version ?? UNKNOWN, []);
      s.instances.set(p.name, { instance: p, version });
    }
    for (const v of s.versions.values()) {
      // Its demo annotations, over the Pods that serve (all of them when none is ready).
      const pods =
        v.ready.length > 0 ? v.ready : service.providers.filter((p) => (p.version ?? UNKNOWN) === v.version);
      const misbehaviour = versionMisbehaviour(pods, this.misbehaviours);
      if (misbehaviour) {
        v.misbehaviour = misbehaviour;
        v.errorRate =
          misbehaviour.errorShare * misbehaviour.errorRate + (1 - misbehaviour.errorShare) * v.errorRate;
        if (misbehaviour.latencyMs > 0)
          v.latency = new BucketedLogNormal(
            ISTIO_BUCKETS,
            v.profile.latencyMedianMs,
            v.profile.latencySigma,
            misbehaviour.latencyMs,
          );
      }
      const pod = v.ready[0] ?? service.providers.find((p) => (p.version ?? UNKNOWN) === v.version);
      v.ambient = pod !== undefined && pod.kind === 'Pod' && this.ambient.captures(pod.namespace, pod.labels);
      if (pod) v.principal = this.zeroTrust.principal(pod.namespace, pod.name);
    }
    return s;
  }

  /**
   * A per-version Service of an application (it selects some of the Pods `main` selects): its own
   * host and name, the application's versions and instances (so the store counts its requests as the
   * versions of `main`, the service callers address).
   */
  private versionServiceNode(service: ServiceDetail, main: ServiceNode): ServiceNode {
    const s: ServiceNode = {
      service,
      node: main.node,
      kinds: requestKinds(service.protocol),
      protocol: PROTOCOL_LABEL[service.protocol],
      port: service.ports[0]?.port ?? 80,
      versions: new Map(),
      instances: new Map(),
      consumerCells: main.consumerCells,
      waypoint: this.ambient.waypointOf(service),
      ingressUsesWaypoint: this.ambient.ingressUsesWaypoint(service),
      versionOf: main,
    };
    for (const p of service.providers) {
      const known = main.instances.get(p.name);
      if (!known) continue;
      s.instances.set(p.name, known);
      s.versions.set(known.version.version, known.version);
    }
    return s;
  }

  /** Identities, mTLS and authorization, as the current rules snapshot says. */
  private zeroTrust = new ZeroTrust(
    {
      peerAuthentications: [],
      authorizationPolicies: [],
      rootNamespace: ROOT_NAMESPACE,
      serviceAccounts: new Map(),
    },
    [],
  );

  /** The demo's misbehaviour annotations (misbehaviour.ts), each annotated Pod's by namespace/name. */
  private misbehaviours: ReadonlyMap<string, PodMisbehaviour> = new Map();
  private misbehaviourReader: MisbehaviourReader | null = null;

  /** Ambient enrolment and waypoints, as the current rules snapshot's labels say. */
  private ambient = new AmbientMesh({
    virtualServices: [],
    destinationRules: [],
    gateways: [],
    httpRoutes: [],
  });

  /** The call graph over the catalog as it is now; rebuilt when the catalog or the rules change. */
  private currentTopology() {
    const view = this.options.catalog.view();
    const revision = this.options.rules.revision;
    if (this.topology && this.topology.view === view && this.topology.revision === revision) {
      return this.topology;
    }
    const rules = this.options.rules.snapshot();
    this.misbehaviourReader ??= new MisbehaviourReader(this.options.log);
    this.misbehaviours = this.misbehaviourReader.read(rules);
    this.ambient = new AmbientMesh(rules);
    this.zeroTrust = new ZeroTrust(
      securityConfig(rules),
      rules.destinationRules.filter((o) => o.apiVersion.startsWith('networking.istio.io/')),
    );
    const servicesOfApp = new Map<string, ServiceDetail[]>();
    for (const svc of view.services) {
      const key = `${svc.namespace}/${svc.application}`;
      const list = servicesOfApp.get(key);
      if (list) list.push(svc);
      else servicesOfApp.set(key, [svc]);
    }
    const nodes = new Map<string, AppNode>();
    const newNode = (
      namespace: string,
      app: string,
      def: DemoApp | null,
      sample: SampleApp | null,
    ): AppNode => ({
      key: `${namespace}/${app}`,
      namespace,
      app,
      def,
      sample,
      services: [],
      callees: [],
      entry: null,
      workloads: new Map(),
    });
    for (const def of this.options.apps)
      nodes.set(`${def.namespace}/${def.app}`, newNode(def.namespace, def.app, def, null));
    // Istio's sample applications, wherever the user applied them (not where the demo's own live).
    for (const key of servicesOfApp.keys()) {
      if (nodes.has(key)) continue;
      const [namespace, app] = key.split('/') as [string, string];
      const sample = SAMPLE_APPS.get(app);
      if (sample) nodes.set(key, newNode(namespace, app, null, sample));
    }
    const byHost = new Map<string, ServiceNode>();
    const byId = new Map<string, ServiceNode>();
    const unowned = new Map<string, ServiceDetail>();
    for (const [key, list] of servicesOfApp) {
      const node = nodes.get(key) ?? null;
      for (const svc of list) {
        // A service no known application owns gets its series only once something is routed to it.
        if (!node) {
          if (!unowned.has(svc.host)) unowned.set(svc.host, svc);
          continue;
        }
        const main = mainServiceOf(svc, list);
        if (main) continue;
        const s = this.serviceNode(svc, node, node.def !== null);
        node?.services.push(s);
        byId.set(svc.id, s);
        if (!byHost.has(svc.host)) byHost.set(svc.host, s);
      }
      // Per-version Services after the ones they are versions of.
      if (!node) continue;
      for (const svc of list) {
        const main = mainServiceOf(svc, list);
        const mainNode = main ? byId.get(main.id) : undefined;
        if (!mainNode) continue;
        const s = this.versionServiceNode(svc, mainNode);
        byId.set(svc.id, s);
        if (!byHost.has(svc.host)) byHost.set(svc.host, s);
      }
    }
    const called = new Set<string>();
    for (const node of nodes.values()) {
      if (node.def) {
        for (const target of node.def.calls ?? []) {
          const callee =
            nodes.get(`${node.namespace}/${target}`) ??
            [...nodes.values()].find((n) => n.def !== null && n.app === target);
          if (!callee) continue;
          node.callees.push({ node: callee, fanOut: fanOut(node.app, callee.app) });
          called.add(callee.key);
        }
      }
      for (const call of node.sample?.calls ?? []) {
        const callee = nodes.get(`${node.namespace}/${call.app}`);
        if (!callee) continue;
        node.callees.push({
          node: callee,
          fanOut: call.fanOut,
          kinds: call.kinds,
          ...(call.fromVersions ? { fromVersions: new Set(call.fromVersions) } : {}),
          ...(call.onPaths ? { onPaths: call.onPaths } : {}),
          ...(call.clientTimeoutMs !== undefined ? { clientTimeoutMs: call.clientTimeoutMs } : {}),
          ...(call.clientRetries !== undefined ? { clientRetries: call.clientRetries } : {}),
        });
      }
      for (const s of node.services) {
        for (const v of s.versions.values()) {
          if (node.workloads.has(v.version)) continue;
          const pods = s.service.providers.filter((p) => (p.version ?? UNKNOWN) === v.version);
          const first = v.ready[0] ?? pods[0];
          const labels = first?.labels ?? { app: node.app, version: v.version };
          // Pods that opt out of injection outside ambient mode have no proxy: plaintext, no identity.
          const noProxy = !v.ambient && labels['sidecar.istio.io/inject'] === 'false';
          node.workloads.set(v.version, {
            key: `${node.namespace}/${v.workload}`,
            workload: v.workload,
            namespace: node.namespace,
            app: node.app,
            version: v.version,
            labels,
            instances: Math.max(1, v.ready.length),
            ...(node.sample ? { sample: true } : {}),
            ...(v.ambient ? { ambient: true } : {}),
            principal: first && !noProxy ? this.zeroTrust.principal(first.namespace, first.name) : null,
            ...(noProxy ? { noProxy: true } : {}),
          });
        }
      }
    }
    const scale = this.options.rateScale ?? 1;
    for (const node of nodes.values()) {
      if (!node.def || called.has(node.key)) continue;
      node.entry = {
        rate: (node.def.entryRate ?? entryRate(node.namespace, node.app)) * scale,
        drift: this.drift(`${node.key}/entry`, 0.25, 0.03),
      };
    }
    const order = topologicalOrder([...nodes.values()]);
    const config = meshConfig(rules, view.services);
    const gatewayExposed = config.gateways.some((g) => selects(g.spec, GATEWAY_LABELS));
    this.topology = {
      view,
      revision,
      order,
      byHost,
      byId,
      unowned,
      config,
      rules,
      decisions: new Map(),
      gatewayExposed,
      gates: new Map(),
    };
    this.declareSeries(order, gatewayExposed);
    return this.topology;
  }
}
