import { describe, expect, it } from 'vitest';
import { decideRoute } from './decide';
import { bookinfoServices, config, meshRequest, objectsOf, service } from './fixtures.test-support';
import type { MeshService, RawObject, RequestContext, RouteDecision } from './types';

/**
 * Which VirtualService a sidecar applies (VirtualService reference: hosts, gateways, exportTo; the
 * traffic-management concepts page; pilot's sidecar scope for the order of several rules).
 */

const DR = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
`;

/** A VirtualService sending `host` to `subset` of reviews.default, with extra spec fields. */
function vs(
  name: string,
  namespace: string,
  subset: string,
  spec = '',
  hosts = '[reviews.default.svc.cluster.local]',
) {
  return `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  hosts: ${hosts}
${spec}
  http:
  - route:
    - destination: {host: reviews.default.svc.cluster.local, subset: ${subset}}
`;
}

const decide = (objects: RawObject[], over: Partial<RequestContext> = {}, services?: MeshService[]) =>
  decideRoute(config([...objectsOf(DR), ...objects], services), meshRequest('reviews.default', over));

const subsetOf = (d: RouteDecision) => (d.kind === 'route' ? (d.destinations[0]?.subset ?? '*') : d.kind);
const ruleOf = (d: RouteDecision) => (d.kind === 'route' ? d.rule?.name : d.kind);

describe('hosts', () => {
  it('qualifies a short host in the rule’s own namespace, whatever the service’s namespace', () => {
    const inOther = objectsOf(vs('r', 'other', 'v2', '', '[reviews]'));
    expect(ruleOf(decide(inOther))).toBeUndefined();
    const inDefault = objectsOf(vs('r', 'default', 'v2', '', '[reviews]'));
    expect(subsetOf(decide(inDefault))).toBe('v2');
  });

  it('names a service by its short forms from the caller’s namespace only', () => {
    const objects = objectsOf(vs('r', 'default', 'v2'));
    const c = config([...objectsOf(DR), ...objects]);
    expect(subsetOf(decideRoute(c, meshRequest('reviews')))).toBe('v2');
    expect(subsetOf(decideRoute(c, meshRequest('reviews.default.svc')))).toBe('v2');
    expect(subsetOf(decideRoute(c, meshRequest('reviews.default.svc.cluster.local:9080')))).toBe('v2');
    const fromOther = decideRoute(c, meshRequest('reviews', { sourceNamespace: 'other' }));
    expect(fromOther).toMatchObject({ kind: 'route', passthrough: true });
  });

  it('prefers an exact host to a wildcard, and the most specific wildcard', () => {
    const services = [
      ...bookinfoServices(),
      { ...service('api', 'default', ['v1']), host: 'a.api.example.com' },
      { ...service('b', 'default', ['v1']), host: 'b.api.example.com' },
    ];
    const objects = objectsOf(
      vs('wide', 'default', 'v1', '', '["*.example.com"]') +
        vs('narrow', 'default', 'v2', '', '["*.api.example.com"]') +
        vs('exact', 'default', 'v3', '', '[a.api.example.com]'),
    );
    const c = config(objects, services);
    expect(ruleOf(decideRoute(c, meshRequest('a.api.example.com')))).toBe('exact');
    expect(ruleOf(decideRoute(c, meshRequest('b.api.example.com')))).toBe('narrow');
  });

  it('does not route a service by a rule whose host names another', () => {
    const objects = objectsOf(vs('r', 'default', 'v2', '', '[ratings]'));
    expect(ruleOf(decide(objects))).toBeUndefined();
  });
});

describe('gateways', () => {
  it('applies a rule bound to a gateway only at that gateway, unless it lists mesh too', () => {
    const gatewayOnly = objectsOf(vs('r', 'default', 'v2', '  gateways: [bookinfo-gateway]'));
    expect(ruleOf(decide(gatewayOnly))).toBeUndefined();
    const both = objectsOf(vs('r', 'default', 'v2', '  gateways: [bookinfo-gateway, mesh]'));
    expect(subsetOf(decide(both))).toBe('v2');
  });
});

describe('exportTo', () => {
  it.each([
    ['unset (public)', '', true],
    ['*', '  exportTo: ["*"]', true],
    ['.', '  exportTo: ["."]', false],
    ['~', '  exportTo: ["~"]', false],
    ['the caller’s namespace', '  exportTo: [other]', true],
    ['another namespace', '  exportTo: [third]', false],
  ])('a rule of default exported to %s is seen from namespace other: %s', (_n, spec, seen) => {
    const d = decide(objectsOf(vs('r', 'default', 'v2', spec)), { sourceNamespace: 'other' });
    expect(subsetOf(d)).toBe(seen ? 'v2' : '*');
  });

  it('exportTo "." still applies in the rule’s own namespace', () => {
    expect(subsetOf(decide(objectsOf(vs('r', 'default', 'v2', '  exportTo: ["."]'))))).toBe('v2');
  });

  it('a service exported only to its namespace has no route elsewhere: passthrough', () => {
    const services = bookinfoServices().map((s) => (s.name === 'reviews' ? { ...s, exportTo: ['.'] } : s));
    const d = decide(objectsOf(vs('r', 'default', 'v2')), { sourceNamespace: 'other' }, services);
    expect(d).toMatchObject({ kind: 'route', passthrough: true });
    expect(subsetOf(decide(objectsOf(vs('r', 'default', 'v2')), {}, services))).toBe('v2');
  });
});

describe('several rules for one host', () => {
  it('the oldest wins (creationTimestamp, then name)', () => {
    const objects = objectsOf(vs('older', 'default', 'v1') + vs('newer', 'default', 'v2'));
    expect(ruleOf(decide(objects))).toBe('older');
    expect(ruleOf(decide([...objects].reverse()))).toBe('older');
    const sameTime = objects.map((o) => ({
      ...o,
      metadata: { ...o.metadata, creationTimestamp: '2026-01-01T00:00:00Z' },
    }));
    expect(ruleOf(decide(sameTime))).toBe('newer');
  });

  it('a rule private to the caller’s namespace comes before public rules, however old', () => {
    const objects = objectsOf(
      vs('public-old', 'other', 'v1') + vs('private-new', 'default', 'v2', '  exportTo: ["."]'),
    );
    expect(ruleOf(decide(objects))).toBe('private-new');
    expect(ruleOf(decide(objects, { sourceNamespace: 'other' }))).toBe('public-old');
  });

  it('a rule exported to the caller’s namespace by name comes before public rules', () => {
    const objects = objectsOf(
      vs('public-old', 'third', 'v1') + vs('named-new', 'other', 'v2', '  exportTo: [default]'),
    );
    expect(ruleOf(decide(objects))).toBe('named-new');
  });

  it('a rule with no route for this caller does not apply; the next one does', () => {
    const forReviewsOnly = `
  http:
  - match: [{sourceLabels: {app: reviews}}]
    route: [{destination: {host: reviews.default.svc.cluster.local, subset: v3}}]`;
    const objects = objectsOf(
      `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: older, namespace: default}
spec:
  hosts: [reviews]${forReviewsOnly}` + vs('newer', 'default', 'v2'),
    );
    expect(ruleOf(decide(objects))).toBe('newer');
    expect(subsetOf(decide(objects, { sourceLabels: { app: 'reviews' } }))).toBe('v3');
    // Alone, it leaves other callers on the default route.
    expect(ruleOf(decide(objects.slice(0, 1)))).toBeUndefined();
  });
});

describe('no matching route', () => {
  it('is a 404 NR at a sidecar when a rule applies but none of its routes match', () => {
    const objects = objectsOf(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: default}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
`);
    expect(decide(objects).kind).toBe('not-found');
    expect(subsetOf(decide(objects, { headers: { 'end-user': 'jason' } }))).toBe('v2');
  });

  it('passes through a host outside the registry, and a service port it does not have', () => {
    expect(decideRoute(config([]), meshRequest('example.org'))).toMatchObject({
      kind: 'route',
      passthrough: true,
      destinations: [{ host: 'example.org', service: undefined }],
    });
    expect(decide([], { port: 8080 })).toMatchObject({ kind: 'route', passthrough: true });
  });

  it('routes a host outside the registry on port 80 by a rule naming it', () => {
    const objects = objectsOf(vs('external', 'default', 'v1', '', '[api.example.org]'));
    expect(ruleOf(decide(objects, { host: 'api.example.org', port: 80 }))).toBe('external');
    expect(decide(objects, { host: 'api.example.org', port: 8080 })).toMatchObject({ passthrough: true });
  });
});
