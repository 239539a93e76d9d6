import type { RequestKind } from './requests';

/**
 * Who calls whom among Istio's sample applications, as their documentation describes them, so the
 * demo traffic flows through whatever a user applies from istio/samples (matched by the `app` label
 * of the user's Pods, in any namespace). Calls stay within the caller's namespace, as the samples'
 * short host names (`reviews`, `httpbin`) do.
 */
interface SampleCall {
  /** The called application (its Service is found by the `app` of its endpoints, in the caller's namespace). */
  app: string;
  /** Only these versions of the caller make the call (Bookinfo: reviews v1 does not call ratings). */
  fromVersions?: readonly string[];
  /** Only requests to the caller with a path starting with one of these cause the call. */
  onPaths?: readonly string[];
  /** Calls per request that causes them. */
  fanOut: number;
  /** The requests the call sends (the headers the caller propagates are added to each). */
  kinds: readonly RequestKind[];
  /** The caller's own client timeout (the application gives up and closes the connection: Envoy's DC). */
  clientTimeoutMs?: number;
  /** How many times the application itself retries a call it gave up on. */
  clientRetries?: number;
}

export interface SampleApp {
  app: string;
  calls?: readonly SampleCall[];
  /** Headers the application copies from the request it serves onto the calls it makes. */
  propagates?: readonly string[];
  /**
   * Traffic from outside the mesh: users reaching the application through the ingress gateway, when
   * a Gateway and VirtualService expose it. The requests are routed at the gateway.
   */
  outside?: {
    ratePerSecond: number;
    kinds: readonly RequestKind[];
    /** The gateway port they connect to (default the HTTP one, 8080), and whether as plain TCP. */
    port?: number;
    tcp?: boolean;
  };
  /**
   * What the application calls on its own (the `kubectl exec sleep -- curl httpbin:8000/headers` of
   * the tasks), at a steady rate, when the called application runs in its namespace; `concurrency`
   * when it keeps that many requests in flight (fortio -c).
   */
  clients?: readonly {
    app: string;
    ratePerSecond: number;
    concurrency?: number;
    kinds: readonly RequestKind[];
  }[];
}

/** Tracing headers every sample propagates (Istio: "Bookinfo propagates the trace headers"). */
const TRACE_HEADERS = [
  'x-request-id',
  'traceparent',
  'tracestate',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
];

/** productpage and reviews forward the signed-in user and the user agent along with the trace. */
const BOOKINFO_PROPAGATES = ['end-user', 'user-agent', ...TRACE_HEADERS];

const get = (path: string): RequestKind => ({ share: 1, method: 'GET', path, headers: {} });

/**
 * Bookinfo (https://istio.io/latest/docs/examples/bookinfo/): productpage calls details and reviews
 * to render /productpage; reviews v2 and v3 call ratings (stars), v1 does not. productpage gives
 * reviews 3 s and retries once (6 s in all, the fault-injection task); reviews gives ratings 10 s.
 * Users sign in as jason for a share of the page views: productpage then sends `end-user: jason`.
 */
const BOOKINFO: SampleApp[] = [
  {
    app: 'productpage',
    propagates: BOOKINFO_PROPAGATES,
    outside: {
      ratePerSecond: 4,
      kinds: [
        { share: 0.55, method: 'GET', path: '/productpage', headers: {} },
        { share: 0.25, method: 'GET', path: '/productpage', headers: { 'end-user': 'jason' } },
        { share: 0.15, method: 'GET', path: '/static/bootstrap/css/bootstrap.min.css', headers: {} },
        { share: 0.05, method: 'GET', path: '/api/v1/products', headers: {} },
      ],
    },
    calls: [
      {
        app: 'details',
        onPaths: ['/productpage'],
        fanOut: 1,
        kinds: [get('/details/0')],
        clientTimeoutMs: 3000,
      },
      {
        app: 'reviews',
        onPaths: ['/productpage'],
        fanOut: 1,
        kinds: [get('/reviews/0')],
        clientTimeoutMs: 3000,
        clientRetries: 1,
      },
    ],
  },
  { app: 'details' },
  {
    app: 'reviews',
    propagates: BOOKINFO_PROPAGATES,
    calls: [
      {
        app: 'ratings',
        fromVersions: ['v2', 'v3'],
        fanOut: 1,
        kinds: [get('/ratings/0')],
        clientTimeoutMs: 10_000,
      },
    ],
  },
  { app: 'ratings' },
];

/**
 * httpbin and tcp-echo, and their clients: the mirroring task's `sleep` (or `curl`) pod calling
 * httpbin:8000/headers now and then, the circuit-breaking task's fortio calling httpbin:8000/get with
 * 3 connections, and the TCP traffic-shifting task's `sleep` opening connections to tcp-echo:9000.
 */
const TCP_CONNECTION: RequestKind = { share: 1, headers: {} };
const SLEEPING_CLIENT = [
  { app: 'httpbin', ratePerSecond: 0.5, kinds: [get('/headers')] },
  { app: 'tcp-echo', ratePerSecond: 0.5, kinds: [TCP_CONNECTION] },
];
const HTTPBIN: SampleApp[] = [
  { app: 'httpbin' },
  // The TCP traffic-shifting task connects through the ingress gateway's TCP port 31400.
  { app: 'tcp-echo', outside: { ratePerSecond: 1, kinds: [TCP_CONNECTION], port: 31400, tcp: true } },
  { app: 'sleep', clients: SLEEPING_CLIENT },
  { app: 'curl', clients: SLEEPING_CLIENT },
  { app: 'fortio', clients: [{ app: 'httpbin', ratePerSecond: 20, concurrency: 3, kinds: [get('/get')] }] },
];

export const SAMPLE_APPS: ReadonlyMap<string, SampleApp> = new Map(
  [...BOOKINFO, ...HTTPBIN].map((a) => [a.app, a]),
);

/** The workload (Deployment) of a Pod: its name without the ReplicaSet and Pod suffixes. */
export function workloadOfPod(name: string, labels: Record<string, string>): string | null {
  const hash = labels['pod-template-hash'];
  if (!hash) return null;
  const at = name.indexOf(`-${hash}-`);
  return at > 0 ? name.slice(0, at) : null;
}
