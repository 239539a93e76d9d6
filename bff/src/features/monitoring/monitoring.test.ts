import { describe, expect, it } from 'vitest';
import type { ServiceDetail } from '../../contract/catalog';
import { ApplicationListQuery } from '../../contract/monitoring';
import { BUCKET_COUNT, TrafficStore } from '../../embedded/demo-mesh/traffic/store';
import type { TickRecord } from '../../embedded/demo-mesh/traffic/store';
import { EmbeddedTelemetry } from '../../embedded/demo-mesh/traffic/telemetry-source';
import { onlyNamespaces } from '../auth/scope';
import { indexCatalog } from '../catalog/query';
import { MonitoringService } from './monitoring';

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const DB = 'mysql.data.svc.cluster.local';
const IDLE = 'cache.data.svc.cluster.local';

function tcpService(id: string, app: string, versions: string[]): ServiceDetail {
  return {
    id,
    name: id.split('.')[0] as string,
    application: app,
    namespace: 'data',
    protocol: 'tcp',
    host: id,
    platforms: ['kubernetes'],
    versions,
    instances: { total: versions.length, ready: versions.length },
    ports: [],
    versionDetails: versions.map((version) => ({
      version,
      instances: 1,
      ready: 1,
      platforms: ['kubernetes'],
    })),
    providers: [],
    sources: [],
  };
}

/**
 * A database (mysql v1 and v2) that api-v1 reaches over TCP, and a cache nobody uses: ten minutes of
 * L4 records (connections and bytes, no requests), as ztunnel or a sidecar's TCP proxy counts them.
 */
function monitoring() {
  const catalog = indexCatalog([tcpService(DB, 'mysql', ['v1', 'v2']), tcpService(IDLE, 'cache', ['v1'])]);
  const store = new TrafficStore();
  const record = (version: string, opened: number): TickRecord => ({
    group: store.groupCell({ serviceId: DB, app: 'mysql', namespace: 'data', version }),
    consumer: store.consumerCell({
      serviceId: DB,
      workload: 'api-v1',
      app: 'api',
      namespace: 'shop',
      version: 'v1',
    }),
    instance: store.instanceCell({ serviceId: DB, instance: `mysql-${version}-0`, version }),
    requests: 0,
    errors: 0,
    durationSum: 0,
    inBytes: 0,
    outBytes: 0,
    buckets: new Float64Array(BUCKET_COUNT),
    tcpOpened: opened,
    tcpClosed: opened,
    tcpSentBytes: opened * 4000,
    tcpReceivedBytes: opened * 100,
  });
  for (let s = 1; s <= 600; s++) store.record(T0 + s * 1000, [record('v1', 3), record('v2', 1)]);
  return new MonitoringService({
    catalog: { view: () => catalog, get: (id) => catalog.byId.get(id) },
    telemetry: new EmbeddedTelemetry(store),
    clock: () => T0 + 600_000,
  });
}

describe('a service with L4 traffic alone (a TCP service, or ambient without a waypoint)', () => {
  const service = monitoring();

  it('shows bytes and connections, not "no traffic", with the split of its connections', async () => {
    const m = await service.serviceMetrics(DB, '5m');
    expect(m.total.stats.requestsPerMinute).toBe(0);
    expect(m.total.stats.tcp?.connectionsOpenedPerSecond).toBeCloseTo(4, 6);
    expect(m.total.stats.tcp?.sentBytesPerSecond).toBeCloseTo(16_000, 2);
    expect(m.total.stats.tcp?.receivedBytesPerSecond).toBeCloseTo(400, 2);
    expect(m.total.series.tcpConnectionsOpenedPerSecond.at(-1)).toBeCloseTo(4, 6);
    expect(m.split.basis).toBe('connections');
    expect(m.split.versions.map((v) => [v.version, v.share])).toEqual([
      ['v1', 0.75],
      ['v2', 0.25],
    ]);
    // Its caller is listed by its connections though it sent no request.
    expect(m.consumers).toHaveLength(1);
    expect(m.consumers[0]).toMatchObject({ workload: 'api-v1', requestsPerMinute: 0, errorRate: null });
    expect(m.consumers[0]?.tcp?.connectionsOpenedPerSecond).toBeCloseTo(4, 6);
  });

  it('a service with neither requests nor connections has no L4 figures and no split', async () => {
    const m = await service.serviceMetrics(IDLE, '5m');
    expect(m.total.stats.tcp).toBeNull();
    expect(m.split.basis).toBe('requests');
    expect(m.split.versions.every((v) => v.share === null)).toBe(true);
    expect(m.consumers).toEqual([]);
  });

  it('the overview gives the database its L4 figures and the idle cache none', async () => {
    const { items } = await service.applications(ApplicationListQuery.parse({ pageSize: 100 }));
    const row = (app: string) => items.find((a) => a.application === app);
    expect(row('mysql')?.traffic.tcp?.connectionsOpenedPerSecond).toBeCloseTo(4, 6);
    expect(row('cache')?.traffic.tcp).toBeNull();
  });
});

describe("a service's callers: their identity and how much of their traffic came over mutual TLS", () => {
  const DETAILS = 'details.bookinfo.svc.cluster.local';
  const PRINCIPAL = 'cluster.local/ns/bookinfo/sa/bookinfo-productpage';
  /**
   * details, called by productpage (bookinfo) over mutual TLS for three of every four requests, and by
   * a plaintext caller in another namespace: ten minutes of records.
   */
  function secured() {
    const catalog = indexCatalog([
      { ...tcpService(DETAILS, 'details', ['v1']), namespace: 'bookinfo', protocol: 'http' },
    ]);
    const store = new TrafficStore();
    const group = store.groupCell({
      serviceId: DETAILS,
      app: 'details',
      namespace: 'bookinfo',
      version: 'v1',
    });
    const instance = store.instanceCell({ serviceId: DETAILS, instance: 'details-v1-0', version: 'v1' });
    const consumer = (workload: string, namespace: string, principal: string | null) =>
      store.consumerCell({
        serviceId: DETAILS,
        workload,
        app: workload,
        namespace,
        version: 'v1',
        principal,
      });
    const productpage = consumer('productpage-v1', 'bookinfo', PRINCIPAL);
    const legacy = consumer('legacy-v1', 'outside', null);
    const record = (c: number, requests: number, mtls: number): TickRecord => ({
      group,
      consumer: c,
      instance,
      requests,
      errors: 0,
      durationSum: requests * 10,
      inBytes: 0,
      outBytes: 0,
      buckets: Float64Array.from({ length: BUCKET_COUNT }, (_, b) => (b === 3 ? requests : 0)),
      mtls,
    });
    for (let s = 1; s <= 600; s++)
      store.record(T0 + s * 1000, [record(productpage, 4, 3), record(legacy, 2, 0)]);
    return new MonitoringService({
      catalog: { view: () => catalog, get: (id) => catalog.byId.get(id) },
      telemetry: new EmbeddedTelemetry(store),
      clock: () => T0 + 600_000,
    });
  }

  it('names each caller by its principal, with the share of its requests received over mutual TLS', async () => {
    const m = await secured().serviceMetrics(DETAILS, '5m');
    const row = (w: string) => m.consumers.find((c) => c.workload === w);
    expect(row('productpage-v1')?.principal).toBe(PRINCIPAL);
    expect(row('productpage-v1')?.mtlsShare).toBeCloseTo(0.75, 6);
    expect(row('legacy-v1')).toMatchObject({ principal: null, mtlsShare: 0 });
  });

  it('callers from namespaces out of scope are summed without an identity', async () => {
    const m = await secured().serviceMetrics(DETAILS, '5m', onlyNamespaces(['bookinfo']));
    const others = m.consumers.find((c) => c.namespace === '');
    expect(others).toMatchObject({ principal: null, mtlsShare: 0 });
    expect(m.consumers.find((c) => c.workload === 'productpage-v1')?.principal).toBe(PRINCIPAL);
  });
});
