/**
 * The contract between the demo's Istio routing engine (traffic/istio/*, written from Istio's
 * documented semantics and nothing of the console's own reading of rules) and the traffic
 * simulator that applies its decisions. The engine is pure: a snapshot of the mesh's configuration
 * and one kind of request in, one decision out.
 */

/** A raw Istio or Gateway API object as the control plane holds it (any served version). */
export interface RawObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
  };
  spec?: unknown;
}

/** One endpoint of a service: a Pod or a WorkloadEntry. */
export interface MeshEndpoint {
  name: string;
  labels: Record<string, string>;
  ready: boolean;
}

/** A service of the registry: a Kubernetes Service (host `<name>.<ns>.svc.cluster.local`) or a ServiceEntry host. */
export interface MeshService {
  /** Fully qualified host, e.g. reviews.default.svc.cluster.local */
  host: string;
  namespace: string;
  name: string;
  ports: { port: number; name?: string; protocol: 'http' | 'grpc' | 'tcp' }[];
  endpoints: MeshEndpoint[];
  /** Service-level exportTo (annotation networking.istio.io/exportTo / ServiceEntry spec.exportTo); default public. */
  exportTo?: string[];
}

/** Everything the engine decides from; the simulator keeps it current from list-watch. */
export interface MeshConfig {
  virtualServices: readonly RawObject[];
  destinationRules: readonly RawObject[];
  gateways: readonly RawObject[];
  /** Gateway API HTTPRoutes (issue 15); may be empty. */
  httpRoutes: readonly RawObject[];
  services: readonly MeshService[];
  /** The root namespace of the mesh (istio-system): its rules are the fallbacks. */
  rootNamespace: string;
}

/** Who sends a request and how it looks on the wire. */
export interface RequestContext {
  /** Where the request is routed: `mesh` for a sidecar, or the gateway workload it enters at. */
  at:
    { kind: 'mesh' } | { kind: 'gateway'; workloadNamespace: string; workloadLabels: Record<string, string> };
  sourceNamespace: string;
  sourceLabels: Record<string, string>;
  /** The host as the caller wrote it (`reviews`, `reviews.default.svc.cluster.local`, `bookinfo.com`). */
  host: string;
  /**
   * The port the request is sent to: at a sidecar the service port (9080 for Bookinfo's services; a
   * service without that port gets no Istio routing, see `passthrough`); at a gateway the port its
   * workload listens on, i.e. the Gateway server's `port.number` (8080 in bookinfo-gateway.yaml).
   */
  port: number;
  protocol: 'http' | 'tcp';
  method?: string;
  /** Path with query, e.g. /productpage */
  path?: string;
  scheme?: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
}

export interface Percent {
  /** 0..100 */
  percent: number;
}

export interface FaultPolicy {
  delay?: Percent & { fixedDelayMs: number };
  abort?: Percent & ({ httpStatus: number } | { grpcStatus: string });
}

export interface RetryPolicy {
  attempts: number;
  perTryTimeoutMs?: number;
  /** e.g. ['5xx','connect-failure','refused-stream'] as in HTTPRetry.retryOn */
  retryOn: string[];
  /**
   * Status codes named in retryOn (`retryOn: "503,gateway-error"` retries 503s); they count only with
   * the `retriable-status-codes` condition, which Istio adds when codes are listed.
   */
  retriableStatusCodes?: number[];
}

/** Connection pool and outlier detection in effect for one destination (merged DR, subset overriding). */
export interface TrafficPolicy {
  maxConnections?: number;
  http1MaxPendingRequests?: number;
  http2MaxRequests?: number;
  maxRequestsPerConnection?: number;
  maxRetries?: number;
  outlierDetection?: {
    consecutive5xxErrors?: number;
    consecutiveGatewayErrors?: number;
    intervalMs?: number;
    baseEjectionTimeMs?: number;
    maxEjectionPercent?: number;
  };
}

export interface WeightedDestination {
  /**
   * The service it resolves to, or undefined when the host is not in the registry or not exported to
   * the caller: Envoy has no cluster for it and answers 503 with flag NC (500 for a Gateway API route).
   */
  service?: MeshService;
  host: string;
  subset?: string;
  port?: number;
  /** Share of requests, 0..1; the destinations of a decision sum to 1. */
  share: number;
  /** Endpoints the destination selects (the subset's labels applied), ready or not. */
  endpoints: MeshEndpoint[];
  /** Set when the subset is not defined in any DestinationRule visible to the caller: Envoy answers 503 NC. */
  undefinedSubset?: boolean;
  policy: TrafficPolicy;
  /** Headers set/added on requests towards this destination only (the destination's `headers.request`). */
  requestHeaders?: Record<string, string>;
}

export type RouteDecision =
  | {
      kind: 'route';
      /** The rule that decided, or undefined when no rule applies (default: the service itself). */
      rule?: { namespace: string; name: string; kind: string };
      /** The route's name within the rule, when set. */
      routeName?: string;
      destinations: WeightedDestination[];
      fault?: FaultPolicy;
      timeoutMs?: number;
      retries?: RetryPolicy;
      mirrors: { destination: WeightedDestination; percent: number }[];
      /** A direct response or redirect: answered by the proxy, no upstream. */
      directResponse?: { status: number };
      /** Headers the route sets/adds on the request towards the destination. */
      requestHeaders?: Record<string, string>;
      /**
       * The sidecar has no route for the host (not in the registry, not exported to the caller, or
       * without the requested port): Envoy's allow-any catch-all passes the request through to the
       * original destination with no Istio routing, retries or DestinationRule policy.
       */
      passthrough?: boolean;
    }
  /**
   * No route matched: Envoy answers 404 with flag NR. At a gateway: no server on the port, no virtual
   * host for the request's host, or no route of it matched. At a sidecar: a VirtualService applies to
   * the host but none of its routes matched (Istio adds no fallback route to a VirtualService's routes;
   * the traffic-management concepts page asks for a last route without conditions for that reason).
   */
  | { kind: 'not-found' };

/**
 * The engine's entry point. Decisions may share nested objects (endpoints, policy, fault, retries)
 * with other decisions of the same configuration snapshot: treat them as read-only.
 */
export type DecideRoute = (config: MeshConfig, request: RequestContext) => RouteDecision;
