import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { destinations, token, value } from './form-arbitraries.test-support';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { RouteForm } from '../contract/routing';
import type { ConditionRoute, RouteMatch } from '../contract/routing';
import { checkGatewayApiObject } from '../testing/gateway-api-schema';
import { productcatalog, reviews } from './fixtures';
import { planGatewayRoute, readGatewayRoute } from './gateway-api-routes';
import type { MeshObject } from './istio-types';
import type { RouteTarget } from './model';

const here = path.dirname(fileURLToPath(import.meta.url));
const KUBE = path.resolve(here, '../testing/istio-samples/bookinfo/platform/kube');
const servicesIn = (file: string): MeshObject[] =>
  (yaml.loadAll(fs.readFileSync(path.join(KUBE, file), 'utf8')) as (MeshObject | null)[]).filter(
    (o): o is MeshObject => o?.kind === 'Service',
  );
const bookinfo = servicesIn('bookinfo.yaml');
const bookinfoVersions = servicesIn('bookinfo-versions.yaml');
const catalog: MeshObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'productcatalog', namespace: 'shop' },
  spec: { selector: { app: 'productcatalog' }, ports: [{ name: 'grpc', port: 3550 }] },
};

const tcpEcho: RouteTarget = {
  ...productcatalog,
  id: 'tcp-echo.shop.svc.cluster.local',
  name: 'tcp-echo',
  application: 'tcp-echo',
  protocol: 'tcp',
  host: 'tcp-echo.shop.svc.cluster.local',
};
const tcpEchoService: MeshObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'tcp-echo', namespace: 'shop' },
  spec: { selector: { app: 'tcp-echo' }, ports: [{ name: 'tcp', port: 9000 }] },
};

/** What the Gateway API can match: exact or regex (no prefix) for headers and query parameters. */
const keyed = fc.uniqueArray(
  fc.record({ name: token, type: fc.constantFrom('exact' as const, 'regex' as const), value }),
  {
    maxLength: 2,
    selector: (k) => k.name.toLowerCase(),
  },
);
/**
 * A path: exact and prefix values are absolute paths; a prefix of "/" alone is left out, as the
 * API server stores "any path" that way and it reads back as no path condition.
 */
const path_ = fc
  .record({
    type: fc.constantFrom('exact' as const, 'prefix' as const, 'regex' as const),
    value: fc.stringMatching(/^[A-Za-z0-9_]{1,8}(\/[A-Za-z0-9_]{1,8})?$/),
  })
  .map((m) => (m.type === 'regex' ? m : { ...m, value: `/${m.value}` }));
const grpcPath = fc.oneof(
  fc.record({
    type: fc.constant('exact' as const),
    value: fc.constantFrom('/shop.Catalog/List', '/hipstershop.ProductCatalogService/GetProduct'),
  }),
  fc.record({
    type: fc.constant('prefix' as const),
    value: fc.constantFrom('/shop.Catalog/', '/grpc.health.v1.Health/'),
  }),
);
const method = fc.record({
  type: fc.constant('exact' as const),
  value: fc.constantFrom('GET', 'POST', 'DELETE', 'PATCH'),
});

function match(grpc: boolean): fc.Arbitrary<RouteMatch> {
  const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const base = grpc
    ? fc
        .record({
          headers: keyed,
          queryParams: fc.constant([]),
          uri: optional(grpcPath),
          rpcMethod: fc.constant(undefined),
        })
        .chain((m) =>
          m.uri
            ? fc.constant(m)
            : optional(fc.constantFrom('List', 'GetProduct')).map((rpcMethod) => ({ ...m, rpcMethod })),
        )
    : fc.record({ headers: keyed, queryParams: keyed, uri: optional(path_), method: optional(method) });
  return base.map(
    (m) =>
      // Drop optional keys fast-check set to undefined, as a parsed form has them absent.
      Object.fromEntries(
        Object.entries({ attachments: [], sourceLabels: {}, ...m }).filter(([, v]) => v !== undefined),
      ) as RouteMatch,
  );
}

function condition(target: RouteTarget, grpc: boolean): fc.Arbitrary<ConditionRoute> {
  const versions = target.versions.map((v) => v.version);
  return fc
    .record({ match: match(grpc), destinations: destinations(versions) })
    .filter(
      (c) =>
        c.match.headers.length + c.match.queryParams.length > 0 ||
        c.match.uri !== undefined ||
        c.match.method !== undefined ||
        c.match.rpcMethod !== undefined,
    );
}

function forms(target: RouteTarget, grpc: boolean): fc.Arbitrary<RouteForm> {
  const versions = target.versions.map((v) => v.version);
  const tcp = target.protocol === 'tcp';
  return fc
    .record({
      name: token,
      routeType: tcp ? fc.constant('version') : fc.constantFrom('version', 'condition'),
      destinations: destinations(versions),
      matches: fc.array(condition(target, grpc), { minLength: 1, maxLength: 3 }),
      named: fc.boolean(),
    })
    .map(({ name, routeType, destinations: dests, matches, named }) => {
      const matchList = routeType === 'condition' ? matches : [];
      return RouteForm.parse({
        name,
        routeType,
        trafficSplit: dests.length > 1 || matchList.some((m) => m.destinations.length > 1),
        destinations: dests,
        matches: named ? matchList.map((m, i) => ({ ...m, name: `rule-${i}` })) : matchList,
        ...(tcp ? { transport: 'tcp' } : {}),
      });
    });
}

/** The object as the API server stores it, after checking it is one it takes as it is. */
function stored(obj: MeshObject): MeshObject {
  const check = checkGatewayApiObject(obj);
  expect(check.errors).toEqual([]);
  expect(check.pruned).toEqual([]);
  return check.stored as unknown as MeshObject;
}

describe('form → Gateway API objects → form', () => {
  it.each([
    ['HTTP service, per-version Services created', reviews, bookinfo, false],
    [
      "HTTP service, Istio's bookinfo-versions Services reused",
      reviews,
      [...bookinfo, ...bookinfoVersions],
      false,
    ],
    ['gRPC service, per-version Services created', productcatalog, [catalog], true],
    ['TCP service, per-version Services created', tcpEcho, [tcpEchoService], false],
  ] as const)(
    '%s: any valid form survives unchanged, and saving it again changes nothing',
    (_, target, services, grpc) => {
      fc.assert(
        fc.property(forms(target, grpc), (form) => {
          const plan = planGatewayRoute(form, target, { services: [...services], otherRoutes: [] });
          const writes = plan.writes.map((w) => ({ ...w, object: stored(w.object) }));
          const route = writes.find((w) => w.object.kind !== 'Service')?.object as MeshObject;
          expect(route.kind).toBe(grpc ? 'GRPCRoute' : target.protocol === 'tcp' ? 'TCPRoute' : 'HTTPRoute');
          const live = [
            ...services,
            ...writes.filter((w) => w.object.kind === 'Service').map((w) => w.object),
          ];
          const { form: read, reasons } = readGatewayRoute(route, target, { services: live });
          expect(reasons).toEqual([]);
          expect(read).toEqual(form);
          const again = planGatewayRoute(read as RouteForm, target, {
            route,
            services: live,
            otherRoutes: [],
          });
          expect(again.writes.map((w) => w.action)).toEqual(['unchanged']);
        }),
        { numRuns: 100 },
      );
    },
  );
});
