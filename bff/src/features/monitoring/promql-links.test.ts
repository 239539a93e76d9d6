import { describe, expect, it } from 'vitest';
import { CALL_LABELS, CALL_REQUEST_LABELS, SERVICE_VERSION_LABELS, linkQuery } from './promql';

describe("the topology's PromQL: every link of the mesh in one query per measure", () => {
  it.each([
    [
      'requests per caller and service',
      linkQuery('requests', CALL_LABELS, 300),
      'sum by (source_workload, source_workload_namespace, source_app, source_version, destination_service) (rate(istio_requests_total{reporter=~"destination|waypoint"}[5m]) or label_replace(rate(istio_requests_total{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?"}[5m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
    [
      '5xx and no response, per caller and service',
      linkQuery('serverErrors', CALL_LABELS, 300),
      'sum by (source_workload, source_workload_namespace, source_app, source_version, destination_service) (rate(istio_requests_total{reporter=~"destination|waypoint",response_code=~"0|5[0-9][0-9]"}[5m]) or label_replace(rate(istio_requests_total{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?",response_code=~"0|5[0-9][0-9]"}[5m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
    [
      '4xx per service version, over 1h',
      linkQuery('clientErrors', SERVICE_VERSION_LABELS, 3600),
      'sum by (destination_service, destination_service_namespace, destination_app, destination_version) (rate(istio_requests_total{reporter=~"destination|waypoint",response_code=~"4[0-9][0-9]"}[1h]) or label_replace(rate(istio_requests_total{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?",response_code=~"4[0-9][0-9]"}[1h]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
    [
      'L4 bytes sent per caller and service, as ztunnel (or the sidecar) next to the destination counts them',
      linkQuery('tcpSentBytes', CALL_LABELS, 300),
      'sum by (source_workload, source_workload_namespace, source_app, source_version, destination_service) (rate(istio_tcp_sent_bytes_total{reporter="destination"}[5m]))',
    ],
    [
      'L4 connections opened per service version',
      linkQuery('tcpOpened', SERVICE_VERSION_LABELS, 300),
      'sum by (destination_service, destination_service_namespace, destination_app, destination_version) (rate(istio_tcp_connections_opened_total{reporter="destination"}[5m]))',
    ],
    [
      'p95 per service version',
      linkQuery('p95', SERVICE_VERSION_LABELS, 300),
      'histogram_quantile(0.95, sum by (le, destination_service, destination_service_namespace, destination_app, destination_version) (rate(istio_request_duration_milliseconds_bucket{reporter=~"destination|waypoint"}[5m]) or label_replace(rate(istio_request_duration_milliseconds_bucket{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?"}[5m]), "destination_app", "$1", "destination_service_name", "(.+)")))',
    ],
    [
      'requests per caller and service and how they arrived (mutual_tls, none; unknown for a local reply)',
      linkQuery('requests', CALL_REQUEST_LABELS, 300),
      'sum by (source_workload, source_workload_namespace, source_app, source_version, destination_service, connection_security_policy) (rate(istio_requests_total{reporter=~"destination|waypoint"}[5m]) or label_replace(rate(istio_requests_total{reporter="source",response_flags=~"(.*,)?(FI|UO|UH|NC|NR)(,.*)?"}[5m]), "destination_app", "$1", "destination_service_name", "(.+)"))',
    ],
  ])('%s', (_name, query, expected) => {
    expect(query).toBe(expected);
  });
});
