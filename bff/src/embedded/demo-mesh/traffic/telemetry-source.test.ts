import { describe, expect, it } from 'vitest';
import { ISTIO_BUCKETS } from '../../../features/monitoring/istio-metrics';
import { histogramQuantile } from '../../../features/monitoring/quantile';
import { resolveWindow, seriesTimestamps } from '../../../features/monitoring/window';
import { BUCKET_COUNT, TrafficStore } from './store';
import type { TickRecord } from './store';
import { EmbeddedTelemetry } from './telemetry-source';

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const BUCKET = 4; // (10, 25] ms

/** `seconds` ticks of a steady service: per second, v1 `rate` requests (a tenth failing), v2 half as many. */
function steadyStore(seconds: number, rate: number) {
  const store = new TrafficStore();
  const rec = (version: string, n: number, instance: string): TickRecord => ({
    group: store.groupCell({ serviceId: 'svc', app: 'app', namespace: 'ns', version }),
    consumer: store.consumerCell({
      serviceId: 'svc',
      workload: 'caller-v1',
      app: 'caller',
      namespace: 'ns',
      version: 'v1',
    }),
    instance: store.instanceCell({ serviceId: 'svc', instance, version }),
    requests: n,
    errors: version === 'v1' ? n / 10 : 0,
    durationSum: n * 20,
    inBytes: n * 100,
    outBytes: n * 1000,
    buckets: Array.from({ length: BUCKET_COUNT }, (_, b) => (b === BUCKET ? n : 0)),
  });
  for (let s = 1; s <= seconds; s++)
    store.record(T0 + s * 1000, [rec('v1', rate, 'pod-1'), rec('v2', rate / 2, 'pod-2')]);
  return store;
}

describe('EmbeddedTelemetry', () => {
  const store = steadyStore(600, 10);
  const source = new EmbeddedTelemetry(store);
  const q = resolveWindow('5m', source.scrapeIntervalSeconds);

  it('answers rates as counts over the window, and the figures of the histogram', async () => {
    const [app] = await source.applications(q);
    expect(app?.figures.requests).toBeCloseTo(15, 9);
    expect(app?.figures.errors).toBeCloseTo(1, 9);
    expect(app?.figures.avgMs).toBeCloseTo(20, 9);
    expect(app?.figures.inBytes).toBeCloseTo(1500, 6);
    const counts = Array.from({ length: BUCKET_COUNT }, (_, b) => (b === BUCKET ? 1 : 0));
    expect(app?.figures.p95).toBeCloseTo(histogramQuantile(0.95, ISTIO_BUCKETS, counts) as number, 9);
    const { byVersion, total } = await source.serviceFigures('svc', q);
    expect(byVersion.map((v) => [v.version, v.figures.requests])).toEqual([
      ['v1', 10],
      ['v2', 5],
    ]);
    expect(total.requests).toBeCloseTo(15, 9);
  });

  it('puts a point at every step, each a rate over the rate interval ending there, and none before the data', async () => {
    const fresh = steadyStore(30, 10);
    const at = T0 + 30_000;
    const series = await new EmbeddedTelemetry(fresh).serviceSeries('svc', q, at);
    expect(series.timestamps).toEqual(seriesTimestamps(q, at));
    series.timestamps.forEach((t, i) => {
      const value = series.total.requests[i];
      if (t <= T0) expect(value).toBeNull();
      // Full rate intervals inside the data: the steady rate.
      else if (t - q.rateSeconds * 1000 >= T0) expect(value).toBeCloseTo(15, 9);
      // A rate interval reaching back before the first tick counts what there is, over the whole interval.
      else expect(value).toBeCloseTo((15 * (t - T0)) / 1000 / q.rateSeconds, 9);
    });
  });

  it('answers consumers, instances and the split', async () => {
    const [consumer] = await source.consumers('svc', q);
    expect(consumer).toMatchObject({ workload: 'caller-v1', requests: 15, errors: 1 });
    const instances = await source.instances('svc', q);
    expect(instances.map((i) => [i.instance, i.requests, i.avgMs])).toEqual([
      ['pod-1', 10, 20],
      ['pod-2', 5, 20],
    ]);
    const split = await source.split('svc', q);
    expect(split).toEqual([
      { version: 'v1', requests: 10, connections: 0 },
      { version: 'v2', requests: 5, connections: 0 },
    ]);
  });

  it('divides by the span the data cover, not the whole window, and says how long that is', async () => {
    // One minute of data, asked for six hours: rates over the minute (not 360× too low).
    const fresh = steadyStore(60, 10);
    fresh.coverFrom(T0);
    const young = new EmbeddedTelemetry(fresh);
    const sixHours = resolveWindow('6h', young.scrapeIntervalSeconds);
    const at = T0 + 60_000;
    expect(await young.coveredSeconds(sixHours, at)).toBe(60);
    const [app] = await young.applications(sixHours, at);
    expect(app?.figures.requests).toBeCloseTo(15, 6);
    expect(app?.figures.inBytes).toBeCloseTo(1500, 4);
    const { total } = await young.serviceFigures('svc', sixHours, at);
    expect(total.requests).toBeCloseTo(15, 6);
    const [consumer] = await young.consumers('svc', sixHours, at);
    expect(consumer?.requests).toBeCloseTo(15, 6);
    const instances = await young.instances('svc', sixHours, at);
    expect(instances.map((i) => i.requests)).toEqual([10, 5]);
    const edges = await young.edges(sixHours, at);
    expect(edges.calls[0]?.requests).toBeCloseTo(15, 6);
    // A window the data cover entirely is the window.
    expect(await source.coveredSeconds(q)).toBe(300);
  });
});

describe('EmbeddedTelemetry: L4 traffic (a TCP service, or ambient without a waypoint)', () => {
  // Per second: the api workload opens 2 connections to db v1 and is sent 4000 bytes, sends 100.
  const store = new TrafficStore();
  const tcp = (version: string, opened: number): TickRecord => ({
    group: store.groupCell({ serviceId: 'db', app: 'db', namespace: 'data', version }),
    consumer: store.consumerCell({
      serviceId: 'db',
      workload: 'api-v1',
      app: 'api',
      namespace: 'shop',
      version: 'v1',
    }),
    instance: store.instanceCell({ serviceId: 'db', instance: `db-${version}-0`, version }),
    requests: 0,
    errors: 0,
    durationSum: 0,
    inBytes: 0,
    outBytes: 0,
    buckets: new Float64Array(BUCKET_COUNT),
    tcpOpened: opened,
    tcpClosed: opened,
    tcpSentBytes: opened * 2000,
    tcpReceivedBytes: opened * 50,
  });
  for (let s = 1; s <= 600; s++) store.record(T0 + s * 1000, [tcp('v1', 2), tcp('v2', 1)]);
  const source = new EmbeddedTelemetry(store);
  const q = resolveWindow('5m', source.scrapeIntervalSeconds);

  it('answers bytes and connections per second for the service and each version, with no requests', async () => {
    const { total, byVersion } = await source.serviceFigures('db', q);
    expect(total.requests).toBe(0);
    expect(total.avgMs).toBeNull();
    expect(total.tcp.opened).toBeCloseTo(3, 6);
    expect(total.tcp.closed).toBeCloseTo(3, 6);
    expect(total.tcp.sentBytes).toBeCloseTo(6000, 3);
    expect(total.tcp.receivedBytes).toBeCloseTo(150, 3);
    expect(byVersion.find((v) => v.version === 'v2')?.figures.tcp.opened).toBeCloseTo(1, 6);
    const series = await source.serviceSeries('db', q);
    const last = series.total.tcpSentBytes.filter((v) => v !== null).at(-1);
    expect(last).toBeCloseTo(6000, 3);
  });

  it('names the caller of the connections, and draws L4 links for the topology', async () => {
    const [consumer] = await source.consumers('db', q);
    expect(consumer).toMatchObject({ workload: 'api-v1', requests: 0 });
    expect(consumer?.tcp.opened).toBeCloseTo(3, 6);
    const { calls, versions } = await source.edges(q);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.tcp?.sentBytes).toBeCloseTo(6000, 3);
    expect(calls[0]?.p95).toBeNull();
    // The split of a TCP service: connections per version over the rate interval.
    expect(await source.split('db', q)).toEqual([
      { version: 'v1', requests: 0, connections: 2 },
      { version: 'v2', requests: 0, connections: 1 },
    ]);
    expect(versions.map((v) => [v.version, Math.round(v.tcp?.opened ?? 0)]).sort()).toEqual([
      ['v1', 2],
      ['v2', 1],
    ]);
  });
});

describe('EmbeddedTelemetry: mutual TLS and identity', () => {
  /**
   * Two callers of one service for `seconds` ticks: `productpage` over mutual TLS (every request but
   * the odd ticks' last one), `legacy` in plaintext, with no principal.
   */
  function securedStore(seconds: number) {
    const store = new TrafficStore();
    const group = store.groupCell({
      serviceId: 'details',
      app: 'details',
      namespace: 'bookinfo',
      version: 'v1',
    });
    const instance = store.instanceCell({ serviceId: 'details', instance: 'details-1', version: 'v1' });
    const secured = store.consumerCell({
      serviceId: 'details',
      workload: 'productpage-v1',
      app: 'productpage',
      namespace: 'bookinfo',
      version: 'v1',
      principal: 'cluster.local/ns/bookinfo/sa/bookinfo-productpage',
    });
    const plain = store.consumerCell({
      serviceId: 'details',
      workload: 'legacy',
      app: 'legacy',
      namespace: 'outside',
      version: 'unknown',
      principal: null,
    });
    const rec = (consumer: number, requests: number, mtls: number): TickRecord => ({
      group,
      consumer,
      instance,
      requests,
      errors: 0,
      durationSum: requests * 20,
      inBytes: 0,
      outBytes: 0,
      mtls,
      buckets: Array.from({ length: BUCKET_COUNT }, (_, b) => (b === BUCKET ? requests : 0)),
    });
    for (let s = 1; s <= seconds; s++)
      store.record(T0 + s * 1000, [rec(secured, 4, s % 2 === 1 ? 3 : 4), rec(plain, 2, 0)]);
    return store;
  }

  it("sums each consumer's requests received over mutual TLS over the window, with its principal", async () => {
    const source = new EmbeddedTelemetry(securedStore(600));
    const q = resolveWindow('5m', source.scrapeIntervalSeconds);
    const consumers = await source.consumers('details', q);
    const productpage = consumers.find((c) => c.workload === 'productpage-v1');
    const legacy = consumers.find((c) => c.workload === 'legacy');
    // 3 and 4 over mTLS on alternate seconds: 3.5 of 4 per second.
    expect(productpage?.requests).toBeCloseTo(4, 9);
    expect(productpage?.mtls).toBeCloseTo(3.5, 9);
    expect(productpage?.principal).toBe('cluster.local/ns/bookinfo/sa/bookinfo-productpage');
    expect(legacy).toMatchObject({ principal: null, mtls: 0 });
    expect(legacy?.requests).toBeCloseTo(2, 9);
  });

  it('gives each caller → service link its requests over mutual TLS', async () => {
    const source = new EmbeddedTelemetry(securedStore(600));
    const q = resolveWindow('5m', source.scrapeIntervalSeconds);
    const { calls } = await source.edges(q);
    const of = (workload: string) => calls.find((c) => c.source.workload === workload);
    expect(of('productpage-v1')?.mtls).toBeCloseTo(3.5, 9);
    expect(of('legacy')?.mtls).toBe(0);
  });

  it('a consumer cell made without a principal has none', async () => {
    const store = steadyStore(60, 10);
    const source = new EmbeddedTelemetry(store);
    const [consumer] = await source.consumers('svc', resolveWindow('5m', source.scrapeIntervalSeconds));
    expect(consumer).toMatchObject({ principal: null, mtls: 0 });
  });
});
