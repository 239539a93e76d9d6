import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../clients/kube';
import { ADMIN_HEADER, testAuth } from '../testing/auth';
import { fullApp, startTestControlPlane } from '../testing/console';
import { apiRoutes } from '../testing/routes';
import type { ApiRoute } from '../testing/routes';
import type { TestControlPlane } from '../testing/console';

/**
 * Malformed bodies at every state-changing endpoint (enumerated from the router, like the
 * authorization matrix), as an admin with a bearer token: every answer is a 4xx with a code and a
 * message, never a 5xx, and the control plane is left exactly as it was.
 */

const RUNS = 1000;
/** Takes no body and always succeeds for a token (nothing to sign out of). */
const BODYLESS = new Set(['POST /auth/logout']);

const KEYS = [
  'name',
  'routeType',
  'trafficSplit',
  'destinations',
  'matches',
  'yaml',
  'resourceVersion',
  'comment',
  'username',
  'password',
  'currentPassword',
  'newPassword',
  'role',
  'namespaces',
  'rules',
  'limit',
  'unit',
  'requestsPerUnit',
];

const malformedBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
  fc.dictionary(fc.constantFrom(...KEYS), fc.jsonValue(), { maxKeys: 6 }).map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.constantFrom(...KEYS),
      fc.oneof(
        fc.constant(null),
        fc.integer(),
        fc.string({ maxLength: 300 }),
        fc.array(fc.anything(), { maxLength: 4 }),
      ),
      { minKeys: 1, maxKeys: 6 },
    )
    .map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{',
    '{"name":',
    '[1,2',
    '{"destinations":[{"version":"v1","weight":1e309}]}',
    '{"name":"x","destinations":"all"}',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '"\\u0000"',
  ),
);

const SERVICE = encodeURIComponent('reviews.bookinfo.svc.cluster.local');

function url(route: ApiRoute): string {
  return route.path
    .replace(':id', route.path.startsWith('/admin/tokens') ? '0123456789abcdef' : SERVICE)
    .replace(':name', 'fuzz-none')
    .replace(':revision', '1');
}

/** The objects the console could change, by kind, namespace, name and resourceVersion. */
async function snapshot(kube: KubeClient): Promise<string[]> {
  const keys: string[] = [];
  for (const plural of ['virtualservices', 'destinationrules', 'envoyfilters']) {
    const list = (await kube.custom.listClusterCustomObject({
      group: 'networking.istio.io',
      version: plural === 'envoyfilters' ? 'v1alpha3' : 'v1',
      plural,
    })) as { items: { metadata: { namespace: string; name: string; resourceVersion: string } }[] };
    for (const o of list.items)
      keys.push(`${plural}/${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`);
  }
  const cms = await kube.core.listConfigMapForAllNamespaces();
  for (const cm of cms.items)
    keys.push(`configmaps/${cm.metadata?.namespace}/${cm.metadata?.name}@${cm.metadata?.resourceVersion}`);
  return keys.sort();
}

describe('malformed bodies at every state-changing endpoint', () => {
  let plane: TestControlPlane;
  let server: Server;
  let base: string;
  let close: () => void;
  let routes: ApiRoute[];

  beforeAll(async () => {
    plane = await startTestControlPlane();
    // Audit records and tokens in memory: what is compared is the control plane's mesh state.
    const built = fullApp(plane, testAuth({ kube: null }));
    close = built.close;
    routes = apiRoutes(built.app).filter((r) => r.method !== 'GET' && !BODYLESS.has(`${r.method} ${r.path}`));
    server = createServer(built.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  });
  afterAll(async () => {
    close?.();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await plane?.close();
  });

  it('covers the endpoints of every router', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'POST /services/:id/routes',
        'PUT /services/:id/routes/:name',
        'POST /services/:id/ratelimits',
        'POST /admin/tokens',
        'POST /auth/login',
      ]),
    );
  });

  it(`answers ${RUNS} malformed bodies per endpoint with a 4xx and a message, changing nothing`, async () => {
    const before = await snapshot(plane.kube);
    const failures: string[] = [];
    for (const route of routes) {
      await fc
        .assert(
          fc.asyncProperty(malformedBody, async (body) => {
            const res = await fetch(`${base}${url(route)}`, {
              method: route.method,
              headers: { ...ADMIN_HEADER, 'content-type': 'application/json' },
              body,
            });
            const text = await res.text();
            let parsed: { code?: unknown; message?: unknown } = {};
            try {
              parsed = JSON.parse(text) as typeof parsed;
            } catch {
              // reported below
            }
            const ok =
              res.status >= 400 &&
              res.status < 500 &&
              typeof parsed.code === 'string' &&
              typeof parsed.message === 'string' &&
              parsed.message.length > 0;
            if (!ok)
              failures.push(
                `${route.method} ${route.path} ${body.slice(0, 120)} → ${res.status} ${text.slice(0, 200)}`,
              );
            return ok;
          }),
          { numRuns: RUNS },
        )
        .catch(() => undefined);
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(await snapshot(plane.kube)).toEqual(before);
  }, 240_000);
});
