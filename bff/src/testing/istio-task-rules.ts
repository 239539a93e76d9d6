/**
 * The rules Istio's traffic-management tasks give inline on their pages (there is no sample file for
 * them in istio/samples), written once for every test that follows those tasks: the simulator's table
 * tests, the routing engine's, and the end-to-end acceptance test. Plain text, as a user pastes it
 * into `kubectl apply -f -`; no imports, so Playwright loads it as it is.
 */

/** https://istio.io/latest/docs/tasks/traffic-management/circuit-breaking/ */
export const CIRCUIT_BREAKER_DR = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 1
      http:
        http1MaxPendingRequests: 1
        maxRequestsPerConnection: 1
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 3m
      maxEjectionPercent: 100
`;

/**
 * https://istio.io/latest/docs/tasks/traffic-management/mirroring/: all of httpbin's traffic to v1,
 * then (`mirror`) a copy of it to v2 as well.
 */
export function httpbinToV1(mirror: boolean): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - httpbin
  http:
  - route:
    - destination:
        host: httpbin
        subset: v1
      weight: 100
${
  mirror
    ? `    mirror:
      host: httpbin
      subset: v2
    mirrorPercentage:
      value: 100.0
`
    : ''
}`;
}

/** The mirroring task's subsets of httpbin. */
export const HTTPBIN_SUBSETS_DR = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
`;
