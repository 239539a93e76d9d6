import { ERROR_CODE_REGEX, INSTANCE_LABEL, ISTIO_METRICS, TCP_METRICS } from './istio-metrics';
import { promDuration } from './window';

/**
 * The PromQL of each question the monitoring page asks. Pure string building, so the queries are
 * tested as text.
 *
 * Which reporter counts a request. Every request is counted once, where it arrives:
 *  - a sidecar's workload: by its own sidecar, `reporter="destination"`. The caller's sidecar counts
 *    it too (`reporter="source"`), so summing both sides would count each request twice; the
 *    destination side also sees callers from outside the mesh.
 *  - an ambient workload behind a waypoint: by the waypoint, `reporter="waypoint"`. Istio's "waypoint
 *    single" telemetry (istio/istio#50225, istio/proxy#5472) has the waypoint report each request
 *    once, labelled with the real destination workload, service and version; a waypoint sits only on
 *    the receiving side, and the ambient workload has no sidecar of its own to report
 *    `reporter="destination"`. A sidecar never sits behind a waypoint, so no request has both
 *    reporters: `reporter=~"destination|waypoint"` counts each once. (Istio's metrics reference,
 *    https://istio.io/latest/docs/reference/config/metrics/#labels, lists `source` and `destination`;
 *    istio/istio#51313 shows waypoints reporting `waypoint` and asks the docs and dashboards to add it.)
 *  - requests that never arrived: those the caller's sidecar answered itself (`reporter="source"` with
 *    a local-reply flag, see LOCAL_REPLY_FLAGS), such as a fault injection's abort or a circuit
 *    breaker's overflow. Without them an injected abort would show as less traffic, not as errors.
 *
 * L4 (TCP) traffic: Istio's istio_tcp_* counters (https://istio.io/latest/docs/reference/config/metrics/).
 * A sidecar's TCP proxy counts a TCP service's connections; in ambient mode ztunnel counts every
 * connection, HTTP or not, on both nodes: `reporter="source"` on the caller's node and
 * `reporter="destination"` on the destination's. The console reads `reporter="destination"` only,
 * the connections that reached the destination workload, once each (the sidecar or ztunnel next to
 * it). An ambient service without a waypoint has only these (a sidecar or gateway calling it still
 * reports its requests as `reporter="source"`, which is not read: most callers of such a service are
 * ambient too, and report none); one with a waypoint has both its
 * waypoint's requests and ztunnel's connections (whose caller is then the waypoint, which opened
 * them), and a waypoint's own TCP series (`reporter="waypoint"`, the caller's leg to the waypoint)
 * are left out, as they would count the same bytes again.
 */

/** A PromQL string literal (Go's escaping: backslash, double quote, newline). */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Label matchers: a value is matched exactly, `{ oneOf }` by a regular expression of alternatives. */
type Matchers = Record<string, string | { oneOf: readonly string[] }>;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function matcher(label: string, value: Matchers[string]): string {
  if (typeof value === 'string') return `${label}=${promString(value)}`;
  return `${label}=~${promString(value.oneOf.map(escapeRegex).join('|'))}`;
}

/**
 * Matchers that keep to some namespaces (a caller's scope, features/auth/scope.ts): Prometheus
 * answers only for these. Null: every namespace. An empty list matches nothing; callers ask nothing.
 */
export function namespaceMatchers(
  labels: readonly string[],
  namespaces: ReadonlySet<string> | null | undefined,
): Matchers {
  if (!namespaces) return {};
  const oneOf = [...namespaces].sort();
  return Object.fromEntries(labels.map((l) => [l, { oneOf }]));
}

/** The reporters of a request where it arrived: a sidecar, or in ambient mode a waypoint (see above). */
const ARRIVED = 'reporter=~"destination|waypoint"';
/** The reporter of a connection where it arrived: the destination's sidecar, or ztunnel on its node. */
const TCP_ARRIVED = 'reporter="destination"';

function selector(extra: Matchers = {}, errorsOnly = false, reporter = ARRIVED): string {
  const parts = [reporter];
  for (const [label, value] of Object.entries(extra)) parts.push(matcher(label, value));
  if (errorsOnly) parts.push(`response_code=~${promString(ERROR_CODE_REGEX)}`);
  return `{${parts.join(',')}}`;
}

/**
 * Envoy's response flags for a request the caller's sidecar answered without reaching the
 * destination (Envoy's access-log docs): FI fault-injected abort, UO upstream overflow (circuit
 * breaking), UH no healthy upstream, NC no cluster (a route to an undefined subset), NR no route.
 * A delay (DI), a timeout (UT) or a retry (URX) reached the destination, whose sidecar counted it:
 * adding those would count a request twice. Envoy joins several flags with commas.
 */
const LOCAL_REPLY_FLAGS = ['FI', 'UO', 'UH', 'NC', 'NR'] as const;
const LOCAL_REPLY_REGEX = `(.*,)?(${LOCAL_REPLY_FLAGS.join('|')})(,.*)?`;

/**
 * The per-series rates of one metric for the selected requests: what the destination's sidecars (or
 * waypoints) counted, and what callers' sidecars answered themselves (see the module's header). The two sides
 * differ in `reporter`, so `or` keeps both. A local reply reached no workload, so Istio labels its
 * destination_app and destination_version `unknown`; the application is taken to be the one the
 * service is named after (destination_service_name), as for every Service of the catalog made for
 * one application, so the reply counts for the application it was meant for. Its version stays unknown.
 */
function requestRates(metric: string, matchers: Matchers, window: string, codes = ''): string {
  const dest = `${selector(matchers).slice(0, -1)}${codes}}`;
  const localReply = `reporter="source",response_flags=~${promString(LOCAL_REPLY_REGEX)}`;
  const source = `${selector(matchers, false, localReply).slice(0, -1)}${codes}}`;
  return `rate(${metric}${dest}${window}) or label_replace(rate(${metric}${source}${window}), "destination_app", "$1", "destination_service_name", "(.+)")`;
}

const by = (labels: readonly string[]) => (labels.length > 0 ? ` by (${labels.join(', ')})` : '');

/** `sum by (…) (rate(metric{…}[range]))` */
function sumRate(
  metric: string,
  labels: readonly string[],
  matchers: Matchers,
  range: number,
  errorsOnly = false,
) {
  const codes = errorsOnly ? `,response_code=~${promString(ERROR_CODE_REGEX)}` : '';
  return `sum${by(labels)} (${requestRates(metric, matchers, `[${promDuration(range)}]`, codes)})`;
}

/** The figure a query answers; each becomes one field of Figures. */
export type Measure =
  'requests' | 'errors' | 'durationSum' | 'p50' | 'p95' | 'p99' | 'inBytes' | 'outBytes' | TcpMeasure;

/** L4 figures: bytes the destination sent and received, connections it opened and closed. */
export type TcpMeasure = 'tcpSentBytes' | 'tcpReceivedBytes' | 'tcpOpened' | 'tcpClosed';
export const TCP_MEASURES: readonly TcpMeasure[] = [
  'tcpSentBytes',
  'tcpReceivedBytes',
  'tcpOpened',
  'tcpClosed',
];
export const isTcpMeasure = (m: string): m is TcpMeasure => (TCP_MEASURES as readonly string[]).includes(m);
const TCP_METRIC_OF: Record<TcpMeasure, string> = {
  tcpSentBytes: TCP_METRICS.sent,
  tcpReceivedBytes: TCP_METRICS.received,
  tcpOpened: TCP_METRICS.opened,
  tcpClosed: TCP_METRICS.closed,
};

/** `sum by (…) (rate(istio_tcp_…{reporter="destination",…}[range]))`: L4 traffic where it arrived. */
function tcpRate(measure: TcpMeasure, labels: readonly string[], matchers: Matchers, range: number): string {
  return `sum${by(labels)} (rate(${TCP_METRIC_OF[measure]}${selector(matchers, false, TCP_ARRIVED)}[${promDuration(range)}]))`;
}

export const QUANTILES = { p50: 0.5, p95: 0.95, p99: 0.99 } as const;

/**
 * One measure of traffic to the selected series, grouped by `labels`, as rates over `range` seconds.
 * Percentiles interpolate in the duration histogram's buckets, grouped by `le` as histogram_quantile
 * needs. The mean latency is durationSum / requests (Istio counts every request in both).
 */
function measureQuery(
  measure: Measure,
  labels: readonly string[],
  matchers: Matchers,
  range: number,
): string {
  switch (measure) {
    case 'requests':
      return sumRate(ISTIO_METRICS.requests, labels, matchers, range);
    case 'errors':
      return sumRate(ISTIO_METRICS.requests, labels, matchers, range, true);
    case 'durationSum':
      return sumRate(`${ISTIO_METRICS.duration}_sum`, labels, matchers, range);
    case 'inBytes':
      return sumRate(`${ISTIO_METRICS.requestBytes}_sum`, labels, matchers, range);
    case 'outBytes':
      return sumRate(`${ISTIO_METRICS.responseBytes}_sum`, labels, matchers, range);
    case 'p50':
    case 'p95':
    case 'p99':
      return `histogram_quantile(${QUANTILES[measure]}, ${sumRate(`${ISTIO_METRICS.duration}_bucket`, ['le', ...labels], matchers, range)})`;
    default:
      return tcpRate(measure, labels, matchers, range);
  }
}

export const ALL_MEASURES: readonly Measure[] = [
  'requests',
  'errors',
  'durationSum',
  'p50',
  'p95',
  'p99',
  'inBytes',
  'outBytes',
  ...TCP_MEASURES,
];

/** The measures a chart shows (the mean is not charted; percentiles say more; closed connections neither). */
export const SERIES_MEASURES: readonly Measure[] = [
  'requests',
  'errors',
  'p50',
  'p95',
  'p99',
  'inBytes',
  'outBytes',
  'tcpSentBytes',
  'tcpReceivedBytes',
  'tcpOpened',
];

export const APP_LABELS = ['destination_service_namespace', 'destination_app'] as const;
export const VERSION_LABELS = ['destination_version'] as const;
/**
 * A calling workload, with its identity and how its requests arrived: `source_principal` (the identity
 * the destination saw; `unknown` in plaintext) and `connection_security_policy` (`mutual_tls` or
 * `none` where the request arrived; `unknown` on a local reply, which arrived nowhere). One caller may
 * thus have several series (some requests over mTLS, some not); the source sums them per workload.
 */
const CONSUMER_LABELS = [
  'source_workload',
  'source_workload_namespace',
  'source_app',
  'source_version',
  'source_principal',
  'connection_security_policy',
] as const;
const INSTANCE_LABELS = [INSTANCE_LABEL, 'destination_version'] as const;

const service = (serviceId: string): Matchers => ({ destination_service: serviceId });

/** The questions, as PromQL. `range` is in seconds. */
export const queries = {
  /** Overview: one query per measure, grouped by application (of these namespaces; null: all). */
  applications: (measure: Measure, range: number, namespaces?: ReadonlySet<string> | null) =>
    measureQuery(
      measure,
      APP_LABELS,
      namespaceMatchers(['destination_service_namespace'], namespaces),
      range,
    ),
  /** One service, grouped by version (labels []: all versions together). */
  service: (serviceId: string, measure: Measure, labels: readonly string[], range: number) =>
    measureQuery(measure, labels, service(serviceId), range),
  /** Per calling workload: requests, errors and (L4) bytes and connections. */
  consumers: (serviceId: string, measure: 'requests' | 'errors' | TcpMeasure, range: number) =>
    measureQuery(measure, CONSUMER_LABELS, service(serviceId), range),
  instances: (serviceId: string, measure: 'requests' | 'errors' | 'durationSum', range: number) =>
    measureQuery(measure, INSTANCE_LABELS, service(serviceId), range),
};

/**
 * How much of a window Prometheus holds data for: the most samples any selected request counter has in
 * the range (times the scrape interval, see PrometheusTelemetry.coveredSeconds). `rate()` over a range
 * longer than the data extrapolates the increase only half a scrape interval past the first and last
 * samples and then divides by the whole range, so over 23 minutes of data a 6-hour rate is ~13× too low;
 * this tells the source by how much to scale it back. It reads the same samples as one rate query.
 */
export function coverageQuery(
  range: number,
  of: { serviceId?: string; namespaces?: ReadonlySet<string> | null } = {},
): string {
  const matchers: Matchers = of.serviceId
    ? service(of.serviceId)
    : namespaceMatchers(['destination_service_namespace'], of.namespaces);
  const window = `[${promDuration(range)}]`;
  // A TCP service has no request counter: its connection counter tells instead.
  return `max (count_over_time(${ISTIO_METRICS.requests}${selector(matchers)}${window}) or count_over_time(${TCP_METRICS.opened}${selector(matchers, false, TCP_ARRIVED)}${window}))`;
}

/** The topology's classes of error, as Kiali's health counts them: 5xx or no response; 4xx. */
const SERVER_ERROR_CODE_REGEX = '0|5[0-9][0-9]';
const CLIENT_ERROR_CODE_REGEX = '4[0-9][0-9]';

/** What the topology asks of each link: requests (L7), and bytes and connections (L4). */
export type LinkMeasure = 'requests' | 'serverErrors' | 'clientErrors' | 'p95' | TcpMeasure;
export const LINK_MEASURES: readonly LinkMeasure[] = [
  'requests',
  'serverErrors',
  'clientErrors',
  'p95',
  'tcpSentBytes',
  'tcpReceivedBytes',
  'tcpOpened',
];

/** A caller → service link: the calling workload (Istio's source_* labels) and the service it called. */
export const CALL_LABELS = [
  'source_workload',
  'source_workload_namespace',
  'source_app',
  'source_version',
  'destination_service',
] as const;
/**
 * The requests of a caller → service link, also by `connection_security_policy`: `mutual_tls` or
 * `none` where they arrived (`unknown` for a local reply, which arrived nowhere), so the topology can
 * tell the link's requests over mutual TLS from the rest. A link may thus have two or three series;
 * the source sums them. Only the requests are split: a percentile over split series would not add up.
 */
export const CALL_REQUEST_LABELS = [...CALL_LABELS, 'connection_security_policy'] as const;
/** A service → version link. */
export const SERVICE_VERSION_LABELS = [
  'destination_service',
  'destination_service_namespace',
  'destination_app',
  'destination_version',
] as const;

/**
 * One measure of every link of the mesh at once, grouped by `labels`: the topology's whole graph in
 * four queries per kind of link, however many services there are (Kiali builds its graph the same way).
 * `matchers` keep to some links (a caller's namespaces).
 */
export function linkQuery(
  measure: LinkMeasure,
  labels: readonly string[],
  range: number,
  matchers: Matchers = {},
): string {
  const codes =
    measure === 'serverErrors'
      ? `,response_code=~${promString(SERVER_ERROR_CODE_REGEX)}`
      : measure === 'clientErrors'
        ? `,response_code=~${promString(CLIENT_ERROR_CODE_REGEX)}`
        : '';
  const window = `[${promDuration(range)}]`;
  if (isTcpMeasure(measure)) return tcpRate(measure, labels, matchers, range);
  if (measure === 'p95') {
    return `histogram_quantile(${QUANTILES.p95}, sum${by(['le', ...labels])} (${requestRates(`${ISTIO_METRICS.duration}_bucket`, matchers, window)}))`;
  }
  return `sum${by(labels)} (${requestRates(ISTIO_METRICS.requests, matchers, window, codes)})`;
}

/** Envoy's response flag for a request a rate limit refused (local or global), whatever the status. */
const RATE_LIMITED_FLAG = 'RL';

/**
 * Requests to a service that passed its rate limits or that a limit refused, per second over `range`.
 * Istio labels every request Envoy answers for a rate limit with response_flags="RL"; the status code
 * is the rule's (429 unless chosen otherwise), so the flag is what tells them apart.
 */
export function limitQuery(serviceId: string, which: 'passed' | 'limited', range: number): string {
  const flag = `response_flags${which === 'limited' ? '=' : '!='}${promString(RATE_LIMITED_FLAG)}`;
  return `sum (rate(${ISTIO_METRICS.requests}{${ARRIVED},destination_service=${promString(serviceId)},${flag}}[${promDuration(range)}]))`;
}

/**
 * The name (a regex on `__name__`) of a stat of Envoy's local rate limit filter as a sidecar exports
 * it: Envoy roots the filter's stats at `<stat_prefix>.http_local_rate_limit.` and the Prometheus
 * exposition turns the dots into `_` behind `envoy_`. The console's rules name the prefix
 * `<rule>_local_rate_limiter` (mesh/ratelimit.ts), Istio's docs `http_local_rate_limiter`; any prefix
 * matches. `rate_limited` counts every request that found no token, `enforced` those of them refused:
 * in shadow mode (filter_enforced 0%) only `rate_limited` grows.
 *
 * A stock Istio sidecar exports none of these: the mesh must ask for them with
 * `proxyStatsMatcher: { inclusionRegexps: ['.*http_local_rate_limit.*'] }` (meshConfig.defaultConfig,
 * or a Pod's `proxy.istio.io/config` annotation). Without them the shadow figure is unknown (null).
 */
function localRateLimitStat(stat: 'rate_limited' | 'enforced'): string {
  return `{__name__=~${promString(`envoy_(.+_)?http_local_rate_limit_${stat}`)}}`;
}

/**
 * Requests to a service that a rate limit in shadow mode would have refused (they passed), per second
 * over `range`: Envoy's `rate_limited` less `enforced`, per Pod (summed over the Pod's rules), for
 * the Pods that served the service. Envoy's stats name a Pod, not a service (Prometheus's pod
 * discovery labels them `namespace` and `pod`), so they are joined with the service's
 * istio_requests_total by those labels (its `destination_workload_namespace` copied to `namespace`, as
 * a scrape of the same sidecar labels both alike). A Pod serving several services counts for each.
 * Where the stats exist but none of the service's Pods has any, the answer is 0; with no such stat
 * in Prometheus at all (the sidecars do not export them), there is no answer.
 */
export function shadowLimitQuery(serviceId: string, range: number): string {
  const window = `[${promDuration(range)}]`;
  const perPod = (stat: 'rate_limited' | 'enforced') =>
    `sum by (namespace, pod) (rate(${localRateLimitStat(stat)}${window}))`;
  const podsOfService = `group by (namespace, pod) (label_replace(${ISTIO_METRICS.requests}{reporter="destination",destination_service=${promString(serviceId)}}, "namespace", "$1", "destination_workload_namespace", "(.+)"))`;
  return `sum ((${perPod('rate_limited')} - ${perPod('enforced')}) * on (namespace, pod) ${podsOfService}) or on () (0 * count(${localRateLimitStat('rate_limited')}))`;
}
