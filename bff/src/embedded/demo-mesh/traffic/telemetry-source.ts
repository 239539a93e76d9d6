import { ISTIO_BUCKETS } from '../../../features/monitoring/istio-metrics';
import { QUANTILES } from '../../../features/monitoring/promql';
import { histogramQuantile } from '../../../features/monitoring/quantile';
import type {
  AppFigures,
  CallFigures,
  ConsumerFigures,
  FigureSeries,
  Figures,
  InstanceFigures,
  LimitFigures,
  ServiceSeries,
  ServiceVersionFigures,
  SplitFigures,
  TcpFigures,
  TelemetrySource,
  TrafficEdges,
  VersionFigures,
} from '../../../features/monitoring/telemetry';
import { emptySeries, hasTcp } from '../../../features/monitoring/telemetry';
import { seriesTimestamps } from '../../../features/monitoring/window';
import type { QueryWindow } from '../../../features/monitoring/window';
import { BUCKET_COUNT, CONSUMER_FIELDS, GROUP_FIELDS, INSTANCE_FIELDS } from './store';
import type { ConsumerMeta, GroupMeta, TrafficStore } from './store';

/** Figures from a summed group row: counts over `seconds` become rates, buckets become percentiles. */
function figuresOf(row: Float64Array, offset: number, seconds: number): Figures {
  const requests = row[offset + GROUP_FIELDS.requests] as number;
  const buckets = row.subarray(offset + GROUP_FIELDS.buckets, offset + GROUP_FIELDS.buckets + BUCKET_COUNT);
  const quantile = (q: number) => (requests > 0 ? histogramQuantile(q, ISTIO_BUCKETS, buckets) : null);
  return {
    requests: requests / seconds,
    errors: (row[offset + GROUP_FIELDS.errors] as number) / seconds,
    avgMs: requests > 0 ? (row[offset + GROUP_FIELDS.durationSum] as number) / requests : null,
    p50: quantile(QUANTILES.p50),
    p95: quantile(QUANTILES.p95),
    p99: quantile(QUANTILES.p99),
    inBytes: (row[offset + GROUP_FIELDS.inBytes] as number) / seconds,
    outBytes: (row[offset + GROUP_FIELDS.outBytes] as number) / seconds,
    tcp: tcpOf(row, offset, GROUP_FIELDS, seconds),
  };
}

/** L4 figures of a summed row of any kind of cell (each keeps them at its own offsets). */
function tcpOf(
  row: Float64Array,
  offset: number,
  fields: { tcpOpened: number; tcpClosed: number; tcpSentBytes: number; tcpReceivedBytes: number },
  seconds: number,
): TcpFigures {
  return {
    sentBytes: (row[offset + fields.tcpSentBytes] as number) / seconds,
    receivedBytes: (row[offset + fields.tcpReceivedBytes] as number) / seconds,
    opened: (row[offset + fields.tcpOpened] as number) / seconds,
    closed: (row[offset + fields.tcpClosed] as number) / seconds,
  };
}

const identity = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/**
 * The monitoring page's questions answered from the demo mesh's own series (TrafficStore), the same way
 * the PromQL of PrometheusTelemetry answers them: rates are counts over the range divided by its
 * length, percentiles interpolate in the same buckets as histogram_quantile. Its "scrape interval"
 * is the finest slot width, so windows resolve to whole slots.
 */
export class EmbeddedTelemetry implements TelemetrySource {
  readonly kind = 'embedded' as const;
  readonly scrapeIntervalSeconds: number;

  constructor(private readonly store: TrafficStore) {
    this.scrapeIntervalSeconds = store.slotMs(0) / 1000;
  }

  /**
   * Seconds of data held of the window ending at `atMs` (the demo mesh's data all begin at once, so one
   * answer for every service and namespace).
   */
  coveredSeconds(q: QueryWindow, atMs = this.store.now): Promise<number> {
    return Promise.resolve(this.store.coveredSeconds(q.rangeSeconds, atMs));
  }

  /** What a count over the window is divided by: the seconds of it the data cover (the whole window without data). */
  private span(q: QueryWindow, atMs: number): number {
    const covered = this.store.coveredSeconds(q.rangeSeconds, atMs);
    return covered > 0 ? covered : q.rangeSeconds;
  }

  private tier(q: QueryWindow): number {
    return this.store.tierFor(q.rangeSeconds, q.stepSeconds, q.rateSeconds);
  }

  /** Group cells of one service, summed per version over (fromMs, toMs]. */
  private byVersion(serviceId: string, tier: number, fromMs: number, toMs: number) {
    const cells = this.store.cellsOf('group', serviceId);
    const versions: string[] = [];
    const groupOf = cells.map((cell) => {
      const version = (this.store.groups.meta[cell] as { version: string }).version;
      let i = versions.indexOf(version);
      if (i < 0) i = versions.push(version) - 1;
      return i;
    });
    // One extra row at the end: every version together.
    const rows = new Float64Array((versions.length + 1) * GROUP_FIELDS.width);
    this.store.accumulate('group', tier, fromMs, toMs, cells, groupOf, rows);
    const total = versions.length * GROUP_FIELDS.width;
    for (let v = 0; v < versions.length; v++) {
      for (let f = 0; f < GROUP_FIELDS.width; f++)
        rows[total + f] = (rows[total + f] as number) + (rows[v * GROUP_FIELDS.width + f] as number);
    }
    return { versions, rows, totalOffset: total };
  }

  async applications(
    q: QueryWindow,
    atMs = this.store.now,
    namespaces: ReadonlySet<string> | null = null,
  ): Promise<AppFigures[]> {
    const n = this.store.groups.size;
    const apps: { app: string; namespace: string }[] = [];
    const appIndex = new Map<string, number>();
    // Only the cells of the asked namespaces are summed.
    const cells: number[] = [];
    const groupOf: number[] = [];
    for (let cell = 0; cell < n; cell++) {
      const meta = this.store.groups.meta[cell] as { app: string; namespace: string };
      if (namespaces && !namespaces.has(meta.namespace)) continue;
      const key = `${meta.namespace}/${meta.app}`;
      let i = appIndex.get(key);
      if (i === undefined) {
        i = apps.push({ app: meta.app, namespace: meta.namespace }) - 1;
        appIndex.set(key, i);
      }
      cells.push(cell);
      groupOf.push(i);
    }
    const rows = new Float64Array(apps.length * GROUP_FIELDS.width);
    this.store.accumulate('group', this.tier(q), atMs - q.rangeSeconds * 1000, atMs, cells, groupOf, rows);
    const seconds = this.span(q, atMs);
    return apps.map((a, i) => ({ ...a, figures: figuresOf(rows, i * GROUP_FIELDS.width, seconds) }));
  }

  async serviceFigures(
    serviceId: string,
    q: QueryWindow,
    atMs = this.store.now,
  ): Promise<{ total: Figures; byVersion: VersionFigures[] }> {
    const { versions, rows, totalOffset } = this.byVersion(
      serviceId,
      this.tier(q),
      atMs - q.rangeSeconds * 1000,
      atMs,
    );
    const seconds = this.span(q, atMs);
    return {
      total: figuresOf(rows, totalOffset, seconds),
      byVersion: versions.map((version, i) => ({
        version,
        figures: figuresOf(rows, i * GROUP_FIELDS.width, seconds),
      })),
    };
  }

  async serviceSeries(serviceId: string, q: QueryWindow, atMs = this.store.now): Promise<ServiceSeries> {
    const timestamps = seriesTimestamps(q, atMs);
    const tier = this.tier(q);
    const empty = (): FigureSeries => emptySeries(timestamps.length);
    const total = empty();
    const byVersion = new Map<string, FigureSeries>();
    const put = (s: FigureSeries, i: number, f: Figures) => {
      s.requests[i] = f.requests;
      s.errors[i] = f.errors;
      s.p50[i] = f.p50;
      s.p95[i] = f.p95;
      s.p99[i] = f.p99;
      s.inBytes[i] = f.inBytes;
      s.outBytes[i] = f.outBytes;
      s.tcpSentBytes[i] = f.tcp.sentBytes;
      s.tcpReceivedBytes[i] = f.tcp.receivedBytes;
      s.tcpOpened[i] = f.tcp.opened;
    };
    timestamps.forEach((t, i) => {
      // Like a range query: nothing before the first sample, and no point in the future.
      if (t <= this.store.first || t > this.store.now + this.scrapeIntervalSeconds * 1000) return;
      const { versions, rows, totalOffset } = this.byVersion(serviceId, tier, t - q.rateSeconds * 1000, t);
      put(total, i, figuresOf(rows, totalOffset, q.rateSeconds));
      versions.forEach((version, v) => {
        let s = byVersion.get(version);
        if (!s) byVersion.set(version, (s = empty()));
        put(s, i, figuresOf(rows, v * GROUP_FIELDS.width, q.rateSeconds));
      });
    });
    return {
      timestamps,
      total,
      byVersion: [...byVersion.entries()].map(([version, series]) => ({ version, series })),
    };
  }

  /** One row of sums per cell (consumer or instance) of a service, over the query's window. */
  private perCell(
    kind: 'consumer' | 'instance',
    width: number,
    serviceId: string,
    q: QueryWindow,
    atMs: number,
  ) {
    const cells = this.store.cellsOf(kind, serviceId);
    const rows = new Float64Array(cells.length * width);
    this.store.accumulate(
      kind,
      this.tier(q),
      atMs - q.rangeSeconds * 1000,
      atMs,
      cells,
      identity(cells.length),
      rows,
    );
    return { cells, rows };
  }

  async consumers(serviceId: string, q: QueryWindow, atMs = this.store.now): Promise<ConsumerFigures[]> {
    const { cells, rows } = this.perCell('consumer', CONSUMER_FIELDS.width, serviceId, q, atMs);
    const seconds = this.span(q, atMs);
    return cells.map((cell, i) => {
      const meta = this.store.consumers.meta[cell] as ConsumerMeta;
      return {
        workload: meta.workload,
        app: meta.app,
        namespace: meta.namespace,
        version: meta.version,
        requests: (rows[i * CONSUMER_FIELDS.width + CONSUMER_FIELDS.requests] as number) / seconds,
        errors: (rows[i * CONSUMER_FIELDS.width + CONSUMER_FIELDS.errors] as number) / seconds,
        principal: meta.principal ?? null,
        mtls: (rows[i * CONSUMER_FIELDS.width + CONSUMER_FIELDS.mtls] as number) / seconds,
        tcp: tcpOf(rows, i * CONSUMER_FIELDS.width, CONSUMER_FIELDS, seconds),
      };
    });
  }

  async instances(serviceId: string, q: QueryWindow, atMs = this.store.now): Promise<InstanceFigures[]> {
    const { cells, rows } = this.perCell('instance', INSTANCE_FIELDS.width, serviceId, q, atMs);
    const seconds = this.span(q, atMs);
    return cells.map((cell, i) => {
      const meta = this.store.instances.meta[cell] as { instance: string; version: string };
      const requests = rows[i * INSTANCE_FIELDS.width + INSTANCE_FIELDS.requests] as number;
      return {
        instance: meta.instance,
        version: meta.version,
        requests: requests / seconds,
        errors: (rows[i * INSTANCE_FIELDS.width + INSTANCE_FIELDS.errors] as number) / seconds,
        avgMs:
          requests > 0
            ? (rows[i * INSTANCE_FIELDS.width + INSTANCE_FIELDS.durationSum] as number) / requests
            : null,
      };
    });
  }

  /**
   * Every link at once. Caller → service links come from the consumer cells, service → version links
   * from the group cells. The store keeps no latency histogram per caller (at thousands of services it
   * would cost more memory than everything else together); in the demo mesh a request's latency depends
   * only on the version that serves it, and every caller's requests are spread over the versions alike
   * unless a rule routes by source, so a call's p95 is its service's, from the group cells' buckets.
   */
  async edges(
    q: QueryWindow,
    atMs = this.store.now,
    namespaces: ReadonlySet<string> | null = null,
  ): Promise<TrafficEdges> {
    const within = (ns: string | undefined) => !namespaces || (ns !== undefined && namespaces.has(ns));
    // Where each service's traffic arrives (its group cells' namespace): a call's far end.
    const serviceNamespace = new Map<string, string>();
    const tier = this.tier(q);
    const from = atMs - q.rangeSeconds * 1000;
    const seconds = this.span(q, atMs);
    const quantile = (buckets: Float64Array, requests: number) =>
      requests > 0 ? histogramQuantile(QUANTILES.p95, ISTIO_BUCKETS, buckets) : null;

    const groups = this.store.groups;
    const groupRows = new Float64Array(groups.size * GROUP_FIELDS.width);
    this.store.accumulate('group', tier, from, atMs, identity(groups.size), identity(groups.size), groupRows);
    const serviceBuckets = new Map<string, { requests: number; buckets: Float64Array }>();
    const versions: ServiceVersionFigures[] = [];
    for (let cell = 0; cell < groups.size; cell++) {
      const meta = groups.meta[cell] as GroupMeta;
      if (!serviceNamespace.has(meta.serviceId)) serviceNamespace.set(meta.serviceId, meta.namespace);
      if (!within(meta.namespace)) continue;
      const o = cell * GROUP_FIELDS.width;
      const requests = groupRows[o + GROUP_FIELDS.requests] as number;
      const tcp = tcpOf(groupRows, o, GROUP_FIELDS, seconds);
      // A link with requests (L7), connections (L4) or both.
      if (requests <= 0 && !hasTcp(tcp)) continue;
      const buckets = groupRows.subarray(o + GROUP_FIELDS.buckets, o + GROUP_FIELDS.buckets + BUCKET_COUNT);
      let svc = serviceBuckets.get(meta.serviceId);
      if (!svc)
        serviceBuckets.set(meta.serviceId, (svc = { requests: 0, buckets: new Float64Array(BUCKET_COUNT) }));
      svc.requests += requests;
      for (let b = 0; b < BUCKET_COUNT; b++)
        svc.buckets[b] = (svc.buckets[b] as number) + (buckets[b] as number);
      const errors = groupRows[o + GROUP_FIELDS.errors] as number;
      const clientErrors = groupRows[o + GROUP_FIELDS.clientErrors] as number;
      versions.push({
        serviceId: meta.serviceId,
        namespace: meta.namespace,
        app: meta.app,
        version: meta.version,
        requests: requests / seconds,
        serverErrors: (errors - clientErrors) / seconds,
        clientErrors: clientErrors / seconds,
        p95: quantile(buckets, requests),
        tcp: { sentBytes: tcp.sentBytes, receivedBytes: tcp.receivedBytes, opened: tcp.opened },
      });
    }
    const p95OfService = new Map(
      [...serviceBuckets].map(([id, s]) => [id, quantile(s.buckets, s.requests)] as const),
    );

    const consumers = this.store.consumers;
    const rows = new Float64Array(consumers.size * CONSUMER_FIELDS.width);
    this.store.accumulate(
      'consumer',
      tier,
      from,
      atMs,
      identity(consumers.size),
      identity(consumers.size),
      rows,
    );
    const calls: CallFigures[] = [];
    for (let cell = 0; cell < consumers.size; cell++) {
      const o = cell * CONSUMER_FIELDS.width;
      const requests = rows[o + CONSUMER_FIELDS.requests] as number;
      const tcp = tcpOf(rows, o, CONSUMER_FIELDS, seconds);
      if (requests <= 0 && !hasTcp(tcp)) continue;
      const meta = consumers.meta[cell] as ConsumerMeta;
      if (!within(meta.namespace) || !within(serviceNamespace.get(meta.serviceId))) continue;
      const errors = rows[o + CONSUMER_FIELDS.errors] as number;
      const clientErrors = rows[o + CONSUMER_FIELDS.clientErrors] as number;
      calls.push({
        source: { workload: meta.workload, namespace: meta.namespace, app: meta.app, version: meta.version },
        serviceId: meta.serviceId,
        requests: requests / seconds,
        serverErrors: (errors - clientErrors) / seconds,
        clientErrors: clientErrors / seconds,
        p95: requests > 0 ? (p95OfService.get(meta.serviceId) ?? null) : null,
        mtls: (rows[o + CONSUMER_FIELDS.mtls] as number) / seconds,
        tcp: { sentBytes: tcp.sentBytes, receivedBytes: tcp.receivedBytes, opened: tcp.opened },
      });
    }
    return { calls, versions };
  }

  async split(serviceId: string, q: QueryWindow, atMs = this.store.now): Promise<SplitFigures[]> {
    const { versions, rows } = this.byVersion(serviceId, this.tier(q), atMs - q.rateSeconds * 1000, atMs);
    return versions.map((version, i) => ({
      version,
      requests: (rows[i * GROUP_FIELDS.width + GROUP_FIELDS.requests] as number) / q.rateSeconds,
      connections: (rows[i * GROUP_FIELDS.width + GROUP_FIELDS.tcpOpened] as number) / q.rateSeconds,
    }));
  }

  /**
   * Passed and rate-limited requests: the group cells' requests, less and of those a limit refused; and
   * of the passed ones, those a shadow-mode limit would have refused.
   */
  async limits(serviceId: string, q: QueryWindow, atMs = this.store.now): Promise<LimitFigures> {
    const tier = this.tier(q);
    const at = (t: number) => {
      const { rows, totalOffset } = this.byVersion(serviceId, tier, t - q.rateSeconds * 1000, t);
      const requests = rows[totalOffset + GROUP_FIELDS.requests] as number;
      const limited = rows[totalOffset + GROUP_FIELDS.limited] as number;
      const shadow = rows[totalOffset + GROUP_FIELDS.shadowLimited] as number;
      return {
        passed: (requests - limited) / q.rateSeconds,
        limited: limited / q.rateSeconds,
        shadowLimited: shadow / q.rateSeconds,
      };
    };
    const timestamps = seriesTimestamps(q, atMs);
    const series: LimitFigures['series'] = {
      passed: timestamps.map(() => null),
      limited: timestamps.map(() => null),
      shadowLimited: timestamps.map(() => null),
    };
    timestamps.forEach((t, i) => {
      // As serviceSeries: nothing before the first sample, and no point in the future.
      if (t <= this.store.first || t > this.store.now + this.scrapeIntervalSeconds * 1000) return;
      const f = at(t);
      series.passed[i] = f.passed;
      series.limited[i] = f.limited;
      series.shadowLimited[i] = f.shadowLimited;
    });
    return { ...at(atMs), series };
  }
}
