import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { RouteForm } from '../contract/routing';
import type { RouteFormInput } from '../contract/routing';
import { ApiError } from '../lib/errors';
import { checkGatewayApiObject } from '../testing/gateway-api-schema';
import { productcatalog, reviews } from './fixtures';
import {
  GRPCROUTE_KIND,
  HTTPROUTE_KIND,
  TCPROUTE_KIND,
  VERSION_OF_ANNOTATION,
  gatewayKeptFields,
  gatewayRouteKind,
  planGatewayRestore,
  planGatewayRoute,
  planGatewayRouteDelete,
  readGatewayRoute,
  routeAttachment,
  versionBackends,
} from './gateway-api-routes';
import type { GatewayLiveState } from './gateway-api-routes';
import type { MeshObject } from './istio-types';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_ANNOTATION } from './model';
import type { RoutePlan, RouteTarget } from './model';

const here = path.dirname(fileURLToPath(import.meta.url));
const KUBE = path.resolve(here, '../testing/istio-samples/bookinfo/platform/kube');
const load = (file: string): MeshObject[] =>
  (yaml.loadAll(fs.readFileSync(path.join(KUBE, file), 'utf8')) as (MeshObject | null)[]).filter(
    (o): o is MeshObject => o?.kind === 'Service',
  );
/** Bookinfo's Services (reviews selects app: reviews), and Istio's per-version ones (reviews-v1, …). */
const bookinfo = load('bookinfo.yaml');
const bookinfoVersions = load('bookinfo-versions.yaml');

type MatchInput = NonNullable<RouteFormInput['matches']>[number]['match'];

const form = (input: Partial<RouteFormInput>): RouteForm =>
  RouteForm.parse({ name: 'reviews', routeType: 'version', trafficSplit: true, destinations: [], ...input });

/** The object as a cluster stores it: schema, CEL rules and pruning must all pass. */
function stored(obj: MeshObject): MeshObject {
  const check = checkGatewayApiObject(obj);
  expect(check.errors, `${obj.kind} ${obj.metadata.name}`).toEqual([]);
  expect(check.pruned, `${obj.kind} ${obj.metadata.name}`).toEqual([]);
  return check.stored as unknown as MeshObject;
}

/** Every object a plan writes passes the schema check; returns the route as stored. */
function routeOf(plan: RoutePlan): MeshObject {
  for (const w of plan.writes) if (w.action !== 'delete') stored(w.object);
  const route = plan.writes.find((w) => w.object.kind !== 'Service');
  if (!route) throw new Error('no route in the plan');
  return stored(route.object);
}

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

const actions = (plan: RoutePlan) =>
  plan.writes.map((w) => `${w.action} ${w.object.kind} ${w.object.metadata.name}`);

describe('kinds', () => {
  it('routes a gRPC service with a GRPCRoute and the rest with an HTTPRoute', () => {
    expect(gatewayRouteKind(reviews)).toBe(HTTPROUTE_KIND);
    expect(gatewayRouteKind(productcatalog)).toBe(GRPCROUTE_KIND);
    expect(HTTPROUTE_KIND).toMatchObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      plural: 'httproutes',
    });
  });
});

describe("version split over Istio's bookinfo-versions Services", () => {
  const live: GatewayLiveState = { services: [...bookinfo, ...bookinfoVersions], otherRoutes: [] };

  it('finds reviews-v1, -v2 and -v3 as the versions’ backends (never another service’s)', () => {
    expect(Object.fromEntries(versionBackends(reviews, live.services))).toEqual({
      v1: 'reviews-v1',
      v2: 'reviews-v2',
      v3: 'reviews-v3',
    });
  });

  it("writes Istio's traffic-shifting route: parent the Service, backends the versions' Services, exact percentages", () => {
    const f = form({
      destinations: [
        { version: 'v1', weight: 50 },
        { version: 'v3', weight: 50 },
      ],
    });
    const plan = planGatewayRoute(f, reviews, live);
    expect(actions(plan)).toEqual(['create HTTPRoute reviews']);
    const route = plan.writes[0]?.object as MeshObject;
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.metadata.labels?.[MANAGED_BY_LABEL]).toBe(MANAGED_BY);
    expect(route.metadata.annotations?.[SERVICE_ANNOTATION]).toBe(reviews.id);
    expect(route.spec).toEqual({
      // As Istio's ambient traffic-shifting task writes it (port included).
      parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
      rules: [
        {
          backendRefs: [
            { group: '', kind: 'Service', name: 'reviews-v1', port: 9080, weight: 50 },
            { group: '', kind: 'Service', name: 'reviews-v3', port: 9080, weight: 50 },
          ],
        },
      ],
    });
    expect(plan.warnings).toEqual([]);
    expect(readGatewayRoute(routeOf(plan), reviews, live)).toEqual({ form: f, reasons: [] });
  });

  it('never deletes a Service the console did not create', () => {
    const first = planGatewayRoute(
      form({ destinations: [{ version: 'v2', weight: 100 }], trafficSplit: false }),
      reviews,
      live,
    );
    const route = routeOf(first);
    const next = planGatewayRoute(
      form({ destinations: [{ version: 'v1', weight: 100 }], trafficSplit: false }),
      reviews,
      { ...live, route },
    );
    expect(actions(next)).toEqual(['update HTTPRoute reviews']);
    routeOf(next);
  });
});

describe('per-version Services the console creates', () => {
  const live: GatewayLiveState = { services: bookinfo, otherRoutes: [] };
  const split = form({
    destinations: [
      { version: 'v1', weight: 80 },
      { version: 'v2', weight: 20 },
    ],
  });

  it('creates <service>-<version> before the route, selecting the version’s pods on the Service’s ports', () => {
    const plan = planGatewayRoute(split, reviews, live);
    expect(actions(plan)).toEqual([
      'create Service reviews-v1',
      'create Service reviews-v2',
      'create HTTPRoute reviews',
    ]);
    const v2 = plan.writes[1]?.object as MeshObject;
    expect(v2.metadata).toEqual({
      name: 'reviews-v2',
      namespace: 'bookinfo',
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
      annotations: { [SERVICE_ANNOTATION]: reviews.id, [VERSION_OF_ANNOTATION]: 'reviews/v2' },
    });
    expect(v2.spec).toEqual({
      selector: { app: 'reviews', version: 'v2' },
      ports: [{ name: 'http', port: 9080 }],
    });
    expect(plan.warnings.map((w) => [w.code, w.message])).toEqual([
      ['backend-service-created', expect.stringContaining('reviews-v1') as string],
      ['backend-service-created', expect.stringContaining('reviews-v2') as string],
    ]);
    expect(
      readGatewayRoute(routeOf(plan), reviews, {
        services: [...bookinfo, ...plan.writes.slice(0, 2).map((w) => w.object)],
      }).form,
    ).toEqual(split);
  });

  it('deletes one after the route once no route uses it, and keeps one another route uses', () => {
    const created = planGatewayRoute(split, reviews, live);
    const services = [...bookinfo, ...created.writes.slice(0, 2).map((w) => stored(w.object))];
    const route = routeOf(created);
    const allV1 = form({ destinations: [{ version: 'v1', weight: 100 }], trafficSplit: false });
    const next = planGatewayRoute(allV1, reviews, { route, services, otherRoutes: [] });
    expect(actions(next)).toEqual(['update HTTPRoute reviews', 'delete Service reviews-v2']);

    const other: MeshObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'canary', namespace: 'bookinfo' },
      spec: { rules: [{ backendRefs: [{ name: 'reviews-v2', port: 9080 }] }] },
    };
    const kept = planGatewayRoute(allV1, reviews, { route, services, otherRoutes: [other] });
    expect(actions(kept)).toEqual(['update HTTPRoute reviews']);
    routeOf(next);
    routeOf(kept);

    const deleted = planGatewayRouteDelete(reviews, { route, services, otherRoutes: [] });
    expect(actions(deleted)).toEqual([
      'delete HTTPRoute reviews',
      'delete Service reviews-v1',
      'delete Service reviews-v2',
    ]);
    // bookinfo's own reviews Service is never deleted.
    expect(
      planGatewayRouteDelete(reviews, { route, services, otherRoutes: [other] }).writes.map(
        (w) => w.object.metadata.name,
      ),
    ).toEqual(['reviews', 'reviews-v1']);
  });

  it('picks another name when <service>-<version> is taken by a Service that is not the version’s', () => {
    const squatter: MeshObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'reviews-v1', namespace: 'bookinfo' },
      spec: { selector: { app: 'something-else' }, ports: [{ port: 80 }] },
    };
    const plan = planGatewayRoute(
      form({ destinations: [{ version: 'v1', weight: 100 }], trafficSplit: false }),
      reviews,
      {
        services: [...bookinfo, squatter],
        otherRoutes: [],
      },
    );
    expect(actions(plan)).toEqual(['create Service reviews-v1-2', 'create HTTPRoute reviews']);
    routeOf(plan);
  });

  it('refuses when the service’s own Service does not exist', () => {
    const err = thrown(() => planGatewayRoute(split, reviews, { services: [], otherRoutes: [] }));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/Service reviews does not exist in namespace bookinfo/);
  });
});

describe('condition routes', () => {
  const live: GatewayLiveState = { services: [...bookinfo, ...bookinfoVersions], otherRoutes: [] };

  it('writes headers, path, method and query parameters as one match per rule, the default last, and reads them back', () => {
    const f = form({
      routeType: 'condition',
      destinations: [{ version: 'v1', weight: 100 }],
      matches: [
        {
          name: 'jason',
          match: {
            headers: [{ name: 'end-user', type: 'exact', value: 'jason' }],
            uri: { type: 'prefix', value: '/reviews' },
            method: { type: 'exact', value: 'GET' },
            queryParams: [{ name: 'debug', type: 'regex', value: '^(1|true)$' }],
          },
          destinations: [
            { version: 'v2', weight: 70 },
            { version: 'v3', weight: 30 },
          ],
        },
      ],
    });
    const plan = planGatewayRoute(f, reviews, live);
    const route = routeOf(plan);
    expect((plan.writes[0]?.object.spec as { rules: unknown[] }).rules).toEqual([
      {
        name: 'jason',
        matches: [
          {
            path: { type: 'PathPrefix', value: '/reviews' },
            headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }],
            queryParams: [{ name: 'debug', type: 'RegularExpression', value: '^(1|true)$' }],
            method: 'GET',
          },
        ],
        backendRefs: [
          { group: '', kind: 'Service', name: 'reviews-v2', port: 9080, weight: 70 },
          { group: '', kind: 'Service', name: 'reviews-v3', port: 9080, weight: 30 },
        ],
      },
      { backendRefs: [{ group: '', kind: 'Service', name: 'reviews-v1', port: 9080, weight: 100 }] },
    ]);
    expect(plan.warnings).toEqual([]);
    expect(readGatewayRoute(route, reviews, live)).toEqual({ form: f, reasons: [] });
  });

  it.each([
    [
      'sourceLabels',
      { sourceLabels: { app: 'productpage' } },
      'matches.0.match.sourceLabels',
      /calling workload/,
    ],
    [
      'a header prefix',
      { headers: [{ name: 'x-user', type: 'prefix', value: 'j' }] },
      'matches.0.match.headers.0.type',
      /not by prefix/,
    ],
    [
      'a query parameter prefix',
      { queryParams: [{ name: 'q', type: 'prefix', value: 'a' }] },
      'matches.0.match.queryParams.0.type',
      /query parameter q/,
    ],
    [
      'a method regex',
      { method: { type: 'regex', value: 'GET|POST' } },
      'matches.0.match.method.type',
      /exactly/,
    ],
    [
      'a method Gateway API does not list',
      { method: { type: 'exact', value: 'PROPFIND' } },
      'matches.0.match.method.value',
      /PROPFIND/,
    ],
    ['a path with //', { uri: { type: 'prefix', value: '/a//b' } }, 'matches.0.match.uri.value', /\/a\/\/b/],
    [
      'a header twice',
      {
        headers: [
          { name: 'X-A', type: 'exact', value: '1' },
          { name: 'x-a', type: 'exact', value: '2' },
        ],
      },
      'matches.0.match.headers.1.name',
      /twice/,
    ],
  ])('refuses %s, naming the field', (_, match, field, message) => {
    const f = form({
      routeType: 'condition',
      destinations: [{ version: 'v1', weight: 100 }],
      matches: [{ match: match as MatchInput, destinations: [{ version: 'v2', weight: 100 }] }],
    });
    const err = thrown(() => planGatewayRoute(f, reviews, live));
    expect(err.status).toBe(400);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
  });

  it('warns when Gateway API precedence tries a later condition first, and not when the order already agrees', () => {
    const headerThenExact = form({
      routeType: 'condition',
      destinations: [{ version: 'v1', weight: 100 }],
      matches: [
        {
          match: { headers: [{ name: 'end-user', type: 'exact', value: 'jason' }] },
          destinations: [{ version: 'v2', weight: 100 }],
        },
        {
          match: { uri: { type: 'exact', value: '/health' } },
          destinations: [{ version: 'v3', weight: 100 }],
        },
      ],
    });
    const plan = planGatewayRoute(headerThenExact, reviews, live);
    expect(plan.warnings).toEqual([
      {
        code: 'reordered-by-gateway-api',
        field: 'matches.1',
        message: expect.stringMatching(/condition 2 before condition 1/) as string,
      },
    ]);
    const agreed = form({ ...headerThenExact, matches: [...headerThenExact.matches].reverse() });
    expect(planGatewayRoute(agreed, reviews, live).warnings).toEqual([]);

    const regexPath = form({
      routeType: 'condition',
      destinations: [{ version: 'v1', weight: 100 }],
      matches: [
        {
          match: { uri: { type: 'regex', value: '/api/v[0-9]+' } },
          destinations: [{ version: 'v2', weight: 100 }],
        },
      ],
    });
    expect(planGatewayRoute(regexPath, reviews, live).warnings).toEqual([
      {
        code: 'reordered-by-gateway-api',
        field: 'matches.0',
        message: expect.stringMatching(/never reached/) as string,
      },
    ]);
  });
});

describe('editing keeps what the form does not show', () => {
  const services = [...bookinfo, ...bookinfoVersions];
  const live = (route: MeshObject): GatewayLiveState => ({ route, services, otherRoutes: [] });
  const helmRoute = (): MeshObject =>
    stored({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        name: 'reviews',
        namespace: 'bookinfo',
        resourceVersion: '12',
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
        annotations: { 'meta.helm.sh/release-name': 'bookinfo' },
      },
      spec: {
        hostnames: ['reviews.bookinfo.svc.cluster.local'],
        parentRefs: [
          { group: '', kind: 'Service', name: 'reviews', port: 9080 },
          {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            namespace: 'istio-ingress',
            name: 'public',
            sectionName: 'https',
          },
        ],
        rules: [
          {
            name: 'canary',
            matches: [{ headers: [{ name: 'x-canary', value: '1' }] }],
            filters: [
              {
                type: 'RequestHeaderModifier',
                requestHeaderModifier: { set: [{ name: 'x-route', value: 'canary' }] },
              },
            ],
            backendRefs: [{ name: 'reviews-v2', port: 9080, weight: 1 }],
          },
          {
            timeouts: { request: '2s' },
            backendRefs: [
              { name: 'reviews-v1', port: 9080, weight: 3 },
              {
                name: 'reviews-v3',
                port: 9080,
                weight: 1,
                filters: [
                  {
                    type: 'ResponseHeaderModifier',
                    responseHeaderModifier: { add: [{ name: 'x-v3', value: '1' }] },
                  },
                ],
              },
            ],
          },
        ],
      },
    });

  it('reads relative weights that scale to whole percentages (3:1 → 75/25) and the Gateway parent as the form’s gateways', () => {
    const read = readGatewayRoute(helmRoute(), reviews, { services });
    expect(read.reasons).toEqual([]);
    expect(read.form).toEqual(
      form({
        routeType: 'condition',
        resourceVersion: '12',
        gateways: ['mesh', 'istio-ingress/public'],
        destinations: [
          { version: 'v1', weight: 75 },
          { version: 'v3', weight: 25 },
        ],
        matches: [
          {
            name: 'canary',
            match: { headers: [{ name: 'x-canary', type: 'exact', value: '1' }] },
            destinations: [{ version: 'v2', weight: 100 }],
          },
        ],
      }),
    );
  });

  it('writes new weights over the route: filters, timeouts, hostnames, parents and metadata stay; no ownership claimed', () => {
    const route = helmRoute();
    const read = readGatewayRoute(route, reviews, { services }).form as RouteForm;
    const edited = {
      ...read,
      destinations: [
        { version: 'v1', weight: 50 },
        { version: 'v3', weight: 50 },
      ],
    };
    const plan = planGatewayRoute(edited, reviews, live(route));
    expect(actions(plan)).toEqual(['update HTTPRoute reviews']);
    const next = plan.writes[0]?.object as MeshObject;
    expect(next.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'Helm' });
    expect(next.metadata.annotations).toEqual({ 'meta.helm.sh/release-name': 'bookinfo' });
    expect(next.metadata.resourceVersion).toBe('12');
    const spec = next.spec as Record<string, unknown>;
    expect(spec.hostnames).toEqual(['reviews.bookinfo.svc.cluster.local']);
    expect(spec.parentRefs).toEqual((route.spec as Record<string, unknown>).parentRefs);
    expect(gatewayKeptFields(spec)).toEqual([
      'hostnames',
      'parentRefs[1].sectionName',
      'rules[0].filters',
      'rules[1].timeouts',
      'rules[1].backendRefs[1].filters',
    ]);
    const weights = (spec.rules as { backendRefs: { name: string; weight: number }[] }[])[1]?.backendRefs.map(
      (b) => [b.name, b.weight],
    );
    expect(weights).toEqual([
      ['reviews-v1', 50],
      ['reviews-v3', 50],
    ]);
    // Each backendRef keeps its keys in place: an edit's diff shows the weights that changed, no
    // lines that moved.
    type Refs = { rules: { backendRefs: Record<string, unknown>[] }[] };
    const refKeys = (s: unknown) => (s as Refs).rules[1]?.backendRefs.map((b) => Object.keys(b));
    expect(refKeys(spec)).toEqual(refKeys(route.spec));
    expect(readGatewayRoute(routeOf(plan), reviews, { services }).form).toEqual({
      ...edited,
      resourceVersion: '12',
    });
  });

  it('keeps the parents as written, in their order, when the form’s gateways are the ones read', () => {
    const route = helmRoute();
    const parents = (route.spec as { parentRefs: unknown[] }).parentRefs;
    const reversed = { ...route, spec: { ...route.spec, parentRefs: [...parents].reverse() } };
    const read = readGatewayRoute(reversed, reviews, { services }).form as RouteForm;
    expect(read.gateways).toEqual(['mesh', 'istio-ingress/public']);
    const plan = planGatewayRoute(read, reviews, live(reversed));
    expect(actions(plan)).toEqual(['unchanged HTTPRoute reviews']);
  });

  it('moves the route off a Gateway when the form’s gateways say mesh only, keeping its other parents', () => {
    const route = helmRoute();
    const read = readGatewayRoute(route, reviews, { services }).form as RouteForm;
    const plan = planGatewayRoute({ ...read, gateways: ['mesh'] }, reviews, live(route));
    routeOf(plan);
    expect((plan.writes[0]?.object.spec as { parentRefs: unknown }).parentRefs).toEqual([
      { group: '', kind: 'Service', name: 'reviews', port: 9080 },
    ]);
  });

  it('says why the form cannot show a route', () => {
    const withSpec = (spec: Record<string, unknown>): MeshObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }], ...spec },
    });
    const reasons = (spec: Record<string, unknown>) =>
      readGatewayRoute(stored(withSpec(spec)), reviews, { services }).reasons;
    expect(reasons({ rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] })).toEqual([
      'rules[0].backendRefs[0]: sends traffic to reviews, every version (no per-version Service)',
    ]);
    expect(
      reasons({
        rules: [
          {
            backendRefs: [
              { name: 'reviews-v1', port: 9080, weight: 1 },
              { name: 'reviews-v2', port: 9080, weight: 2 },
            ],
          },
        ],
      }),
    ).toEqual(['rules[0]: the weights total 3, which do not scale to whole percentages']);
    expect(reasons({ rules: [{ backendRefs: [{ name: 'ratings-v1', port: 9080 }] }] })).toEqual([
      'rules[0].backendRefs[0]: Service ratings-v1 selects no one version of this service exactly',
    ]);
    expect(
      reasons({
        rules: [
          {
            matches: [{ path: { type: 'Exact', value: '/a' } }, { path: { type: 'Exact', value: '/b' } }],
            backendRefs: [{ name: 'reviews-v1', port: 9080 }],
          },
          { backendRefs: [{ name: 'reviews-v2', port: 9080 }] },
        ],
      }),
    ).toEqual([expect.stringMatching(/^rules\[0\]: several match blocks/)]);
    expect(
      reasons({
        rules: [{ matches: [{ method: 'GET' }], backendRefs: [{ name: 'reviews-v1', port: 9080 }] }],
      }),
    ).toEqual([expect.stringMatching(/last route has conditions/)]);
  });
});

describe('GRPCRoute', () => {
  const catalog: MeshObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'productcatalog', namespace: 'shop' },
    spec: {
      selector: { app: 'productcatalog' },
      ports: [
        { name: 'metrics', port: 9090 },
        { name: 'grpc', port: 3550, targetPort: 3550, appProtocol: 'grpc' },
      ],
    },
  };
  const live: GatewayLiveState = { services: [catalog], otherRoutes: [] };

  it('writes the gRPC path as a method match, the service’s grpc port on every backend, and reads it back', () => {
    const f = form({
      name: 'catalog',
      routeType: 'condition',
      destinations: [{ version: '1.4.0', weight: 100 }],
      matches: [
        {
          match: {
            uri: { type: 'exact', value: '/hipstershop.ProductCatalogService/ListProducts' },
            headers: [{ name: 'x-tenant', type: 'regex', value: 'beta-.*' }],
          },
          destinations: [{ version: '1.5.0', weight: 100 }],
        },
        {
          match: { uri: { type: 'prefix', value: '/hipstershop.ProductCatalogService/' } },
          destinations: [
            { version: '1.4.0', weight: 90 },
            { version: '1.5.0', weight: 10 },
          ],
        },
      ],
    });
    const plan = planGatewayRoute(f, productcatalog, live);
    expect(actions(plan)).toEqual([
      'create Service productcatalog-1-4-0',
      'create Service productcatalog-1-5-0',
      'create GRPCRoute catalog',
    ]);
    const route = routeOf(plan);
    const rules = (
      plan.writes[2]?.object.spec as { rules: { matches?: unknown; backendRefs: { port: number }[] }[] }
    ).rules;
    expect(rules[0]?.matches).toEqual([
      {
        method: { type: 'Exact', service: 'hipstershop.ProductCatalogService', method: 'ListProducts' },
        headers: [{ name: 'x-tenant', type: 'RegularExpression', value: 'beta-.*' }],
      },
    ]);
    expect(rules[1]?.matches).toEqual([
      { method: { type: 'Exact', service: 'hipstershop.ProductCatalogService' } },
    ]);
    expect(rules.flatMap((r) => r.backendRefs.map((b) => b.port))).toEqual([3550, 3550, 3550, 3550]);
    expect(plan.warnings.map((w) => w.code)).toEqual(['backend-service-created', 'backend-service-created']);
    const services = [catalog, ...plan.writes.slice(0, 2).map((w) => w.object)];
    expect(readGatewayRoute(route, productcatalog, { services })).toEqual({ form: f, reasons: [] });
  });

  it('refuses HTTP-only conditions, naming the field', () => {
    const f = (match: Record<string, unknown>) =>
      form({
        routeType: 'condition',
        destinations: [{ version: '1.4.0', weight: 100 }],
        matches: [{ match, destinations: [{ version: '1.5.0', weight: 100 }] }],
      });
    expect(
      thrown(() => planGatewayRoute(f({ method: { type: 'exact', value: 'POST' } }), productcatalog, live))
        .field,
    ).toBe('matches.0.match.method');
    expect(
      thrown(() => planGatewayRoute(f({ uri: { type: 'prefix', value: '/api' } }), productcatalog, live))
        .field,
    ).toBe('matches.0.match.uri');
  });
});

describe('routeAttachment', () => {
  const services = [...bookinfo, ...bookinfoVersions];
  const route = (spec: Record<string, unknown>): MeshObject => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'r', namespace: 'bookinfo' },
    spec,
  });

  it('tells a route on the Service from one at a Gateway that sends traffic to a version', () => {
    expect(
      routeAttachment(
        route({ parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }], rules: [] }),
        reviews,
        services,
      ),
    ).toEqual({ parent: true, gateways: [], backend: false });
    expect(
      routeAttachment(
        route({
          parentRefs: [{ name: 'public', namespace: 'istio-ingress' }],
          rules: [{ backendRefs: [{ name: 'reviews-v2', port: 9080 }] }],
        }),
        reviews,
        services,
      ),
    ).toEqual({ parent: false, gateways: ['istio-ingress/public'], backend: true });
    // A parentRef without group and kind is a Gateway (the CRD's defaults), not the Service of that name.
    expect(
      routeAttachment(
        route({
          parentRefs: [{ name: 'reviews' }],
          rules: [{ backendRefs: [{ name: 'ratings-v1', port: 9080 }] }],
        }),
        reviews,
        services,
      ),
    ).toEqual({ parent: false, gateways: ['bookinfo/reviews'], backend: false });
  });
});

describe('planGatewayRestore', () => {
  it('creates the per-version Services the restored route uses from the revision’s copies, then the route, then deletes unused ones', () => {
    const split = form({
      destinations: [
        { version: 'v1', weight: 50 },
        { version: 'v2', weight: 50 },
      ],
    });
    const created = planGatewayRoute(split, reviews, { services: bookinfo, otherRoutes: [] });
    const saved = created.writes.slice(0, 2).map((w) => ({
      ...stored(w.object),
      metadata: { ...w.object.metadata, uid: 'u1', resourceVersion: '5' },
      spec: { ...(w.object.spec as Record<string, unknown>), clusterIP: '10.0.0.9' },
    }));
    const oldRoute = routeOf(created);
    // Since then the route was changed to v1 only, and reviews-v2 was deleted with the change.
    const now = planGatewayRoute(
      form({ destinations: [{ version: 'v1', weight: 100 }], trafficSplit: false }),
      reviews,
      {
        services: [...bookinfo, saved[0] as MeshObject],
        otherRoutes: [],
      },
    );
    const live: GatewayLiveState = {
      route: routeOf(now),
      services: [...bookinfo, saved[0] as MeshObject],
      otherRoutes: [],
    };
    const plan = planGatewayRestore(reviews, live, oldRoute, saved);
    expect(actions(plan)).toEqual(['create Service reviews-v2', 'update HTTPRoute reviews']);
    const recreated = plan.writes[0]?.object as MeshObject;
    expect(recreated.metadata.uid).toBeUndefined();
    expect((recreated.spec as Record<string, unknown>).clusterIP).toBeUndefined();
    expect(recreated.metadata.annotations?.[VERSION_OF_ANNOTATION]).toBe('reviews/v2');
    stored(recreated);
  });
});

describe('TCPRoute', () => {
  const tcpEcho: RouteTarget = {
    id: 'tcp-echo.istio-io-tcp-traffic-shifting.svc.cluster.local',
    name: 'tcp-echo',
    namespace: 'istio-io-tcp-traffic-shifting',
    application: 'tcp-echo',
    protocol: 'tcp',
    host: 'tcp-echo.istio-io-tcp-traffic-shifting.svc.cluster.local',
    versions: ['v1', 'v2'].map((v) => ({ version: v, labels: { version: v }, readyInstances: 1 })),
  };
  const main: MeshObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'tcp-echo', namespace: 'istio-io-tcp-traffic-shifting' },
    spec: {
      selector: { app: 'tcp-echo' },
      ports: [
        { name: 'tcp', port: 9000 },
        { name: 'tcp-other', port: 9001 },
      ],
    },
  };
  const live: GatewayLiveState = { services: [main], otherRoutes: [] };
  const split = form({
    name: 'tcp-echo',
    transport: 'tcp',
    destinations: [
      { version: 'v1', weight: 80 },
      { version: 'v2', weight: 20 },
    ],
  });

  it("writes a TCP split as one TCPRoute rule (Istio's tcp-traffic-shifting), reads it back", () => {
    expect(gatewayRouteKind(tcpEcho)).toBe(TCPROUTE_KIND);
    const plan = planGatewayRoute(split, tcpEcho, live);
    expect(actions(plan)).toEqual([
      'create Service tcp-echo-v1',
      'create Service tcp-echo-v2',
      'create TCPRoute tcp-echo',
    ]);
    const route = routeOf(plan);
    expect((plan.writes[2]?.object.spec as { rules: unknown }).rules).toEqual([
      {
        backendRefs: [
          { group: '', kind: 'Service', name: 'tcp-echo-v1', port: 9000, weight: 80 },
          { group: '', kind: 'Service', name: 'tcp-echo-v2', port: 9000, weight: 20 },
        ],
      },
    ]);
    const services = [main, ...plan.writes.slice(0, 2).map((w) => w.object)];
    expect(readGatewayRoute(route, tcpEcho, { services })).toEqual({ form: split, reasons: [] });
    expect(
      planGatewayRoute(split, tcpEcho, { ...live, newRouteApiVersion: 'gateway.networking.k8s.io/v1alpha2' })
        .writes[2]?.object.apiVersion,
    ).toBe('gateway.networking.k8s.io/v1alpha2');
  });

  it('refuses conditions on a TCP route, naming the field', () => {
    const err = thrown(() =>
      planGatewayRoute(
        form({
          name: 'tcp-echo',
          routeType: 'condition',
          destinations: [{ version: 'v1', weight: 100 }],
          matches: [
            {
              match: { headers: [{ name: 'x', type: 'exact', value: '1' }] },
              destinations: [{ version: 'v2', weight: 100 }],
            },
          ],
        }),
        tcpEcho,
        live,
      ),
    );
    expect(err.field).toBe('routeType');
  });
});
