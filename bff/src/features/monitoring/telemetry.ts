import type { TelemetrySourceKind } from '../../contract/monitoring';
import { ApiError } from '../../lib/errors';
import type { QueryWindow } from './window';

/**
 * Raw traffic figures over an interval, before they become the API's TrafficStats: rates per second,
 * latency in ms. Both sources fill this the same way, so the contract test compares like with like.
 */
export interface Figures {
  /** Requests per second. */
  requests: number;
  /** Errors (see isErrorCode) per second. */
  errors: number;
  /** Mean latency, ms; null without requests. */
  avgMs: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Request bytes received per second. */
  inBytes: number;
  /** Response bytes sent per second. */
  outBytes: number;
  /** L4 traffic (Istio's istio_tcp_* metrics, see promql.ts): all zero where none was seen. */
  tcp: TcpFigures;
}

/**
 * L4 (TCP) traffic where it arrived, per second: what the destination's sidecar, or in ambient mode
 * ztunnel on its node, counted (reporter="destination"). A TCP service, or an ambient one without a
 * waypoint, has only these.
 */
export interface TcpFigures {
  /** Bytes the destination sent to its clients (istio_tcp_sent_bytes_total). */
  sentBytes: number;
  /** Bytes it received from them (istio_tcp_received_bytes_total). */
  receivedBytes: number;
  /** Connections opened (istio_tcp_connections_opened_total). */
  opened: number;
  /** Connections closed (istio_tcp_connections_closed_total). */
  closed: number;
}

export const EMPTY_TCP: TcpFigures = { sentBytes: 0, receivedBytes: 0, opened: 0, closed: 0 };

/** Whether any L4 traffic was seen. */
export const hasTcp = (t: Pick<TcpFigures, 'sentBytes' | 'receivedBytes' | 'opened'>): boolean =>
  t.sentBytes > 0 || t.receivedBytes > 0 || t.opened > 0;

export const EMPTY_FIGURES: Figures = {
  requests: 0,
  errors: 0,
  avgMs: null,
  p50: null,
  p95: null,
  p99: null,
  inBytes: 0,
  outBytes: 0,
  tcp: EMPTY_TCP,
};

/** An application, as Istio labels it: `destination_app` in `destination_service_namespace`. */
interface AppKey {
  app: string;
  namespace: string;
}

export interface AppFigures extends AppKey {
  figures: Figures;
}

/** Per-point values of a series; null where nothing can be said (no requests for a ratio or percentile). */
export interface FigureSeries {
  requests: (number | null)[];
  errors: (number | null)[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  inBytes: (number | null)[];
  outBytes: (number | null)[];
  /** L4: bytes sent and received, connections opened, per second (null before the first sample). */
  tcpSentBytes: (number | null)[];
  tcpReceivedBytes: (number | null)[];
  tcpOpened: (number | null)[];
}

/** A series of `n` points with nothing measured yet (null, not zero: no data is not no traffic). */
export function emptySeries(n: number): FigureSeries {
  const col = () => Array<number | null>(n).fill(null);
  return {
    requests: col(),
    errors: col(),
    p50: col(),
    p95: col(),
    p99: col(),
    inBytes: col(),
    outBytes: col(),
    tcpSentBytes: col(),
    tcpReceivedBytes: col(),
    tcpOpened: col(),
  };
}

export interface VersionFigures {
  version: string;
  figures: Figures;
}

export interface ServiceSeries {
  /** Milliseconds since the epoch (see seriesTimestamps). */
  timestamps: number[];
  total: FigureSeries;
  byVersion: { version: string; series: FigureSeries }[];
}

export interface ConsumerFigures {
  workload: string;
  app: string;
  namespace: string;
  version: string;
  /** Requests and errors per second. */
  requests: number;
  errors: number;
  /**
   * The caller's identity as the destination saw it (Istio's source_principal without `spiffe://`:
   * `cluster.local/ns/<namespace>/sa/<service account>`); null where none was seen (plaintext, or
   * a caller the source cannot name).
   */
  principal: string | null;
  /** Of `requests`, those the destination received over mutual TLS, per second. */
  mtls: number;
  /** The L4 traffic of this caller (for an ambient service behind a waypoint, the waypoint opens them). */
  tcp: TcpFigures;
}

export interface InstanceFigures {
  instance: string;
  version: string;
  requests: number;
  errors: number;
  avgMs: number | null;
}

export interface SplitFigures {
  version: string;
  /** Requests per second over the rate interval. */
  requests: number;
  /** L4 connections opened per second over the rate interval (a TCP service's split is by these). */
  connections: number;
}

/** Traffic along one link of the topology over a window: rates per second, p95 in ms. */
export interface LinkFigures {
  requests: number;
  /** Answered 5xx, or not at all (response code 0), per second. */
  serverErrors: number;
  /** Answered 4xx, per second. */
  clientErrors: number;
  p95: number | null;
  /**
   * L4 traffic along the link (bytes and connections per second): all zero for requests alone. Both
   * sources always give it; absent (as from a synthetic benchmark's links) it counts as none.
   */
  tcp?: TcpLinkFigures;
}

export type TcpLinkFigures = Pick<TcpFigures, 'sentBytes' | 'receivedBytes' | 'opened'>;
export const EMPTY_TCP_LINK: TcpLinkFigures = { sentBytes: 0, receivedBytes: 0, opened: 0 };

/** A calling workload (Istio's source_* labels) to a service. */
export interface CallFigures extends LinkFigures {
  source: { workload: string; namespace: string; app: string; version: string };
  serviceId: string;
  /**
   * Of `requests`, those the destination received over mutual TLS (connection_security_policy
   * "mutual_tls"), per second. L4-only links (connections, no requests) have 0: nothing says. Both
   * sources always give it; absent (as from a synthetic benchmark's links) it counts as none.
   */
  mtls?: number;
}

/** A service to one of its versions (Istio's destination_* labels). */
export interface ServiceVersionFigures extends LinkFigures {
  serviceId: string;
  namespace: string;
  app: string;
  version: string;
}

/**
 * Every link of the mesh at once, for the topology: a link with requests (L7, from a sidecar or a
 * waypoint), with connections only (L4, from a sidecar's TCP proxy or ztunnel), or both.
 */
export interface TrafficEdges {
  calls: CallFigures[];
  versions: ServiceVersionFigures[];
}

/**
 * Requests to a service that passed its rate limits and that a limit refused (Envoy's response flag
 * "RL"), per second: over the last rate interval, and as series over the window (as Sentinel's
 * dashboard shows pass and block QPS).
 */
export interface LimitFigures {
  passed: number;
  limited: number;
  /**
   * Of the passed requests, those a rate limit in shadow mode would have refused (Envoy's
   * http_local_rate_limit.rate_limited less .enforced); null where the source cannot tell.
   */
  shadowLimited: number | null;
  /** One value per point of seriesTimestamps; null before the first sample. */
  series: { passed: (number | null)[]; limited: (number | null)[]; shadowLimited: (number | null)[] };
}

/**
 * The questions the monitoring page asks, answered by a Prometheus (PromQL over its HTTP API) or by the
 * demo mesh's in-memory series. A service is named by its catalog ID, which is what the mesh's
 * `destination_service` label holds (the mesh host for HTTP and gRPC; `interface@protocol` for Dubbo and
 * SOFARPC, as SOFAMesh names RPC services). `atMs` is the evaluation time (default: now).
 *
 * Failures are ApiErrors (TelemetryUnavailable, 503) with a message for the operator.
 */
export interface TelemetrySource {
  readonly kind: TelemetrySourceKind;
  /** How often samples are taken; windows are resolved against it (see resolveWindow). */
  readonly scrapeIntervalSeconds: number;
  /**
   * How many seconds of the window ending at `atMs` the source holds data for (0 to q.rangeSeconds),
   * for a service or for some namespaces (null or absent: all). The figures over a window (applications,
   * serviceFigures, consumers, instances, edges) are rates over this covered part, not the whole window:
   * a 6-hour window over 23 minutes of data divides by 23 minutes. Series points are over their rate
   * interval as ever. A source without it (a test double) is taken to cover every window.
   */
  coveredSeconds?(
    q: QueryWindow,
    atMs?: number,
    of?: { serviceId?: string; namespaces?: ReadonlySet<string> | null },
  ): Promise<number>;
  /**
   * Per application: figures over the whole window. `namespaces`: only applications of these
   * (a caller's scope; null or absent: every namespace).
   */
  applications(q: QueryWindow, atMs?: number, namespaces?: ReadonlySet<string> | null): Promise<AppFigures[]>;
  /** Per version of a service and for all versions together: figures over the whole window. */
  serviceFigures(
    serviceId: string,
    q: QueryWindow,
    atMs?: number,
  ): Promise<{ total: Figures; byVersion: VersionFigures[] }>;
  /** Series across the window, per version and in total. */
  serviceSeries(serviceId: string, q: QueryWindow, atMs?: number): Promise<ServiceSeries>;
  /** Who calls the service, over the window. */
  consumers(serviceId: string, q: QueryWindow, atMs?: number): Promise<ConsumerFigures[]>;
  /** Per instance that served the service, over the window. */
  instances(serviceId: string, q: QueryWindow, atMs?: number): Promise<InstanceFigures[]>;
  /** Requests per version over the last rate interval: the split the mesh applies now. */
  split(serviceId: string, q: QueryWindow, atMs?: number): Promise<SplitFigures[]>;
  /** Passed and rate-limited requests of a service (see LimitFigures). */
  limits(serviceId: string, q: QueryWindow, atMs?: number): Promise<LimitFigures>;
  /**
   * Every caller → service and service → version link with traffic in the window (the topology).
   * `namespaces`: only links both of whose ends are in these (null or absent: every link).
   */
  edges(q: QueryWindow, atMs?: number, namespaces?: ReadonlySet<string> | null): Promise<TrafficEdges>;
}

/** Where monitoring cannot get numbers from: a 503 the page explains, never a hang or a stack trace. */
export function telemetryUnavailable(message: string): ApiError {
  return new ApiError(503, 'TelemetryUnavailable', message);
}

/** A source for when there is none: a cluster without PROMETHEUS_URL, or the demo mesh switched off. */
export class UnavailableTelemetry implements TelemetrySource {
  readonly kind = 'prometheus' as const;
  readonly scrapeIntervalSeconds = 15;

  constructor(private readonly reason: string) {}

  coveredSeconds(): Promise<number> {
    return this.fail();
  }
  private fail(): Promise<never> {
    return Promise.reject(telemetryUnavailable(this.reason));
  }

  applications(): Promise<AppFigures[]> {
    return this.fail();
  }
  serviceFigures(): Promise<{ total: Figures; byVersion: VersionFigures[] }> {
    return this.fail();
  }
  serviceSeries(): Promise<ServiceSeries> {
    return this.fail();
  }
  consumers(): Promise<ConsumerFigures[]> {
    return this.fail();
  }
  instances(): Promise<InstanceFigures[]> {
    return this.fail();
  }
  split(): Promise<SplitFigures[]> {
    return this.fail();
  }
  limits(): Promise<LimitFigures> {
    return this.fail();
  }
  edges(): Promise<TrafficEdges> {
    return this.fail();
  }
}
