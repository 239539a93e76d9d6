import type { KubernetesObject } from '@kubernetes/client-node';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceDetail, ServiceListResponse } from '../contract/catalog';
import { requirementFor } from '../features/auth/policy';
import { apiRoutes } from '../testing/routes';
import type { ApiRoute } from '../testing/routes';
import { ADMIN_HEADER, testAuth } from '../testing/auth';
import { fullApp, startTestControlPlane } from '../testing/console';
import type { TestControlPlane } from '../testing/console';

/**
 * The authorization matrix: every API route the app has (read from Express's router, so a route
 * added later is in the matrix without anyone remembering it) × every kind of caller, against
 * what the policy table says. A route the table below does not classify fails the test.
 */

type Expected = 'public' | 'signed-in' | 'read' | 'read-service' | 'change-service' | 'admin';

/** The policy, written out route by route. A new route must be added here, deliberately. */
const TABLE: Record<string, Expected> = {
  'GET /healthz': 'public',
  'GET /openapi.json': 'read',
  'GET /auth/session': 'public',
  'POST /auth/login': 'public',
  'POST /auth/logout': 'signed-in',
  'POST /auth/password': 'signed-in',
  'GET /auth/oidc/login': 'public',
  'GET /auth/oidc/callback': 'public',
  'GET /admin/tokens': 'admin',
  'POST /admin/tokens': 'admin',
  'DELETE /admin/tokens/:id': 'admin',
  'GET /admin/users': 'admin',
  'POST /admin/users': 'admin',
  'PATCH /admin/users/:name': 'admin',
  'DELETE /admin/users/:name': 'admin',
  'GET /audit': 'admin',
  'GET /services': 'read',
  'GET /services/:id': 'read-service',
  'GET /services/:id/routes': 'read-service',
  'POST /services/:id/routes/preview': 'change-service',
  'POST /services/:id/routes': 'change-service',
  'GET /services/:id/routes/:name': 'read-service',
  'PUT /services/:id/routes/:name': 'change-service',
  'DELETE /services/:id/routes/:name': 'change-service',
  'GET /services/:id/routes/:name/revisions': 'read-service',
  'POST /services/:id/routes/:name/revisions/:revision/rollback': 'change-service',
  'GET /services/:id/ratelimits': 'read-service',
  'POST /services/:id/ratelimits/preview': 'change-service',
  'POST /services/:id/ratelimits': 'change-service',
  'GET /services/:id/ratelimits/:name': 'read-service',
  'PUT /services/:id/ratelimits/:name': 'change-service',
  'DELETE /services/:id/ratelimits/:name': 'change-service',
  'GET /services/:id/ratelimits/:name/revisions': 'read-service',
  'POST /services/:id/ratelimits/:name/revisions/:revision/rollback': 'change-service',
  'GET /services/:id/releases': 'read-service',
  'POST /services/:id/releases/preview': 'change-service',
  'POST /services/:id/releases': 'change-service',
  'GET /services/:id/releases/:name': 'read-service',
  'POST /services/:id/releases/:name/pause': 'change-service',
  'POST /services/:id/releases/:name/resume': 'change-service',
  'POST /services/:id/releases/:name/promote': 'change-service',
  'POST /services/:id/releases/:name/abort': 'change-service',
  'GET /services/:id/releases/:name/events': 'read-service',
  'GET /services/:id/peer-authentications': 'read-service',
  'POST /services/:id/peer-authentications/preview': 'change-service',
  'POST /services/:id/peer-authentications': 'change-service',
  'GET /services/:id/peer-authentications/:name': 'read-service',
  'PUT /services/:id/peer-authentications/:name': 'change-service',
  'DELETE /services/:id/peer-authentications/:name': 'change-service',
  'GET /services/:id/peer-authentications/:name/revisions': 'read-service',
  'POST /services/:id/peer-authentications/:name/revisions/:revision/rollback': 'change-service',
  'GET /services/:id/access-policies': 'read-service',
  'POST /services/:id/access-policies/preview': 'change-service',
  'POST /services/:id/access-policies': 'change-service',
  'GET /services/:id/access-policies/:name': 'read-service',
  'PUT /services/:id/access-policies/:name': 'change-service',
  'DELETE /services/:id/access-policies/:name': 'change-service',
  'GET /services/:id/access-policies/:name/revisions': 'read-service',
  'POST /services/:id/access-policies/:name/revisions/:revision/rollback': 'change-service',
  'GET /services/:id/access-policies/suggestion': 'read-service',
  'GET /services/:id/metrics': 'read-service',
  'GET /monitoring/overview': 'read',
  'GET /monitoring/applications': 'read',
  'GET /stream': 'read-service',
  'GET /topology': 'read',
  'GET /istio-config': 'read',
};

const SERVICE = 'reviews.bookinfo.svc.cluster.local';
const PARAMS: Record<string, string> = {
  id: encodeURIComponent(SERVICE),
  name: 'matrix-none',
  revision: '1',
};

type Caller = 'signed-out' | 'viewer' | 'operator-here' | 'operator-elsewhere' | 'admin';
const CALLERS: Caller[] = ['signed-out', 'viewer', 'operator-here', 'operator-elsewhere', 'admin'];

/** Whether the policy lets the caller through (a router may still answer 400/404). */
function allowed(expected: Expected, caller: Caller): boolean {
  if (expected === 'public') return true;
  if (caller === 'signed-out') return false;
  if (caller === 'admin') return true;
  switch (expected) {
    case 'signed-in':
    case 'read':
      return true;
    case 'read-service':
      return caller !== 'operator-elsewhere';
    case 'change-service':
      return caller === 'operator-here';
    case 'admin':
      return false;
  }
}

function concrete(route: ApiRoute): string {
  const path = route.path.replace(/:(\w+)/g, (_, name: string) => PARAMS[name] ?? 'x');
  // The stream is answered with a 400 (bad window) once through the policy, so it does not stay open.
  return route.path === '/stream' ? `${path}?service=${PARAMS.id}&window=bogus` : path;
}

describe('the authorization matrix', () => {
  let plane: TestControlPlane;
  let app: Express;
  let close: () => Promise<void>;
  const headers: Partial<Record<Caller, Record<string, string>>> = {};

  beforeAll(async () => {
    plane = await startTestControlPlane();
    ({ app, close } = await fullApp(plane, testAuth({ kube: plane.kube })));
    const token = async (role: string, namespaces: string[]) => {
      const res = await request(app)
        .post('/api/v1/admin/tokens')
        .set(ADMIN_HEADER)
        .send({ name: `matrix ${role}`, role, namespaces })
        .expect(201);
      return { authorization: `Bearer ${res.body.secret as string}` };
    };
    headers.viewer = await token('viewer', ['bookinfo']);
    headers['operator-here'] = await token('operator', ['bookinfo']);
    headers['operator-elsewhere'] = await token('operator', ['shop']);
    headers.admin = ADMIN_HEADER;
  });
  afterAll(async () => {
    await close?.();
    await plane?.close();
  });

  it('finds the routes of every router, and the table classifies each of them', () => {
    const routes = apiRoutes(app);
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const unclassified = routes.map((r) => `${r.method} ${r.path}`).filter((key) => !(key in TABLE));
    expect(unclassified, 'routes missing from the authorization table').toEqual([]);
  });

  it('agrees with the policy the middleware applies', () => {
    const kinds: Record<Expected, string> = {
      public: 'public',
      'signed-in': 'signed-in',
      read: 'read',
      'read-service': 'read',
      'change-service': 'change-service',
      admin: 'admin',
    };
    for (const route of apiRoutes(app)) {
      const [path, query] = concrete(route).split('?');
      const req = requirementFor(
        route.method,
        path as string,
        Object.fromEntries(new URLSearchParams(query ?? '')),
      );
      expect(req.kind, `${route.method} ${route.path}`).toBe(
        kinds[TABLE[`${route.method} ${route.path}`] as Expected],
      );
      if (TABLE[`${route.method} ${route.path}`] === 'read-service' && req.kind === 'read')
        expect(req.serviceIds).toEqual([SERVICE]);
    }
  });

  it('documents every route in the OpenAPI document, with 401 and 403 where the policy needs a user', async () => {
    const doc = (await request(app).get('/api/v1/openapi.json').set(ADMIN_HEADER).expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const missing: string[] = [];
    for (const route of apiRoutes(app)) {
      if (route.path === '/openapi.json') continue;
      const op = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      const key = `${route.method} ${route.path}`;
      if (!op) missing.push(`${key}: undocumented`);
      else if (TABLE[key] !== 'public' && !(op.responses[401] && op.responses[403]))
        missing.push(`${key}: no 401/403`);
    }
    expect(missing).toEqual([]);
  });

  it('matches paths exactly, so another spelling of a route cannot slip past the table', async () => {
    // Express matches case-insensitively and ignores a trailing slash unless told otherwise; the
    // policy reads the path as written. Every other spelling must miss the routers altogether.
    const failures: string[] = [];
    for (const route of apiRoutes(app)) {
      const path = concrete(route).split('?')[0] as string;
      const first = path.split('/')[1] as string;
      const variants = [
        `/${first.charAt(0).toUpperCase()}${first.slice(1)}${path.slice(first.length + 1)}`,
        `/${path.slice(1).toUpperCase()}`,
        `${path}/`,
      ];
      for (const variant of variants) {
        for (const caller of ['viewer', 'admin'] as const) {
          const agent = request(app);
          const url = `/api/v1${variant}`;
          const req =
            route.method === 'GET' ? agent.get(url) : agent[route.method.toLowerCase() as 'post'](url);
          const res = await req.set(headers[caller] as Record<string, string>).send({});
          const expected = caller === 'admin' ? [404] : [403, 404];
          if (!expected.includes(res.status))
            failures.push(
              `${route.method} ${variant} as ${caller}: ${res.status} (expected ${expected.join(' or ')})`,
            );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers every route × caller as the table says', async () => {
    const failures: string[] = [];
    for (const route of apiRoutes(app)) {
      const expected = TABLE[`${route.method} ${route.path}`] as Expected;
      for (const caller of CALLERS) {
        const path = `/api/v1${concrete(route)}`;
        const agent = request(app);
        const req = (
          route.method === 'GET' ? agent.get(path) : agent[route.method.toLowerCase() as 'post'](path)
        ).redirects(0);
        if (caller !== 'signed-out') req.set(headers[caller] as Record<string, string>);
        const res = route.method === 'GET' ? await req : await req.send({});
        const ok = allowed(expected, caller);
        const label = `${route.method} ${route.path} as ${caller}: ${res.status} ${res.body?.code ?? ''}`;
        if (ok) {
          if (res.status === 401 || res.status === 403 || res.status >= 500)
            failures.push(`${label} (expected through)`);
        } else {
          const status = caller === 'signed-out' ? 401 : 403;
          const code = caller === 'signed-out' ? 'Unauthenticated' : 'Forbidden';
          if (res.status !== status || res.body.code !== code || typeof res.body.message !== 'string')
            failures.push(`${label} (expected ${status} ${code})`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

/**
 * Who owns a service: a cluster host belongs to the namespace it names; an RPC interface or a VM
 * host that objects in two namespaces define is a conflict, owned by no one. Reproduced on the demo
 * mesh: another namespace's objects claim dubbo-demo's EchoService and shop's currency and cart.
 */
describe('service ownership across namespaces', () => {
  const ECHO = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';
  const GREETING = 'org.apache.dubbo.samples.greeting.api.GreetingService@dubbo';
  const CURRENCY = 'currency.shop.vm.internal';
  const CART = 'cart.shop.svc.cluster.local';
  let plane: TestControlPlane;
  let app: Express;
  let close: () => Promise<void>;
  type Who =
    'dubboOperator' | 'shopOperator' | 'bookinfoOperator' | 'bookinfoViewer' | 'springViewer' | 'admin';
  const as = {} as Record<Who, Record<string, string>>;

  beforeAll(async () => {
    plane = await startTestControlPlane();
    ({ app, close } = await fullApp(plane, testAuth({ kube: plane.kube })));
    const token = async (role: string, namespaces: string[]) => {
      const res = await request(app)
        .post('/api/v1/admin/tokens')
        .set(ADMIN_HEADER)
        .send({ name: `${role} ${namespaces.join(' ')}`, role, namespaces })
        .expect(201);
      return { authorization: `Bearer ${res.body.secret as string}` };
    };
    as.dubboOperator = await token('operator', ['dubbo-demo']);
    as.shopOperator = await token('operator', ['shop']);
    as.bookinfoOperator = await token('operator', ['bookinfo']);
    as.bookinfoViewer = await token('viewer', ['bookinfo']);
    as.springViewer = await token('viewer', ['spring-demo']);
    as.admin = ADMIN_HEADER;

    // The claims, all from bookinfo.
    await plane.kube.objects.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'echo-claim',
        namespace: 'bookinfo',
        annotations: { 'mesh-console.io/rpc-interfaces': 'com.alibaba.dubbo.samples.echo.api.EchoService' },
      },
      spec: { selector: { app: 'echo-claim' }, ports: [{ name: 'dubbo', port: 20880, targetPort: 20880 }] },
    } as KubernetesObject);
    for (const [name, host, address] of [
      ['currency-claim', CURRENCY, '10.9.9.8'],
      ['cart-claim', CART, '10.9.9.9'],
    ] as const) {
      await plane.kube.objects.create({
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: { name, namespace: 'bookinfo' },
        spec: {
          hosts: [host],
          location: 'MESH_INTERNAL',
          resolution: 'STATIC',
          ports: [{ number: 7000, name: 'grpc', protocol: 'GRPC' }],
          endpoints: [{ address }],
        },
      } as KubernetesObject);
    }
    // The catalog follows the control plane by watching it.
    for (let i = 0; i < 200; i++) {
      if ([ECHO, CURRENCY].every((id) => plane.catalog.get(id)?.sources.length === 2)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    await close?.();
    await plane?.close();
  });

  const preview = (id: string, caller: Record<string, string>) =>
    request(app)
      .post(`/api/v1/services/${encodeURIComponent(id)}/routes/preview`)
      .set(caller)
      .send({});
  /** Through the policy: the router answers (400 for the empty form), not a 401 or 403. */
  const through = (status: number) => ![401, 403].includes(status) && status < 500;

  it('shows an RPC interface defined in two namespaces as a conflict, in the list and the detail', async () => {
    const detail = await request(app)
      .get(`/api/v1/services/${encodeURIComponent(ECHO)}`)
      .set(as.admin);
    expect(detail.status).toBe(200);
    const body = ServiceDetail.parse(detail.body);
    expect(body.conflict).toEqual({ namespaces: ['bookinfo', 'dubbo-demo'] });
    expect(body.namespace).toBe('');
    expect(new Set(body.sources.map((s) => s.namespace))).toEqual(new Set(['bookinfo', 'dubbo-demo']));
    const list = ServiceListResponse.parse(
      (await request(app).get('/api/v1/services?q=EchoService').set(as.admin).expect(200)).body,
    );
    expect(list.items.map((s) => [s.id, s.conflict])).toEqual([
      [ECHO, { namespaces: ['bookinfo', 'dubbo-demo'] }],
    ]);
    // Either claimant's namespace filter finds it.
    for (const namespace of ['bookinfo', 'dubbo-demo']) {
      const res = await request(app)
        .get('/api/v1/services')
        .query({ namespace, q: 'EchoService' })
        .set(as.admin);
      expect(res.body.items.map((s: { id: string }) => s.id)).toEqual([ECHO]);
    }
  });

  it('lets no operator change a service in conflict, saying why; an admin still may', async () => {
    for (const caller of ['dubboOperator', 'bookinfoOperator'] as const) {
      const res = await preview(ECHO, as[caller]);
      expect(res.status, caller).toBe(403);
      expect(res.body.code).toBe('Forbidden');
      expect(res.body.message).toMatch(/conflict/);
      expect(res.body.message).toContain('bookinfo, dubbo-demo');
    }
    expect(through((await preview(ECHO, as.admin)).status)).toBe(true);
    // Past the policy, the admin too is told that the service has no rules until the conflict is
    // resolved: no rule is written into one of the claiming namespaces.
    const admin = await request(app)
      .get(`/api/v1/services/${encodeURIComponent(ECHO)}/routes`)
      .set(as.admin);
    expect(admin.status).toBe(409);
    expect(admin.body.code).toBe('ServiceConflict');
    expect(admin.body.message).toContain('bookinfo, dubbo-demo');
    // The claim takes nothing else: dubbo-demo's other services stay its own.
    expect(through((await preview(GREETING, as.dubboOperator)).status)).toBe(true);
    expect((await preview(GREETING, as.bookinfoOperator)).status).toBe(403);
  });

  it('shows a claimant’s users the conflict with their own namespace’s part only; others see nothing', async () => {
    const res = await request(app)
      .get(`/api/v1/services/${encodeURIComponent(ECHO)}`)
      .set(as.bookinfoViewer)
      .expect(200);
    const body = ServiceDetail.parse(res.body);
    expect(body.conflict?.namespaces).toEqual(['bookinfo', 'dubbo-demo']);
    expect(body.sources).toEqual([{ kind: 'Service', namespace: 'bookinfo', name: 'echo-claim' }]);
    expect(body.providers.every((p) => p.namespace === 'bookinfo')).toBe(true);
    const mine = await request(app).get('/api/v1/services').set(as.bookinfoViewer).expect(200);
    expect(mine.body.facets.namespaces).toEqual(['bookinfo']);
    expect(mine.body.items.some((s: { id: string }) => s.id === ECHO)).toBe(true);
    const denied = await request(app)
      .get(`/api/v1/services/${encodeURIComponent(ECHO)}`)
      .set(as.springViewer);
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('claimed by namespaces bookinfo, dubbo-demo');
    const list = await request(app).get('/api/v1/services?q=EchoService').set(as.springViewer).expect(200);
    expect(list.body.total).toBe(0);
  });

  it('treats a VM host that a ServiceEntry in another namespace names as a conflict', async () => {
    const body = ServiceDetail.parse(
      (await request(app).get(`/api/v1/services/${CURRENCY}`).set(as.admin).expect(200)).body,
    );
    expect(body.conflict).toEqual({ namespaces: ['bookinfo', 'shop'] });
    for (const caller of ['shopOperator', 'bookinfoOperator'] as const) {
      const res = await preview(CURRENCY, as[caller]);
      expect(res.status, caller).toBe(403);
      expect(res.body.message).toMatch(/conflict/);
    }
  });

  it('keeps a cluster host in the namespace it names: a ServiceEntry elsewhere neither joins nor takes it', async () => {
    const body = ServiceDetail.parse(
      (await request(app).get(`/api/v1/services/${CART}`).set(as.admin).expect(200)).body,
    );
    expect(body.namespace).toBe('shop');
    expect(body.conflict).toBeNull();
    expect(body.sources.every((s) => s.namespace === 'shop')).toBe(true);
    expect(body.providers.some((p) => p.address === '10.9.9.9')).toBe(false);
    expect(through((await preview(CART, as.shopOperator)).status)).toBe(true);
    const res = await preview(CART, as.bookinfoOperator);
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('is in namespace shop');
  });
});
