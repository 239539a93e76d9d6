import fc from 'fast-check';
import { destinations, token, value } from './form-arbitraries.test-support';
import { describe, expect, it } from 'vitest';
import { RouteForm } from '../contract/routing';
import type { ConditionRoute, RouteMatch } from '../contract/routing';
import { echo, reviews } from './fixtures';
import type { MeshObject } from './istio-types';
import type { RouteTarget, RpcDialect } from './model';
import { planRoute, readRoute } from './plan';

/** A Kubernetes label value: starts and ends with a letter or digit. */
const labelValue = fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9_]{0,8}[A-Za-z0-9])?$/);
const stringMatch = (types: ('exact' | 'prefix' | 'regex')[]) =>
  fc.record({ type: fc.constantFrom(...types), value });
/** A path: exact and prefix values start with "/", as Envoy matches them. */
const uriMatch = stringMatch(['exact', 'prefix', 'regex']).map((m) =>
  m.type === 'regex' ? m : { ...m, value: `/${m.value}` },
);

function match(target: RouteTarget, dialect: RpcDialect): fc.Arbitrary<RouteMatch> {
  const rpc = target.protocol === 'dubbo';
  const keyed = (types: ('exact' | 'prefix' | 'regex')[]) =>
    fc.uniqueArray(fc.record({ name: token, type: fc.constantFrom(...types), value }), {
      maxLength: 2,
      selector: (k) => k.name,
    });
  return fc.record({
    headers: rpc ? fc.constant([]) : keyed(['exact', 'prefix', 'regex']),
    attachments: rpc
      ? keyed(dialect === 'sofa' ? ['exact', 'prefix'] : ['exact', 'prefix', 'regex'])
      : fc.constant([]),
    sourceLabels: fc.dictionary(token, labelValue, { maxKeys: 2 }),
    ...(rpc ? { rpcMethod: fc.option(value, { nil: undefined }) } : {}),
    ...(!rpc ? { uri: fc.option(uriMatch, { nil: undefined }) } : {}),
    ...(!rpc ? { method: fc.option(stringMatch(['exact']), { nil: undefined }) } : {}),
  }) as fc.Arbitrary<RouteMatch>;
}

/** A condition that matches something: a catch-all in the middle is not kept apart on read. */
function condition(target: RouteTarget, dialect: RpcDialect): fc.Arbitrary<ConditionRoute> {
  const versions = target.versions.map((v) => v.version);
  return fc
    .record({ match: match(target, dialect), destinations: destinations(versions) })
    .filter(
      (c) =>
        c.match.headers.length + c.match.attachments.length + Object.keys(c.match.sourceLabels).length > 0 ||
        c.match.uri !== undefined ||
        c.match.method !== undefined ||
        c.match.rpcMethod !== undefined,
    )
    .map((c) => {
      // Drop optional keys fast-check set to undefined, as a parsed form has them absent.
      const m = Object.fromEntries(Object.entries(c.match).filter(([, v]) => v !== undefined)) as RouteMatch;
      return { ...c, match: m };
    });
}

function forms(target: RouteTarget, dialect: RpcDialect): fc.Arbitrary<RouteForm> {
  const versions = target.versions.map((v) => v.version);
  return fc
    .record({
      name: token,
      routeType: fc.constantFrom('version', 'condition'),
      destinations: destinations(versions),
      matches: fc.array(condition(target, dialect), { minLength: 1, maxLength: 3 }),
    })
    .map(({ name, routeType, destinations: dests, matches }) => {
      const matchList = routeType === 'condition' ? matches : [];
      return RouteForm.parse({
        name,
        routeType,
        trafficSplit: dests.length > 1 || matchList.some((m) => m.destinations.length > 1),
        destinations: dests,
        matches: matchList,
      });
    });
}

describe('form → objects → form', () => {
  it.each([
    ['HTTP service, istio', reviews, 'istio'],
    ['Dubbo service, istio dialect', echo, 'istio'],
    ['Dubbo service, dubbo dialect', echo, 'dubbo'],
    ['Dubbo service, sofa dialect', echo, 'sofa'],
  ] as const)('%s: any valid form survives unchanged', (_, target, dialect) => {
    fc.assert(
      fc.property(forms(target, dialect), (form) => {
        const plan = planRoute(form, target, { otherRoutes: [] }, { dialect, istioVersion: 'v1' });
        const [dr, vs] = plan.writes.map((w) => w.object) as [MeshObject, MeshObject];
        const { form: read, reasons } = readRoute(vs, target, { destinationRule: dr });
        expect(reasons).toEqual([]);
        expect(read).toEqual(form);
      }),
      { numRuns: 200 },
    );
  });
});
