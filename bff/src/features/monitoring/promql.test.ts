import { describe, expect, it } from 'vitest';
import { coverageQuery, limitQuery, promString, queries, shadowLimitQuery } from './promql';

const RANGE = 300;

describe('the PromQL of each question', () => {
  it.each([
    [
      'overview: requests per application',
      queries.applications('requests', RANGE),
      'sum by (destination_service_namespace, destination_app) (rate(istio_requests_total{reporter=~"destination|waypoint"}[5m]) or label_replace(rate(istio_requests_total{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?"}[5m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
    [
      'overview: errors per application (code 0, 4xx, 5xx)',
      queries.applications('errors', RANGE),
      'sum by (destination_service_namespace, destination_app) (rate(istio_requests_total{reporter=~"destination|waypoint",response_code=~"0|[45][0-9][0-9]"}[5m]) or label_replace(rate(istio_requests_total{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?",response_code=~"0|[45][0-9][0-9]"}[5m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
    [
      'overview: time spent per application (the mean is this over requests)',
      queries.applications('durationSum', RANGE),
      'sum by (destination_service_namespace, destination_app) (rate(istio_request_duration_milliseconds_sum{reporter=~"destination|waypoint"}[5m]) or label_replace(rate(istio_request_duration_milliseconds_sum{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?"}[5m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
    [
      'overview: p95 per application',
      queries.applications('p95', RANGE),
      'histogram_quantile(0.95, sum by (le, destination_service_namespace, destination_app) (rate(istio_request_duration_milliseconds_bucket{reporter=~"destination|waypoint"}[5m]) or label_replace(rate(istio_request_duration_milliseconds_bucket{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?"}[5m]), "destination_app", "$1", "destination_service_name", "(.+)")))',
    ],
    [
      'overview: inbound bytes per application',
      queries.applications('inBytes', RANGE),
      'sum by (destination_service_namespace, destination_app) (rate(istio_request_bytes_sum{reporter=~"destination|waypoint"}[5m]) or label_replace(rate(istio_request_bytes_sum{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?"}[5m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
    [
      'overview: outbound bytes per application',
      queries.applications('outBytes', RANGE),
      'sum by (destination_service_namespace, destination_app) (rate(istio_response_bytes_sum{reporter=~"destination|waypoint"}[5m]) or label_replace(rate(istio_response_bytes_sum{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?"}[5m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
    [
      'overview of some namespaces (a limited user): only their applications are asked for',
      queries.applications('requests', RANGE, new Set(['shop', 'bookinfo'])),
      'sum by (destination_service_namespace, destination_app) (rate(istio_requests_total{reporter=~"destination|waypoint",destination_service_namespace=~"bookinfo|shop"}[5m]) or label_replace(rate(istio_requests_total{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?",destination_service_namespace=~"bookinfo|shop"}[5m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
    [
      'service: requests per version over 1h',
      queries.service('reviews.bookinfo.svc.cluster.local', 'requests', ['destination_version'], 3600),
      'sum by (destination_version) (rate(istio_requests_total{reporter=~"destination|waypoint",destination_service="reviews.bookinfo.svc.cluster.local"}[1h]) or label_replace(rate(istio_requests_total{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?",destination_service="reviews.bookinfo.svc.cluster.local"}[1h]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
    [
      'service: p99 of all versions together, rate interval 20s',
      queries.service('reviews.bookinfo.svc.cluster.local', 'p99', [], 20),
      'histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter=~"destination|waypoint",destination_service="reviews.bookinfo.svc.cluster.local"}[20s]) or label_replace(rate(istio_request_duration_milliseconds_bucket{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?",destination_service="reviews.bookinfo.svc.cluster.local"}[20s]), "destination_app", "$1", "destination_service_name", "(.+)")))',
    ],
    [
      'service: p50 per version over 6h',
      queries.service(
        'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo',
        'p50',
        ['destination_version'],
        21600,
      ),
      'histogram_quantile(0.5, sum by (le, destination_version) (rate(istio_request_duration_milliseconds_bucket{reporter=~"destination|waypoint",destination_service="com.alibaba.dubbo.samples.echo.api.EchoService@dubbo"}[6h]) or label_replace(rate(istio_request_duration_milliseconds_bucket{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?",destination_service="com.alibaba.dubbo.samples.echo.api.EchoService@dubbo"}[6h]), "destination_app", "$1", "destination_service_name", "(.+)")))',
    ],
    [
      'consumers: requests by calling workload',
      queries.consumers('ratings.bookinfo.svc.cluster.local', 'requests', 900),
      'sum by (source_workload, source_workload_namespace, source_app, source_version, source_principal, connection_security_policy) (rate(istio_requests_total{reporter=~"destination|waypoint",destination_service="ratings.bookinfo.svc.cluster.local"}[15m]) or label_replace(rate(istio_requests_total{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?",destination_service="ratings.bookinfo.svc.cluster.local"}[15m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
    [
      'consumers: errors by calling workload',
      queries.consumers('ratings.bookinfo.svc.cluster.local', 'errors', 900),
      'sum by (source_workload, source_workload_namespace, source_app, source_version, source_principal, connection_security_policy) (rate(istio_requests_total{reporter=~"destination|waypoint",destination_service="ratings.bookinfo.svc.cluster.local",response_code=~"0|[45][0-9][0-9]"}[15m]) or label_replace(rate(istio_requests_total{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?",destination_service="ratings.bookinfo.svc.cluster.local",response_code=~"0|[45][0-9][0-9]"}[15m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
    [
      'instances: time spent per pod',
      queries.instances('cart.shop.svc.cluster.local', 'durationSum', 300),
      'sum by (pod, destination_version) (rate(istio_request_duration_milliseconds_sum{reporter=~"destination|waypoint",destination_service="cart.shop.svc.cluster.local"}[5m]) or label_replace(rate(istio_request_duration_milliseconds_sum{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?",destination_service="cart.shop.svc.cluster.local"}[5m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
  ])('%s', (_question, promql, expected) => {
    expect(promql).toBe(expected);
  });

  it.each([
    ['plain', 'reviews.bookinfo.svc.cluster.local', '"reviews.bookinfo.svc.cluster.local"'],
    ['a double quote', 'a"b', '"a\\"b"'],
    ['a backslash', 'a\\b', '"a\\\\b"'],
    ['a newline', 'a\nb', '"a\\nb"'],
  ])('quotes a label value with %s so it cannot end the selector', (_case, value, literal) => {
    expect(promString(value)).toBe(literal);
  });

  it('puts a hostile service ID inside its string literal, never into the query', () => {
    const q = queries.service('x"} or vector(1) or {a="', 'requests', [], 60);
    expect(q).toBe(
      'sum (rate(istio_requests_total{reporter=~"destination|waypoint",destination_service="x\\"} or vector(1) or {a=\\""}[1m]) or label_replace(rate(istio_requests_total{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?",destination_service="x\\"} or vector(1) or {a=\\""}[1m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    );
  });
});

describe('passed and rate-limited requests', () => {
  it('tells them apart by Envoy\'s response flag "RL", whatever status the limit answers with', () => {
    expect(limitQuery('sc-gateway.spring-demo.svc.cluster.local', 'limited', 20)).toBe(
      'sum (rate(istio_requests_total{reporter=~"destination|waypoint",destination_service="sc-gateway.spring-demo.svc.cluster.local",response_flags="RL"}[20s]))',
    );
    expect(limitQuery('a"b', 'passed', 300)).toBe(
      'sum (rate(istio_requests_total{reporter=~"destination|waypoint",destination_service="a\\"b",response_flags!="RL"}[5m]))',
    );
  });
});

describe('what a rate limit in shadow mode would have refused', () => {
  it("is Envoy's rate_limited less enforced, per Pod, for the Pods that served the service", () => {
    expect(shadowLimitQuery('sc-gateway.spring-demo.svc.cluster.local', 300)).toBe(
      'sum ((sum by (namespace, pod) (rate({__name__=~"envoy_(.+_)?http_local_rate_limit_rate_limited"}[5m])) - ' +
        'sum by (namespace, pod) (rate({__name__=~"envoy_(.+_)?http_local_rate_limit_enforced"}[5m]))) ' +
        '* on (namespace, pod) group by (namespace, pod) (label_replace(istio_requests_total{reporter="destination",destination_service="sc-gateway.spring-demo.svc.cluster.local"}, "namespace", "$1", "destination_workload_namespace", "(.+)"))) ' +
        'or on () (0 * count({__name__=~"envoy_(.+_)?http_local_rate_limit_rate_limited"}))',
    );
  });
});

describe('which reporter counts a request or a connection', () => {
  it("counts a request where it arrived: the sidecar (destination) or, in ambient mode, the waypoint; never the caller's sidecar for one that arrived", () => {
    const q = queries.service('productpage.bookinfo.svc.cluster.local', 'requests', [], 300);
    // Arrived: one series per request, from the destination's sidecar or from the waypoint.
    expect(q).toContain('istio_requests_total{reporter=~"destination|waypoint",');
    // The caller's side only for what its sidecar answered itself (a local reply never arrived).
    const sourceSides = q.match(/reporter="source"[^}]*/g) ?? [];
    expect(sourceSides).toHaveLength(1);
    expect(sourceSides[0]).toContain('response_flags=~');
  });

  it.each([
    ['tcpSentBytes', 'istio_tcp_sent_bytes_total'],
    ['tcpReceivedBytes', 'istio_tcp_received_bytes_total'],
    ['tcpOpened', 'istio_tcp_connections_opened_total'],
    ['tcpClosed', 'istio_tcp_connections_closed_total'],
  ] as const)(
    'reads L4 %s from %s as the destination side (its sidecar or ztunnel) reports it, per version',
    (measure, metric) => {
      expect(queries.service('db.data.svc.cluster.local', measure, ['destination_version'], 300)).toBe(
        `sum by (destination_version) (rate(${metric}{reporter="destination",destination_service="db.data.svc.cluster.local"}[5m]))`,
      );
    },
  );

  it('asks L4 figures per application and per consumer with the same labels as requests', () => {
    expect(queries.applications('tcpOpened', 300, new Set(['data']))).toBe(
      'sum by (destination_service_namespace, destination_app) (rate(istio_tcp_connections_opened_total{reporter="destination",destination_service_namespace=~"data"}[5m]))',
    );
    expect(queries.consumers('db.data.svc.cluster.local', 'tcpSentBytes', 900)).toBe(
      'sum by (source_workload, source_workload_namespace, source_app, source_version, source_principal, connection_security_policy) (rate(istio_tcp_sent_bytes_total{reporter="destination",destination_service="db.data.svc.cluster.local"}[15m]))',
    );
  });

  it('measures how much of a window is covered by requests or, for a TCP service, connections', () => {
    expect(coverageQuery(300, { serviceId: 'db.data.svc.cluster.local' })).toBe(
      'max (count_over_time(istio_requests_total{reporter=~"destination|waypoint",destination_service="db.data.svc.cluster.local"}[5m]) or count_over_time(istio_tcp_connections_opened_total{reporter="destination",destination_service="db.data.svc.cluster.local"}[5m]))',
    );
  });
});
