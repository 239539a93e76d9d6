import { PrometheusError } from '../../clients/prometheus';
import type { PrometheusClient, PromSample, PromSeries } from '../../clients/prometheus';
import { ApiError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { INSTANCE_LABEL, MUTUAL_TLS, principalOf, UNKNOWN } from './istio-metrics';
import {
  ALL_MEASURES,
  APP_LABELS,
  coverageQuery,
  CALL_LABELS,
  CALL_REQUEST_LABELS,
  LINK_MEASURES,
  SERIES_MEASURES,
  SERVICE_VERSION_LABELS,
  VERSION_LABELS,
  TCP_MEASURES,
  isTcpMeasure,
  limitQuery,
  linkQuery,
  namespaceMatchers,
  queries,
  shadowLimitQuery,
} from './promql';
import type { LinkMeasure, Measure } from './promql';
import { EMPTY_TCP_LINK, emptySeries, hasTcp, telemetryUnavailable } from './telemetry';
import type {
  AppFigures,
  ConsumerFigures,
  FigureSeries,
  Figures,
  InstanceFigures,
  LimitFigures,
  LinkFigures,
  ServiceSeries,
  SplitFigures,
  TcpFigures,
  TcpLinkFigures,
  TelemetrySource,
  TrafficEdges,
  VersionFigures,
} from './telemetry';
import { seriesTimestamps } from './window';
import type { QueryWindow } from './window';

const finiteOrNull = (v: number | undefined): number | null =>
  v === undefined || !Number.isFinite(v) ? null : v;

/** Per group (the grouping labels' values joined), the value of each measure. */
type Grouped = Map<string, Partial<Record<Measure, number>>>;

const keyOf = (metric: Record<string, string>, labels: readonly string[]) =>
  labels.map((l) => metric[l] ?? '').join('\u0000');

function figuresOf(values: Partial<Record<Measure, number>>): Figures {
  const requests = finiteOrNull(values.requests) ?? 0;
  const durationSum = finiteOrNull(values.durationSum);
  return {
    requests,
    errors: finiteOrNull(values.errors) ?? 0,
    avgMs: requests > 0 && durationSum !== null ? durationSum / requests : null,
    p50: finiteOrNull(values.p50),
    p95: finiteOrNull(values.p95),
    p99: finiteOrNull(values.p99),
    inBytes: finiteOrNull(values.inBytes) ?? 0,
    outBytes: finiteOrNull(values.outBytes) ?? 0,
    tcp: tcpOf(values),
  };
}

function tcpOf(values: Partial<Record<Measure, number>>): TcpFigures {
  return {
    sentBytes: finiteOrNull(values.tcpSentBytes) ?? 0,
    receivedBytes: finiteOrNull(values.tcpReceivedBytes) ?? 0,
    opened: finiteOrNull(values.tcpOpened) ?? 0,
    closed: finiteOrNull(values.tcpClosed) ?? 0,
  };
}

const scaleTcp = (t: TcpFigures, k: number): TcpFigures => ({
  sentBytes: t.sentBytes * k,
  receivedBytes: t.receivedBytes * k,
  opened: t.opened * k,
  closed: t.closed * k,
});

/** Rates over a window scaled from "per second of the range" to "per second of the data held". */
function scaleFigures(f: Figures, k: number): Figures {
  if (k === 1) return f;
  return {
    ...f,
    requests: f.requests * k,
    errors: f.errors * k,
    inBytes: f.inBytes * k,
    outBytes: f.outBytes * k,
    tcp: scaleTcp(f.tcp, k),
  };
}

/** A window at least this much covered counts as whole: a missed scrape or two is not a shorter window. */
const WHOLE_WINDOW = 0.9;

/**
 * The questions of the monitoring page, answered by a Prometheus that scrapes Istio's sidecars.
 * The queries of one question run in parallel under one deadline (the client's timeout).
 */
export class PrometheusTelemetry implements TelemetrySource {
  readonly kind = 'prometheus' as const;

  constructor(
    private readonly client: PrometheusClient,
    readonly scrapeIntervalSeconds: number,
    private readonly log: Logger,
  ) {}

  /** Coverage questions being answered, so the parts of one answer ask Prometheus once. */
  private readonly coverageInFlight = new Map<string, Promise<number>>();

  /**
   * Seconds of the window Prometheus holds samples for: the most samples of any selected request
   * counter in the range, times the scrape interval (see coverageQuery); at least 90% counts as whole.
   */
  private coverage(
    q: QueryWindow,
    atMs: number,
    of: { serviceId?: string; namespaces?: ReadonlySet<string> | null },
  ): Promise<number> {
    const query = coverageQuery(q.rangeSeconds, of);
    const key = `${atMs}\u0000${query}`;
    let pending = this.coverageInFlight.get(key);
    if (!pending) {
      pending = this.client
        .query(query, atMs)
        .then((samples) => {
          const covered = (finiteOrNull(samples[0]?.value) ?? 0) * this.scrapeIntervalSeconds;
          return covered >= WHOLE_WINDOW * q.rangeSeconds ? q.rangeSeconds : covered;
        })
        .finally(() => this.coverageInFlight.delete(key));
      this.coverageInFlight.set(key, pending);
    }
    return pending;
  }

  /** By how much `rate()` over the whole range is to be scaled to be a rate over the data held. */
  private async scale(
    q: QueryWindow,
    atMs: number,
    of: { serviceId?: string; namespaces?: ReadonlySet<string> | null },
  ): Promise<number> {
    const covered = await this.coverage(q, atMs, of);
    return covered > 0 && covered < q.rangeSeconds ? q.rangeSeconds / covered : 1;
  }

  coveredSeconds(
    q: QueryWindow,
    atMs = Date.now(),
    of: { serviceId?: string; namespaces?: ReadonlySet<string> | null } = {},
  ): Promise<number> {
    if (of.namespaces?.size === 0) return Promise.resolve(0);
    return this.ask('coveredSeconds', () => this.coverage(q, atMs, of));
  }

  /** Runs the queries of one question; any Prometheus failure becomes one clear 503. */
  private async ask<T>(question: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    try {
      return await fn(controller.signal);
    } catch (err) {
      if (err instanceof PrometheusError) {
        this.log.warn({ question, failure: err.failure, detail: err.detail }, err.message);
        throw err.failure === 'query' || err.failure === 'bad-response'
          ? new ApiError(502, 'TelemetryQueryFailed', `${err.message}; the details are in the server log`)
          : telemetryUnavailable(err.message);
      }
      throw err;
    } finally {
      // One query failing cancels its siblings instead of leaving them running.
      controller.abort();
    }
  }

  private async grouped(
    build: (m: Measure) => string,
    measures: readonly Measure[],
    labels: readonly string[],
    atMs: number,
    signal: AbortSignal,
  ): Promise<Grouped> {
    const results = await Promise.all(measures.map((m) => this.client.query(build(m), atMs, signal)));
    const out: Grouped = new Map();
    results.forEach((samples: PromSample[], i) => {
      const measure = measures[i] as Measure;
      for (const s of samples) {
        const key = keyOf(s.metric, labels);
        const entry = out.get(key) ?? {};
        entry[measure] = s.value;
        out.set(key, entry);
      }
    });
    return out;
  }

  applications(
    q: QueryWindow,
    atMs = Date.now(),
    namespaces: ReadonlySet<string> | null = null,
  ): Promise<AppFigures[]> {
    if (namespaces?.size === 0) return Promise.resolve([]);
    return this.ask('applications', async (signal) => {
      const [grouped, k] = await Promise.all([
        this.grouped(
          (m) => queries.applications(m, q.rangeSeconds, namespaces),
          ALL_MEASURES,
          APP_LABELS,
          atMs,
          signal,
        ),
        this.scale(q, atMs, { namespaces }),
      ]);
      return [...grouped.entries()].map(([key, values]) => {
        const [namespace = '', app = ''] = key.split('\u0000');
        return { app, namespace, figures: scaleFigures(figuresOf(values), k) };
      });
    });
  }

  serviceFigures(
    serviceId: string,
    q: QueryWindow,
    atMs = Date.now(),
  ): Promise<{ total: Figures; byVersion: VersionFigures[] }> {
    return this.ask('serviceFigures', async (signal) => {
      const [byVersion, total, k] = await Promise.all([
        this.grouped(
          (m) => queries.service(serviceId, m, VERSION_LABELS, q.rangeSeconds),
          ALL_MEASURES,
          VERSION_LABELS,
          atMs,
          signal,
        ),
        this.grouped(
          (m) => queries.service(serviceId, m, [], q.rangeSeconds),
          ALL_MEASURES,
          [],
          atMs,
          signal,
        ),
        this.scale(q, atMs, { serviceId }),
      ]);
      return {
        total: scaleFigures(figuresOf(total.get('') ?? {}), k),
        byVersion: [...byVersion.entries()].map(([version, values]) => ({
          version: version || UNKNOWN,
          figures: scaleFigures(figuresOf(values), k),
        })),
      };
    });
  }

  serviceSeries(serviceId: string, q: QueryWindow, atMs = Date.now()): Promise<ServiceSeries> {
    return this.ask('serviceSeries', async (signal) => {
      const timestamps = seriesTimestamps(q, atMs);
      const start = timestamps[0] as number;
      const end = timestamps[timestamps.length - 1] as number;
      const stepMs = q.stepSeconds * 1000;
      const range = (labels: readonly string[]) =>
        Promise.all(
          SERIES_MEASURES.map((m) =>
            this.client.queryRange(
              queries.service(serviceId, m, labels, q.rateSeconds),
              start,
              end,
              q.stepSeconds,
              signal,
            ),
          ),
        );
      const [byVersionResults, totalResults] = await Promise.all([range(VERSION_LABELS), range([])]);
      const fill = (target: FigureSeries, measure: Measure, series: PromSeries) => {
        const column = target[measure as keyof FigureSeries];
        for (const [t, v] of series.values) {
          const i = Math.round((t * 1000 - start) / stepMs);
          if (i >= 0 && i < column.length) column[i] = Number.isFinite(v) ? v : null;
        }
      };
      const versions = new Map<string, FigureSeries>();
      byVersionResults.forEach((result, i) => {
        for (const series of result) {
          const version = series.metric.destination_version || UNKNOWN;
          let target = versions.get(version);
          if (!target) versions.set(version, (target = emptySeries(timestamps.length)));
          fill(target, SERIES_MEASURES[i] as Measure, series);
        }
      });
      const total = emptySeries(timestamps.length);
      totalResults.forEach((result, i) => {
        for (const series of result) fill(total, SERIES_MEASURES[i] as Measure, series);
      });
      // A rate that exists where requests do but has no series (no errors at all) is 0, not unknown.
      for (const s of [total, ...versions.values()]) {
        s.requests.forEach((r, i) => {
          if (r === null) return;
          for (const col of [s.errors, s.inBytes, s.outBytes]) if (col[i] === null) col[i] = 0;
        });
      }
      return {
        timestamps,
        total,
        byVersion: [...versions.entries()].map(([version, series]) => ({ version, series })),
      };
    });
  }

  consumers(serviceId: string, q: QueryWindow, atMs = Date.now()): Promise<ConsumerFigures[]> {
    return this.ask('consumers', async (signal) => {
      const measures = ['requests', 'errors', ...TCP_MEASURES] as const;
      const consumerLabels = ['source_workload', 'source_workload_namespace'];
      const [grouped, k] = await Promise.all([
        Promise.all(
          measures.map((m) =>
            this.client.query(queries.consumers(serviceId, m, q.rangeSeconds), atMs, signal),
          ),
        ),
        this.scale(q, atMs, { serviceId }),
      ]);
      // A caller with requests, connections or both: one row, its labels from whichever answered. Its
      // series also differ by principal and security policy (see CONSUMER_LABELS): they are summed,
      // those received over mutual TLS apart, and the principal is the one a series names.
      const rows = new Map<
        string,
        {
          metric: Record<string, string>;
          values: Partial<Record<Measure, number>>;
          mtls: number;
          principal: string | null;
        }
      >();
      grouped.forEach((samples, i) => {
        const measure = measures[i] as Measure;
        for (const s of samples) {
          const key = keyOf(s.metric, consumerLabels);
          let row = rows.get(key);
          if (!row) rows.set(key, (row = { metric: s.metric, values: {}, mtls: 0, principal: null }));
          const value = finiteOrNull(s.value) ?? 0;
          row.values[measure] = (row.values[measure] ?? 0) + value;
          row.principal ??= principalOf(s.metric.source_principal);
          if (measure === 'requests' && s.metric.connection_security_policy === MUTUAL_TLS) row.mtls += value;
        }
      });
      return [...rows.values()].map(({ metric, values, mtls, principal }) => ({
        workload: metric.source_workload || UNKNOWN,
        app: metric.source_app || UNKNOWN,
        namespace: metric.source_workload_namespace || UNKNOWN,
        version: metric.source_version || UNKNOWN,
        requests: (values.requests ?? 0) * k,
        errors: (values.errors ?? 0) * k,
        principal,
        mtls: mtls * k,
        tcp: scaleTcp(tcpOf(values), k),
      }));
    });
  }

  instances(serviceId: string, q: QueryWindow, atMs = Date.now()): Promise<InstanceFigures[]> {
    return this.ask('instances', async (signal) => {
      const labels = [INSTANCE_LABEL, 'destination_version'];
      const [grouped, k] = await Promise.all([
        this.grouped(
          (m) => queries.instances(serviceId, m as 'requests' | 'errors' | 'durationSum', q.rangeSeconds),
          ['requests', 'errors', 'durationSum'],
          labels,
          atMs,
          signal,
        ),
        this.scale(q, atMs, { serviceId }),
      ]);
      return [...grouped.entries()].map(([key, values]) => {
        const [instance = '', version = ''] = key.split('\u0000');
        const f = figuresOf(values);
        return {
          instance,
          version: version || UNKNOWN,
          requests: f.requests * k,
          errors: f.errors * k,
          avgMs: f.avgMs,
        };
      });
    });
  }

  limits(serviceId: string, q: QueryWindow, atMs = Date.now()): Promise<LimitFigures> {
    return this.ask('limits', async (signal) => {
      const timestamps = seriesTimestamps(q, atMs);
      const start = timestamps[0] as number;
      const end = timestamps[timestamps.length - 1] as number;
      const stepMs = q.stepSeconds * 1000;
      const kinds = ['passed', 'limited', 'shadowLimited'] as const;
      const queryOf = (k: (typeof kinds)[number]) =>
        k === 'shadowLimited'
          ? shadowLimitQuery(serviceId, q.rateSeconds)
          : limitQuery(serviceId, k, q.rateSeconds);
      const [now, ranges] = await Promise.all([
        Promise.all(kinds.map((k) => this.client.query(queryOf(k), atMs, signal))),
        Promise.all(kinds.map((k) => this.client.queryRange(queryOf(k), start, end, q.stepSeconds, signal))),
      ]);
      const series: LimitFigures['series'] = {
        passed: timestamps.map(() => null),
        limited: timestamps.map(() => null),
        shadowLimited: timestamps.map(() => null),
      };
      ranges.forEach((result, k) => {
        const column = series[kinds[k] as (typeof kinds)[number]];
        for (const s of result)
          for (const [t, v] of s.values) {
            const i = Math.round((t * 1000 - start) / stepMs);
            if (i >= 0 && i < column.length) column[i] = Number.isFinite(v) ? v : null;
          }
      });
      // Where requests passed but nothing was limited, the limited rate is 0 (the series does not exist).
      series.passed.forEach((p, i) => {
        if (p !== null && series.limited[i] === null) series.limited[i] = 0;
      });
      return {
        passed: finiteOrNull(now[0]?.[0]?.value) ?? 0,
        limited: finiteOrNull(now[1]?.[0]?.value) ?? 0,
        // From each sidecar's own Envoy stats (see shadowLimitQuery): null when the mesh does not
        // export them (proxyStatsMatcher), rather than a 0 that would claim nothing was refused.
        shadowLimited: finiteOrNull(now[2]?.[0]?.value),
        series,
      };
    });
  }

  split(serviceId: string, q: QueryWindow, atMs = Date.now()): Promise<SplitFigures[]> {
    return this.ask('split', async (signal) => {
      const [requests, connections] = await Promise.all(
        (['requests', 'tcpOpened'] as const).map((m) =>
          this.client.query(queries.service(serviceId, m, VERSION_LABELS, q.rateSeconds), atMs, signal),
        ),
      );
      const out = new Map<string, SplitFigures>();
      const at = (version: string) => {
        let v = out.get(version);
        if (!v) out.set(version, (v = { version, requests: 0, connections: 0 }));
        return v;
      };
      for (const s of requests ?? [])
        at(s.metric.destination_version || UNKNOWN).requests = finiteOrNull(s.value) ?? 0;
      for (const s of connections ?? [])
        at(s.metric.destination_version || UNKNOWN).connections = finiteOrNull(s.value) ?? 0;
      return [...out.values()];
    });
  }

  edges(
    q: QueryWindow,
    atMs = Date.now(),
    namespaces: ReadonlySet<string> | null = null,
  ): Promise<TrafficEdges> {
    if (namespaces?.size === 0) return Promise.resolve({ calls: [], versions: [] });
    return this.ask('edges', async (signal) => {
      const k = await this.scale(q, atMs, { namespaces });
      /**
       * The links grouped by `labels`; `requestLabels`: the requests' grouping where it differs (by
       * security policy too, for the callers: see CALL_REQUEST_LABELS), their series summed per link.
       */
      const links = async (
        labels: readonly string[],
        ends: readonly string[],
        requestLabels: readonly string[] = labels,
      ) => {
        const matchers = namespaceMatchers(ends, namespaces);
        const results = await Promise.all(
          LINK_MEASURES.map((m) =>
            this.client.query(
              linkQuery(m, m === 'requests' ? requestLabels : labels, q.rangeSeconds, matchers),
              atMs,
              signal,
            ),
          ),
        );
        const out = new Map<
          string,
          { metric: Record<string, string>; figures: LinkFigures & { tcp: TcpLinkFigures; mtls: number } }
        >();
        results.forEach((samples, i) => {
          const measure = LINK_MEASURES[i] as LinkMeasure;
          for (const s of samples) {
            const key = keyOf(s.metric, labels);
            let entry = out.get(key);
            if (!entry) {
              entry = {
                metric: s.metric,
                figures: {
                  requests: 0,
                  serverErrors: 0,
                  clientErrors: 0,
                  p95: null,
                  tcp: { ...EMPTY_TCP_LINK },
                  mtls: 0,
                },
              };
              out.set(key, entry);
            }
            const value = finiteOrNull(s.value);
            if (measure === 'p95') entry.figures.p95 = value;
            else if (measure === 'tcpSentBytes') entry.figures.tcp.sentBytes = (value ?? 0) * k;
            else if (measure === 'tcpReceivedBytes') entry.figures.tcp.receivedBytes = (value ?? 0) * k;
            else if (measure === 'tcpOpened') entry.figures.tcp.opened = (value ?? 0) * k;
            else if (measure === 'requests') {
              entry.figures.requests += (value ?? 0) * k;
              if (s.metric.connection_security_policy === MUTUAL_TLS) entry.figures.mtls += (value ?? 0) * k;
            } else if (!isTcpMeasure(measure)) entry.figures[measure] = (value ?? 0) * k;
          }
        });
        // A link is one with requests or connections; error and percentile series alone (rates of 0)
        // say nothing.
        return [...out.values()].filter((e) => e.figures.requests > 0 || hasTcp(e.figures.tcp));
      };
      const [calls, versions] = await Promise.all([
        links(
          CALL_LABELS,
          ['source_workload_namespace', 'destination_service_namespace'],
          CALL_REQUEST_LABELS,
        ),
        links(SERVICE_VERSION_LABELS, ['destination_service_namespace']),
      ]);
      return {
        calls: calls.map(({ metric, figures }) => ({
          source: {
            workload: metric.source_workload || UNKNOWN,
            namespace: metric.source_workload_namespace || UNKNOWN,
            app: metric.source_app || UNKNOWN,
            version: metric.source_version || UNKNOWN,
          },
          serviceId: metric.destination_service ?? '',
          ...figures,
        })),
        versions: versions.map(({ metric, figures: { mtls: _mtls, ...figures } }) => ({
          serviceId: metric.destination_service ?? '',
          namespace: metric.destination_service_namespace || UNKNOWN,
          app: metric.destination_app || UNKNOWN,
          version: metric.destination_version || UNKNOWN,
          ...figures,
        })),
      };
    });
  }
}
