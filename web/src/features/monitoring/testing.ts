import { act } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { ECHO_ID, ECHO_V1, ECHO_V2 } from '../../test/fixtures';
import { server } from '../../test/server';
import { APPLICATION_SORT_KEYS, MAX_APPLICATION_PAGE_SIZE } from './contract';
import type {
  ApplicationList,
  ApplicationRow,
  ApplicationSortKey,
  MetricSeries,
  MonitoringOverview,
  MonitoringWindow,
  ServiceMetrics,
  TcpStats,
  TrafficStats,
} from './contract';

// Test helpers for the monitoring UI: fixtures in the contract's shapes and an EventSource for jsdom.

export { ECHO_ID, ECHO_V1, ECHO_V2 };

export const UPDATED_AT = '2019-09-23T09:56:53.000Z';

export function traffic(overrides: Partial<TrafficStats> = {}): TrafficStats {
  return {
    requestsPerMinute: 30,
    errorRate: 0,
    latencyMs: { avg: 2.27, p50: 2, p95: 4, p99: 5 },
    inboundBytesPerMinute: 1464.6,
    outboundBytesPerMinute: 4351.2,
    tcp: null,
    ...overrides,
  };
}

/** L4 figures (bytes and connections per second), as ztunnel or a sidecar's TCP proxy counts them. */
export function tcpStats(overrides: Partial<TcpStats> = {}): TcpStats {
  return {
    sentBytesPerSecond: 12_500,
    receivedBytesPerSecond: 830,
    connectionsOpenedPerSecond: 2.5,
    connectionsClosedPerSecond: 2.4,
    ...overrides,
  };
}

/** A TCP service (a database), or an ambient one without a waypoint: connections and bytes, no requests. */
export function l4Only(overrides: Partial<TcpStats> = {}): TrafficStats {
  return traffic({
    requestsPerMinute: 0,
    errorRate: null,
    latencyMs: { avg: null, p50: null, p95: null, p99: null },
    inboundBytesPerMinute: 0,
    outboundBytesPerMinute: 0,
    tcp: tcpStats(overrides),
  });
}

export function appRow(application: string, overrides: Partial<ApplicationRow> = {}): ApplicationRow {
  return {
    application,
    namespace: 'demo',
    replicas: 1,
    readyReplicas: 1,
    services: [`${application}.demo.svc.cluster.local`],
    traffic: traffic(),
    ...overrides,
  };
}

/** The talk's table, more or less. */
export const TALK_ROWS: ApplicationRow[] = [
  appRow('sc-service-new-0917-1'),
  appRow('sc-service-test-2', {
    traffic: traffic({
      requestsPerMinute: 29,
      latencyMs: { avg: 3.03, p50: 3, p95: 5, p99: 6 },
      inboundBytesPerMinute: 10324.8,
      outboundBytesPerMinute: 15384.6,
    }),
  }),
  appRow('shpre-sofa-service', {
    traffic: traffic({
      requestsPerMinute: 60,
      errorRate: 0.1833,
      latencyMs: { avg: 143.47, p50: 120, p95: 250, p99: 300 },
      inboundBytesPerMinute: 13989.6,
      outboundBytesPerMinute: 20186.4,
    }),
  }),
  appRow('shpre-sofa-service-2', {
    traffic: traffic({
      requestsPerMinute: 60,
      errorRate: 0.5,
      latencyMs: { avg: 298.4, p50: 250, p95: 400, p99: 500 },
      inboundBytesPerMinute: 6408.6,
      outboundBytesPerMinute: 15517.2,
    }),
  }),
  appRow('shpre-dubbo-service-2', {
    services: [],
    traffic: traffic({
      requestsPerMinute: 0,
      errorRate: null,
      latencyMs: { avg: null, p50: null, p95: null, p99: null },
      inboundBytesPerMinute: 452.4,
      outboundBytesPerMinute: 9395.4,
    }),
  }),
];

/**
 * The overview of `rows` (the talk's table unless given): its Top 5 lists, with each entry's
 * services, and how many applications there are.
 */
export function overview({
  rows = TALK_ROWS,
  ...overrides
}: Partial<MonitoringOverview> & { rows?: readonly ApplicationRow[] } = {}): MonitoringOverview {
  const top = (value: (r: ApplicationRow) => number | null) =>
    rows
      .filter((r) => value(r) !== null)
      .map((r) => ({
        application: r.application,
        namespace: r.namespace,
        value: value(r) as number,
        services: r.services,
      }))
      .sort((a, b) => b.value - a.value)
      .slice(0, 5);
  return {
    window: '5m',
    updatedAt: UPDATED_AT,
    source: 'embedded',
    coveredSeconds: 300,
    top: {
      requests: top((r) => r.traffic.requestsPerMinute),
      latency: top((r) => r.traffic.latencyMs.avg),
      errorRate: top((r) => r.traffic.errorRate),
    },
    applicationCount: rows.length,
    ...overrides,
  };
}

/** The value a column sorts by, as the BFF orders them (null: no value, last either way). */
const SORT_VALUE: Record<ApplicationSortKey, (r: ApplicationRow) => string | number | null> = {
  application: (r) => r.application,
  namespace: (r) => r.namespace,
  replicas: (r) => r.replicas,
  inbound: (r) => r.traffic.inboundBytesPerMinute,
  outbound: (r) => r.traffic.outboundBytesPerMinute,
  requests: (r) => r.traffic.requestsPerMinute,
  latency: (r) => r.traffic.latencyMs.avg,
  errorRate: (r) => r.traffic.errorRate,
  tcp: (r) =>
    r.traffic.tcp ? r.traffic.tcp.sentBytesPerSecond + r.traffic.tcp.receivedBytesPerSecond : null,
};

const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A page of `rows` as GET /monitoring/applications answers it for `query`'s parameters: searched
 * (`q`, case-insensitive, in the application, its namespace and its service IDs), sorted (`sort`,
 * `order`; nulls last either way, ties by namespace then application) and paged (`page`, `pageSize`).
 */
function applicationList(
  rows: readonly ApplicationRow[],
  query: URLSearchParams = new URLSearchParams(),
  updatedAt: string = UPDATED_AT,
): ApplicationList {
  const q = (query.get('q') ?? '').trim().toLowerCase();
  const sort = (query.get('sort') ?? 'application') as ApplicationSortKey;
  const direction = query.get('order') === 'desc' ? -1 : 1;
  const page = Number(query.get('page') ?? 1);
  const pageSize = Number(query.get('pageSize') ?? 10);
  const value = SORT_VALUE[sort];
  if (!value) throw new Error(`No such sort key: ${sort}`);
  const matching = rows.filter(
    (r) => !q || [r.application, r.namespace, ...r.services].some((s) => s.toLowerCase().includes(q)),
  );
  const sorted = [...matching].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const primary =
      va === null || vb === null ? (va === vb ? 0 : va === null ? 1 : -1) : direction * compare(va, vb);
    return primary || compare(a.namespace, b.namespace) || compare(a.application, b.application);
  });
  return {
    window: (query.get('window') ?? '5m') as MonitoringWindow,
    updatedAt,
    source: 'embedded',
    items: sorted.slice((page - 1) * pageSize, page * pageSize),
    total: matching.length,
    page,
    pageSize,
  };
}

/** The first parameter the BFF would refuse (400), as its ApplicationListQuery validates them. */
function invalidParameter(query: URLSearchParams): string | undefined {
  const whole = (name: string, min: number, max = Infinity) => {
    const value = query.get(name);
    return value === null || (/^\d+$/.test(value) && Number(value) >= min && Number(value) <= max);
  };
  const sort = query.get('sort');
  if (sort !== null && !(APPLICATION_SORT_KEYS as readonly string[]).includes(sort)) return 'sort';
  if (!['asc', 'desc', null].includes(query.get('order'))) return 'order';
  if (!whole('page', 1)) return 'page';
  if (!whole('pageSize', 1, MAX_APPLICATION_PAGE_SIZE)) return 'pageSize';
  if ((query.get('q') ?? '').trim().length > 253) return 'q';
  return undefined;
}

/** What the applications endpoint answers with: rows as of a time, or a response as it is (a 503). */
interface ApplicationsState {
  rows: readonly ApplicationRow[];
  updatedAt: string;
  /** Answered instead of a page while set. */
  failure?: Response;
  /** Awaited before each answer (a slow server, held by the test). */
  delay?: Promise<void>;
}

/**
 * Serves GET /monitoring/applications from `state` (which the test may change between requests,
 * as a live mesh changes) and records each request's query.
 */
export function serveApplications(initial: Partial<ApplicationsState> = {}) {
  const state: ApplicationsState = { rows: TALK_ROWS, updatedAt: UPDATED_AT, ...initial };
  const requests: URLSearchParams[] = [];
  server.use(
    http.get('*/api/v1/monitoring/applications', async ({ request }) => {
      const query = new URL(request.url).searchParams;
      requests.push(query);
      await state.delay;
      if (state.failure) return state.failure.clone();
      const invalid = invalidParameter(query);
      if (invalid) {
        return HttpResponse.json(
          { code: 'InvalidRequest', message: `Invalid ${invalid}`, field: invalid },
          { status: 400 },
        );
      }
      return HttpResponse.json(applicationList(state.rows, query, state.updatedAt));
    }),
  );
  return { state, requests };
}

function series(values: (number | null)[]): MetricSeries {
  return {
    requestsPerMinute: values,
    errorRate: values.map((v) => (v === null ? null : 0.01)),
    p50: values.map((v) => (v === null ? null : 2)),
    p95: values.map((v) => (v === null ? null : 4)),
    p99: values.map((v) => (v === null ? null : 8)),
    inboundBytesPerMinute: values.map((v) => (v === null ? null : v * 100)),
    outboundBytesPerMinute: values.map((v) => (v === null ? null : v * 300)),
    tcpSentBytesPerSecond: values.map(() => null),
    tcpReceivedBytesPerSecond: values.map(() => null),
    tcpConnectionsOpenedPerSecond: values.map(() => null),
  };
}

/** Series of L4 traffic alone: no requests, bytes and connections per second. */
export function tcpSeries(values: (number | null)[]): MetricSeries {
  const none = values.map(() => null);
  return {
    requestsPerMinute: values.map((v) => (v === null ? null : 0)),
    errorRate: none,
    p50: none,
    p95: none,
    p99: none,
    inboundBytesPerMinute: values.map((v) => (v === null ? null : 0)),
    outboundBytesPerMinute: values.map((v) => (v === null ? null : 0)),
    tcpSentBytesPerSecond: values.map((v) => (v === null ? null : v * 5000)),
    tcpReceivedBytesPerSecond: values.map((v) => (v === null ? null : v * 300)),
    tcpConnectionsOpenedPerSecond: values,
  };
}

const WINDOW_SECONDS: Record<MonitoringWindow, number> = { '5m': 300, '15m': 900, '1h': 3600, '6h': 21600 };

export function serviceMetrics(overrides: Partial<ServiceMetrics> = {}): ServiceMetrics {
  const window: MonitoringWindow = overrides.window ?? '5m';
  const end = Date.parse(UPDATED_AT);
  return {
    serviceId: ECHO_ID,
    window,
    updatedAt: UPDATED_AT,
    source: 'embedded',
    coveredSeconds: WINDOW_SECONDS[window],
    stepSeconds: 5,
    rateIntervalSeconds: 20,
    timestamps: [end - 10_000, end - 5_000, end],
    total: { stats: traffic({ requestsPerMinute: 120, errorRate: 0.01 }), series: series([100, 120, 140]) },
    versions: [
      { version: ECHO_V1, stats: traffic({ requestsPerMinute: 24 }), series: series([20, 24, 28]) },
      { version: ECHO_V2, stats: traffic({ requestsPerMinute: 96 }), series: series([80, 96, null]) },
    ],
    split: {
      intervalSeconds: 20,
      basis: 'requests',
      versions: [
        { version: ECHO_V1, share: 0.2, requestsPerMinute: 24, connectionsOpenedPerSecond: 0 },
        { version: ECHO_V2, share: 0.8, requestsPerMinute: 96, connectionsOpenedPerSecond: 0 },
      ],
    },
    consumers: [
      {
        workload: 'echo-consumer-v1',
        application: 'echo-consumer',
        namespace: 'dubbo-demo',
        version: 'v1',
        requestsPerMinute: 90,
        errorRate: 0.02,
        tcp: null,
      },
      {
        workload: 'istio-ingressgateway',
        application: 'istio-ingressgateway',
        namespace: 'istio-system',
        version: 'unknown',
        requestsPerMinute: 30,
        errorRate: 0,
        tcp: null,
      },
    ],
    instances: [
      {
        name: 'echo-provider-v1-a',
        version: ECHO_V1,
        ready: true,
        requestsPerMinute: 24,
        errorRate: 0,
        avgLatencyMs: 2.5,
      },
    ],
    rateLimit: {
      passedPerSecond: 1.5,
      limitedPerSecond: 0.5,
      shadowLimitedPerSecond: 0,
      series: {
        passedPerSecond: [2, 1.6, 1.5],
        limitedPerSecond: [0, 0.4, 0.5],
        shadowLimitedPerSecond: [0, 0, 0],
      },
    },
    ...overrides,
  };
}

type Listener = (event: MessageEvent<string>) => void;

/** An EventSource for jsdom (which has none), driven by the test. */
export class MockEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: MockEventSource[] = [];

  readonly url: string;
  readyState = MockEventSource.CONNECTING;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(url: string | URL) {
    this.url = String(url);
    MockEventSource.instances.push(this);
  }

  /** The stream opened last. */
  static latest(): MockEventSource {
    const source = MockEventSource.instances.at(-1);
    if (!source) throw new Error('No EventSource was opened');
    return source;
  }

  static open(): MockEventSource[] {
    return MockEventSource.instances.filter((s) => s.readyState !== MockEventSource.CLOSED);
  }

  static reset(): void {
    MockEventSource.instances = [];
  }

  get params(): URLSearchParams {
    return new URL(this.url, 'http://localhost').searchParams;
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  close(): void {
    this.readyState = MockEventSource.CLOSED;
  }

  // ---- driven by the test ----

  connect(): void {
    act(() => {
      this.readyState = MockEventSource.OPEN;
      this.onopen?.(new Event('open'));
    });
  }

  emit(type: string, data: unknown): void {
    this.emitRaw(type, JSON.stringify(data));
  }

  emitRaw(type: string, data: string): void {
    const event = new MessageEvent<string>(type, { data });
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }

  fail(): void {
    act(() => {
      this.readyState = MockEventSource.CONNECTING;
      this.onerror?.(new Event('error'));
    });
  }
}
