import * as yaml from 'js-yaml';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../clients/kube';
import type { KubeObject } from '../clients/mesh-objects';
import type { Console } from '../console';
import type { CatalogSource } from '../features/catalog/catalog';
import { SESSION_COOKIE } from '../features/auth/sessions';
import { asAdmin, cookieFrom, testAuth, writeUsersFile } from '../testing/auth';
import { fullApp, startTestControlPlane, testConsole } from '../testing/console';
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

  describe('other EnvoyFilters that apply to the service', () => {
    const envoyFilter = (namespace: string, name: string, spec: Record<string, unknown>) => ({
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: { name, namespace },
      spec,
    });
    const inbound = {
      context: 'SIDECAR_INBOUND',
      listener: {
        filterChain: {
          filter: {
            name: 'envoy.filters.network.http_connection_manager',
            subFilter: { name: 'envoy.filters.http.router' },
          },
        },
      },
    };
    const localRateLimit = {
      applyTo: 'HTTP_FILTER',
      match: inbound,
      patch: {
        operation: 'INSERT_BEFORE',
        value: {
          name: 'envoy.filters.http.local_ratelimit',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
            stat_prefix: 'http_local_rate_limiter',
          },
        },
      },
    };
    const lua = {
      applyTo: 'HTTP_FILTER',
      match: inbound,
      patch: {
        operation: 'INSERT_BEFORE',
        value: {
          name: 'envoy.filters.http.lua',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua',
            default_source_code: { inline_string: 'function envoy_on_request(h) end' },
          },
        },
      },
    };
    const OBJECTS = [
      // The root namespace's apply in every namespace: these two reach reviews' sidecars…
      envoyFilter('istio-system', 'mesh-reviews-limit', {
        workloadSelector: { labels: { app: 'reviews' } },
        configPatches: [localRateLimit],
      }),
      envoyFilter('istio-system', 'mesh-wide-lua', { configPatches: [lua] }),
      // …these do not: another app's selector, a selector no reviews Pod satisfies, a gateway's targetRefs.
      envoyFilter('istio-system', 'ratings-limit', {
        workloadSelector: { labels: { app: 'ratings' } },
        configPatches: [localRateLimit],
      }),
      envoyFilter('istio-system', 'reviews-v9', {
        workloadSelector: { labels: { app: 'reviews', version: 'v9' } },
        configPatches: [lua],
      }),
      envoyFilter('istio-system', 'ingress-only', {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'ingress' }],
        configPatches: [lua],
      }),
      // The service's namespace: one selecting v2 by its version only, and one the foreign list shows.
      envoyFilter('bookinfo', 'v2-lua', {
        workloadSelector: { labels: { version: 'v2' } },
        configPatches: [lua],
      }),
      envoyFilter('bookinfo', 'reviews-lua', {
        workloadSelector: { labels: { app: 'reviews' } },
        configPatches: [lua],
      }),
      // Another namespace's, without a selector: it applies to that namespace only.
      envoyFilter('default', 'default-wide', { configPatches: [lua] }),
    ];
    const names = (items: { ref: { namespace: string; name: string } }[]) =>
      items.map((i) => `${i.ref.namespace}/${i.ref.name}`);

    beforeAll(async () => {
      for (const body of OBJECTS)
        await kube.custom.createNamespacedCustomObject({
          group: 'networking.istio.io',
          version: 'v1alpha3',
          namespace: body.metadata.namespace,
          plural: 'envoyfilters',
          body,
        });
    });

    afterAll(async () => {
      for (const { metadata } of OBJECTS)
        await kube.custom
          .deleteNamespacedCustomObject({
            group: 'networking.istio.io',
            version: 'v1alpha3',
            namespace: metadata.namespace,
            plural: 'envoyfilters',
            name: metadata.name,
          })
          .catch(() => undefined);
    });

    it('lists the root namespace’s and the namespace’s EnvoyFilters that select the service’s instances, read-only, with why', async () => {
      const list = await request(app).get(base).expect(200);
      expect(names(list.body.others.items)).toEqual([
        'istio-system/mesh-reviews-limit',
        'istio-system/mesh-wide-lua',
        'bookinfo/v2-lua',
      ]);
      const [rootLimit, rootLua, v2] = list.body.others.items;
      expect(rootLimit).toMatchObject({
        from: 'root',
        selector: { app: 'reviews' },
        instances: { selected: 3, total: 3 },
        rateLimiting: true,
        ref: { apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter' },
      });
      expect(rootLimit.yaml).toContain('name: mesh-reviews-limit');
      expect(rootLimit.yaml).toContain('envoy.filters.http.local_ratelimit');
      expect(rootLua).toMatchObject({ from: 'root', selector: null, rateLimiting: false });
      expect(v2).toMatchObject({
        from: 'namespace',
        selector: { version: 'v2' },
        instances: { selected: 1, total: 3 },
        rateLimiting: false,
      });
      expect(list.body.others).toMatchObject({ hidden: 0, unavailable: [] });
      // The hand-written one the foreign list already shows is not listed twice.
      expect(names(list.body.foreign)).toContain('bookinfo/reviews-lua');
      expect(names(list.body.others.items)).not.toContain('bookinfo/reviews-lua');
      // Another service is reached by its own selector; the version selector reaches its v2 VMs too.
      const ratings = await request(app)
        .get(`/api/v1/services/${encodeURIComponent('ratings.bookinfo.svc.cluster.local')}/ratelimits`)
        .expect(200);
      expect(names(ratings.body.others.items)).toEqual([
        'istio-system/mesh-wide-lua',
        'istio-system/ratings-limit',
        'bookinfo/v2-lua',
      ]);
      expect(ratings.body.others.items[2].instances).toEqual({ selected: 2, total: 3 });
    });

    it('shows a caller only the namespaces it may read, and counts the rest', async () => {
      const usersFile = await writeUsersFile([
        { name: 'vera', password: 'viewer-password-1', role: 'viewer', namespaces: ['bookinfo'] },
      ]);
      const viewer = await fullApp(plane, testAuth({ kube, usersFile }));
      try {
        const login = await request(viewer.app)
          .post('/api/v1/auth/login')
          .send({ username: 'vera', password: 'viewer-password-1' })
          .expect(200);
        const cookie = cookieFrom(login.headers['set-cookie'], SESSION_COOKIE) ?? '';
        const list = await request(viewer.app).get(base).set('cookie', cookie).expect(200);
        expect(names(list.body.others.items)).toEqual(['bookinfo/v2-lua']);
        expect(list.body.others.hidden).toBe(2);
        expect(JSON.stringify(list.body)).not.toContain('mesh-reviews-limit');
      } finally {
        await viewer.close();
      }
    });
  });
});
