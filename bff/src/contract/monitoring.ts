import { z } from 'zod';

/**
 * Real-time monitoring: the overview of the talk's 实时监控 screen (Top 5 by request volume,
 * response time and error rate; the application services table) and the metrics of one service.
 * Numbers come from Istio's standard metrics, measured where requests arrive (reporter=destination: the
 * destination's sidecar; reporter=waypoint: in ambient mode, the waypoint in front of it), plus the
 * requests a caller's sidecar answered itself and that never arrived (reporter=source with a
 * local-reply flag: an injected abort, a circuit breaker's overflow, no healthy upstream). L4 (TCP)
 * traffic comes from Istio's istio_tcp_* metrics where connections arrive (reporter=destination: the
 * destination's sidecar, or in ambient mode ztunnel on its node), so a TCP service, or an ambient one
 * without a waypoint, shows bytes and connections though it has no requests.
 * A value that cannot be computed (no requests in the window) is null, never 0 or NaN.
 */

export const MONITORING_WINDOWS = ['5m', '15m', '1h', '6h'] as const;
// No component id: query parameters are converted one by one, where a $ref would point nowhere.
export const MonitoringWindow = z
  .enum(MONITORING_WINDOWS)
  .describe('How far back the figures look: rates and percentiles over this window, series across it');
export type MonitoringWindow = z.infer<typeof MonitoringWindow>;

export const WindowQuery = z.object({ window: MonitoringWindow.default('5m') });
export type WindowQuery = z.infer<typeof WindowQuery>;

export const TelemetrySourceKind = z
  .enum(['prometheus', 'embedded'])
  .describe("Where the numbers come from: a Prometheus, or the embedded demo mesh's own series");
export type TelemetrySourceKind = z.infer<typeof TelemetrySourceKind>;

const nullableNumber = z.number().nullable();

const LatencyStats = z
  .object({
    avg: nullableNumber.describe('Mean response time, ms'),
    p50: nullableNumber.describe('Median, ms (interpolated within histogram buckets, as Prometheus does)'),
    p95: nullableNumber,
    p99: nullableNumber,
  })
  .meta({ id: 'LatencyStats' });
type LatencyStats = z.infer<typeof LatencyStats>;

export const TcpStats = z
  .object({
    sentBytesPerSecond: z
      .number()
      .describe('Bytes the destination sent to its clients (istio_tcp_sent_bytes_total), per second'),
    receivedBytesPerSecond: z
      .number()
      .describe('Bytes it received from its clients (istio_tcp_received_bytes_total), per second'),
    connectionsOpenedPerSecond: z.number().describe('istio_tcp_connections_opened_total, per second'),
    connectionsClosedPerSecond: z.number().describe('istio_tcp_connections_closed_total, per second'),
  })
  .describe(
    "L4 (TCP) traffic where it arrived: counted by the destination's sidecar or, in ambient mode, by ztunnel on its node",
  )
  .meta({ id: 'TcpStats' });
export type TcpStats = z.infer<typeof TcpStats>;

export const TrafficStats = z
  .object({
    requestsPerMinute: z.number(),
    errorRate: nullableNumber.describe(
      'Share of requests answered with an error (response code 0, 4xx or 5xx), 0..1; null without requests',
    ),
    latencyMs: LatencyStats,
    inboundBytesPerMinute: z.number().describe('Request bytes received'),
    outboundBytesPerMinute: z.number().describe('Response bytes sent'),
    tcp: TcpStats.nullable().describe('L4 traffic; null when no connection was seen in the window'),
  })
  .meta({ id: 'TrafficStats' });
export type TrafficStats = z.infer<typeof TrafficStats>;

export const ApplicationRow = z
  .object({
    application: z.string(),
    namespace: z.string(),
    replicas: z.number().int().describe('Instances of the application in the catalog'),
    readyReplicas: z.number().int(),
    services: z.array(z.string()).describe('Catalog IDs of the services the application provides'),
    traffic: TrafficStats,
  })
  .meta({ id: 'ApplicationRow' });
export type ApplicationRow = z.infer<typeof ApplicationRow>;

export const TopEntry = z
  .object({
    application: z.string(),
    namespace: z.string(),
    value: z.number(),
    services: z.array(z.string()).describe('Catalog IDs of the services the application provides'),
  })
  .meta({ id: 'TopEntry' });
export type TopEntry = z.infer<typeof TopEntry>;

export const TOP_N = 5;

export const MonitoringOverview = z
  .object({
    window: MonitoringWindow,
    updatedAt: z.iso.datetime(),
    source: TelemetrySourceKind,
    coveredSeconds: z
      .number()
      .int()
      .min(0)
      .describe(
        'Seconds of the window the telemetry holds data for (the window itself when it is all covered): the rates over the window are over these seconds, not the whole window',
      ),
    top: z.object({
      requests: z.array(TopEntry).max(TOP_N).describe('By requests per minute'),
      latency: z.array(TopEntry).max(TOP_N).describe('By mean response time, ms'),
      errorRate: z.array(TopEntry).max(TOP_N).describe('By error rate, 0..1'),
    }),
    applicationCount: z
      .number()
      .int()
      .min(0)
      .describe(
        "Applications in the catalog of the caller's namespaces, and those with traffic the catalog does not know; their rows are paged by GET /monitoring/applications",
      ),
  })
  .meta({ id: 'MonitoringOverview' });
export type MonitoringOverview = z.infer<typeof MonitoringOverview>;

/** The columns the applications table sorts by. */
export const APPLICATION_SORT_KEYS = [
  'application',
  'namespace',
  'replicas',
  'inbound',
  'outbound',
  'requests',
  'latency',
  'errorRate',
  'tcp',
] as const;
export type ApplicationSortKey = (typeof APPLICATION_SORT_KEYS)[number];

export const APPLICATION_PAGE_SIZES = [10, 20, 50, 100] as const;
export const MAX_APPLICATION_PAGE_SIZE = 100;

/**
 * A page of the applications table (the talk's 应用服务列表). At 20,000 applications the whole table
 * is megabytes: it is searched, sorted and paged here, from the same figures as the overview.
 */
export const ApplicationListQuery = z.object({
  window: MonitoringWindow.default('5m'),
  q: z
    .string()
    .trim()
    .max(253)
    .optional()
    .describe("Matches the application's name, its namespace or a service ID, case-insensitively"),
  sort: z
    .enum(APPLICATION_SORT_KEYS)
    .default('application')
    .describe(
      'The column the rows are ordered by (inbound, outbound: bytes per minute; latency: the mean; tcp: L4 bytes both ways), then by namespace and name; rows without a value come last either way',
    ),
  order: z.enum(['asc', 'desc']).default('asc').describe('Ascending (the default) or descending'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_APPLICATION_PAGE_SIZE).default(10),
});
export type ApplicationListQuery = z.infer<typeof ApplicationListQuery>;

export const ApplicationList = z
  .object({
    window: MonitoringWindow,
    updatedAt: z.iso
      .datetime()
      .describe('When the figures were measured: the same as the overview built from the same figures'),
    source: TelemetrySourceKind,
    items: z.array(ApplicationRow),
    total: z.number().int().describe('Rows matching `q`'),
    page: z.number().int(),
    pageSize: z.number().int(),
  })
  .meta({ id: 'ApplicationList' });
export type ApplicationList = z.infer<typeof ApplicationList>;

const series = z.array(nullableNumber);

/** Time series, one value per timestamp of the response (columnar, which ECharts takes as it is). */
export const MetricSeries = z
  .object({
    requestsPerMinute: series,
    errorRate: series,
    p50: series,
    p95: series,
    p99: series,
    inboundBytesPerMinute: series,
    outboundBytesPerMinute: series,
    tcpSentBytesPerSecond: series.describe('L4: bytes the destination sent, per second'),
    tcpReceivedBytesPerSecond: series.describe('L4: bytes it received, per second'),
    tcpConnectionsOpenedPerSecond: series.describe('L4: connections opened, per second'),
  })
  .meta({ id: 'MetricSeries' });
export type MetricSeries = z.infer<typeof MetricSeries>;

const VersionMetrics = z
  .object({
    version: z.string().describe('The version label; `unknown` for instances without one'),
    stats: TrafficStats,
    series: MetricSeries,
  })
  .meta({ id: 'VersionMetrics' });
type VersionMetrics = z.infer<typeof VersionMetrics>;

export const ConsumerStats = z
  .object({
    workload: z.string().describe('The calling workload (`istio-ingressgateway` for traffic from outside)'),
    application: z.string(),
    namespace: z.string(),
    version: z.string(),
    requestsPerMinute: z.number(),
    errorRate: nullableNumber,
    tcp: TcpStats.nullable().describe(
      "The caller's L4 traffic; null without connections. Behind a waypoint the waypoint opens the connections, so it is the caller here",
    ),
    // Optional only so that older clients' fixtures still type-check: the BFF always sends both.
    principal: z
      .string()
      .nullable()
      .optional()
      .describe(
        "The caller's identity as the service saw it (Istio's source_principal without `spiffe://`: `cluster.local/ns/<namespace>/sa/<service account>`), as an AuthorizationPolicy's `principals` name it; null where none was seen (plaintext, or callers summed from other namespaces)",
      ),
    mtlsShare: nullableNumber
      .optional()
      .describe(
        "Of the caller's requests, the share the service received over mutual TLS, 0..1; null without requests (L4 alone says nothing)",
      ),
  })
  .meta({ id: 'ConsumerStats' });
export type ConsumerStats = z.infer<typeof ConsumerStats>;

export const InstanceStats = z
  .object({
    name: z.string().describe('Pod or WorkloadEntry name'),
    version: z.string(),
    ready: z.boolean().nullable().describe('From the catalog; null for an instance only telemetry knows'),
    requestsPerMinute: z.number(),
    errorRate: nullableNumber,
    avgLatencyMs: nullableNumber,
  })
  .meta({ id: 'InstanceStats' });
export type InstanceStats = z.infer<typeof InstanceStats>;

const ObservedSplit = z
  .object({
    intervalSeconds: z
      .number()
      .int()
      .describe('The recent interval the split is measured over (the rate interval), so a change shows soon'),
    basis: z
      .enum(['requests', 'connections'])
      .describe(
        'What the shares are of: requests, or for a service with L4 traffic alone (a TCP service, ambient without a waypoint) connections opened',
      ),
    versions: z.array(
      z.object({
        version: z.string(),
        share: nullableNumber.describe(
          'Share of the requests (of the connections, when the basis is connections), 0..1; null when there were none',
        ),
        requestsPerMinute: z.number(),
        connectionsOpenedPerSecond: z.number().describe('L4 connections opened, per second'),
      }),
    ),
  })
  .meta({ id: 'ObservedSplit' });
type ObservedSplit = z.infer<typeof ObservedSplit>;

const RateLimitMetrics = z
  .object({
    passedPerSecond: z.number().describe('Requests that passed, per second over the last rate interval'),
    limitedPerSecond: z
      .number()
      .describe(
        'Requests a rate limit refused (response_flags "RL"), per second over the last rate interval',
      ),
    shadowLimitedPerSecond: z
      .number()
      .nullable()
      .describe(
        'Of the passed requests, those a rate limit in shadow mode would have refused (Envoy counts them as http_local_rate_limit.rate_limited, not enforced); null where the telemetry cannot tell',
      ),
    series: z.object({
      passedPerSecond: z.array(z.number().nullable()),
      limitedPerSecond: z.array(z.number().nullable()),
      shadowLimitedPerSecond: z.array(z.number().nullable()),
    }),
  })
  .meta({ id: 'RateLimitMetrics' });
type RateLimitMetrics = z.infer<typeof RateLimitMetrics>;

export const ServiceMetrics = z
  .object({
    serviceId: z.string(),
    window: MonitoringWindow,
    updatedAt: z.iso.datetime(),
    source: TelemetrySourceKind,
    coveredSeconds: z
      .number()
      .int()
      .min(0)
      .describe(
        'Seconds of the window the telemetry holds data for (the window itself when it is all covered): the rates over the window are over these seconds, not the whole window',
      ),
    stepSeconds: z.number().int().describe('Time between two points of the series'),
    rateIntervalSeconds: z.number().int().describe('Each point is a rate over this interval, ending at it'),
    timestamps: z.array(z.number().int()).describe('Milliseconds since the epoch, one per series value'),
    total: z.object({ stats: TrafficStats, series: MetricSeries }),
    versions: z.array(VersionMetrics),
    split: ObservedSplit,
    consumers: z.array(ConsumerStats).describe('Who calls the service, busiest first'),
    instances: z.array(InstanceStats),
    rateLimit: RateLimitMetrics.describe(
      'Passed and rate-limited requests, as Sentinel shows pass and block QPS',
    ),
  })
  .meta({ id: 'ServiceMetrics' });
export type ServiceMetrics = z.infer<typeof ServiceMetrics>;

export const MAX_STREAM_SERVICES = 10;

const flag = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .default(true);

/**
 * The event stream (Server-Sent Events). Events: `overview` (a MonitoringOverview), `service-metrics`
 * (a ServiceMetrics, one per subscribed service), `telemetry-error` (a TelemetryStreamError; the stream
 * stays open and the next round tries again). Comment lines are heartbeats.
 */
export const StreamQuery = z.object({
  window: MonitoringWindow.default('5m'),
  overview: flag.describe('Send `overview` events (default true)'),
  service: z
    .union([z.string().min(1), z.array(z.string().min(1))])
    .transform((v) => [...new Set(Array.isArray(v) ? v : [v])])
    .pipe(z.array(z.string()).max(MAX_STREAM_SERVICES, `At most ${MAX_STREAM_SERVICES} services`))
    .default([])
    .describe('A service ID to send `service-metrics` events for; repeat for several'),
});
export type StreamQuery = z.infer<typeof StreamQuery>;

export const STREAM_EVENTS = {
  overview: 'overview',
  serviceMetrics: 'service-metrics',
  error: 'telemetry-error',
} as const;

export const TelemetryStreamError = z
  .object({
    topic: z.string().describe('`overview` or the service ID whose update failed'),
    code: z.string(),
    message: z.string(),
  })
  .meta({ id: 'TelemetryStreamError' });
export type TelemetryStreamError = z.infer<typeof TelemetryStreamError>;
