import request from 'supertest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TopologyGraph } from '../contract/topology';
import { simulation } from '../embedded/demo-mesh/traffic/testing';
import { EmbeddedTelemetry } from '../embedded/demo-mesh/traffic/telemetry-source';
import { fakePrometheus, sendJson } from '../features/monitoring/fake-prometheus';
import type { FakePrometheus } from '../features/monitoring/fake-prometheus';
import { UnavailableTelemetry } from '../features/monitoring/telemetry';
import { nodeIds } from '../features/topology/graph';
import type { Console } from '../console';
import { ADMIN_HEADER, asAdmin } from '../testing/auth';
import { testConsole } from '../testing/console';
import type { TestConsoleOptions } from '../testing/console';

const ECHO = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';
const demo = simulation();
demo.advance(120);
const consoles: Console[] = [];
afterAll(async () => {
  for (const built of consoles.splice(0).reverse()) await built.close();
});
/** One control plane for the file's apps; each app a console over it with the simulated mesh. */
const shared = await testConsole({ catalog: demo.catalog, telemetry: new EmbeddedTelemetry(demo.store) });
consoles.push(shared);
const app = asAdmin(shared.app);

async function appWith(options: TestConsoleOptions) {
  const built = await testConsole({ kube: shared.kube, catalog: demo.catalog, ...options });
  consoles.push(built);
  return asAdmin(built.app);
}
/** A console reading the fake Prometheus at `url`, as PROMETHEUS_URL would make it. */
const viaPrometheus = (url: string) =>
  appWith({ config: { prometheus: { url, scrapeIntervalSeconds: 15, timeoutMs: 2000 } } });

const fakes: FakePrometheus[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});

describe('GET /api/v1/topology', () => {
  it('draws the demo mesh: echo-provider and the applications that call it, as the contract says', async () => {
    const res = await request(app)
      .get('/api/v1/topology?graphType=app')
      .set('accept-encoding', 'gzip')
      .expect(200);
    // Graphs are large: they travel compressed to a browser that accepts it.
    expect(res.headers['content-encoding']).toBe('gzip');
    const graph = TopologyGraph.parse(res.body);
    expect(graph).toMatchObject({ graphType: 'app', window: '5m', source: 'embedded', namespace: null });
    const echo = nodeIds.app('dubbo-demo', 'echo-provider');
    const callers = graph.edges.filter((e) => e.target === echo && e.traffic.requestsPerMinute > 0);
    expect(callers.map((e) => e.source)).toContain(nodeIds.app('dubbo-demo', 'echo-consumer'));
    const node = graph.nodes.find((n) => n.id === echo);
    expect(node).toMatchObject({ protocol: 'dubbo', services: [ECHO], inCatalog: true });
    expect(node?.inbound.requestsPerMinute).toBeGreaterThan(0);
    expect(node?.p95Ms).toBeGreaterThan(0);
    // Every catalog application is drawn, and the front doors are called from the ingress gateway.
    expect(graph.nodes.filter((n) => n.inCatalog).length).toBe(
      new Set(demo.catalog.view().services.map((s) => `${s.namespace}/${s.application}`)).size,
    );
    expect(graph.edges.some((e) => e.source === nodeIds.app('istio-system', 'istio-ingressgateway'))).toBe(
      true,
    );
  });

  it('by default draws versions, with the share of each version of a service adding up to one', async () => {
    const res = await request(app).get('/api/v1/topology').expect(200);
    const graph = TopologyGraph.parse(res.body);
    expect(graph.graphType).toBe('versionedApp');
    const reviews = nodeIds.service('reviews.bookinfo.svc.cluster.local');
    const shares = graph.edges.filter((e) => e.source === reviews).map((e) => e.share ?? 0);
    expect(shares).toHaveLength(3);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    expect(graph.groups.map((g) => g.id)).toContain(nodeIds.group('bookinfo', 'reviews'));
  });

  it('filters by namespace, keeping the nodes across the namespace border', async () => {
    const res = await request(app).get('/api/v1/topology?graphType=app&namespace=shop').expect(200);
    const graph = TopologyGraph.parse(res.body);
    const namespaces = new Set(graph.nodes.map((n) => n.namespace));
    expect(namespaces).toEqual(new Set(['shop', 'istio-system']));
    expect(graph.namespaces).toContain('bookinfo');
  });

  it.each([
    ['graphType=cluster', 'graphType'],
    ['window=2d', 'window'],
    ['namespace=Not_A_Namespace', 'namespace'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const res = await request(app).get(`/api/v1/topology?${query}`).expect(400);
    expect(res.body).toMatchObject({ code: 'InvalidRequest', field });
  });

  it('answers 503 with a message for the operator when there is no telemetry', async () => {
    const none = await appWith({ telemetry: new UnavailableTelemetry('No telemetry: set PROMETHEUS_URL') });
    const res = await request(none).get('/api/v1/topology').expect(503);
    expect(res.body).toEqual({ code: 'TelemetryUnavailable', message: 'No telemetry: set PROMETHEUS_URL' });
  });

  it('from Prometheus: seven queries per kind of link (four L7, three L4), joined into caller → service → version', async () => {
    const asked: string[] = [];
    const fake = await fakePrometheus((_path, params, res) => {
      const query = params.get('query') ?? '';
      asked.push(query);
      const isCall = query.includes('source_workload');
      // The data cover the whole window (as many samples as scrapes), so rates are not scaled.
      const value = query.includes('count_over_time')
        ? '100000'
        : query.includes('istio_tcp_connections_opened_total')
          ? '0.25'
          : query.includes('istio_tcp_')
            ? '800'
            : query.includes('histogram_quantile')
              ? '42'
              : query.includes('"0|5[0-9][0-9]"')
                ? '0.5'
                : query.includes('"4[0-9][0-9]"')
                  ? '0'
                  : '2';
      const metric = isCall
        ? {
            source_workload: 'echo-consumer-v1',
            source_workload_namespace: 'dubbo-demo',
            source_app: 'echo-consumer',
            source_version: 'v1',
            destination_service: ECHO,
          }
        : {
            destination_service: ECHO,
            destination_service_namespace: 'dubbo-demo',
            destination_app: 'echo-provider',
            destination_version: '20191115224823305.fvxo1wbt',
          };
      sendJson(res, 200, {
        status: 'success',
        data: { resultType: 'vector', result: [{ metric, value: [1700000000, value] }] },
      });
    });
    fakes.push(fake);
    const res = await request(await viaPrometheus(fake.url))
      .get('/api/v1/topology')
      .expect(200);
    // Four L7 (requests, 5xx, 4xx, p95) and three L4 (bytes each way, connections) per kind of link,
    // and one for the span the data cover (rates are over that span).
    expect(asked.filter((q) => !q.includes('count_over_time'))).toHaveLength(14);
    expect(asked.filter((q) => q.includes('count_over_time'))).toHaveLength(1);
    const graph = TopologyGraph.parse(res.body);
    const e = graph.edges.find(
      (x) =>
        x.source === nodeIds.version('dubbo-demo', 'echo-consumer', 'v1') &&
        x.target === nodeIds.service(ECHO),
    );
    expect(e).toMatchObject({ p95Ms: 42, health: 'failing' });
    expect(e?.traffic.requestsPerMinute).toBe(120);
    expect(e?.traffic.serverErrorRate).toBeCloseTo(0.25);
    // Requests and connections on one link: an L7 edge with its L4 figures.
    expect(e?.layer).toBe('l7');
    expect(e?.tcp).toEqual({
      sentBytesPerSecond: 800,
      receivedBytesPerSecond: 800,
      connectionsOpenedPerSecond: 0.25,
    });
  });

  it('draws only the namespaces of a limited user, from telemetry of those namespaces', async () => {
    const res = await request(app)
      .post('/api/v1/admin/tokens')
      .set(ADMIN_HEADER)
      .send({ name: 'shop viewer', role: 'viewer', namespaces: ['shop'] })
      .expect(201);
    const viewer = { authorization: `Bearer ${res.body.secret as string}` };
    for (const graphType of ['app', 'versionedApp', 'service']) {
      const all = TopologyGraph.parse(
        (await request(app).get(`/api/v1/topology?graphType=${graphType}`).expect(200)).body,
      );
      const graph = TopologyGraph.parse(
        (await request(app).get(`/api/v1/topology?graphType=${graphType}`).set(viewer).expect(200)).body,
      );
      expect(new Set(graph.nodes.map((n) => n.namespace))).toEqual(new Set(['shop']));
      expect(graph.namespaces).toEqual(['shop']);
      expect(graph.groups.every((g) => g.namespace === 'shop')).toBe(true);
      const ids = new Set(graph.nodes.map((n) => n.id));
      expect(graph.edges.every((e) => ids.has(e.source) && ids.has(e.target))).toBe(true);
      // Every link between the user's nodes is drawn, with the traffic the whole graph gives it.
      const inside = all.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
      expect(graph.edges.map((e) => [e.id, e.traffic])).toEqual(inside.map((e) => [e.id, e.traffic]));
    }
  });

  it('asks Prometheus for the links of a limited user’s namespaces only', async () => {
    const asked: string[] = [];
    const fake = await fakePrometheus((_path, params, res) => {
      asked.push(params.get('query') ?? '');
      sendJson(res, 200, { status: 'success', data: { resultType: 'vector', result: [] } });
    });
    fakes.push(fake);
    const scoped = await viaPrometheus(fake.url);
    const created = await request(scoped)
      .post('/api/v1/admin/tokens')
      .set(ADMIN_HEADER)
      .send({ name: 'two namespaces', role: 'viewer', namespaces: ['shop', 'bookinfo'] })
      .expect(201);
    await request(scoped)
      .get('/api/v1/topology')
      .set({ authorization: `Bearer ${created.body.secret as string}` })
      .expect(200);
    expect(asked.filter((q) => !q.includes('count_over_time'))).toHaveLength(14);
    for (const q of asked) expect(q).toContain('destination_service_namespace=~"bookinfo|shop"');
    const calls = asked.filter((q) => q.includes('by (source_workload') || q.includes('le, source_workload'));
    expect(calls).toHaveLength(7);
    for (const q of calls) expect(q).toContain('source_workload_namespace=~"bookinfo|shop"');
  });
});
