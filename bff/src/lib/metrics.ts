import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The console's own Prometheus metrics (served at `/metrics` behind a credential). One registry per
 * console, so several consoles in one test process do not mix their figures; the parts that record
 * (HTTP middleware, the Kubernetes client, informers, the stream, leader election) are handed it.
 */
export interface ConsoleMetrics {
  registry: Registry;
  /** Requests answered, by method, route pattern (never the raw path) and status code. */
  httpRequests: Counter<'method' | 'route' | 'status'>;
  /** Time to answer, by method, route pattern and status code. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Calls to the control plane (Kubernetes API), by verb and resource, and their outcome. */
  kubeDuration: Histogram<'verb' | 'resource' | 'code'>;
  /** Open Server-Sent-Event streams. */
  openStreams: Gauge;
  /** Seconds since each informer last heard from the control plane (an event or a resync). */
  informerLag: Gauge<'resource'>;
  /** Objects each informer holds. */
  informerObjects: Gauge<'resource'>;
  /** 1 while this replica holds the lease that runs the background work, else 0. */
  leader: Gauge<'lease'>;
}

export function createMetrics(): ConsoleMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mesh_console_' });
  const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  return {
    registry,
    httpRequests: new Counter({
      name: 'mesh_console_http_requests_total',
      help: 'HTTP requests answered by the console, by method, route and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'mesh_console_http_request_duration_seconds',
      help: 'Time the console took to answer an HTTP request, by method, route and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    kubeDuration: new Histogram({
      name: 'mesh_console_kube_request_duration_seconds',
      help: 'Time a call to the control plane (Kubernetes API) took, by verb, resource and status code.',
      labelNames: ['verb', 'resource', 'code'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    openStreams: new Gauge({
      name: 'mesh_console_open_streams',
      help: 'Server-Sent-Event streams open.',
      registers: [registry],
    }),
    informerLag: new Gauge({
      name: 'mesh_console_informer_lag_seconds',
      help: 'Seconds since the informer of a resource last heard from the control plane.',
      labelNames: ['resource'] as const,
      registers: [registry],
    }),
    informerObjects: new Gauge({
      name: 'mesh_console_informer_objects',
      help: 'Objects held in the informer cache of a resource.',
      labelNames: ['resource'] as const,
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'mesh_console_leader',
      help: '1 while this replica holds the lease that runs the background work.',
      labelNames: ['lease'] as const,
      registers: [registry],
    }),
  };
}
