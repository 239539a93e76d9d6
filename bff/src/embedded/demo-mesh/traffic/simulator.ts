import type { Instance, Protocol, ServiceDetail } from '../../../contract/catalog';
import type { CatalogSource } from '../../../features/catalog/catalog';
import type { CatalogView } from '../../../features/catalog/query';
import { ISTIO_BUCKETS, UNKNOWN } from '../../../features/monitoring/istio-metrics';
import type { IstioLabels } from '../../../features/monitoring/istio-metrics';
import type { Logger } from '../../../lib/logger';
import type { RpcDialect } from '../../../mesh/model';
import type { DemoApp } from '../mesh';
import { BucketedLogNormal } from './distribution';
import type { IstioExporter } from './exporter';
import { ADMIT_ALL, OUTCOMES } from './pipeline';
import type { AdmissionPolicy, Flow, Outcome, TickInfo } from './pipeline';
import { Drift, entryRate, fanOut, versionProfile } from './profiles';
import type { VersionProfile } from './profiles';
import { requestKinds } from './requests';
import type { RequestKind } from './requests';
import { RouteTable, resolveShares } from './routes';
import type { VersionShares } from './routes';
import type { RuleSource } from './rules';
import { Rng } from './rng';
import { BUCKET_COUNT } from './store';
import type { TickRecord, TrafficStore } from './store';

/** A calling workload: a version of an application, or the ingress gateway for traffic from outside. */
interface Workload {
  key: string;
  workload: string;
  namespace: string;
  app: string;
  version: string;
  labels: Record<string, string>;
}

const INGRESS: Workload = {
  key: 'istio-system/istio-ingressgateway',
  workload: 'istio-ingressgateway',
  namespace: 'istio-system',
  app: 'istio-ingressgateway',
  version: UNKNOWN,
  labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
};

interface VersionNode {
  version: string;
  workload: string;
  ready: Instance[];
  profile: VersionProfile;
  latencyDrift: Drift;
  errorDrift: Drift;
  requestBytes: BucketedLogNormal;
  responseBytes: BucketedLogNormal;
  /** This tick's latency distribution and error rate (the profile, drifted). */
  latency: BucketedLogNormal;
  /** The drift step `latency` was built for (see driftVersion). */
  latencyStep: number;
  errorRate: number;
  group: number;
  /** Store cells of this version's instances, by instance name. */
  instanceCells: Map<string, number>;
}

interface ServiceNode {
  service: ServiceDetail;
  kinds: RequestKind[];
  protocol: string;
  versions: Map<string, VersionNode>;
  shares: Map<string, VersionShares>;
  routes: RouteTable;
  /** Store cells of this service's callers, by workload key. */
  consumerCells: Map<string, number>;
}

interface AppNode {
  def: DemoApp;
  services: ServiceNode[];
  callees: { node: AppNode; fanOut: number }[];
  entry: { rate: number; drift: Drift } | null;
  /** The workload each version calls from. */
  workloads: Map<string, Workload>;
}

export interface SimulatorOptions {
  /** Who calls whom (the demo's call graph); each application's services and instances come from the catalog. */
  apps: readonly DemoApp[];
  catalog: CatalogSource;
  rules: RuleSource;
  /** How rules for RPC services are written (decides between Istio and Dubbo rules on the same host). */
  dialect: RpcDialect;
  store: TrafficStore;
  exporter?: IstioExporter | null;
  admission?: AdmissionPolicy;
  seed?: number;
  clock?: () => number;
  /** Multiplies every entry rate (benchmarks). */
  rateScale?: number;
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

/** Requests the sidecar answers itself: a rate-limit rejection or "no healthy upstream", in well under 1 ms. */
const LOCAL_REPLY = new BucketedLogNormal(ISTIO_BUCKETS, 0.3, 0.3);
const LOCAL_REPLY_BYTES = 19;

/** At most this much time is simulated in one tick (after a suspended laptop, not an hour of traffic at once). */
const MAX_TICK_SECONDS = 60;

/**
 * Simulated traffic along the demo's call graph, in aggregate: every tick computes how many requests
 * flow along each edge (entry rates into the front applications, fan-out to the rest), routes them to
 * versions as the mesh's rules say, spreads them over each version's ready instances, and draws
 * errors and latency buckets per (caller, instance, outcome) — never one object per request. The
 * results go to the store (the embedded telemetry's series) and, when exporting, to Istio's metrics.
 */
export class TrafficSimulator {
  private readonly rng: Rng;
  private readonly clock: () => number;
  private readonly admission: AdmissionPolicy;
  private readonly drifts = new Map<string, Drift>();
  private readonly labelCache = new Map<string, IstioLabels>();
  private topology: { view: CatalogView; revision: number; order: AppNode[] } | null = null;
  private lastTickMs: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Requests simulated in the last tick (for logs and benchmarks). */
  lastTickRequests = 0;

  constructor(private readonly options: SimulatorOptions) {
    this.rng = new Rng(options.seed ?? 20191115);
    this.clock = options.clock ?? Date.now;
    this.admission = options.admission ?? ADMIT_ALL;
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
   * service) sends to a service, as the current rules decide: what the next tick will do.
   */
  sharesFor(serviceId: string, sourceWorkload?: string): Map<string, number> | null {
    const order = this.currentTopology();
    const node = order.find((n) => n.services.some((s) => s.service.id === serviceId));
    const s = node?.services.find((x) => x.service.id === serviceId);
    if (!node || !s) return null;
    const callers = [
      ...(node.entry ? [INGRESS] : []),
      ...order
        .filter((n) => n.callees.some((c) => c.node === node))
        .flatMap((n) => [...n.workloads.values()]),
    ];
    const source = sourceWorkload ? callers.find((w) => w.workload === sourceWorkload) : callers[0];
    if (!source) return null;
    return resolveShares(s.routes.route(s.service), s.service, s.kinds, source.labels);
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
    const order = this.currentTopology();
    this.lastTickRequests = 0;
    for (const node of order)
      for (const s of node.services) for (const v of s.versions.values()) this.driftVersion(v, tick);

    const inflow = new Map<AppNode, { source: Workload; rate: number }[]>();
    const push = (node: AppNode, source: Workload, rate: number) => {
      const list = inflow.get(node);
      if (list) list.push({ source, rate });
      else inflow.set(node, [{ source, rate }]);
    };
    for (const node of order) {
      if (node.entry) push(node, INGRESS, node.entry.rate * node.entry.drift.step(nowMs, dt, this.rng));
    }
    for (const node of order) {
      const handled = new Map<string, number>();
      for (const { source, rate } of inflow.get(node) ?? []) {
        if (node.services.length === 0) break;
        const perService = rate / node.services.length;
        for (const s of node.services) this.serve(s, source, perService * dt, tick, handled);
      }
      for (const callee of node.callees) {
        for (const [version, count] of handled) {
          const workload = node.workloads.get(version);
          if (workload && count > 0) push(callee.node, workload, (count / dt) * callee.fanOut);
        }
      }
    }
  }

  /** One caller's requests (expected `expected` in this tick) to one service. */
  private serve(
    s: ServiceNode,
    source: Workload,
    expected: number,
    tick: TickInfo,
    handled: Map<string, number>,
  ) {
    let shares = s.shares.get(source.key);
    if (!shares) {
      shares = resolveShares(s.routes.route(s.service), s.service, s.kinds, source.labels);
      s.shares.set(source.key, shares);
    }
    for (const [version, share] of shares) {
      const v = s.versions.get(version) ?? this.versionNode(s, version, []);
      const lambda = expected * share;
      if (v.ready.length === 0) {
        const n = this.rng.poisson(lambda);
        if (n > 0) this.emit(s, v, source, '', 'noHealthyUpstream', n, tick);
        continue;
      }
      for (const inst of v.ready) {
        const n = this.rng.poisson(lambda / v.ready.length);
        if (n === 0) continue;
        const flow: Flow = {
          serviceId: s.service.id,
          namespace: s.service.namespace,
          app: s.service.application,
          version,
          instance: inst.name,
          sourceWorkload: source.workload,
          sourceNamespace: source.namespace,
          sourceLabels: source.labels,
        };
        const admitted = Math.max(0, Math.min(n, Math.round(this.admission.admit(flow, n, tick))));
        // What shadow-mode rules would have refused: it passed, and goes with the first record served.
        this.shadowPending = 0;
        for (const d of this.admission.decisions?.() ?? []) {
          this.shadowPending += d.rateLimited - d.enforced;
          this.options.exporter?.addLocalRateLimit(d.rule, flow, d.rateLimited, d.enforced);
        }
        const errors = this.rng.binomial(admitted, v.errorRate);
        this.emit(s, v, source, inst.name, 'ok', admitted - errors, tick);
        this.emit(s, v, source, inst.name, 'appError', errors, tick);
        const status = n > admitted ? this.admission.limitedStatus?.(flow) : undefined;
        this.emit(s, v, source, inst.name, 'rateLimited', n - admitted, tick, status);
        handled.set(version, (handled.get(version) ?? 0) + admitted);
        this.lastTickRequests += n;
      }
    }
  }

  /** Requests of the flow being served that a shadow-mode limit would have refused (see serve). */
  private shadowPending = 0;

  /** Scratch arrays for one emit (the store and the exporter copy what they are given). */
  private readonly scratch = {
    duration: new Float64Array(BUCKET_COUNT),
    requestBytes: new Float64Array(BUCKET_COUNT),
    responseBytes: new Float64Array(BUCKET_COUNT),
  };

  private readonly record: TickRecord = {
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
    buckets: this.scratch.duration,
  };

  private consumerCell(s: ServiceNode, source: Workload): number {
    let cell = s.consumerCells.get(source.key);
    if (cell === undefined) {
      cell = this.options.store.consumerCell({
        serviceId: s.service.id,
        workload: source.workload,
        app: source.app,
        namespace: source.namespace,
        version: source.version,
      });
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

  /** Records `n` requests of one outcome from one caller at one instance: latency buckets, bytes, counts. */
  private emit(
    s: ServiceNode,
    v: VersionNode,
    source: Workload,
    instance: string,
    outcome: Outcome,
    n: number,
    tick: TickInfo,
    /** The status a rate limit answers with, when not the outcome's usual one. */
    status?: number,
  ) {
    if (n <= 0) return;
    const local = outcome === 'rateLimited' || outcome === 'noHealthyUpstream';
    const latency = local ? LOCAL_REPLY : v.latency;
    const { duration, requestBytes, responseBytes } = this.scratch;
    duration.fill(0);
    this.rng.multinomialInto(n, latency.probs, latency.cumulative, duration);
    const durationSum = weightedSum(duration, latency.bucketMeans);
    let inBytes = n * v.requestBytes.mean;
    let outBytes = n * (local ? LOCAL_REPLY_BYTES : v.responseBytes.mean);
    const exporter = this.options.exporter;
    if (exporter) {
      // Byte histograms are only exported; the embedded series keep their sums.
      requestBytes.fill(0);
      responseBytes.fill(0);
      this.rng.multinomialInto(n, v.requestBytes.probs, v.requestBytes.cumulative, requestBytes);
      if (local) responseBytes[ISTIO_BUCKETS.findIndex((b) => b >= LOCAL_REPLY_BYTES)] = n;
      else this.rng.multinomialInto(n, v.responseBytes.probs, v.responseBytes.cumulative, responseBytes);
      inBytes = weightedSum(requestBytes, v.requestBytes.bucketMeans);
      outBytes = local ? n * LOCAL_REPLY_BYTES : weightedSum(responseBytes, v.responseBytes.bucketMeans);
      exporter.add({
        labels: this.labels(s, v, source, instance, outcome, status),
        count: n,
        durationBuckets: duration,
        durationSum,
        requestBytesBuckets: requestBytes,
        requestBytesSum: inBytes,
        responseBytesBuckets: responseBytes,
        responseBytesSum: outBytes,
      });
    }
    const r = this.record;
    r.group = v.group;
    r.consumer = this.consumerCell(s, source);
    r.instance = this.instanceCell(s, v, instance);
    r.requests = n;
    r.errors = outcome === 'ok' ? 0 : n;
    r.clientErrors = (status !== undefined ? String(status) : OUTCOMES[outcome].code).startsWith('4') ? n : 0;
    r.limited = outcome === 'rateLimited' ? n : 0;
    r.shadowLimited = 0;
    if (outcome === 'ok' || outcome === 'appError') {
      r.shadowLimited = this.shadowPending;
      this.shadowPending = 0;
    }
    r.durationSum = durationSum;
    r.inBytes = inBytes;
    r.outBytes = outBytes;
    this.options.store.add(tick.nowMs, r);
  }

  private labels(
    s: ServiceNode,
    v: VersionNode,
    source: Workload,
    instance: string,
    outcome: Outcome,
    status?: number,
  ): IstioLabels {
    const key = `${s.service.id}\u0000${v.version}\u0000${instance}\u0000${source.key}\u0000${outcome}\u0000${status ?? ''}`;
    let labels = this.labelCache.get(key);
    if (!labels) {
      const { flags } = OUTCOMES[outcome];
      const code = status !== undefined ? String(status) : OUTCOMES[outcome].code;
      labels = {
        reporter: 'destination',
        source_workload: source.workload,
        source_workload_namespace: source.namespace,
        source_app: source.app,
        source_version: source.version,
        destination_service: s.service.id,
        destination_service_name: s.service.name,
        destination_service_namespace: s.service.namespace,
        destination_workload: v.workload,
        destination_workload_namespace: s.service.namespace,
        destination_app: s.service.application,
        destination_version: v.version,
        request_protocol: s.protocol,
        response_code: code,
        response_flags: flags,
        pod: instance,
      };
      this.labelCache.set(key, labels);
    }
    return labels;
  }

  /** Every series the traffic can produce in the normal course (served or failed), exported at zero. */
  private declareSeries(order: AppNode[]) {
    const exporter = this.options.exporter;
    if (!exporter) return;
    const callers = new Map<AppNode, Workload[]>();
    for (const node of order) {
      if (node.entry) callers.set(node, [INGRESS]);
    }
    for (const node of order) {
      for (const c of node.callees)
        callers.set(c.node, [...(callers.get(c.node) ?? []), ...node.workloads.values()]);
    }
    for (const node of order) {
      for (const source of callers.get(node) ?? []) {
        for (const s of node.services) {
          for (const v of s.versions.values()) {
            for (const inst of v.ready) {
              exporter.declare(this.labels(s, v, source, inst.name, 'ok'));
              exporter.declare(this.labels(s, v, source, inst.name, 'appError'));
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
    if (step !== v.latencyStep) {
      v.latencyStep = step;
      v.latency = new BucketedLogNormal(
        ISTIO_BUCKETS,
        v.profile.latencyMedianMs * 1.02 ** step,
        v.profile.latencySigma,
      );
    }
    v.errorRate = Math.min(
      0.95,
      v.profile.errorRate * v.errorDrift.step(tick.nowMs, tick.dtSeconds, this.rng),
    );
  }

  private versionNode(s: ServiceNode, version: string, ready: Instance[]): VersionNode {
    const svc = s.service;
    const profile = versionProfile(svc.namespace, svc.application, svc.protocol, version);
    const base = `${svc.namespace}/${svc.application}/${version}`;
    const latency = new BucketedLogNormal(ISTIO_BUCKETS, profile.latencyMedianMs, profile.latencySigma);
    const node: VersionNode = {
      version,
      workload: workloadName(svc.application, version),
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

  /** The call graph over the catalog as it is now; rebuilt when the catalog or the rules change. */
  private currentTopology(): AppNode[] {
    const view = this.options.catalog.view();
    const revision = this.options.rules.revision;
    if (this.topology && this.topology.view === view && this.topology.revision === revision) {
      return this.topology.order;
    }
    const routes = new RouteTable(this.options.rules.snapshot(), this.options.dialect);
    const servicesOfApp = new Map<string, ServiceDetail[]>();
    for (const svc of view.services) {
      const key = `${svc.namespace}/${svc.application}`;
      const list = servicesOfApp.get(key);
      if (list) list.push(svc);
      else servicesOfApp.set(key, [svc]);
    }
    const nodes = new Map<string, AppNode>();
    for (const def of this.options.apps) {
      const key = `${def.namespace}/${def.app}`;
      const services = (servicesOfApp.get(key) ?? []).map((service): ServiceNode => {
        const node: ServiceNode = {
          service,
          kinds: requestKinds(service.protocol),
          protocol: PROTOCOL_LABEL[service.protocol],
          versions: new Map(),
          shares: new Map(),
          routes,
          consumerCells: new Map(),
        };
        for (const vd of service.versionDetails) {
          const version = vd.version ?? UNKNOWN;
          const ready = service.providers.filter((p) => (p.version ?? UNKNOWN) === version && p.ready);
          this.versionNode(node, version, ready);
        }
        return node;
      });
      nodes.set(key, {
        def,
        services,
        callees: [],
        entry: null,
        workloads: new Map(),
      });
    }
    const called = new Set<string>();
    for (const node of nodes.values()) {
      for (const target of node.def.calls ?? []) {
        const callee =
          nodes.get(`${node.def.namespace}/${target}`) ??
          [...nodes.values()].find((n) => n.def.app === target);
        if (!callee) continue;
        node.callees.push({ node: callee, fanOut: fanOut(node.def.app, callee.def.app) });
        called.add(`${callee.def.namespace}/${callee.def.app}`);
      }
      for (const s of node.services) {
        for (const v of s.versions.values()) {
          if (node.workloads.has(v.version)) continue;
          const labels = v.ready[0]?.labels ?? { app: node.def.app, version: v.version };
          node.workloads.set(v.version, {
            key: `${node.def.namespace}/${v.workload}`,
            workload: v.workload,
            namespace: node.def.namespace,
            app: node.def.app,
            version: v.version,
            labels,
          });
        }
      }
    }
    const scale = this.options.rateScale ?? 1;
    for (const [key, node] of nodes) {
      if (called.has(key)) continue;
      node.entry = {
        rate: (node.def.entryRate ?? entryRate(node.def.namespace, node.def.app)) * scale,
        drift: this.drift(`${key}/entry`, 0.25, 0.03),
      };
    }
    const order = topologicalOrder([...nodes.values()]);
    this.topology = { view, revision, order };
    this.declareSeries(order);
    return order;
  }
}

/** Callers before callees (Kahn); an application on a cycle comes after the rest, in definition order. */
function topologicalOrder(nodes: AppNode[]): AppNode[] {
  const indegree = new Map<AppNode, number>(nodes.map((n) => [n, 0]));
  for (const n of nodes) for (const c of n.callees) indegree.set(c.node, (indegree.get(c.node) ?? 0) + 1);
  const queue = nodes.filter((n) => indegree.get(n) === 0);
  const order: AppNode[] = [];
  const placed = new Set<AppNode>();
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i] as AppNode;
    order.push(n);
    placed.add(n);
    for (const c of n.callees) {
      const d = (indegree.get(c.node) ?? 0) - 1;
      indegree.set(c.node, d);
      if (d === 0) queue.push(c.node);
    }
  }
  for (const n of nodes) if (!placed.has(n)) order.push(n);
  return order;
}

function weightedSum(counts: Float64Array, means: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += (counts[i] as number) * (means[i] as number);
  return sum;
}
