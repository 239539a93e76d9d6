import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiException, KubeClient } from '../clients/kube';
import { MeshObjects } from '../clients/mesh-objects';
import type { KubeObject, WriteOptions } from '../clients/mesh-objects';
import type { Console } from '../console';
import { startControlPlane } from '../embedded/control-plane';
import type { ControlPlane } from '../embedded/control-plane';
import { InformerCatalog } from '../features/catalog/catalog';
import { silentLogger } from '../lib/logger';
import { kubeKind } from '../lib/kube-kind';
import { SESSION_COOKIE } from '../features/auth/sessions';
import { asAdmin, cookieFrom, testAuth, writeUsersFile } from '../testing/auth';
import { testConsole } from '../testing/console';

/**
 * Routes written with the Kubernetes Gateway API, against the embedded control plane (which
 * serves the Gateway API CRDs): an ambient namespace with a waypoint, where `auto` writes
 * HTTPRoutes with one Service per version, and where MESH_CONSOLE_ROUTE_API=istio keeps writing
 * VirtualServices. What is written is read back through the Kubernetes API, as kubectl would.
 */

const NS = 'ambient-shop';
const OTHER_NS = 'team-b';
const HTTPROUTE = kubeKind('gateway.networking.k8s.io/v1', 'HTTPRoute', 'httproutes');
const SERVICE = kubeKind('v1', 'Service', 'services');
const VIRTUAL_SERVICE = kubeKind('networking.istio.io/v1', 'VirtualService', 'virtualservices');

const routesOf = (service: string, namespace = NS) =>
  `/api/v1/services/${encodeURIComponent(`${service}.${namespace}.svc.cluster.local`)}/routes`;
const CART = routesOf('cart');
const LEDGER = routesOf('ledger');
const DB = routesOf('db');

const split = (name: string, v1: number, v2: number, extra: Record<string, unknown> = {}) => ({
  name,
  routeType: 'version',
  trafficSplit: true,
  destinations: [
    { version: 'v1', weight: v1 },
    { version: 'v2', weight: v2 },
  ],
  ...extra,
});

/** A service of `versions`, one Deployment each (the control plane runs their pods). */
function app(
  name: string,
  namespace: string,
  versions: string[],
  port = { name: 'http', port: 9080 },
): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels: { app: name } },
      spec: { selector: { app: name }, ports: [{ ...port, targetPort: port.port }] },
    },
    ...versions.map((version) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `${name}-${version}`, namespace, labels: { app: name, version } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name, version } },
        template: {
          metadata: { labels: { app: name, version } },
          spec: {
            containers: [
              { name, image: `registry.local/${name}:${version}`, ports: [{ containerPort: 9080 }] },
            ],
          },
        },
      },
    })),
  ];
}

/** A Service of one version, as Istio's bookinfo-versions.yaml has them (not the console's). */
const versionService = (name: string, version: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: `${name}-${version}`, namespace: NS },
  spec: { selector: { app: name, version }, ports: [{ name: 'http', port: 9080, targetPort: 9080 }] },
});

/** A cluster without the Gateway API CRDs: every list of a Gateway API kind is a 404. */
class WithoutGatewayApi extends MeshObjects {
  override async list(kind: { apiVersion: string; kind: string }, namespace: string, labelSelector?: string) {
    if (kind.apiVersion.startsWith('gateway.networking.k8s.io/'))
      throw new ApiException(404, 'the server could not find the requested resource', {}, {});
    return super.list(kind, namespace, labelSelector);
  }
}

/**
 * Object writes where a test can run something right after a delete (a change racing another), or
 * make the creation of one kind fail (the control plane refusing a write half-way through a change).
 */
class HookedObjects extends MeshObjects {
  afterDelete: ((obj: KubeObject) => Promise<void>) | null = null;
  refuseCreateOf: string | null = null;
  override async create(obj: KubeObject, opts: WriteOptions = {}) {
    if (!opts.dryRun && obj.kind === this.refuseCreateOf)
      throw new ApiException(
        422,
        'refused',
        { code: 422, reason: 'Invalid', message: `${obj.kind} refused` },
        {},
      );
    return super.create(obj, opts);
  }
  override async delete(obj: KubeObject, opts: WriteOptions = {}) {
    await super.delete(obj, opts);
    if (!opts.dryRun) await this.afterDelete?.(obj);
  }
}

interface LiveRoute extends KubeObject {
  spec: {
    parentRefs: { kind?: string; name: string }[];
    rules: { backendRefs: { name: string; weight?: number }[]; filters?: unknown[] }[];
  };
}

describe('routes with the Gateway API', () => {
  let dataDir: string;
  let cp: ControlPlane;
  let kube: KubeClient;
  let catalog: InformerCatalog;
  let objects: MeshObjects;
  let hooked: HookedObjects;
  let built: Console;
  let istioBuilt: Console;
  let api: ReturnType<typeof asAdmin>;
  let istioApi: ReturnType<typeof asAdmin>;
  let bare: Console[] = [];

  const liveRoute = (name: string) => objects.get(HTTPROUTE, NS, name) as Promise<LiveRoute>;
  const weights = (route: LiveRoute) =>
    route.spec.rules.at(-1)?.backendRefs.map((b) => `${b.name}:${b.weight ?? 1}`);
  const serviceExists = (name: string) =>
    objects.get(SERVICE, NS, name).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-gateway-api-'));
    cp = await startControlPlane({ dataDir, logger: silentLogger() });
    kube = KubeClient.forLoopback(cp.url, cp.token);
    objects = new MeshObjects(kube);
    const fixtures: KubeObject[] = [
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: NS,
          labels: { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' },
        },
      },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OTHER_NS } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'waypoint', namespace: NS },
        spec: {
          gatewayClassName: 'istio-waypoint',
          listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
        },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'edge', namespace: OTHER_NS },
        spec: {
          gatewayClassName: 'istio',
          listeners: [
            { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
          ],
        },
      },
      ...app('cart', NS, ['v1', 'v2']),
      ...app('ledger', NS, ['v1', 'v2']),
      ...app('db', NS, ['v1', 'v2'], { name: 'tcp', port: 5432 }),
      ...app('shelf', NS, ['v1', 'v2']),
      ...app('quotes', NS, ['v1', 'v2'], { name: 'grpc', port: 50051 }),
      versionService('cart', 'v1'),
    ];
    for (const obj of fixtures) await objects.create(obj);
    catalog = await InformerCatalog.start(kube, silentLogger());
    hooked = new HookedObjects(kube);
    built = await testConsole({ kube, catalog, objects: hooked });
    istioBuilt = await testConsole({ kube, catalog, config: { routeApi: 'istio' } });
    api = asAdmin(built.app);
    istioApi = asAdmin(istioBuilt.app);
    // The catalog sees both versions of both services once their pods run.
    for (let i = 0; i < 200; i++) {
      const ready = ['cart', 'ledger', 'db', 'shelf', 'quotes'].every(
        (s) =>
          (catalog.get(`${s}.${NS}.svc.cluster.local`)?.versionDetails ?? []).filter((v) => v.ready > 0)
            .length === 2,
      );
      if (ready) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 30_000);

  afterAll(async () => {
    for (const c of bare) await c.close();
    await istioBuilt?.close();
    await built?.close();
    await catalog?.stop();
    await cp?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('auto: an ambient namespace with a waypoint routes with HTTPRoutes, and says why', async () => {
    const list = await request(api).get(CART).expect(200);
    expect(list.body.routeApi).toMatchObject({ api: 'gateway-api', kind: 'HTTPRoute' });
    expect(list.body.routeApi.reason).toMatch(/ambient mode and uses waypoint ambient-shop\/waypoint/);
    const istio = await request(istioApi).get(CART).expect(200);
    expect(istio.body.routeApi).toMatchObject({ api: 'istio', kind: 'VirtualService' });
    expect(istio.body.routeApi.reason).toMatch(/MESH_CONSOLE_ROUTE_API is istio/);
  });

  it('previews a 20/80 split as an HTTPRoute and the per-version Service it needs, writing nothing', async () => {
    const res = await request(api)
      .post(`${CART}/preview`)
      .send(split('cart-split', 20, 80))
      .expect(200);
    expect(res.body.routeApi).toMatchObject({ api: 'gateway-api', kind: 'HTTPRoute' });
    const byKind = (kind: string, name: string) =>
      res.body.objects.find((o: { kind: string; name: string }) => o.kind === kind && o.name === name);
    // cart-v1 is Istio's kind of per-version Service, reused; cart-v2 is made.
    expect(byKind('Service', 'cart-v2')).toMatchObject({ action: 'create' });
    expect(byKind('Service', 'cart-v2').diff).toContain('+  name: cart-v2');
    expect(byKind('Service', 'cart-v1')).toBeUndefined();
    const route = byKind('HTTPRoute', 'cart-split');
    expect(route).toMatchObject({ action: 'create' });
    expect(route.yaml).toMatch(/name: cart-v1\n(?:\s+\w+: .*\n)*?\s+weight: 20\n/);
    expect(route.yaml).toMatch(/name: cart-v2\n(?:\s+\w+: .*\n)*?\s+weight: 80\n/);
    expect(await serviceExists('cart-v2')).toBe(false);
    expect((await request(api).get(CART).expect(200)).body.items).toEqual([]);
  });

  it('creates, keeps an unmodelled filter on edit, refuses a stale edit, rolls back, and deletes only its own Services', async () => {
    const created = await request(api)
      .post(CART)
      .send(split('cart-split', 20, 80))
      .expect(201);
    expect(created.body.ref).toMatchObject({ kind: 'HTTPRoute', namespace: NS, name: 'cart-split' });
    expect(created.body.scope).toMatchObject({ match: 'exact', appliesAt: { mesh: true }, editable: true });
    const live = await liveRoute('cart-split');
    expect(live.spec.parentRefs).toEqual([expect.objectContaining({ kind: 'Service', name: 'cart' })]);
    expect(weights(live)).toEqual(['cart-v1:20', 'cart-v2:80']);
    const made = await objects.get(SERVICE, NS, 'cart-v2');
    expect(made.metadata.annotations?.['mesh-console.io/version-of']).toBe('cart/v2');

    // Someone adds a filter the form does not model; the form shows the rule and keeps it.
    const withFilter = structuredClone(live);
    const lastRule = withFilter.spec.rules.at(-1);
    if (!lastRule) throw new Error('the route has no rule');
    lastRule.filters = [
      { type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'x-canary', value: 'yes' }] } },
    ];
    const filtered = await objects.replace(withFilter);
    const read = await request(api).get(`${CART}/cart-split`).expect(200);
    expect(read.body.form).not.toBeNull();
    expect(read.body.kept.join(' ')).toMatch(/filters/);

    const rv = filtered.metadata.resourceVersion as string;
    await request(api)
      .put(`${CART}/cart-split`)
      .send(split('cart-split', 50, 50, { resourceVersion: rv }))
      .expect(200);
    const edited = await liveRoute('cart-split');
    expect(weights(edited)).toEqual(['cart-v1:50', 'cart-v2:50']);
    expect(JSON.stringify(edited.spec.rules)).toContain('x-canary');

    const stale = await request(api)
      .put(`${CART}/cart-split`)
      .send(split('cart-split', 10, 90, { resourceVersion: rv }))
      .expect(409);
    expect(stale.body.code).toBe('Conflict');
    expect(weights(await liveRoute('cart-split'))).toEqual(['cart-v1:50', 'cart-v2:50']);

    await request(api).post(`${CART}/cart-split/revisions/1/rollback`).send({}).expect(200);
    expect(weights(await liveRoute('cart-split'))).toEqual(['cart-v1:20', 'cart-v2:80']);

    const current = (await request(api).get(`${CART}/cart-split`).expect(200)).body.resourceVersion as string;
    await request(api).delete(`${CART}/cart-split`).query({ resourceVersion: current }).expect(204);
    await expect(liveRoute('cart-split')).rejects.toThrow();
    expect(await serviceExists('cart-v2')).toBe(false);
    expect(await serviceExists('cart-v1')).toBe(true);

    // Rolling back to the first revision brings the route back, and the Service it used.
    const revisions = await request(api).get(`${CART}/cart-split/revisions`).expect(200);
    expect(revisions.body.items[0].action).toBe('delete');
    await request(api).post(`${CART}/cart-split/revisions/1/rollback`).send({}).expect(200);
    expect(weights(await liveRoute('cart-split'))).toEqual(['cart-v1:20', 'cart-v2:80']);
    expect(await serviceExists('cart-v2')).toBe(true);
  });

  it('a rule that starts using a per-version Service while the last other user is deleted keeps it: never a dangling backend', async () => {
    const SHELF = routesOf('shelf');
    const allTo = (name: string) => ({
      name,
      routeType: 'version',
      trafficSplit: false,
      destinations: [{ version: 'v2', weight: 100 }],
    });
    await request(api).post(SHELF).send(allTo('shelf-a')).expect(201);
    expect(await serviceExists('shelf-v2')).toBe(true);
    // Right after shelf-a's route is deleted, before its now unused Service is, shelf-b starts using it.
    let raced = false;
    hooked.afterDelete = async (obj) => {
      if (raced || obj.kind !== 'HTTPRoute' || obj.metadata.name !== 'shelf-a') return;
      raced = true;
      await request(api).post(SHELF).send(allTo('shelf-b')).expect(201);
    };
    try {
      await request(api).delete(`${SHELF}/shelf-a`).expect(204);
    } finally {
      hooked.afterDelete = null;
    }
    expect(raced).toBe(true);
    await expect(liveRoute('shelf-a')).rejects.toThrow();
    expect(weights(await liveRoute('shelf-b'))).toEqual(['shelf-v2:100']);
    const backend = await objects.get(SERVICE, NS, 'shelf-v2');
    expect(backend.metadata.annotations?.['mesh-console.io/used-by']).toBe('shelf-b');
  });

  it('leaves the control plane as it was when the route is refused after its per-version Services were created', async () => {
    const QUOTES = routesOf('quotes');
    hooked.refuseCreateOf = 'GRPCRoute';
    try {
      const res = await request(api)
        .post(QUOTES)
        .send(split('quotes-split', 25, 75));
      expect(res.status).toBe(422);
    } finally {
      hooked.refuseCreateOf = null;
    }
    expect(await serviceExists('quotes-v1')).toBe(false);
    expect(await serviceExists('quotes-v2')).toBe(false);
    expect((await request(api).get(QUOTES).expect(200)).body.items).toEqual([]);
    expect((await request(api).get(`${QUOTES}/quotes-split/revisions`).expect(200)).body.items).toEqual([]);
  });

  it('MESH_CONSOLE_ROUTE_API=istio keeps writing VirtualServices in the ambient namespace', async () => {
    await request(istioApi)
      .post(LEDGER)
      .send(split('ledger-split', 30, 70))
      .expect(201);
    const vs = (await objects.get(VIRTUAL_SERVICE, NS, 'ledger-split')) as KubeObject & {
      spec: { http: { route: { weight: number }[] }[] };
    };
    expect(vs.spec.http.at(-1)?.route.map((r) => r.weight)).toEqual([30, 70]);
    await expect(liveRoute('ledger-split')).rejects.toThrow();
    expect(await serviceExists('ledger-v2')).toBe(false);
  });

  it('a TCP service in the same namespace gets a TCPRoute at the version the cluster serves (v1, standard channel)', async () => {
    const list = await request(api).get(DB).expect(200);
    expect(list.body.routeApi).toMatchObject({ api: 'gateway-api', kind: 'TCPRoute' });
    const res = await request(api)
      .post(`${DB}/preview`)
      .send(split('db-split', 90, 10))
      .expect(200);
    const route = res.body.objects.find((o: { kind: string }) => o.kind === 'TCPRoute');
    expect(route).toMatchObject({ apiVersion: 'gateway.networking.k8s.io/v1', action: 'create' });
    expect(route.yaml).toMatch(/name: db-v1\n(?:\s+\w+: .*\n)*?\s+weight: 90\n/);
    expect(route.yaml).toMatch(/port: 5432/);
  });

  it('a cluster without the Gateway API CRDs: auto writes VirtualServices, saying why; a forced gateway-api is a clear error', async () => {
    const withoutCrds = new WithoutGatewayApi(kube);
    bare = await Promise.all([
      testConsole({ kube, catalog, objects: withoutCrds }),
      testConsole({ kube, catalog, objects: withoutCrds, config: { routeApi: 'gateway-api' } }),
    ]);
    const [auto, forced] = bare.map((c) => asAdmin(c.app)) as [
      ReturnType<typeof asAdmin>,
      ReturnType<typeof asAdmin>,
    ];
    const list = await request(auto).get(LEDGER).expect(200);
    expect(list.body.routeApi).toMatchObject({ api: 'istio', kind: 'VirtualService' });
    expect(list.body.routeApi.reason).toMatch(/does not serve HTTPRoute/);
    const preview = await request(auto)
      .post(`${LEDGER}/preview`)
      .send(split('ledger-b', 50, 50))
      .expect(200);
    expect(preview.body.objects.map((o: { kind: string }) => o.kind).sort()).toEqual([
      'DestinationRule',
      'VirtualService',
    ]);

    const forcedList = await request(forced).get(LEDGER).expect(200);
    expect(forcedList.body.routeApi).toMatchObject({ api: 'gateway-api', kind: 'HTTPRoute' });
    const refused = await request(forced)
      .post(`${LEDGER}/preview`)
      .send(split('ledger-b', 50, 50))
      .expect(409);
    expect(refused.body).toMatchObject({
      code: 'RouteApiUnavailable',
      message: expect.stringMatching(/does not serve HTTPRoute: install the Gateway API CRDs/),
    });
    await request(forced)
      .post(LEDGER)
      .send(split('ledger-b', 50, 50))
      .expect(409);
    await expect(liveRoute('ledger-b')).rejects.toThrow();
  });

  it('a gRPC service in the same namespace gets a GRPCRoute, which the control plane accepts', async () => {
    const QUOTES = routesOf('quotes');
    const list = await request(api).get(QUOTES).expect(200);
    expect(list.body.routeApi).toMatchObject({ api: 'gateway-api', kind: 'GRPCRoute' });
    const res = await request(api)
      .post(`${QUOTES}/preview`)
      .send(split('quotes-split', 25, 75))
      .expect(200);
    const route = res.body.objects.find((o: { kind: string }) => o.kind === 'GRPCRoute');
    expect(route).toMatchObject({ apiVersion: 'gateway.networking.k8s.io/v1', action: 'create' });
    expect(route.yaml).toMatch(/name: quotes-v2\n(?:\s+\w+: .*\n)*?\s+weight: 75\n/);
  });

  it.each([
    [
      'a parentRef to another Service',
      "parentRefs: [{ group: '', kind: Service, name: ledger }]",
      'spec.parentRefs[0].name',
    ],
    [
      'a parentRef that is not a core Service (no group)',
      'parentRefs: [{ kind: Service, name: cart }]',
      'spec.parentRefs[0].kind',
    ],
    [
      'a backend of another namespace',
      "parentRefs: [{ group: '', kind: Service, name: cart }]\n  rules: [{ backendRefs: [{ name: payments, namespace: team-b, port: 9080 }] }]",
      'spec.rules[0].backendRefs[0].namespace',
    ],
    [
      'a backend that is another service',
      "parentRefs: [{ group: '', kind: Service, name: cart }]\n  rules: [{ backendRefs: [{ name: ledger, port: 9080 }] }]",
      'spec.rules[0].backendRefs[0].name',
    ],
  ])(
    'refuses a hand-written HTTPRoute with %s, naming the field; nothing written',
    async (_, spec, field) => {
      const yaml = [
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: HTTPRoute',
        'metadata:',
        '  name: takeover',
        'spec:',
        `  ${spec}`,
      ].join('\n');
      const res = await request(api).post(CART).send({ yaml }).expect(400);
      expect(res.body.field).toBe('yaml');
      expect(res.body.message.startsWith(`${field}:`)).toBe(true);
      await expect(liveRoute('takeover')).rejects.toThrow();
    },
  );

  it('accepts a hand-written HTTPRoute of the service, bound to a Gateway too, and edits it as YAML from the version read', async () => {
    const yaml = (weight: number) =>
      [
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: HTTPRoute',
        'metadata:',
        '  name: cart-yaml',
        'spec:',
        "  parentRefs: [{ group: '', kind: Service, name: cart, port: 9080 }, { name: edge, namespace: team-b }]",
        '  rules:',
        "    - matches: [{ headers: [{ name: x-beta, value: 'on' }] }]",
        `      backendRefs: [{ name: cart-v1, port: 9080, weight: ${weight} }, { name: cart, port: 9080, weight: ${100 - weight} }]`,
      ].join('\n');
    const created = await request(api)
      .post(CART)
      .send({ yaml: yaml(60) })
      .expect(201);
    expect(created.body.scope).toMatchObject({
      appliesAt: { mesh: true, gateways: ['team-b/edge'] },
      editable: true,
    });
    const rv = created.body.resourceVersion as string;
    await request(api)
      .put(`${CART}/cart-yaml`)
      .send({ yaml: yaml(70), resourceVersion: rv })
      .expect(200);
    expect(weights(await liveRoute('cart-yaml'))).toEqual(['cart-v1:70', 'cart:30']);
    await request(api)
      .put(`${CART}/cart-yaml`)
      .send({ yaml: yaml(80), resourceVersion: rv })
      .expect(409);
    await request(api).delete(`${CART}/cart-yaml`).expect(204);
    await expect(liveRoute('cart-yaml')).rejects.toThrow();
    expect(await serviceExists('cart-v1')).toBe(true);
  });

  it('lists a route of another namespace bound to a Gateway that sends to the service, read-only', async () => {
    await objects.create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'edge-cart', namespace: OTHER_NS },
      spec: {
        parentRefs: [{ name: 'edge' }],
        rules: [{ backendRefs: [{ name: 'cart', namespace: NS, port: 9080 }] }],
      },
    });
    const list = await request(api).get(CART).expect(200);
    const row = list.body.items.find((r: { name: string }) => r.name === 'edge-cart');
    expect(row).toMatchObject({
      form: null,
      scope: {
        namespace: OTHER_NS,
        match: 'destination',
        appliesAt: { mesh: false, gateways: [`${OTHER_NS}/edge`] },
        editable: false,
      },
    });
    expect(row.reasons.join(' ')).toMatch(/namespace team-b/);
    // The service's own route is listed beside it, editable.
    expect(list.body.items.find((r: { name: string }) => r.name === 'cart-split')?.scope.editable).toBe(true);
  });

  it('shows a caller only the routes of namespaces it may read, and counts the others', async () => {
    const usersFile = await writeUsersFile([
      { name: 'vera', password: 'viewer-password-1', role: 'viewer', namespaces: [NS] },
    ]);
    const viewer = await testConsole({ kube, catalog, auth: testAuth({ kube, usersFile }) });
    bare.push(viewer);
    const login = await request(viewer.app)
      .post('/api/v1/auth/login')
      .send({ username: 'vera', password: 'viewer-password-1' })
      .expect(200);
    const cookie = cookieFrom(login.headers['set-cookie'], SESSION_COOKIE) ?? '';
    const list = await request(viewer.app).get(CART).set('cookie', cookie).expect(200);
    expect(list.body.items.map((r: { name: string }) => r.name)).toEqual(['cart-split']);
    expect(list.body.warnings).toContainEqual({
      code: 'rules-in-unreadable-namespaces',
      message: '1 more HTTPRoutes in namespaces you may not read affect this service',
    });
    expect(JSON.stringify(list.body)).not.toContain('edge-cart');
  });

  it('a service routed by both APIs: the list says so, and the reason says which API new routes use and why', async () => {
    await request(istioApi)
      .post(CART)
      .send(split('cart-vs', 50, 50))
      .expect(201);
    const list = await request(api).get(CART).expect(200);
    expect(list.body.routeApi).toMatchObject({ api: 'gateway-api', kind: 'HTTPRoute' });
    expect(list.body.routeApi.reason).toMatch(
      /both HTTPRoute\/cart-split and VirtualService cart-vs; it uses waypoint ambient-shop\/waypoint/,
    );
    expect(list.body.warnings).toContainEqual({
      code: 'second-route-on-host',
      message: expect.stringMatching(
        /^Both VirtualService cart-vs and HTTPRoute cart-split route this service/,
      ),
    });
    // Each rule keeps its own API when edited, whichever API new routes use.
    const vs = list.body.items.find((r: { name: string }) => r.name === 'cart-vs');
    expect(vs).toMatchObject({ ref: { kind: 'VirtualService' }, scope: { editable: true } });
    // The VirtualService's form is offered Istio's Gateways (not the Gateway API's), and binds to one.
    await objects.create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'cart-gateway', namespace: NS },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['cart.example.com'] }],
      },
    });
    const withGateway = await request(api).get(CART).expect(200);
    expect(withGateway.body.gateways).toContain(`${NS}/cart-gateway`);
    await request(api)
      .put(`${CART}/cart-vs`)
      .send(
        split('cart-vs', 40, 60, { resourceVersion: vs.resourceVersion, gateways: ['mesh', 'cart-gateway'] }),
      )
      .expect(200);
    const live = (await objects.get(VIRTUAL_SERVICE, NS, 'cart-vs')) as KubeObject & {
      spec: { http: { route: { weight: number }[] }[] };
    };
    expect(live.spec.http.at(-1)?.route.map((r) => r.weight)).toEqual([40, 60]);
  });
});
