import type { KubernetesObject } from '@kubernetes/client-node';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceDetail, ServiceListResponse } from '../contract/catalog';
import { demoCatalog } from '../embedded/demo-mesh/traffic/testing';
import { COMPRESS_FROM_BYTES } from '../lib/shared-encoding';
import { ADMIN_HEADER, asAdmin, testAuth } from '../testing/auth';
import { fullApp, startTestControlPlane, testConsole } from '../testing/console';
import type { TestControlPlane } from '../testing/console';

const built = await testConsole({ catalog: demoCatalog() });
const app = asAdmin(built.app);
afterAll(() => built.close());

describe('GET /api/v1/services', () => {
  it('searches and answers the contract shape', async () => {
    const res = await request(app).get('/api/v1/services').query({ q: 'EchoService' }).expect(200);
    const body = ServiceListResponse.parse(res.body);
    expect(body.total).toBe(1);
    expect(body.items[0]?.id).toBe('com.alibaba.dubbo.samples.echo.api.EchoService@dubbo');
    expect(body.facets.protocols).toContain('sofarpc');
  });

  it('sends a small page as it is, and a large one compressed, to a browser that accepts gzip', async () => {
    const small = await request(app)
      .get('/api/v1/services?pageSize=10')
      .set('accept-encoding', 'gzip')
      .expect(200);
    expect(small.headers['content-encoding']).toBeUndefined();
    // Larger than compression's usual threshold (1 kB), smaller than the first flight.
    expect(Number(small.headers['content-length'])).toBeGreaterThan(1024);
    expect(Number(small.headers['content-length'])).toBeLessThan(COMPRESS_FROM_BYTES);
    const large = await request(app)
      .get('/api/v1/services?pageSize=100')
      .set('accept-encoding', 'gzip')
      .expect(200);
    expect(large.headers['content-encoding']).toBe('gzip');
    expect(Buffer.byteLength(JSON.stringify(large.body))).toBeGreaterThanOrEqual(COMPRESS_FROM_BYTES);
  });

  it('filters by protocol and namespace and pages', async () => {
    const res = await request(app)
      .get('/api/v1/services?protocol=grpc&namespace=shop&page=2&pageSize=3')
      .expect(200);
    expect(res.body.total).toBeGreaterThan(3);
    expect(res.body.items).toHaveLength(3);
    expect(res.body.items.every((s: { protocol: string }) => s.protocol === 'grpc')).toBe(true);
  });

  it.each([
    ['pageSize=1000', 'pageSize'],
    ['page=0', 'page'],
    ['protocol=smtp', 'protocol'],
    ['page=abc', 'page'],
  ])('rejects %s with a 400 naming the field', async (query, field) => {
    const res = await request(app).get(`/api/v1/services?${query}`).expect(400);
    expect(res.body).toMatchObject({ code: 'InvalidRequest', field });
    expect(res.body.message).toContain(field);
  });
});

describe('GET /api/v1/services/{id}', () => {
  it('returns the service with providers of both versions; the ID is URL-encoded', async () => {
    const id = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';
    const res = await request(app)
      .get(`/api/v1/services/${encodeURIComponent(id)}`)
      .expect(200);
    const body = ServiceDetail.parse(res.body);
    expect(body.application).toBe('echo-provider');
    expect(new Set(body.providers.map((p) => p.version))).toEqual(
      new Set(['20191115224823305.fvxo1wbt', '20191115225115467.dfy77ofd']),
    );
  });

  it('answers 404 with the error shape for an unknown service', async () => {
    const res = await request(app).get('/api/v1/services/nope%40dubbo').expect(404);
    expect(res.body).toEqual({ code: 'NotFound', message: 'Service nope@dubbo was not found' });
  });
});

describe('the API surface', () => {
  it('publishes an OpenAPI document with the contract schemas', async () => {
    const res = await request(app).get('/api/v1/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.0.3');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/services',
        '/services/{id}',
        '/healthz',
        '/services/{id}/routes',
        '/services/{id}/routes/preview',
        '/services/{id}/routes/{name}',
        '/services/{id}/routes/{name}/revisions/{revision}/rollback',
      ]),
    );
    // The routing form's schema is published for API users, and the weight rule is documented.
    expect(res.body.components.schemas.RouteForm.properties.destinations.type).toBe('array');
    expect(res.body.paths['/services/{id}/routes'].post.responses[400].description).toContain('destinations');
    expect(res.body.components.schemas.ServiceDetail.properties.providers.items.$ref).toBe(
      '#/components/schemas/Instance',
    );
    // The data plane of services and instances is documented with the waypoint's schema.
    expect(res.body.components.schemas.ServiceSummary.properties.dataPlane.allOf[0].$ref).toBe(
      '#/components/schemas/ServiceDataPlane',
    );
    expect(res.body.components.schemas.ServiceDataPlane.properties.modes.items.enum).toEqual([
      'sidecar',
      'ambient',
      'none',
    ]);
    const params = res.body.paths['/services'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual([
      'q',
      'namespace',
      'protocol',
      'platform',
      'health',
      'dataPlane',
      'sort',
      'order',
      'page',
      'pageSize',
    ]);
  });

  it('answers unknown API paths with JSON 404, not the SPA', async () => {
    const res = await request(app).get('/api/v1/nothing').expect(404);
    expect(res.body.code).toBe('NotFound');
  });

  it('sends security headers and no framework banner', async () => {
    const res = await request(app).get('/api/v1/healthz').expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('an unexpected failure', () => {
  it('is a 500 with a generic message: no stack trace, no internal message', async () => {
    const corrupt = await testConsole({
      kube: built.kube,
      catalog: {
        view: () => {
          throw new Error('SQLITE_CORRUPT at /var/lib/secret/path');
        },
        get: () => undefined,
      },
    });
    const res = await request(asAdmin(corrupt.app)).get('/api/v1/services').expect(500);
    await corrupt.close();
    expect(res.body).toEqual({
      code: 'Internal',
      message: 'Internal error; the details are in the server log',
    });
    expect(JSON.stringify(res.body)).not.toContain('SQLITE');
  });
});

/**
 * Data planes as the catalog reads them from a control plane: the informers watch Namespaces and
 * the Gateway API's Gateways beside Services and Pods. Objects of the test's own namespaces, beside
 * the demo mesh's (sidecar-injected) ones.
 */
describe('data planes in the catalog', () => {
  let plane: TestControlPlane;
  let app: Express;
  let close: () => Promise<void>;
  const as: Record<'mallViewer' | 'legacyViewer', Record<string, string>> = {
    mallViewer: {},
    legacyViewer: {},
  };

  const create = (o: KubernetesObject) => plane.kube.objects.create(o);
  const service = (name: string, namespace: string, labels: Record<string, string> = {}) =>
    create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080 }] },
    } as KubernetesObject);
  const bareWorkload = (name: string, namespace: string, labels: Record<string, string> = {}) =>
    create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${name}-1`, namespace, labels: { app: name, ...labels } },
      spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
    } as KubernetesObject);

  beforeAll(async () => {
    plane = await startTestControlPlane();
    ({ app, close } = await fullApp(plane, testAuth({ kube: plane.kube })));
    await create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'mall',
        labels: { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' },
      },
    });
    await create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'legacy', labels: { 'istio.io/rev': 'stable' } },
    });
    await create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'waypoint', namespace: 'mall' },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
      },
    } as KubernetesObject);
    await service('basket', 'mall');
    await service('ledger', 'mall', { 'istio.io/use-waypoint': 'none' });
    await service('audit', 'mall', { 'istio.io/use-waypoint': 'audit-waypoint' });
    await service('archive', 'legacy');
    await bareWorkload('basket', 'mall');
    await bareWorkload('ledger', 'mall', { 'istio.io/dataplane-mode': 'none' });
    await bareWorkload('archive', 'legacy');
    const token = async (namespaces: string[]) => {
      const res = await request(app)
        .post('/api/v1/admin/tokens')
        .set(ADMIN_HEADER)
        .send({ name: `viewer ${namespaces.join(' ')}`, role: 'viewer', namespaces })
        .expect(201);
      return { authorization: `Bearer ${res.body.secret as string}` };
    };
    as.mallViewer = await token(['mall']);
    as.legacyViewer = await token(['legacy']);
  });
  afterAll(async () => {
    await close?.();
    await plane?.close();
  });

  const detail = async (id: string) => {
    let body: ServiceDetail | undefined;
    // The informers see the objects a moment after they are written.
    await expect
      .poll(
        async () => {
          const res = await request(app)
            .get(`/api/v1/services/${encodeURIComponent(id)}`)
            .set(ADMIN_HEADER);
          body = res.status === 200 ? ServiceDetail.parse(res.body) : undefined;
          return body?.providers.length ?? 0;
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    return body as ServiceDetail;
  };

  it('shows each provider’s data plane and the service’s waypoint, from the labels and the Gateways', async () => {
    const basket = await detail('basket.mall.svc.cluster.local');
    expect(basket.providers.map((p) => p.dataPlane)).toEqual(['ambient']);
    expect(basket.dataPlane).toEqual({
      modes: ['ambient'],
      waypoint: { namespace: 'mall', name: 'waypoint' },
      waypointMissing: false,
    });
    const ledger = await detail('ledger.mall.svc.cluster.local');
    expect(ledger.dataPlane).toEqual({ modes: ['none'], waypoint: null });
    const audit = await request(app)
      .get(`/api/v1/services/${encodeURIComponent('audit.mall.svc.cluster.local')}`)
      .set(ADMIN_HEADER)
      .expect(200);
    expect(audit.body.dataPlane).toMatchObject({
      waypoint: { namespace: 'mall', name: 'audit-waypoint' },
      waypointMissing: true,
    });
    // The demo mesh's pods have sidecars (their namespaces are injected).
    const reviews = await detail('reviews.bookinfo.svc.cluster.local');
    expect(reviews.dataPlane?.modes).toEqual(['sidecar']);
  });

  it('filters the list by data plane and sends its summary', async () => {
    await detail('basket.mall.svc.cluster.local');
    const res = await request(app).get('/api/v1/services?dataPlane=ambient').set(ADMIN_HEADER).expect(200);
    const body = ServiceListResponse.parse(res.body);
    // Whatever else the demo mesh holds, only services with an ambient instance.
    const ids = body.items.map((s) => s.id);
    expect(ids).toContain('basket.mall.svc.cluster.local');
    expect(ids).not.toContain('ledger.mall.svc.cluster.local');
    expect(ids).not.toContain('reviews.bookinfo.svc.cluster.local');
    expect(body.items.every((s) => s.dataPlane?.modes.includes('ambient'))).toBe(true);
    expect(body.items.find((s) => s.id === 'basket.mall.svc.cluster.local')?.dataPlane?.waypoint).toEqual({
      namespace: 'mall',
      name: 'waypoint',
    });
    const bad = await request(app).get('/api/v1/services?dataPlane=proxyless').set(ADMIN_HEADER).expect(400);
    expect(bad.body).toMatchObject({ code: 'InvalidRequest', field: 'dataPlane' });
  });

  it('gives each caller the data planes of their own namespaces only', async () => {
    await detail('archive.legacy.svc.cluster.local');
    const all = await request(app).get('/api/v1/services').set(ADMIN_HEADER).expect(200);
    const byName = (body: ServiceListResponse) =>
      Object.fromEntries((body.facets.namespaceDataPlanes ?? []).map((n) => [n.name, n]));
    const everything = byName(ServiceListResponse.parse(all.body));
    expect(everything.mall).toEqual({
      name: 'mall',
      dataPlane: 'ambient',
      waypoint: { namespace: 'mall', name: 'waypoint' },
      waypointMissing: false,
    });
    expect(everything.legacy?.dataPlane).toBe('sidecar');
    expect(everything.bookinfo?.dataPlane).toBe('sidecar');

    const mall = await request(app).get('/api/v1/services').set(as.mallViewer).expect(200);
    expect(Object.keys(byName(ServiceListResponse.parse(mall.body)))).toEqual(['mall']);
    const legacy = await request(app).get('/api/v1/services').set(as.legacyViewer).expect(200);
    const legacyBody = ServiceListResponse.parse(legacy.body);
    expect(Object.keys(byName(legacyBody))).toEqual(['legacy']);
    expect(legacyBody.items.map((s) => s.id)).toEqual(['archive.legacy.svc.cluster.local']);
  });
});
