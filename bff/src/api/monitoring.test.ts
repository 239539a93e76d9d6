import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { ApplicationList, MonitoringOverview, STREAM_EVENTS, ServiceMetrics } from '../contract/monitoring';
import type { ApplicationRow } from '../contract/monitoring';
import { simulation } from '../embedded/demo-mesh/traffic/testing';
import { EmbeddedTelemetry } from '../embedded/demo-mesh/traffic/telemetry-source';
import { deadUrl, fakePrometheus, sendJson } from '../features/monitoring/fake-prometheus';
import type { FakePrometheus } from '../features/monitoring/fake-prometheus';
import type { Console } from '../console';
import { MeshObjects } from '../clients/mesh-objects';
import { ADMIN_HEADER, asAdmin } from '../testing/auth';
import { testConsole } from '../testing/console';
import type { TestConsoleOptions } from '../testing/console';

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const demo = simulation();
demo.advance(180);
const consoles: Console[] = [];
afterAll(async () => {
  for (const built of consoles.splice(0).reverse()) await built.close();
});
/** One control plane for the file's apps; each app a console over it with a simulated mesh. */
const shared = await testConsole({ catalog: demo.catalog, telemetry: new EmbeddedTelemetry(demo.store) });
consoles.push(shared);
const embedded = { app: asAdmin(shared.app) };

async function appWith(options: TestConsoleOptions) {
  const built = await testConsole({ kube: shared.kube, catalog: simulation().catalog, ...options });
  consoles.push(built);
  return { app: asAdmin(built.app), stream: built.stream };
}
/** Every row of the applications table, page by page (as GET /monitoring/applications gives them). */
async function allApplications(
  app: typeof embedded.app,
  headers: Record<string, string> = {},
): Promise<ApplicationRow[]> {
  const rows: ApplicationRow[] = [];
  for (let page = 1; ; page++) {
    const res = await request(app)
      .get(`/api/v1/monitoring/applications?window=5m&pageSize=100&page=${page}`)
      .set(headers)
      .expect(200);
    const list = ApplicationList.parse(res.body);
    rows.push(...list.items);
    if (rows.length >= list.total || list.items.length === 0) return rows;
  }
}

/** A stream that updates every 100 ms, with a heartbeat every 50 ms. */
const fastStream = {
  catalog: demo.catalog,
  telemetry: new EmbeddedTelemetry(demo.store),
  config: { streamIntervalMs: 100 },
  stream: { heartbeatMs: 50 },
};
const streaming = [await appWith(fastStream), await appWith(fastStream)] as const;

describe('the OpenAPI document', () => {
  it('has the monitoring paths, and every reference in it resolves', async () => {
    const res = await request(embedded.app).get('/api/v1/openapi.json').expect(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/monitoring/overview', '/services/{id}/metrics', '/stream']),
    );
    const refs = [...JSON.stringify(res.body).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs).toContain('#/components/schemas/MonitoringOverview');
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(res.body.components.schemas[ref.split('/').pop() as string], ref).toBeDefined();
    }
    const windowParam = res.body.paths['/monitoring/overview'].get.parameters[0];
    expect(windowParam).toMatchObject({
      name: 'window',
      in: 'query',
      schema: { enum: ['5m', '15m', '1h', '6h'] },
    });
  });
});

describe('GET /api/v1/monitoring/overview', () => {
  it('answers the Top 5 lists and a row for every application, in the contract shape', async () => {
    const res = await request(embedded.app).get('/api/v1/monitoring/overview?window=5m').expect(200);
    const body = MonitoringOverview.parse(res.body);
    expect(body.source).toBe('embedded');
    const applications = await allApplications(embedded.app);
    const catalogApps = new Set(demo.catalog.view().services.map((s) => `${s.namespace}/${s.application}`));
    expect(new Set(applications.map((a) => `${a.namespace}/${a.application}`))).toEqual(catalogApps);
    expect(body.applicationCount).toBe(applications.length);
    // Each Top 5 is the five largest values of its column, largest first, with its services.
    const column = {
      requests: (a: ApplicationRow) => a.traffic.requestsPerMinute,
      latency: (a: ApplicationRow) => a.traffic.latencyMs.avg ?? -1,
      errorRate: (a: ApplicationRow) => a.traffic.errorRate ?? -1,
    };
    for (const [list, value] of Object.entries(column) as [
      keyof typeof column,
      (typeof column)['requests'],
    ][]) {
      const expected = [...applications].sort((a, b) => value(b) - value(a)).slice(0, 5);
      expect(body.top[list].map((e) => e.value)).toEqual(expected.map(value));
      for (const entry of body.top[list])
        expect(entry.services).toEqual(
          applications.find((a) => a.namespace === entry.namespace && a.application === entry.application)
            ?.services,
        );
    }
    // The demo's characters: one application fails often, one is slow.
    expect(body.top.errorRate[0]?.application).toBe('sofa-hello');
    expect(body.top.latency[0]?.application).toBe('greeting-provider');
    const cart = applications.find((a) => a.application === 'cart');
    expect(cart).toMatchObject({ replicas: 2, readyReplicas: 1 });
  });

  it.each(['2m', '', 'x'])('rejects window=%j with a 400 naming the field', async (window) => {
    const res = await request(embedded.app).get(`/api/v1/monitoring/overview?window=${window}`).expect(400);
    expect(res.body).toMatchObject({ code: 'InvalidRequest', field: 'window' });
  });
});

describe('GET /api/v1/monitoring/applications', () => {
  const page = async (query: string) =>
    ApplicationList.parse(
      (await request(embedded.app).get(`/api/v1/monitoring/applications?window=5m&${query}`).expect(200))
        .body,
    );

  it('pages the applications by name, ten by default, from the figures of the overview', async () => {
    const all = await allApplications(embedded.app);
    expect(all.length).toBeGreaterThan(10);
    const first = await page('');
    expect(first).toMatchObject({ page: 1, pageSize: 10, total: all.length });
    const byApplication = all.toSorted(
      (a, b) => a.application.localeCompare(b.application) || a.namespace.localeCompare(b.namespace),
    );
    expect(first.items).toEqual(byApplication.slice(0, 10));
    const second = await page('page=2&pageSize=4');
    expect(second.items).toEqual(byApplication.slice(4, 8));
    // Past the end: no rows, the same total.
    const past = await page(`page=${all.length + 1}`);
    expect(past).toMatchObject({ items: [], total: all.length });
    const overview = MonitoringOverview.parse(
      (await request(embedded.app).get('/api/v1/monitoring/overview?window=5m').expect(200)).body,
    );
    expect(first.updatedAt).toBe(overview.updatedAt);
  });

  it('sorts by a numeric column both ways, rows without a value last either way', async () => {
    const all = await allApplications(embedded.app);
    const withLatency = all.filter((a) => a.traffic.latencyMs.avg !== null);
    // The test means something only with rows on both sides of null.
    expect(withLatency.length).toBeGreaterThan(1);
    expect(withLatency.length).toBeLessThan(all.length);
    for (const order of ['asc', 'desc'] as const) {
      const rows = (await page(`sort=latency&order=${order}&pageSize=100`)).items;
      const values = rows.map((a) => a.traffic.latencyMs.avg);
      const numbers = values.filter((v): v is number => v !== null);
      expect(values.slice(0, numbers.length)).toEqual(numbers);
      expect(values.slice(numbers.length).every((v) => v === null)).toBe(true);
      expect(numbers).toEqual(numbers.toSorted((a, b) => (order === 'asc' ? a - b : b - a)));
    }
    const busiest = (await page('sort=requests&order=desc&pageSize=1')).items[0];
    const overview = MonitoringOverview.parse(
      (await request(embedded.app).get('/api/v1/monitoring/overview?window=5m').expect(200)).body,
    );
    expect(busiest?.application).toBe(overview.top.requests[0]?.application);
  });

  it('searches the application, its namespace and its services, case-insensitively', async () => {
    const all = await allApplications(embedded.app);
    const found = await page('q=REVIEWS&pageSize=100');
    const expected = all.filter((a) =>
      [a.application, a.namespace, ...a.services].some((s) => s.toLowerCase().includes('reviews')),
    );
    expect(found.total).toBe(expected.length);
    expect(found.items.map((a) => a.application).sort()).toEqual(expected.map((a) => a.application).sort());
    expect(found.items.some((a) => a.application === 'reviews')).toBe(true);
    expect((await page('q=no-such-application-anywhere')).total).toBe(0);
  });

  it.each([
    ['pageSize=101', 'pageSize'],
    ['page=0', 'page'],
    ['sort=color', 'sort'],
    ['order=up', 'order'],
  ])('rejects %s with a 400 naming the field', async (query, field) => {
    const res = await request(embedded.app).get(`/api/v1/monitoring/applications?${query}`).expect(400);
    expect(res.body).toMatchObject({ code: 'InvalidRequest', field });
  });
});

describe('GET /api/v1/services/{id}/metrics', () => {
  it('answers series per version, consumers, instances and the split', async () => {
    const res = await request(embedded.app)
      .get(`/api/v1/services/${encodeURIComponent(REVIEWS)}/metrics?window=15m`)
      .expect(200);
    const body = ServiceMetrics.parse(res.body);
    expect(body.versions.map((v) => v.version)).toEqual(['v1', 'v2', 'v3']);
    expect(body.timestamps).toHaveLength(body.total.series.requestsPerMinute.length);
    expect(body.timestamps.length).toBeGreaterThan(30);
    for (const v of body.versions) expect(v.series.p95).toHaveLength(body.timestamps.length);
    expect(body.consumers.map((c) => c.workload)).toEqual(['productpage-v1']);
    expect(body.instances.map((i) => i.ready)).toEqual([true, true, true]);
    const shares = body.split.versions.map((v) => v.share ?? 0);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // The totals are the sum of the versions.
    const sum = body.versions.reduce((s, v) => s + v.stats.requestsPerMinute, 0);
    expect(body.total.stats.requestsPerMinute).toBeCloseTo(sum, 6);
  });

  it('answers 404 for a service the catalog does not have', async () => {
    const res = await request(embedded.app).get('/api/v1/services/nope%40dubbo/metrics').expect(404);
    expect(res.body.code).toBe('NotFound');
  });

  it('rejects a bad window with a 400 naming the field', async () => {
    const res = await request(embedded.app)
      .get(`/api/v1/services/${encodeURIComponent(REVIEWS)}/metrics?window=1d`)
      .expect(400);
    expect(res.body.field).toBe('window');
  });
});

describe('monitoring when Prometheus fails', () => {
  const fakes: FakePrometheus[] = [];
  afterAll(async () => {
    for (const f of fakes) await f.close();
  });
  /** A console reading the Prometheus at `url`, as PROMETHEUS_URL would make it. */
  const viaPrometheus = async (url: string, timeoutMs: number) =>
    (await appWith({ config: { prometheus: { url, scrapeIntervalSeconds: 15, timeoutMs } } })).app;

  it('answers 503 at once when Prometheus is down', async () => {
    const app = await viaPrometheus(await deadUrl(), 5000);
    const t0 = performance.now();
    const res = await request(app).get('/api/v1/monitoring/overview').expect(503);
    expect(performance.now() - t0).toBeLessThan(4000);
    expect(res.body.code).toBe('TelemetryUnavailable');
    expect(res.body.message).toMatch(/^Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('answers 503 after the timeout when Prometheus does not answer, for every endpoint', async () => {
    const silent = await fakePrometheus(() => undefined);
    fakes.push(silent);
    const app = await viaPrometheus(silent.url, 300);
    for (const path of [
      '/api/v1/monitoring/overview',
      `/api/v1/services/${encodeURIComponent(REVIEWS)}/metrics`,
    ]) {
      const t0 = performance.now();
      const res = await request(app).get(path).expect(503);
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(res.body).toEqual({
        code: 'TelemetryUnavailable',
        message: expect.stringMatching(/did not answer within 0\.3 s/),
      });
    }
  });
});

/** Reads a server-sent event stream until `until` says enough. */
async function readStream(
  url: string,
  until: (events: { event: string; data: string }[], comments: number) => boolean,
  headers: Record<string, string> = {},
) {
  const controller = new AbortController();
  // fetch asks for gzip: the stream must come uncompressed all the same, or events would wait in a buffer.
  const res = await fetch(url, {
    signal: controller.signal,
    headers: { 'accept-encoding': 'gzip', ...headers },
  });
  const events: { event: string; data: string }[] = [];
  let comments = 0;
  let buffer = '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  try {
    while (!until(events, comments)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (frame.startsWith(':')) comments++;
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event && data) events.push({ event, data });
      }
    }
  } finally {
    controller.abort();
  }
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    encoding: res.headers.get('content-encoding'),
    events,
    comments,
  };
}

describe('GET /api/v1/stream', () => {
  let server: Server;
  let base = '';
  const live = streaming[0];

  afterAll(async () => {
    live.stream.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  it('sends overview and service-metrics events and heartbeats, and forgets the client when it leaves', async () => {
    server = createServer(live.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const got = await readStream(
      `${base}/api/v1/stream?window=5m&service=${encodeURIComponent(REVIEWS)}`,
      (events, comments) =>
        events.filter((e) => e.event === STREAM_EVENTS.overview).length >= 2 &&
        events.some((e) => e.event === STREAM_EVENTS.serviceMetrics) &&
        comments >= 1,
    );
    expect(got.status).toBe(200);
    expect(got.type).toMatch(/^text\/event-stream/);
    expect(got.encoding).toBeNull();
    const overview = got.events.find((e) => e.event === STREAM_EVENTS.overview);
    MonitoringOverview.parse(JSON.parse(overview?.data ?? '{}'));
    const metrics = got.events.find((e) => e.event === STREAM_EVENTS.serviceMetrics);
    expect(ServiceMetrics.parse(JSON.parse(metrics?.data ?? '{}')).serviceId).toBe(REVIEWS);
    // The client went away: the hub lets go of it.
    await expect.poll(() => live.stream.clientCount, { timeout: 5000 }).toBe(0);
  });

  it.each([
    ['service=nope%40dubbo', 'service'],
    ['window=1y', 'window'],
    ['overview=maybe', 'overview'],
  ])('rejects %s with a 400 naming the field', async (query, field) => {
    const res = await request(live.app).get(`/api/v1/stream?${query}`).expect(400);
    expect(res.body).toMatchObject({ code: 'InvalidRequest', field });
  });
});

/** An API token for a user of `namespaces` (the app keeps tokens in memory). */
async function tokenFor(app: Parameters<typeof request>[0], namespaces: string[]) {
  const res = await request(app)
    .post('/api/v1/admin/tokens')
    .set(ADMIN_HEADER)
    .send({ name: `viewer of ${namespaces.join(' ')}`, role: 'viewer', namespaces })
    .expect(201);
  return { authorization: `Bearer ${res.body.secret as string}` };
}

/** Every `namespace` field anywhere in a JSON value. */
function namespacesIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) namespacesIn(v, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === 'namespace' && typeof v === 'string') out.add(v);
      else namespacesIn(v, out);
    }
  return out;
}

const PRODUCTPAGE = 'productpage.bookinfo.svc.cluster.local';

describe('monitoring for a user limited to some namespaces', () => {
  it('ranks each Top 5 within the user’s namespaces: five entries when five applications there have traffic', async () => {
    const all = MonitoringOverview.parse(
      (await request(embedded.app).get('/api/v1/monitoring/overview').expect(200)).body,
    );
    const ns = 'shop';
    const theirs = (await allApplications(embedded.app)).filter((a) => a.namespace === ns);
    // The test means something only if the mesh-wide Top 5 holds other namespaces' applications and
    // the namespace has five or more applications with traffic.
    expect(all.top.requests.some((e) => e.namespace !== ns)).toBe(true);
    expect(theirs.filter((a) => a.traffic.requestsPerMinute > 0).length).toBeGreaterThanOrEqual(5);

    const viewer = await tokenFor(embedded.app, [ns]);
    const res = await request(embedded.app).get('/api/v1/monitoring/overview').set(viewer).expect(200);
    const mine = MonitoringOverview.parse(res.body);
    expect(
      (await allApplications(embedded.app, viewer)).map((a) => `${a.namespace}/${a.application}`),
    ).toEqual(theirs.map((a) => `${a.namespace}/${a.application}`));
    expect(mine.applicationCount).toBe(theirs.length);
    const column = {
      requests: (a: (typeof theirs)[number]) => a.traffic.requestsPerMinute,
      latency: (a: (typeof theirs)[number]) => a.traffic.latencyMs.avg,
      errorRate: (a: (typeof theirs)[number]) => a.traffic.errorRate,
    };
    for (const [list, value] of Object.entries(column) as [keyof typeof column, (a: unknown) => number][]) {
      const ranked = theirs
        .filter((a) => a.traffic.requestsPerMinute > 0 && value(a) !== null)
        .sort((a, b) => value(b) - value(a))
        .slice(0, 5);
      expect(mine.top[list], list).toHaveLength(Math.min(5, ranked.length));
      expect(mine.top[list].map((e) => e.value)).toEqual(ranked.map(value));
      expect(mine.top[list].every((e) => e.namespace === ns)).toBe(true);
    }
    expect(mine.top.requests).toHaveLength(5);
  });

  it('shows a service’s callers from other namespaces as one row that names none of them', async () => {
    const all = ServiceMetrics.parse(
      (
        await request(embedded.app)
          .get(`/api/v1/services/${encodeURIComponent(PRODUCTPAGE)}/metrics`)
          .expect(200)
      ).body,
    );
    // Precondition: productpage is called from outside its namespace (the ingress gateway).
    expect(all.consumers.some((c) => c.namespace !== 'bookinfo')).toBe(true);
    const viewer = await tokenFor(embedded.app, ['bookinfo']);
    const res = await request(embedded.app)
      .get(`/api/v1/services/${encodeURIComponent(PRODUCTPAGE)}/metrics`)
      .set(viewer)
      .expect(200);
    const mine = ServiceMetrics.parse(res.body);
    expect([...namespacesIn(mine)].filter((n) => n !== 'bookinfo' && n !== '')).toEqual([]);
    const others = all.consumers.filter((c) => c.namespace !== 'bookinfo');
    expect(JSON.stringify(mine)).not.toContain(others[0]?.workload as string);
    const other = mine.consumers.find((c) => c.namespace === '');
    expect(other?.workload).toBe('');
    expect(other?.requestsPerMinute).toBeCloseTo(
      others.reduce((sum, c) => sum + c.requestsPerMinute, 0),
      6,
    );
    expect(mine.total).toEqual(all.total);
  });

  it('refuses the metrics of a service in another namespace', async () => {
    const viewer = await tokenFor(embedded.app, ['shop']);
    await request(embedded.app)
      .get(`/api/v1/services/${encodeURIComponent(PRODUCTPAGE)}/metrics`)
      .set(viewer)
      .expect(403);
  });
});

describe('the event stream for a user limited to some namespaces', () => {
  let server: Server;
  const live = streaming[1];

  afterAll(async () => {
    live.stream.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  it('never carries another namespace’s data, in any kind of event', async () => {
    server = createServer(live.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const viewer = await tokenFor(live.app, ['bookinfo']);
    // An admin on the same stream at the same time: the hub must not hand the user the admin's frames.
    const url = `${base}/api/v1/stream?window=5m&service=${encodeURIComponent(PRODUCTPAGE)}`;
    const enough = (events: { event: string }[]) =>
      events.filter((e) => e.event === STREAM_EVENTS.overview).length >= 2 &&
      events.filter((e) => e.event === STREAM_EVENTS.serviceMetrics).length >= 2;
    const [admin, got] = await Promise.all([
      readStream(url, enough, ADMIN_HEADER),
      readStream(url, enough, viewer),
    ]);
    expect(got.status).toBe(200);
    // Precondition: the same subscription as admin does carry other namespaces.
    const adminNamespaces = new Set(admin.events.flatMap((e) => [...namespacesIn(JSON.parse(e.data))]));
    expect([...adminNamespaces].some((n) => n !== 'bookinfo' && n !== '')).toBe(true);
    expect(admin.events.some((e) => e.data.includes('istio-ingressgateway'))).toBe(true);
    for (const e of got.events) {
      const data: unknown = JSON.parse(e.data);
      expect(
        [...namespacesIn(data)].filter((n) => n !== 'bookinfo' && n !== ''),
        e.event,
      ).toEqual([]);
      expect(e.data, e.event).not.toContain('istio-ingressgateway');
    }
    const overview = MonitoringOverview.parse(
      JSON.parse(got.events.find((e) => e.event === STREAM_EVENTS.overview)?.data ?? '{}'),
    );
    expect(overview.applicationCount).toBeGreaterThan(0);
    expect(overview.top.requests.length).toBeGreaterThan(0);
    expect(overview.top.requests.every((e) => e.namespace === 'bookinfo')).toBe(true);
  });
});

describe('a warm start', () => {
  it('asks Prometheus for the overview and the topology once the catalog has listed; the first visitors share that answer', async () => {
    const asked: string[] = [];
    const fake = await fakePrometheus((_path, params, res) => {
      asked.push(params.get('query') ?? '');
      sendJson(res, 200, { status: 'success', data: { resultType: 'vector', result: [] } });
    });
    try {
      // The rules every service's tabs read: which kinds were read, all namespaces at once.
      const sharedKinds: string[] = [];
      const objects = new MeshObjects(shared.kube);
      const listShared = objects.listShared.bind(objects);
      objects.listShared = (kind) => {
        sharedKinds.push(kind.kind);
        return listShared(kind);
      };
      const { app } = await appWith({
        objects,
        warmStart: true,
        // One scrape interval throughout: the visitors' questions are the warm start's.
        clock: () => Date.UTC(2024, 0, 1, 12),
        config: { prometheus: { url: fake.url, scrapeIntervalSeconds: 15, timeoutMs: 2000 } },
      });
      // Before any request: the overview's applications and the topology's links.
      const links = (q: string) => q.includes('by (source_workload');
      for (let i = 0; i < 100 && !(asked.some(links) && asked.some((q) => !links(q))); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(asked.some(links)).toBe(true);
      // The client lets a few queries through at a time: the warm start is done when none follows.
      for (let seen = -1; seen !== asked.length;) {
        seen = asked.length;
        await new Promise((r) => setTimeout(r, 100));
      }
      const warmed = asked.length;
      expect(warmed).toBeGreaterThan(1);
      // Within the scrape interval, the first visitors' pages are built from the warm start's figures.
      await request(app).get('/api/v1/monitoring/overview?window=5m').expect(200);
      await request(app).get('/api/v1/monitoring/applications?window=5m').expect(200);
      await request(app).get('/api/v1/topology?graphType=app&window=5m').expect(200);
      expect(asked).toHaveLength(warmed);
      // The rules' caches were started too: the routes tab's first visitor does not list them.
      expect(sharedKinds).toEqual(expect.arrayContaining(['VirtualService', 'DestinationRule']));
    } finally {
      await fake.close();
    }
  });
});
