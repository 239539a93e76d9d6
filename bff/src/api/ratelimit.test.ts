import * as yaml from 'js-yaml';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../clients/kube';
import type { KubeObject } from '../clients/mesh-objects';
import type { Console } from '../console';
import type { CatalogSource } from '../features/catalog/catalog';
import { asAdmin } from '../testing/auth';
import { startTestControlPlane, testConsole } from '../testing/console';
import type { TestControlPlane } from '../testing/console';

/**
 * The rate-limit API against the embedded control plane: what is written is read back through the
 * Kubernetes API, as kubectl would see it.
 */

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const base = `/api/v1/services/${encodeURIComponent(REVIEWS)}/ratelimits`;
const ECHO = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';
const echoBase = `/api/v1/services/${encodeURIComponent(ECHO)}/ratelimits`;

const form = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  limit: { requests: 10, unit: 'second' },
  scope: 'instance',
  enabled: true,
  shadow: false,
  ...extra,
});

describe('the rate limits API', () => {
  let plane: TestControlPlane;
  let built: Console;
  let kube: KubeClient;
  let catalog: CatalogSource;
  let app: ReturnType<typeof asAdmin>;

  const filters = async (namespace = 'bookinfo') =>
    (
      (await kube.custom.listNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1alpha3',
        namespace,
        plural: 'envoyfilters',
      })) as { items: KubeObject[] }
    ).items;
  const descriptorMaps = async () =>
    (
      await kube.core.listNamespacedConfigMap({
        namespace: 'bookinfo',
        labelSelector: 'mesh-console.io/ratelimit',
      })
    ).items;

  beforeAll(async () => {
    plane = await startTestControlPlane();
    ({ kube, catalog } = plane);
    built = await testConsole({ kube, catalog });
    app = asAdmin(built.app);
  });

  afterAll(async () => {
    await built?.close();
    await plane?.close();
  });

  it.each([
    ['a negative limit', form('bad', { limit: { requests: -5, unit: 'second' } }), 'limit.requests'],
    ['a zero window', form('bad', { limit: { requests: 5, unit: 'second', window: 0 } }), 'limit.window'],
    ['an unknown unit', form('bad', { limit: { requests: 5, unit: 'fortnight' } }), 'limit.unit'],
    ['an unknown scope', form('bad', { scope: 'cluster' }), 'scope'],
    ['a bad name', form('Bad_Name'), 'name'],
    ['an unknown version', form('bad', { version: 'v9' }), 'version'],
    ['an RPC method on an HTTP service', form('bad', { match: { rpcMethod: 'echo' } }), 'match.rpcMethod'],
  ])('refuses %s with a 400 naming the field, writing nothing', async (_what, body, field) => {
    for (const url of [base, `${base}/preview`]) {
      const res = await request(app).post(url).send(body).expect(400);
      expect(res.body).toMatchObject({ code: 'InvalidRequest', field });
      expect(res.body.message).toEqual(expect.any(String));
    }
    expect(await filters()).toEqual([]);
    expect(await descriptorMaps()).toEqual([]);
  });

  it('previews after a server-side dry run, writing nothing', async () => {
    const res = await request(app).post(`${base}/preview`).send(form('preview-only')).expect(200);
    expect(res.body.objects).toHaveLength(1);
    expect(res.body.objects[0]).toMatchObject({ kind: 'EnvoyFilter', action: 'create' });
    expect(res.body.objects[0].yaml).toContain('envoy.filters.http.local_ratelimit');
    expect(res.body.objects[0].diff).toContain('+    - applyTo: HTTP_FILTER');
    expect(await filters()).toEqual([]);
  });

  it('creates, lists, updates with the resourceVersion, refuses a stale one, and deletes', async () => {
    const created = await request(app)
      .post(base)
      .send(form('ten-per-second', { burst: 5 }))
      .expect(201);
    expect(created.body.form).toMatchObject({ name: 'ten-per-second', burst: 5, scope: 'instance' });
    const live = await filters();
    expect(live.map((f) => f.metadata.name)).toEqual(['reviews-ratelimit-ten-per-second']);
    expect(live[0]?.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('mesh-console');

    const list = await request(app).get(base).expect(200);
    expect(list.body.items.map((i: { name: string }) => i.name)).toEqual(['ten-per-second']);
    expect(list.body.readyInstances).toBe(3);

    const rv = created.body.resourceVersion as string;
    const updated = await request(app)
      .put(`${base}/ten-per-second`)
      .send(form('ten-per-second', { limit: { requests: 20, unit: 'second' }, resourceVersion: rv }))
      .expect(200);
    expect(updated.body.form.limit).toEqual({ requests: 20, unit: 'second' });
    const stale = await request(app)
      .put(`${base}/ten-per-second`)
      .send(form('ten-per-second', { limit: { requests: 30, unit: 'second' }, resourceVersion: rv }))
      .expect(409);
    expect(stale.body.code).toBe('Conflict');

    const dup = await request(app).post(base).send(form('ten-per-second')).expect(409);
    expect(dup.body.field).toBe('name');

    await request(app).delete(`${base}/ten-per-second`).expect(204);
    expect(await filters()).toEqual([]);
    await request(app).get(`${base}/ten-per-second`).expect(404);
  });

  it('refuses a second rule with the same match on the service', async () => {
    await request(app)
      .post(base)
      .send(form('api-a', { match: { path: { type: 'prefix', value: '/api' } } }))
      .expect(201);
    const res = await request(app)
      .post(base)
      .send(form('api-b', { match: { path: { type: 'prefix', value: '/api' } } }))
      .expect(400);
    expect(res.body).toMatchObject({ field: 'match' });
    expect(res.body.message).toContain('api-a');
    await request(app).delete(`${base}/api-a`).expect(204);
  });

  it('a global rule writes its descriptors ConfigMap in the ratelimit service’s format, and removes it', async () => {
    await request(app)
      .post(base)
      .send(form('global-rule', { scope: 'global', shadow: true, limit: { requests: 100, unit: 'minute' } }))
      .expect(201);
    const maps = await descriptorMaps();
    expect(maps).toHaveLength(1);
    expect(yaml.load(maps[0]?.data?.['config.yaml'] ?? '')).toEqual({
      domain: 'mesh-console.bookinfo.reviews-ratelimit-global-rule',
      descriptors: [
        {
          key: 'mesh-console-rule',
          value: 'global-rule',
          rate_limit: { unit: 'minute', requests_per_unit: 100 },
          shadow_mode: true,
        },
      ],
    });
    // Switching to per-instance removes the descriptors.
    const rule = await request(app).get(`${base}/global-rule`).expect(200);
    await request(app)
      .put(`${base}/global-rule`)
      .send(form('global-rule', { resourceVersion: rule.body.resourceVersion }))
      .expect(200);
    expect(await descriptorMaps()).toEqual([]);
    await request(app).delete(`${base}/global-rule`).expect(204);
  });

  it('records revisions and rolls back to an earlier one', async () => {
    await request(app).post(base).send(form('history')).expect(201);
    const got = await request(app).get(`${base}/history`).expect(200);
    await request(app)
      .put(`${base}/history`)
      .send(
        form('history', {
          limit: { requests: 50, unit: 'minute' },
          resourceVersion: got.body.resourceVersion,
        }),
      )
      .expect(200);
    const revs = await request(app).get(`${base}/history/revisions`).expect(200);
    expect(
      revs.body.items.map((r: { revision: number; action: string }) => `${r.revision}:${r.action}`),
    ).toEqual(['2:update', '1:create']);
    const back = await request(app).post(`${base}/history/revisions/1/rollback`).send({}).expect(200);
    expect(back.body.form.limit).toEqual({ requests: 10, unit: 'second' });
    const after = await request(app).get(`${base}/history/revisions`).expect(200);
    expect(after.body.items[0]).toMatchObject({ revision: 3, action: 'rollback', fromRevision: 1 });
    await request(app).delete(`${base}/history`).expect(204);
  });

  it('lists EnvoyFilters the console did not write read-only, and takes RPC method matches', async () => {
    await kube.custom.createNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1alpha3',
      namespace: 'bookinfo',
      plural: 'envoyfilters',
      body: {
        apiVersion: 'networking.istio.io/v1alpha3',
        kind: 'EnvoyFilter',
        metadata: { name: 'hand-written', namespace: 'bookinfo' },
        spec: { workloadSelector: { labels: { app: 'reviews' } }, configPatches: [] },
      },
    });
    const list = await request(app).get(base).expect(200);
    expect(list.body.items).toEqual([]);
    expect(list.body.foreign.map((f: { ref: { name: string } }) => f.ref.name)).toEqual(['hand-written']);
    expect(list.body.foreign[0].yaml).toContain('name: hand-written');

    const res = await request(app)
      .post(echoBase)
      .send(form('echo-method', { match: { rpcMethod: 'echo' } }))
      .expect(201);
    expect(res.body.form.match).toEqual({ rpcMethod: 'echo' });
    await request(app).delete(`${echoBase}/echo-method`).expect(204);
  });
});
