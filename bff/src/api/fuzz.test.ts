import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../clients/kube';
import { ADMIN_HEADER, testAuth } from '../testing/auth';
import { fullApp, startTestControlPlane } from '../testing/console';
import { AUDIT_LABEL } from '../features/audit/audit-log';
import { apiRoutes } from '../testing/routes';
import type { ApiRoute } from '../testing/routes';
import type { TestControlPlane } from '../testing/console';

/**
 * Malformed bodies at every state-changing endpoint (enumerated from the router, like the
 * authorization matrix), as an admin with a bearer token: every answer is a 4xx with a code and a
 * message, never a 5xx, and the control plane is left exactly as it was. Then hostile YAML (alias
 * bombs, deep nesting, wrong types, `.nan`) and the values Envoy refuses, at the routing and
 * rate-limit endpoints, and healthz timed while alias bombs arrive.
 */

/** Runs per endpoint: small by default, more in CI (`FUZZ_RUNS=1000`). */
const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? '') || 100);
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
  // What is compared is the mesh's state: the audit records of the refusals are not part of it.
  const cms = await kube.core.listConfigMapForAllNamespaces({ labelSelector: `!${AUDIT_LABEL}` });
  for (const cm of cms.items)
    keys.push(`configmaps/${cm.metadata?.namespace}/${cm.metadata?.name}@${cm.metadata?.resourceVersion}`);
  const secrets = await kube.core.listSecretForAllNamespaces();
  for (const s of secrets.items)
    keys.push(`secrets/${s.metadata?.namespace}/${s.metadata?.name}@${s.metadata?.resourceVersion}`);
  return keys.sort();
}

describe('malformed bodies at every state-changing endpoint', () => {
  let plane: TestControlPlane;
  let server: Server;
  let base: string;
  let close: () => Promise<void>;
  let routes: ApiRoute[];

  beforeAll(async () => {
    plane = await startTestControlPlane();
    const built = await fullApp(plane, testAuth({ kube: plane.kube }));
    close = built.close;
    routes = apiRoutes(built.app).filter((r) => r.method !== 'GET' && !BODYLESS.has(`${r.method} ${r.path}`));
    server = createServer(built.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  });
  afterAll(async () => {
    await close?.();
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

// ---------------------------------------------------------------------------------------------
// Hostile YAML and the values Envoy refuses.

/** Nine levels of nine aliases each: 9^9 strings once expanded, in some 600 bytes. */
const BILLION_LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map(
    (k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`,
  ),
].join('\n');

const HOST = 'reviews.bookinfo.svc.cluster.local';
const vsYaml = (
  metadata: string,
  spec = `  hosts: [${HOST}]\n  http:\n  - route:\n    - destination: {host: ${HOST}, subset: v1}\n`,
) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n${metadata}spec:\n${spec}`;
const weightYaml = (w: string) =>
  vsYaml(
    '  name: fuzz-yaml\n',
    `  hosts: [${HOST}]\n  http:\n  - route:\n    - destination: {host: ${HOST}, subset: v1}\n      weight: ${w}\n`,
  );

/** YAML bodies a hostile or careless user sends to the YAML editor. */
const HOSTILE_YAML = [
  BILLION_LAUGHS,
  'a: &a [1, *a]\n',
  '['.repeat(5000) + ']'.repeat(5000),
  Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n',
  vsYaml('  name: 5\n'),
  vsYaml('  name: {a: 1}\n'),
  vsYaml('  name: fuzz-yaml\n  labels: {version: 2}\n'),
  vsYaml('  name: fuzz-yaml\n  annotations: {note: {a: 1}}\n'),
  vsYaml('  name: fuzz-yaml\n').replace('networking.istio.io/v1', 'networking..istio.io/v1'),
  vsYaml('  name: fuzz-yaml\n').replace('kind: VirtualService', 'kind: [VirtualService]'),
  vsYaml('  name: fuzz-yaml\n', '  hosts: [reviews]\n  http: 5\n'),
  vsYaml('  name: fuzz-yaml\n', '  unknownField: 1\n'),
  weightYaml('.nan'),
  weightYaml('.inf'),
  weightYaml('1e400'),
  weightYaml('12345678901234567890'),
  vsYaml('  name: fuzz-yaml\n') + '---\n' + vsYaml('  name: fuzz-yaml-2\n'),
  vsYaml(
    '  name: fuzz-yaml\n',
    `  hosts: [${HOST}]\n  http:\n  - match:\n    - uri: {regex: "((("}\n    route:\n    - destination: {host: ${HOST}, subset: v1}\n`,
  ),
  vsYaml(
    '  name: fuzz-yaml\n',
    `  hosts: [${HOST}]\n  http:\n  - match:\n    - headers: {":status": {exact: "200"}}\n    route:\n    - destination: {host: ${HOST}, subset: v1}\n`,
  ),
];

/** A routing form with one condition whose match is `match`. */
const routeForm = (match: Record<string, unknown>) => ({
  name: 'fuzz-form',
  routeType: 'condition',
  trafficSplit: false,
  destinations: [{ version: 'v1', weight: 100 }],
  matches: [{ match, destinations: [{ version: 'v2', weight: 100 }] }],
});

/** Match conditions with a value Envoy or Istio refuses. */
const REFUSED_ROUTE_MATCHES: Record<string, unknown>[] = [
  { uri: { type: 'regex', value: '(((' } },
  { uri: { type: 'regex', value: '[z-a]' } },
  { uri: { type: 'regex', value: 'a'.repeat(1025) } },
  { uri: { type: 'exact', value: 'no-slash' } },
  { method: { type: 'exact', value: 'GET /' } },
  { headers: [{ name: ':authority', type: 'exact', value: 'x' }] },
  { headers: [{ name: ':status', type: 'exact', value: '200' }] },
  { headers: [{ name: 'x\r\nset-cookie', type: 'exact', value: 'x' }] },
  { headers: [{ name: 'x-a', type: 'exact', value: 'a\u0000b' }] },
  { headers: [{ name: 'x-a', type: 'regex', value: '(?<=a)b' }] },
  { sourceLabels: { 'bad key': 'v' } },
  { sourceLabels: { app: 'a b' } },
];

const rateForm = (patch: Record<string, unknown>) => ({
  name: 'fuzz-limit',
  limit: { requests: 10, unit: 'second' },
  scope: 'instance',
  enabled: true,
  shadow: false,
  ...patch,
});

const REFUSED_RATE_LIMITS: Record<string, unknown>[] = [
  { match: { path: { type: 'exact', value: 'no-slash' } } },
  { match: { header: { name: ':authority', value: 'x' } } },
  { match: { header: { name: 'x', value: 'a\r\nb' } } },
  { match: { header: { name: 'x y', value: 'a' } } },
  { response: { status: 429, header: { name: 'set-cookie', value: 'session=1' } } },
  { response: { status: 429, header: { name: ':status', value: '200' } } },
  { response: { status: 429, header: { name: 'host', value: 'evil' } } },
  { response: { status: 429, header: { name: 'x-why', value: '100%' } } },
  { response: { status: 429, header: { name: 'x-why', value: 'v'.repeat(16 * 1024 + 1) } } },
];

describe('hostile YAML and values Envoy refuses, at the routing and rate-limit endpoints', () => {
  let plane: TestControlPlane;
  let server: Server;
  let base: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    plane = await startTestControlPlane();
    // healthz answers without asking the control plane: what is timed is the BFF's event loop.
    const built = await fullApp(plane, testAuth({ kube: plane.kube }), undefined, {
      health: async () => ({
        status: 'ok',
        version: 'test',
        controlPlane: { mode: 'embedded', reachable: true },
      }),
    });
    close = built.close;
    server = createServer(built.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  });
  afterAll(async () => {
    await close?.();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await plane?.close();
  });

  async function send(method: string, path: string, body: unknown): Promise<string | null> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...ADMIN_HEADER, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
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
    return ok
      ? null
      : `${method} ${path} ${JSON.stringify(body).slice(0, 120)} → ${res.status} ${text.slice(0, 200)}`;
  }

  it('answers refused form values with a 4xx naming the field, changing nothing', async () => {
    const before = await snapshot(plane.kube);
    const failures: string[] = [];
    const routes = `/services/${SERVICE}/routes`;
    const limits = `/services/${SERVICE}/ratelimits`;
    for (const match of REFUSED_ROUTE_MATCHES) {
      for (const [method, path] of [
        ['POST', routes],
        ['PUT', `${routes}/fuzz-none`],
      ] as const) {
        const failure = await send(method, path, routeForm(match));
        if (failure) failures.push(failure);
      }
    }
    for (const patch of REFUSED_RATE_LIMITS) {
      const failure = await send('POST', limits, rateForm(patch));
      if (failure) failures.push(failure);
    }
    // Random placements of refused values in otherwise valid forms.
    await fc
      .assert(
        fc.asyncProperty(
          fc.constantFrom(...REFUSED_ROUTE_MATCHES),
          fc.constantFrom(...REFUSED_RATE_LIMITS),
          fc.boolean(),
          async (match, patch, route) => {
            const failure = route
              ? await send('POST', routes, {
                  ...routeForm({}),
                  matches: [{ match, destinations: [{ version: 'v2', weight: 100 }] }],
                })
              : await send('POST', limits, rateForm(patch));
            if (failure) failures.push(failure);
            return failure === null;
          },
        ),
        { numRuns: Math.min(RUNS, 100) },
      )
      .catch(() => undefined);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(await snapshot(plane.kube)).toEqual(before);
  }, 120_000);

  // Passes once routing parses YAML with parseUserYaml (lib/user-yaml.ts) and checks the envelope
  // with validateUserObject (features/changes/user-object.ts).
  it('answers hostile YAML with a 4xx and a message, changing nothing', async () => {
    const before = await snapshot(plane.kube);
    const failures: string[] = [];
    const routes = `/services/${SERVICE}/routes`;
    for (const yaml of HOSTILE_YAML) {
      for (const [method, path] of [
        ['POST', routes],
        ['PUT', `${routes}/fuzz-yaml`],
        ['POST', `${routes}/preview`],
      ] as const) {
        const failure = await send(method, path, { yaml });
        if (failure) failures.push(failure);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(await snapshot(plane.kube)).toEqual(before);
  }, 240_000);

  // Passes once routing parses YAML with parseUserYaml.
  it('keeps healthz under 100 ms while alias bombs arrive', async () => {
    const routes = `${base}/services/${SERVICE}/routes`;
    const bombs = Array.from({ length: 6 }, (_, i) =>
      fetch(i % 2 === 0 ? routes : `${routes}/preview`, {
        method: 'POST',
        headers: { ...ADMIN_HEADER, 'content-type': 'application/json' },
        body: JSON.stringify({ yaml: BILLION_LAUGHS }),
        signal: AbortSignal.timeout(60_000),
      }).then((r) => r.status),
    );
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(60_000) });
      await res.text();
      timings.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
    const statuses = await Promise.all(bombs);
    expect(statuses.every((s) => s >= 400 && s < 500)).toBe(true);
    expect(Math.max(...timings)).toBeLessThan(100);
  }, 120_000);
});
