import { Counter, Registry } from 'prom-client';
import type { Metric } from 'prom-client';
import {
  ISTIO_BUCKETS,
  ISTIO_LABELS,
  ISTIO_METRICS,
  ISTIO_SECURITY_LABELS,
  TCP_METRICS,
} from '../../../features/monitoring/istio-metrics';
import type { IstioLabels, IstioSecurityLabels } from '../../../features/monitoring/istio-metrics';
import { toDnsLabel } from '../../../mesh/hosts';
import type { Flow } from './pipeline';

/**
 * Istio's labels as the demo mesh writes them: the ones the console reads plus, on every request and
 * TCP series, the security labels (ISTIO_SECURITY_LABELS: how the destination received the connection
 * and the peers' SPIFFE identities; https://istio.io/latest/docs/reference/config/metrics/#labels).
 */
export type MeshLabels = IstioLabels & Partial<IstioSecurityLabels>;

/** Every label name of the series. */
const LABELS: readonly string[] = [...new Set<string>([...ISTIO_LABELS, ...ISTIO_SECURITY_LABELS])];

/** The labels Istio's Prometheus scrape of a sidecar's own stats gives them: the Pod's namespace, name and labels. */
const ENVOY_STAT_LABELS = ['namespace', 'pod', 'app', 'version'] as const;

/**
 * The Prometheus name of a stat of a rule's local rate limit, as a sidecar's /stats/prometheus writes
 * it: the console's EnvoyFilter names the stat prefix `<rule>_local_rate_limiter` (mesh/ratelimit.ts),
 * Envoy roots the filter's stats at `<stat_prefix>.http_local_rate_limit.`, and the exposition turns
 * every character Prometheus does not allow into `_` behind `envoy_`.
 */
export function localRateLimitMetric(rule: string, stat: 'rate_limited' | 'enforced'): string {
  const name = `${toDnsLabel(rule)}_local_rate_limiter.http_local_rate_limit.${stat}`;
  return `envoy_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/** Istio's standard TCP metrics (https://istio.io/latest/docs/reference/config/metrics/). */
export { TCP_METRICS };

const TCP_HELP: Record<(typeof TCP_METRICS)[keyof typeof TCP_METRICS], string> = {
  [TCP_METRICS.opened]: 'TCP connections opened.',
  [TCP_METRICS.closed]: 'TCP connections closed.',
  [TCP_METRICS.sent]: 'Bytes sent to the client during TCP connections.',
  [TCP_METRICS.received]: 'Bytes received from the client during TCP connections.',
};

/** One series' histogram state: counts per bucket (not cumulative; +Inf last) and the sum. */
interface HistogramState {
  buckets: Float64Array;
  sum: number;
  count: number;
}

interface SeriesState {
  labels: MeshLabels;
  duration: HistogramState;
  requestBytes: HistogramState;
  responseBytes: HistogramState;
}

const newHistogram = (): HistogramState => ({
  buckets: new Float64Array(ISTIO_BUCKETS.length + 1),
  sum: 0,
  count: 0,
});

type HistogramField = 'duration' | 'requestBytes' | 'responseBytes';

interface ExportValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
}

/**
 * A histogram whose observations arrive in bulk: the simulator adds a tick's bucket counts at once
 * instead of calling prom-client's observe() per request (one call per simulated request). prom-client's
 * Registry renders it like any histogram: a registry takes any object with a name and a `get`
 * (`getForPromString` for the text format), though its typings list only prom-client's own classes.
 */
class BulkHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly series: () => Iterable<SeriesState>,
    private readonly field: HistogramField,
  ) {}

  register(registry: Registry): void {
    registry.registerMetric(this as unknown as Metric<string>);
  }

  private values(): ExportValue[] {
    const values: ExportValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const s of this.series()) {
      const h = s[this.field];
      let acc = 0;
      for (let i = 0; i < ISTIO_BUCKETS.length; i++) {
        acc += h.buckets[i] as number;
        values.push({
          labels: { le: ISTIO_BUCKETS[i] as number },
          sharedLabels: s.labels,
          value: acc,
          metricName: bucketName,
        });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: h.count, metricName: bucketName });
      values.push({ labels: {}, sharedLabels: s.labels, value: h.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: h.count, metricName: `${this.name}_count` });
    }
    return values;
  }

  async get() {
    const values = this.values().map(({ sharedLabels, ...v }) => ({
      ...v,
      labels: { ...v.labels, ...sharedLabels },
    }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  async getForPromString() {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.values(),
    };
  }

  reset(): void {
    // The series belong to the exporter; a registry reset does not forget the demo's counters.
  }
}

/** What one tick adds to one series (one caller, instance and response code of a service version). */
export interface SeriesTick {
  labels: MeshLabels;
  count: number;
  /** Duration bucket counts (not cumulative), one per bound, then +Inf. */
  durationBuckets: ArrayLike<number>;
  durationSum: number;
  requestBytesBuckets: ArrayLike<number>;
  requestBytesSum: number;
  responseBytesBuckets: ArrayLike<number>;
  responseBytesSum: number;
}

/**
 * Istio's standard metrics of the demo mesh, in Prometheus's text format, for a Prometheus to scrape
 * at /demo-mesh/metrics. Counters only grow, as a sidecar's do, from the moment the simulator starts.
 * Cardinality: one series per (caller workload, instance, response code) that has seen traffic;
 * the demo mesh has a few hundred.
 */
export class IstioExporter {
  readonly registry = new Registry();
  private readonly series = new Map<string, SeriesState>();
  private readonly requests: Counter<string>;
  private readonly envoyStats = new Map<string, Counter<string>>();
  /**
   * Series that appeared since the last scrape, and what they counted meanwhile: a series is scraped
   * once at zero before it counts (see metrics()). Before the first scrape nothing waits.
   */
  private scraped = false;
  private readonly unscraped = new Set<object | string>();
  private pending: (() => void)[] = [];
  private readonly envoyStatSeries = new Set<string>();

  constructor() {
    this.requests = new Counter({
      name: ISTIO_METRICS.requests,
      help: 'Requests, counted by the destination\'s sidecar (reporter="destination"), in ambient mode by the waypoint (reporter="waypoint") or, for what it answered itself, the caller\'s sidecar (reporter="source").',
      labelNames: [...LABELS],
      registers: [this.registry],
    });
    const all = () => this.series.values();
    for (const h of [
      new BulkHistogram(ISTIO_METRICS.duration, 'Request duration, ms.', all, 'duration'),
      new BulkHistogram(ISTIO_METRICS.requestBytes, 'Request body size, bytes.', all, 'requestBytes'),
      new BulkHistogram(ISTIO_METRICS.responseBytes, 'Response body size, bytes.', all, 'responseBytes'),
    ])
      h.register(this.registry);
  }

  get seriesCount(): number {
    return this.series.size;
  }

  private state(labels: MeshLabels): SeriesState {
    const key = LABELS.map((l) => (labels as Record<string, string | undefined>)[l] ?? '').join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = { labels, duration: newHistogram(), requestBytes: newHistogram(), responseBytes: newHistogram() };
      this.series.set(key, s);
      this.requests.inc(labels, 0);
      if (this.scraped) this.unscraped.add(s);
    }
    return s;
  }

  /**
   * Exports a series at zero before its first request. Prometheus's advice for known label sets: a
   * counter that appears already above zero loses its first increase to rate() and increase(), which
   * for a rare response code (one error a minute) is most of what there is to see.
   */
  declare(labels: MeshLabels): void {
    this.state(labels);
  }

  add(tick: SeriesTick): void {
    const s = this.state(tick.labels);
    if (this.unscraped.has(s)) {
      // Waits for the scrape that shows the series at zero; the tick's arrays are the simulator's
      // scratch, so they are copied.
      const copy: SeriesTick = {
        ...tick,
        durationBuckets: Float64Array.from(tick.durationBuckets),
        requestBytesBuckets: Float64Array.from(tick.requestBytesBuckets),
        responseBytesBuckets: Float64Array.from(tick.responseBytesBuckets),
      };
      this.pending.push(() => this.count(s, copy));
    } else {
      this.count(s, tick);
    }
  }

  private count(s: SeriesState, tick: SeriesTick): void {
    this.requests.inc(tick.labels, tick.count);
    addTo(s.duration, tick.durationBuckets, tick.durationSum, tick.count);
    addTo(s.requestBytes, tick.requestBytesBuckets, tick.requestBytesSum, tick.count);
    addTo(s.responseBytes, tick.responseBytesBuckets, tick.responseBytesSum, tick.count);
  }

  /**
   * A rule's local rate limit at one sidecar, as Envoy counts it: `rate_limited` every request that found
   * no token, `enforced` those of them refused. In shadow mode only `rate_limited` grows (the requests
   * pass, and Istio's request metrics show them as ordinary 200s): the one place shadow mode shows.
   */
  addLocalRateLimit(rule: string, flow: Flow, rateLimited: number, enforced: number): void {
    const labels = { namespace: flow.namespace, pod: flow.instance, app: flow.app, version: flow.version };
    for (const [stat, n] of [
      ['rate_limited', rateLimited],
      ['enforced', enforced],
    ] as const) {
      const name = localRateLimitMetric(rule, stat);
      let counter = this.envoyStats.get(name);
      if (!counter) {
        counter = new Counter({
          name,
          help: `Envoy local rate limit of rule ${rule}: ${stat === 'rate_limited' ? 'requests without a token (enforced or not)' : 'requests refused'}.`,
          labelNames: [...ENVOY_STAT_LABELS],
          registers: [this.registry],
        });
        this.envoyStats.set(name, counter);
      }
      const series = `${name}\u0000${labels.namespace}\u0000${labels.pod}`;
      const known = this.envoyStatSeries.has(series);
      if (!known) {
        this.envoyStatSeries.add(series);
        counter.inc(labels, 0);
        if (this.scraped) this.unscraped.add(series);
      }
      const c = counter;
      if (this.unscraped.has(series)) this.pending.push(() => c.inc(labels, n));
      else c.inc(labels, n);
    }
  }

  /**
   * L4 traffic, as Istio counts it (istio_tcp_connections_opened_total, _closed_total,
   * istio_tcp_sent_bytes_total, _received_bytes_total): a sidecar's TCP proxy, or in ambient mode
   * ztunnel, which reports only these (with reporter="destination" on the destination's node, or
   * "source" on the caller's). TCP traffic has no requests, so no response code. `opened` connections
   * opened within the tick, `closed` those closed (the same when left out: short connections). Bytes
   * sent are the server's to the client, received the client's to the server.
   */
  addTcp(
    labels: MeshLabels,
    opened: number,
    sentBytes: number,
    receivedBytes: number,
    closed: number = opened,
  ): void {
    const { response_code: _code, ...tcpLabels } = labels;
    for (const [name, value] of [
      [TCP_METRICS.opened, opened],
      [TCP_METRICS.closed, closed],
      [TCP_METRICS.sent, sentBytes],
      [TCP_METRICS.received, receivedBytes],
    ] as const) {
      let counter = this.tcpCounters.get(name);
      if (!counter) {
        counter = new Counter({
          name,
          help: TCP_HELP[name],
          labelNames: LABELS.filter((l) => l !== 'response_code'),
          registers: [this.registry],
        });
        this.tcpCounters.set(name, counter);
      }
      const series = `${name}\u0000${Object.values(tcpLabels).join('\u0000')}`;
      if (!this.envoyStatSeries.has(series)) {
        this.envoyStatSeries.add(series);
        counter.inc(tcpLabels, 0);
        if (this.scraped) this.unscraped.add(series);
      }
      const c = counter;
      if (this.unscraped.has(series)) this.pending.push(() => c.inc(tcpLabels, value));
      else c.inc(tcpLabels, value);
    }
  }

  private readonly tcpCounters = new Map<string, Counter<string>>();

  /**
   * The text a Prometheus scrapes. A series that appeared since the last scrape is in it at zero, and
   * what it counted meanwhile is added after: as a sidecar's counters exist (at zero) from the moment
   * its configuration names them, before the first request. Prometheus takes a series' first sample as
   * its start, so a counter that first appeared above zero would lose that much to rate() and
   * increase() (the first refusals of a new rate limit, say).
   */
  async metrics(): Promise<{ contentType: string; body: string }> {
    const body = await this.registry.metrics();
    this.scraped = true;
    this.unscraped.clear();
    const pending = this.pending;
    this.pending = [];
    for (const count of pending) count();
    return { contentType: this.registry.contentType, body };
  }
}

function addTo(h: HistogramState, buckets: ArrayLike<number>, sum: number, count: number) {
  for (let i = 0; i < h.buckets.length; i++) h.buckets[i] = (h.buckets[i] as number) + (buckets[i] as number);
  h.sum += sum;
  h.count += count;
}
