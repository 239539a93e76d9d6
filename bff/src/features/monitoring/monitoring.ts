import type { ServiceDetail } from '../../contract/catalog';
import { TOP_N } from '../../contract/monitoring';
import type {
  ApplicationRow,
  MetricSeries,
  MonitoringOverview,
  MonitoringWindow,
  ServiceMetrics,
  TopEntry,
  TrafficStats,
} from '../../contract/monitoring';
import { notFound } from '../../lib/errors';
import type { CatalogSource } from '../catalog/catalog';
import type { CatalogView } from '../catalog/query';
import { UNKNOWN } from './istio-metrics';
import { EMPTY_FIGURES } from './telemetry';
import type { FigureSeries, Figures, TelemetrySource } from './telemetry';
import { resolveWindow } from './window';

export interface MonitoringDeps {
  catalog: CatalogSource;
  telemetry: TelemetrySource;
  clock?: () => number;
}

const perMinute = (perSecond: number) => perSecond * 60;

export function toStats(f: Figures): TrafficStats {
  return {
    requestsPerMinute: perMinute(f.requests),
    errorRate: f.requests > 0 ? Math.min(1, f.errors / f.requests) : null,
    latencyMs: { avg: f.avgMs, p50: f.p50, p95: f.p95, p99: f.p99 },
    inboundBytesPerMinute: perMinute(f.inBytes),
    outboundBytesPerMinute: perMinute(f.outBytes),
  };
}

function toSeries(s: FigureSeries): MetricSeries {
  const scale = (col: (number | null)[]) => col.map((v) => (v === null ? null : perMinute(v)));
  return {
    requestsPerMinute: scale(s.requests),
    errorRate: s.requests.map((r, i) => {
      const e = s.errors[i] ?? null;
      return r === null || r <= 0 ? null : Math.min(1, (e ?? 0) / r);
    }),
    p50: s.p50,
    p95: s.p95,
    p99: s.p99,
    inboundBytesPerMinute: scale(s.inBytes),
    outboundBytesPerMinute: scale(s.outBytes),
  };
}

/** The catalog's applications: their services and instances (the replicas of the talk's table). */
interface CatalogApp {
  application: string;
  namespace: string;
  services: string[];
  replicas: number;
  readyReplicas: number;
}

function catalogApps(view: CatalogView): Map<string, CatalogApp> {
  const apps = new Map<string, CatalogApp & { instances: Set<string>; ready: Set<string> }>();
  for (const s of view.services) {
    const key = `${s.namespace}/${s.application}`;
    let app = apps.get(key);
    if (!app) {
      app = {
        application: s.application,
        namespace: s.namespace,
        services: [],
        replicas: 0,
        readyReplicas: 0,
        instances: new Set(),
        ready: new Set(),
      };
      apps.set(key, app);
    }
    app.services.push(s.id);
    // One Pod behind two services (two RPC interfaces) is one replica.
    for (const p of s.providers) {
      const id = `${p.kind}/${p.namespace}/${p.name}`;
      app.instances.add(id);
      if (p.ready) app.ready.add(id);
    }
  }
  const out = new Map<string, CatalogApp>();
  for (const [key, a] of apps) {
    out.set(key, {
      application: a.application,
      namespace: a.namespace,
      services: a.services,
      replicas: a.instances.size,
      readyReplicas: a.ready.size,
    });
  }
  return out;
}

const byName = (
  a: { namespace: string; application: string },
  b: { namespace: string; application: string },
) => a.namespace.localeCompare(b.namespace) || a.application.localeCompare(b.application);

function top(rows: ApplicationRow[], value: (r: ApplicationRow) => number | null): TopEntry[] {
  return rows
    .flatMap((r) => {
      const v = r.traffic.requestsPerMinute > 0 ? value(r) : null;
      return v === null ? [] : [{ application: r.application, namespace: r.namespace, value: v }];
    })
    .sort((a, b) => b.value - a.value || byName(a, b))
    .slice(0, TOP_N);
}

/**
 * The monitoring page's answers: telemetry (from whichever source is configured) joined with the
 * catalog, which knows every application, its services and replicas, whether or not it has traffic.
 */
export class MonitoringService {
  private readonly clock: () => number;
  private appsCache: { view: CatalogView; apps: Map<string, CatalogApp> } | null = null;
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: MonitoringDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  get sourceKind() {
    return this.deps.telemetry.kind;
  }

  private apps(): Map<string, CatalogApp> {
    const view = this.deps.catalog.view();
    if (this.appsCache?.view !== view) this.appsCache = { view, apps: catalogApps(view) };
    return this.appsCache.apps;
  }

  /**
   * The same question asked while its answer is being computed (several tabs, the stream and a page
   * load at once) waits for that answer instead of starting another round of queries. Answers are not
   * kept after that: the BFF keeps no state of its own, and a later question gets fresh figures.
   */
  private coalesce<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const pending = this.inFlight.get(key);
    if (pending) return pending as Promise<T>;
    const answer = compute().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, answer);
    return answer;
  }

  overview(window: MonitoringWindow): Promise<MonitoringOverview> {
    return this.coalesce(`overview/${window}`, () => this.computeOverview(window));
  }

  serviceMetrics(id: string, window: MonitoringWindow): Promise<ServiceMetrics> {
    const service = this.service(id);
    return this.coalesce(`service/${window}/${id}`, () => this.computeServiceMetrics(service, window));
  }

  private async computeOverview(window: MonitoringWindow): Promise<MonitoringOverview> {
    const t = this.deps.telemetry;
    const q = resolveWindow(window, t.scrapeIntervalSeconds);
    const figures = await t.applications(q);
    const byApp = new Map(figures.map((f) => [`${f.namespace}/${f.app}`, f.figures]));
    const rows: ApplicationRow[] = [];
    for (const [key, app] of this.apps()) {
      rows.push({ ...app, traffic: toStats(byApp.get(key) ?? EMPTY_FIGURES) });
      byApp.delete(key);
    }
    // Traffic to an application the catalog does not know (yet): shown, without replicas.
    for (const f of figures) {
      if (!byApp.has(`${f.namespace}/${f.app}`) || f.figures.requests <= 0) continue;
      rows.push({
        application: f.app,
        namespace: f.namespace,
        services: [],
        replicas: 0,
        readyReplicas: 0,
        traffic: toStats(f.figures),
      });
    }
    rows.sort(byName);
    return {
      window,
      updatedAt: new Date(this.clock()).toISOString(),
      source: t.kind,
      top: {
        requests: top(rows, (r) => r.traffic.requestsPerMinute),
        latency: top(rows, (r) => r.traffic.latencyMs.avg),
        errorRate: top(rows, (r) => r.traffic.errorRate),
      },
      applications: rows,
    };
  }

  service(id: string): ServiceDetail {
    const service = this.deps.catalog.get(id);
    if (!service) throw notFound(`Service ${id} was not found`);
    return service;
  }

  private async computeServiceMetrics(
    service: ServiceDetail,
    window: MonitoringWindow,
  ): Promise<ServiceMetrics> {
    const id = service.id;
    const t = this.deps.telemetry;
    const q = resolveWindow(window, t.scrapeIntervalSeconds);
    // One evaluation time for every question, so the parts of the answer agree with each other.
    const at = t.kind === 'prometheus' ? this.clock() : undefined;
    const [figures, series, consumers, instances, split, limits] = await Promise.all([
      t.serviceFigures(id, q, at),
      t.serviceSeries(id, q, at),
      t.consumers(id, q, at),
      t.instances(id, q, at),
      t.split(id, q, at),
      t.limits(id, q, at),
    ]);
    const versions = [...new Set([...service.versions, ...figures.byVersion.map((v) => v.version)])];
    const seriesOf = new Map(series.byVersion.map((s) => [s.version, s.series]));
    const emptySeries = toSeries({
      requests: series.timestamps.map(() => null),
      errors: series.timestamps.map(() => null),
      p50: series.timestamps.map(() => null),
      p95: series.timestamps.map(() => null),
      p99: series.timestamps.map(() => null),
      inBytes: series.timestamps.map(() => null),
      outBytes: series.timestamps.map(() => null),
    });
    const splitTotal = split.reduce((s, v) => s + v.requests, 0);
    const providers = new Map(service.providers.map((p) => [p.name, p]));
    const instanceRows = instances
      .filter((i) => i.requests > 0)
      .map((i) => ({
        name: i.instance || '(none)',
        version: i.version,
        ready: providers.get(i.instance)?.ready ?? null,
        requestsPerMinute: perMinute(i.requests),
        errorRate: i.requests > 0 ? Math.min(1, i.errors / i.requests) : null,
        avgLatencyMs: i.avgMs,
      }));
    const seen = new Set(instanceRows.map((i) => i.name));
    for (const p of service.providers) {
      if (seen.has(p.name)) continue;
      instanceRows.push({
        name: p.name,
        version: p.version ?? UNKNOWN,
        ready: p.ready,
        requestsPerMinute: 0,
        errorRate: null,
        avgLatencyMs: null,
      });
    }
    instanceRows.sort((a, b) => a.version.localeCompare(b.version) || a.name.localeCompare(b.name));
    return {
      serviceId: id,
      window,
      updatedAt: new Date(at ?? this.clock()).toISOString(),
      source: t.kind,
      stepSeconds: q.stepSeconds,
      rateIntervalSeconds: q.rateSeconds,
      timestamps: series.timestamps,
      total: { stats: toStats(figures.total), series: toSeries(series.total) },
      versions: versions.map((version) => {
        const f = figures.byVersion.find((v) => v.version === version)?.figures ?? EMPTY_FIGURES;
        const s = seriesOf.get(version);
        return { version, stats: toStats(f), series: s ? toSeries(s) : emptySeries };
      }),
      split: {
        intervalSeconds: q.rateSeconds,
        versions: versions.map((version) => {
          const requests = split.find((s) => s.version === version)?.requests ?? 0;
          return {
            version,
            share: splitTotal > 0 ? requests / splitTotal : null,
            requestsPerMinute: perMinute(requests),
          };
        }),
      },
      consumers: consumers
        .filter((c) => c.requests > 0)
        .sort((a, b) => b.requests - a.requests || a.workload.localeCompare(b.workload))
        .map((c) => ({
          workload: c.workload,
          application: c.app,
          namespace: c.namespace,
          version: c.version,
          requestsPerMinute: perMinute(c.requests),
          errorRate: c.requests > 0 ? Math.min(1, c.errors / c.requests) : null,
        })),
      instances: instanceRows,
      rateLimit: {
        passedPerSecond: limits.passed,
        limitedPerSecond: limits.limited,
        series: { passedPerSecond: limits.series.passed, limitedPerSecond: limits.series.limited },
      },
    };
  }
}
