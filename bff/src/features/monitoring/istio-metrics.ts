/**
 * Istio's standard metrics, as the console reads them (and as the demo mesh writes them).
 * https://istio.io/latest/docs/reference/config/metrics/
 */
export const ISTIO_METRICS = {
  requests: 'istio_requests_total',
  duration: 'istio_request_duration_milliseconds',
  requestBytes: 'istio_request_bytes',
  responseBytes: 'istio_response_bytes',
} as const;

/**
 * Istio's standard TCP (L4) metrics: a sidecar's TCP proxy counts a TCP service's connections, and in
 * ambient mode ztunnel counts every connection (it sees no requests). Sent bytes are those the server
 * sent to the client, received those it got from the client.
 */
export const TCP_METRICS = {
  opened: 'istio_tcp_connections_opened_total',
  closed: 'istio_tcp_connections_closed_total',
  sent: 'istio_tcp_sent_bytes_total',
  received: 'istio_tcp_received_bytes_total',
} as const;

/**
 * The bucket bounds of all three Istio histograms. Istio's sidecars (telemetry v2) record them as
 * Envoy histograms, and Envoy's default bounds apply to durations (ms) and sizes (bytes) alike: a
 * scrape of a stock sidecar shows `istio_request_bytes_bucket{…,le="600000"}` (istio/istio#22007). The
 * exponential byte buckets (1, 10, … 1e7) some older material mentions were Mixer's, before 1.5.
 */
export const ISTIO_BUCKETS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

/**
 * The labels of each series. Istio sets more (principals, canonical service and revision, security
 * policy); these are the ones the console reads, plus `pod`. `pod` is not Istio's own: in a real mesh
 * Prometheus adds it when scraping each sidecar (the `kubernetes-pods` job of Istio's sample config
 * relabels `__meta_kubernetes_pod_name` to `pod`); the demo mesh, scraped as one target, writes it itself.
 */
export const ISTIO_LABELS = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_app',
  'source_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'destination_workload',
  'destination_workload_namespace',
  'destination_app',
  'destination_version',
  'request_protocol',
  'response_code',
  'response_flags',
  'pod',
] as const;
type IstioLabel = (typeof ISTIO_LABELS)[number];
export type IstioLabels = Record<IstioLabel, string>;

/**
 * The labels of each request series that say how it was secured (Istio's standard metrics set them on
 * every series; the demo mesh's exporter writes them beside ISTIO_LABELS):
 *  - `connection_security_policy`: `mutual_tls` or `none` where the request arrived
 *    (reporter="destination", or a waypoint, which only accepts HBONE, mutual TLS); `unknown` on the
 *    caller's side (reporter="source"), which cannot tell what the server accepted;
 *  - `source_principal`, `destination_principal`: the peers' SPIFFE identities,
 *    `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`, or `unknown` (plaintext: no
 *    certificate, so no identity).
 */
export const ISTIO_SECURITY_LABELS = [
  'connection_security_policy',
  'source_principal',
  'destination_principal',
] as const;
export type IstioSecurityLabels = Record<(typeof ISTIO_SECURITY_LABELS)[number], string>;

/** `connection_security_policy` of a request the destination received over mutual TLS. */
export const MUTUAL_TLS = 'mutual_tls';

/**
 * A principal as AuthorizationPolicy's `principals` write it: the label's value without `spiffe://`
 * (`cluster.local/ns/bookinfo/sa/bookinfo-productpage`); null for `unknown`, empty or absent (plaintext,
 * or a side that cannot tell).
 */
export function principalOf(label: string | undefined): string | null {
  if (!label || label === UNKNOWN) return null;
  return label.startsWith('spiffe://') ? label.slice('spiffe://'.length) || null : label;
}

/** The label Prometheus's pod discovery adds; the per-instance figures group by it. */
export const INSTANCE_LABEL = 'pod';

/**
 * An error is a response code of 0 (no response: reset, timeout), 4xx or 5xx, as Kiali counts it.
 * 429 (rate limited) is an error from the caller's point of view, so it is one here too.
 */
export const ERROR_CODE_REGEX = '0|[45][0-9][0-9]';
const ERROR_CODE = new RegExp(`^(?:${ERROR_CODE_REGEX})$`);
export function isErrorCode(code: string): boolean {
  return ERROR_CODE.test(code);
}

/** Istio's value for a label it cannot know (a caller outside the mesh, a workload without a version). */
export const UNKNOWN = 'unknown';
