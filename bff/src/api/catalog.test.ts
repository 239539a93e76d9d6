import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceDetail, ServiceListResponse } from '../contract/catalog';
import { demoCatalog } from '../embedded/demo-mesh/traffic/testing';
import { asAdmin } from '../testing/auth';
import { testConsole } from '../testing/console';

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
