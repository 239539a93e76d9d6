import type { ServiceDetail } from '../../contract/catalog';
import { TOP_N } from '../../contract/monitoring';
import type {
  ApplicationList,
  ApplicationListQuery,
  ApplicationRow,
  ApplicationSortKey,
  MetricSeries,
  MonitoringOverview,
  MonitoringWindow,
  ServiceMetrics,
  TcpStats,
  TopEntry,
  TrafficStats,
} from '../../contract/monitoring';
import { notFound } from '../../lib/errors';
import { ALL_NAMESPACES, inScope, scopeKey, scopeNamespaces } from '../auth/scope';
import type { NamespaceScope } from '../auth/scope';
import { catalogIn } from '../catalog/catalog';
import type { CatalogSource } from '../catalog/catalog';
import type { CatalogView } from '../catalog/query';
import { UNKNOWN } from './istio-metrics';
import { EMPTY_FIGURES, EMPTY_TCP, emptySeries as noSeries, hasTcp } from './telemetry';
import type {
  AppFigures,
  ConsumerFigures,
  FigureSeries,
  Figures,
  ServiceSeries,
  TcpFigures,
  TelemetrySource,
} from './telemetry';
import { Reused, Unchanged, evaluationTime, keptMsFor, reuseMsFor, staleMsFor } from './reuse';
import { resolveWindow } from './window';

export interface MonitoringDeps {
  catalog: CatalogSource;
  telemetry: TelemetrySource;
  clock?: () => number;
  /**
   * At most how long telemetry's answer is reused for the same question (reuse.ts: the source's own
   * resolution, capped by this; the console passes the stream's interval). 0 or absent: an answer
   * is shared only while it is being computed.
   */
  maxReuseMs?: number;
}

/** Telemetry's answers for the overview of a scope, and when they were asked. */
interface OverviewFigures {
  at: number;
  figures: AppFigures[];
  covered: number;
}

/** Telemetry's answers about one service, and when they were asked. */
interface ServiceFigureSet {
  at: number;
  figures: Awaited<ReturnType<TelemetrySource['serviceFigures']>>;
  series: ServiceSeries;
  consumers: ConsumerFigures[];
  instances: Awaited<ReturnType<TelemetrySource['instances']>>;
  split: Awaited<ReturnType<TelemetrySource['split']>>;
  limits: Awaited<ReturnType<TelemetrySource['limits']>>;
  covered: number;
}

const perMinute = (perSecond: number) => perSecond * 60;

/** L4 figures as the API gives them: null where no connection was seen. */
function toTcpStats(t: TcpFigures): TcpStats | null {
  if (!hasTcp(t) && t.closed <= 0) return null;
  return {
    sentBytesPerSecond: t.sentBytes,
    receivedBytesPerSecond: t.receivedBytes,
    connectionsOpenedPerSecond: t.opened,
    connectionsClosedPerSecond: t.closed,
  };
}

/** Traffic of any kind: requests, or (L4) bytes and connections. */
const hasTraffic = (f: Figures) => f.requests > 0 || hasTcp(f.tcp);

function toStats(f: Figures): TrafficStats {
  return {
    requestsPerMinute: perMinute(f.requests),
    errorRate: f.requests > 0 ? Math.min(1, f.errors / f.requests) : null,
    latencyMs: { avg: f.avgMs, p50: f.p50, p95: f.p95, p99: f.p99 },
    inboundBytesPerMinute: perMinute(f.inBytes),
    outboundBytesPerMinute: perMinute(f.outBytes),
    tcp: toTcpStats(f.tcp),
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
    tcpSentBytesPerSecond: s.tcpSentBytes,
    tcpReceivedBytesPerSecond: s.tcpReceivedBytes,
    tcpConnectionsOpenedPerSecond: s.tcpOpened,
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
  const add = (
    s: ServiceDetail,
    namespace: string,
    providers: readonly ServiceDetail['providers'][number][],
  ) => {
    const key = `${namespace}/${s.application}`;
    let app = apps.get(key);
    if (!app) {
      app = {
        application: s.application,
        namespace,
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
    for (const p of providers) {
      const id = `${p.kind}/${p.namespace}/${p.name}`;
      app.instances.add(id);
      if (p.ready) app.ready.add(id);
    }
  };
  for (const s of view.services) {
    if (!s.conflict) add(s, s.namespace, s.providers);
    // A service in conflict belongs to no namespace: each claimant's application lists it, with
    // that namespace's instances (the view holds only the claimants the caller may see).
    else
      for (const ns of new Set(s.sources.map((src) => src.namespace)))
        add(
          s,
          ns,
          s.providers.filter((p) => p.namespace === ns),
        );
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

const byApplication = (
  a: { namespace: string; application: string },
  b: { namespace: string; application: string },
) => a.application.localeCompare(b.application) || a.namespace.localeCompare(b.namespace);

/**
 * What every applications table of a catalog view shares, made once per view: the catalog's
 * applications by namespace and name, each with its row as it is without traffic, and their order
 * by application name. A table then makes rows only for the applications with figures, and is
 * sorted by name without comparing 20,000 names again at each scrape.
 */
interface CatalogTable {
  keys: string[];
  apps: CatalogApp[];
  idleRows: ApplicationRow[];
  /** Indexes into `keys`, ordered by application then namespace. */
  byApplication: number[];
}

function applicationRow(app: CatalogApp, figures: Figures): ApplicationRow {
  // Each field named: a literal that begins with a spread gets a hidden class of its own in V8.
  return {
    application: app.application,
    namespace: app.namespace,
    replicas: app.replicas,
    readyReplicas: app.readyReplicas,
    services: app.services,
    traffic: toStats(figures),
  };
}

function catalogTable(apps: Map<string, CatalogApp>): CatalogTable {
  const entries = [...apps].sort(([, a], [, b]) => byName(a, b));
  const idleRows = entries.map(([, app]) => applicationRow(app, EMPTY_FIGURES));
  return {
    keys: entries.map(([key]) => key),
    apps: entries.map(([, app]) => app),
    idleRows,
    byApplication: idleRows
      .map((row, i) => ({ row, i }))
      .sort((a, b) => byApplication(a.row, b.row))
      .map(({ i }) => i),
  };
}

function top(rows: ApplicationRow[], value: (r: ApplicationRow) => number | null): TopEntry[] {
  return rows
    .flatMap((r) => {
      const v = r.traffic.requestsPerMinute > 0 ? value(r) : null;
      return v === null
        ? []
        : [{ application: r.application, namespace: r.namespace, value: v, services: r.services }];
    })
    .sort((a, b) => b.value - a.value || byName(a, b))
    .slice(0, TOP_N);
}

/** The applications table's numeric columns (inbound, outbound: bytes per minute; tcp: L4 bytes both ways). */
const NUMERIC_COLUMNS: Record<
  Exclude<ApplicationSortKey, 'application' | 'namespace'>,
  (r: ApplicationRow) => number | null
> = {
  replicas: (r) => r.replicas,
  inbound: (r) => r.traffic.inboundBytesPerMinute,
  outbound: (r) => r.traffic.outboundBytesPerMinute,
  requests: (r) => r.traffic.requestsPerMinute,
  latency: (r) => r.traffic.latencyMs.avg,
  errorRate: (r) => r.traffic.errorRate,
  tcp: (r) =>
    r.traffic.tcp ? r.traffic.tcp.sentBytesPerSecond + r.traffic.tcp.receivedBytesPerSecond : null,
};

/** Rows ordered by a column: ties by namespace and name, rows without a value last in either order. */
function sortedBy(
  rows: readonly ApplicationRow[],
  sort: ApplicationSortKey,
  order: 'asc' | 'desc',
): ApplicationRow[] {
  const sign = order === 'asc' ? 1 : -1;
  if (sort === 'application') return rows.toSorted((a, b) => sign * byApplication(a, b));
  if (sort === 'namespace') return rows.toSorted((a, b) => sign * byName(a, b));
  const value = NUMERIC_COLUMNS[sort];
  // The values once per row, not once per comparison.
  const keyed = rows.map((row) => ({ row, v: value(row) }));
  keyed.sort((a, b) => {
    if (a.v === null || b.v === null) return a.v === b.v ? byName(a.row, b.row) : a.v === null ? 1 : -1;
    return sign * (a.v - b.v) || byName(a.row, b.row);
  });
  return keyed.map((k) => k.row);
}

/** A table's rows in an order: by name from the catalog's order when it has one (see CatalogTable). */
function orderedBy(
  table: ApplicationTable,
  sort: ApplicationSortKey,
  order: 'asc' | 'desc',
): ApplicationRow[] {
  const { rows, catalog } = table;
  if (catalog && (sort === 'application' || sort === 'namespace')) {
    // No two rows share an application and namespace: descending is ascending reversed.
    const ascending =
      sort === 'namespace' ? rows : catalog.byApplication.map((i) => rows[i] as ApplicationRow);
    return order === 'asc' ? ascending : ascending.toReversed();
  }
  return sortedBy(rows, sort, order);
}

/** Case-insensitive match on the application, its namespace and its services' IDs. */
function matches(row: ApplicationRow, q: string): boolean {
  return (
    row.application.toLowerCase().includes(q) ||
    row.namespace.toLowerCase().includes(q) ||
    row.services.some((s) => s.toLowerCase().includes(q))
  );
}

/**
 * The application rows of a scope (a catalog view) under one content of telemetry's figures, built
 * once per figures and view (`Unchanged` keeps the figures' identity while their content does not
 * move): the rows are kept here and paged (GET /monitoring/applications), each ordering sorted once.
 * At 20,000 applications the whole table is megabytes, which every request and every stream round
 * used to serialize, and rebuilding it every reuse period kept the heap's old generation busy.
 */
interface ApplicationTable {
  /** By namespace and name. */
  rows: ApplicationRow[];
  /** The view's, when every row is one of its applications (no traffic to one it does not know). */
  catalog: CatalogTable | null;
  sorted: Map<string, ApplicationRow[]>;
  top: MonitoringOverview['top'];
}

/** The overview of a scope and window (per telemetry answer: its time), over its table. */
interface OverviewModel {
  overview: MonitoringOverview;
  table: ApplicationTable;
}

/** A caller from outside the scope: the consumers row that sums them, naming none (see serviceMetrics). */
const OTHER_NAMESPACES = '';

/**
 * The callers of a service as a scope sees them: those of its namespaces by name, every other one
 * summed into one row that names nothing (workload, application and namespace empty), so the list
 * still adds up to the service's traffic.
 */
function consumersWithin(consumers: ConsumerFigures[], scope: NamespaceScope): ConsumerFigures[] {
  if (scope.all) return consumers;
  const own: ConsumerFigures[] = [];
  const others: ConsumerFigures = {
    workload: OTHER_NAMESPACES,
    app: OTHER_NAMESPACES,
    namespace: OTHER_NAMESPACES,
    version: OTHER_NAMESPACES,
    requests: 0,
    errors: 0,
    // Callers the scope may not see are not named, so neither is their identity.
    principal: null,
    mtls: 0,
    tcp: { ...EMPTY_TCP },
  };
  for (const c of consumers) {
    if (inScope(scope, c.namespace)) own.push(c);
    else {
      others.requests += c.requests;
      others.errors += c.errors;
      others.mtls += c.mtls;
      others.tcp.sentBytes += c.tcp.sentBytes;
      others.tcp.receivedBytes += c.tcp.receivedBytes;
      others.tcp.opened += c.tcp.opened;
      others.tcp.closed += c.tcp.closed;
    }
  }
  return others.requests > 0 || hasTcp(others.tcp) ? [...own, others] : own;
}

/**
 * The monitoring page's answers: telemetry (from whichever source is configured) joined with the
 * catalog, which knows every application, its services and replicas, whether or not it has traffic.
 * Every answer is computed for a scope (the caller's namespaces, features/auth/scope.ts): the catalog
 * and telemetry of those namespaces only, so a Top 5 ranks within them.
 */
export class MonitoringService {
  private readonly clock: () => number;
  private readonly catalogTables = new WeakMap<CatalogView, CatalogTable>();
  private readonly tables = new WeakMap<AppFigures[], WeakMap<CatalogView, ApplicationTable>>();
  private readonly unchangedFigures: Unchanged<AppFigures[]>;
  private readonly overviews: Reused<OverviewFigures>;
  private readonly services: Reused<ServiceFigureSet>;

  constructor(private readonly deps: MonitoringDeps) {
    this.clock = deps.clock ?? Date.now;
    // The same question asked while its answer is being computed (several tabs, the stream and a
    // page load at once), or again while the telemetry cannot have changed (many users on the same
    // page within the same second), shares one round of queries (reuse.ts). The answer is then
    // built once per catalog view from those figures, so a catalog change shows at once.
    // Prometheus's answers built last stand in for the next scrape's while those are computed
    // (staleMsFor), so no request waits for a round of queries.
    const reuse = {
      clock: this.clock,
      reuseMs: reuseMsFor(deps.telemetry, deps.maxReuseMs ?? 0),
      staleMs: staleMsFor(deps.telemetry, deps.maxReuseMs ?? 0),
    };
    this.overviews = new Reused(reuse);
    this.services = new Reused(reuse);
    this.unchangedFigures = new Unchanged(this.clock, { maxIdleMs: keptMsFor(deps.telemetry) });
  }

  get sourceKind() {
    return this.deps.telemetry.kind;
  }

  private catalogTable(view: CatalogView): CatalogTable {
    let table = this.catalogTables.get(view);
    if (!table) this.catalogTables.set(view, (table = catalogTable(catalogApps(view))));
    return table;
  }

  private model(window: MonitoringWindow, scope: NamespaceScope): Promise<OverviewModel> {
    const view = catalogIn(this.deps.catalog, scope);
    const key = scopeKey(scope);
    const at = evaluationTime(this.deps.telemetry, this.clock());
    return this.overviews.derive({
      key: `${window}/${key}/${at ?? ''}`,
      family: `${window}/${key}`,
      compute: () => this.overviewFigures(window, scope, at),
      view,
      derivedKey: key,
      derive: (figures) => this.buildOverview(window, view, figures),
    });
  }

  /** The overview of the applications of `scope`'s namespaces: Top 5s and how many applications. */
  async overview(
    window: MonitoringWindow,
    scope: NamespaceScope = ALL_NAMESPACES,
  ): Promise<MonitoringOverview> {
    return (await this.model(window, scope)).overview;
  }

  /** A page of the applications of `scope`'s namespaces: searched, sorted and paged here. */
  async applications(
    query: ApplicationListQuery,
    scope: NamespaceScope = ALL_NAMESPACES,
  ): Promise<ApplicationList> {
    const model = await this.model(query.window, scope);
    const orderKey = `${query.sort}/${query.order}`;
    const { sorted } = model.table;
    let rows = sorted.get(orderKey);
    if (!rows) sorted.set(orderKey, (rows = orderedBy(model.table, query.sort, query.order)));
    const q = query.q?.toLowerCase();
    if (q) rows = rows.filter((r) => matches(r, q));
    const from = (query.page - 1) * query.pageSize;
    return {
      window: query.window,
      updatedAt: model.overview.updatedAt,
      source: model.overview.source,
      items: rows.slice(from, from + query.pageSize),
      total: rows.length,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  /** A service's metrics as `scope` sees them: callers outside it are one row that names none. */
  serviceMetrics(
    id: string,
    window: MonitoringWindow,
    scope: NamespaceScope = ALL_NAMESPACES,
  ): Promise<ServiceMetrics> {
    const view = catalogIn(this.deps.catalog, scope);
    const service = view.byId.get(id);
    if (!service) throw notFound(`Service ${id} was not found`);
    // The telemetry's questions about a service do not depend on the scope (the answer does, and is
    // built per scope's view, keyed by the scope).
    const at = evaluationTime(this.deps.telemetry, this.clock());
    return this.services.derive({
      key: JSON.stringify([window, id, at ?? null]),
      family: JSON.stringify([window, id]),
      compute: () => this.serviceFigures(id, window, at),
      view,
      derivedKey: scopeKey(scope),
      derive: (figures) => this.buildServiceMetrics(service, window, scope, figures),
    });
  }

  private async overviewFigures(
    window: MonitoringWindow,
    scope: NamespaceScope,
    at: number | undefined,
  ): Promise<OverviewFigures> {
    const t = this.deps.telemetry;
    const q = resolveWindow(window, t.scrapeIntervalSeconds);
    // One evaluation time for both questions, so the covered span is the one the rates are over.
    const namespaces = scopeNamespaces(scope);
    const [figures, covered] = await Promise.all([
      t.applications(q, at, namespaces),
      t.coveredSeconds?.(q, at, { namespaces }) ?? q.rangeSeconds,
    ]);
    return {
      at: at ?? this.clock(),
      figures: this.unchangedFigures.same(`${window}/${scopeKey(scope)}`, figures),
      covered,
    };
  }

  /**
   * A warm start: the catalog's applications, and the overview and table the monitoring page first
   * asks for (`query`: the contract's defaults), which its first visitor would otherwise wait for.
   */
  async prepare(query: ApplicationListQuery, scope: NamespaceScope = ALL_NAMESPACES): Promise<void> {
    this.catalogTable(catalogIn(this.deps.catalog, scope));
    await new Promise((resolve) => setImmediate(resolve));
    await this.applications(query, scope);
  }

  private buildOverview(
    window: MonitoringWindow,
    view: CatalogView,
    { at, figures, covered }: OverviewFigures,
  ): OverviewModel {
    const table = this.tableOf(view, figures);
    const overview: MonitoringOverview = {
      window,
      updatedAt: new Date(at).toISOString(),
      source: this.deps.telemetry.kind,
      coveredSeconds: Math.round(covered),
      top: table.top,
      applicationCount: table.rows.length,
    };
    return { overview, table };
  }

  private tableOf(view: CatalogView, figures: AppFigures[]): ApplicationTable {
    let byView = this.tables.get(figures);
    if (!byView) this.tables.set(figures, (byView = new WeakMap()));
    let table = byView.get(view);
    if (!table) byView.set(view, (table = this.buildTable(view, figures)));
    return table;
  }

  private buildTable(view: CatalogView, figures: AppFigures[]): ApplicationTable {
    const byApp = new Map(figures.map((f) => [`${f.namespace}/${f.app}`, f.figures]));
    const catalog = this.catalogTable(view);
    const rows: ApplicationRow[] = catalog.keys.map((key, i) => {
      const found = byApp.get(key);
      if (found === undefined) return catalog.idleRows[i] as ApplicationRow;
      byApp.delete(key);
      return applicationRow(catalog.apps[i] as CatalogApp, found);
    });
    // Traffic to an application the catalog does not know (yet): shown, without replicas.
    let unknown = false;
    for (const f of figures) {
      if (!byApp.has(`${f.namespace}/${f.app}`) || !hasTraffic(f.figures)) continue;
      unknown = true;
      rows.push({
        application: f.app,
        namespace: f.namespace,
        services: [],
        replicas: 0,
        readyReplicas: 0,
        traffic: toStats(f.figures),
      });
    }
    if (unknown) rows.sort(byName);
    return {
      rows,
      catalog: unknown ? null : catalog,
      sorted: new Map([['namespace/asc', rows]]),
      top: {
        requests: top(rows, (r) => r.traffic.requestsPerMinute),
        latency: top(rows, (r) => r.traffic.latencyMs.avg),
        errorRate: top(rows, (r) => r.traffic.errorRate),
      },
    };
  }

  /** The service as `scope` sees it; 404 when the catalog of `scope` has no such service. */
  service(id: string, scope: NamespaceScope = ALL_NAMESPACES): ServiceDetail {
    const service = catalogIn(this.deps.catalog, scope).byId.get(id);
    if (!service) throw notFound(`Service ${id} was not found`);
    return service;
  }

  private async serviceFigures(
    id: string,
    window: MonitoringWindow,
    at: number | undefined,
  ): Promise<ServiceFigureSet> {
    const t = this.deps.telemetry;
    const q = resolveWindow(window, t.scrapeIntervalSeconds);
    // One evaluation time for every question, so the parts of the answer agree with each other.
    const now = this.clock();
    const [figures, series, consumers, instances, split, limits, covered] = await Promise.all([
      t.serviceFigures(id, q, at),
      t.serviceSeries(id, q, at),
      t.consumers(id, q, at),
      t.instances(id, q, at),
      t.split(id, q, at),
      t.limits(id, q, at),
      t.coveredSeconds?.(q, at, { serviceId: id }) ?? q.rangeSeconds,
    ]);
    return { at: at ?? now, figures, series, consumers, instances, split, limits, covered };
  }

  private buildServiceMetrics(
    service: ServiceDetail,
    window: MonitoringWindow,
    scope: NamespaceScope,
    { at, figures, series, consumers, instances, split, limits, covered }: ServiceFigureSet,
  ): ServiceMetrics {
    const id = service.id;
    const t = this.deps.telemetry;
    const q = resolveWindow(window, t.scrapeIntervalSeconds);
    const versions = [...new Set([...service.versions, ...figures.byVersion.map((v) => v.version)])];
    const seriesOf = new Map(series.byVersion.map((s) => [s.version, s.series]));
    const emptySeries = toSeries(noSeries(series.timestamps.length));
    // The split of the requests; for L4 traffic alone (a TCP service, ambient without a waypoint), of
    // the connections, which is what a TCP route's weights divide.
    const requestTotal = split.reduce((s, v) => s + v.requests, 0);
    const connectionTotal = split.reduce((s, v) => s + v.connections, 0);
    const basis = requestTotal <= 0 && connectionTotal > 0 ? 'connections' : 'requests';
    const providers = new Map(service.providers.map((p) => [p.name, p]));
    // A service in conflict, seen from a scope: only the instances of the scope's namespaces.
    const ownInstance = (name: string) => scope.all || !service.conflict || providers.has(name);
    const instanceRows = instances
      .filter((i) => i.requests > 0 && ownInstance(i.instance))
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
      updatedAt: new Date(at).toISOString(),
      source: t.kind,
      coveredSeconds: Math.round(covered),
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
        basis,
        versions: versions.map((version) => {
          const v = split.find((s) => s.version === version);
          const requests = v?.requests ?? 0;
          const connections = v?.connections ?? 0;
          const [part, whole] =
            basis === 'requests' ? [requests, requestTotal] : [connections, connectionTotal];
          return {
            version,
            share: whole > 0 ? part / whole : null,
            requestsPerMinute: perMinute(requests),
            connectionsOpenedPerSecond: connections,
          };
        }),
      },
      consumers: consumersWithin(consumers, scope)
        .filter((c) => c.requests > 0 || hasTcp(c.tcp))
        // Busiest first: by requests, then (L4 alone) by bytes exchanged.
        .sort(
          (a, b) =>
            b.requests - a.requests ||
            b.tcp.sentBytes + b.tcp.receivedBytes - (a.tcp.sentBytes + a.tcp.receivedBytes) ||
            a.workload.localeCompare(b.workload),
        )
        .map((c) => ({
          workload: c.workload,
          application: c.app,
          namespace: c.namespace,
          version: c.version,
          requestsPerMinute: perMinute(c.requests),
          errorRate: c.requests > 0 ? Math.min(1, c.errors / c.requests) : null,
          tcp: toTcpStats(c.tcp),
          principal: c.principal,
          mtlsShare: c.requests > 0 ? Math.min(1, c.mtls / c.requests) : null,
        })),
      instances: instanceRows,
      rateLimit: {
        passedPerSecond: limits.passed,
        limitedPerSecond: limits.limited,
        shadowLimitedPerSecond: limits.shadowLimited,
        series: {
          passedPerSecond: limits.series.passed,
          limitedPerSecond: limits.series.limited,
          shadowLimitedPerSecond: limits.series.shadowLimited,
        },
      },
    };
  }
}
