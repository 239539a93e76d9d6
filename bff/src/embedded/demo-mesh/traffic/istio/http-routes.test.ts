import { describe, expect, it } from 'vitest';
import { decideRoute } from './decide';
import { config, meshRequest, objectsOf } from './fixtures.test-support';
import type { RequestContext, RouteDecision } from './types';

/**
 * Gateway API HTTPRoutes as Istio implements them: a Gateway parent (the workload Istio deploys for a
 * gateway.networking.k8s.io Gateway) and a Service parent (GAMMA, sidecar traffic); matches, Gateway
 * API precedence, backendRefs weights, filters, timeouts and retries (HTTPRoute reference).
 */

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop, namespace: default}
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}
  - name: other-ns
    port: 8080
    protocol: HTTP
    allowedRoutes: {namespaces: {from: All}}
`;

const route = (name: string, namespace: string, spec: string) => `
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec}`;

const atGateway = (host: string, path: string, over: Partial<RequestContext> = {}): RequestContext => ({
  at: {
    kind: 'gateway',
    workloadNamespace: 'default',
    workloadLabels: { 'gateway.networking.k8s.io/gateway-name': 'shop' },
  },
  sourceNamespace: 'default',
  sourceLabels: {},
  host,
  port: 80,
  protocol: 'http',
  method: 'GET',
  path,
  headers: {},
  ...over,
});

const target = (d: RouteDecision) =>
  d.kind === 'route'
    ? d.directResponse
      ? `${d.rule?.name}:${d.directResponse.status}`
      : `${d.rule?.name}→${d.destinations.map((x) => `${x.host.split('.')[0]}@${x.share}`).join('+')}`
    : d.kind;

describe('HTTPRoute on a Gateway', () => {
  const routes =
    GATEWAY +
    route(
      'shop',
      'default',
      `  parentRefs: [{name: shop}]
  hostnames: [shop.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /reviews/}}]
    backendRefs: [{name: reviews, port: 9080}]
  - matches: [{path: {type: Exact, value: /reviews/special}}]
    backendRefs: [{name: ratings, port: 9080}]
  - matches: [{path: {type: PathPrefix, value: /}, headers: [{name: end-user, value: jason}]}]
    backendRefs:
    - {name: reviews, port: 9080, weight: 90}
    - {name: ratings, port: 9080, weight: 10}
  - backendRefs: [{name: productpage, port: 9080}]`,
    );
  const decide = (host: string, path: string, over: Partial<RequestContext> = {}) =>
    target(decideRoute(config(objectsOf(routes)), atGateway(host, path, over)));

  it.each([
    ['/reviews', 'shop→reviews@1'],
    ['/reviews/1', 'shop→reviews@1'],
    ['/reviewsx', 'shop→productpage@1'],
    ['/reviews/special', 'shop→ratings@1'],
    ['/', 'shop→productpage@1'],
  ])('routes %s by Gateway API precedence (exact before prefix, whole path segments)', (path, expected) => {
    expect(decide('shop.example.com', path)).toBe(expected);
  });

  it('weights backends, and a header match outranks the bare prefix', () => {
    expect(decide('shop.example.com', '/x', { headers: { 'end-user': 'jason' } })).toBe(
      'shop→reviews@0.9+ratings@0.1',
    );
  });

  it('serves only the listener’s and the route’s hostnames, on the listener’s port', () => {
    expect(decide('other.example.com', '/')).toBe('not-found');
    expect(decide('shop.example.com', '/', { port: 9999 })).toBe('not-found');
    // Without sectionName the route attaches to every listener, 8080's too.
    expect(decide('shop.example.com', '/', { port: 8080 })).toBe('shop→productpage@1');
  });

  it('needs the workload of that Gateway', () => {
    const d = decideRoute(
      config(objectsOf(routes)),
      atGateway('shop.example.com', '/', {
        at: { kind: 'gateway', workloadNamespace: 'default', workloadLabels: {} },
      }),
    );
    expect(d.kind).toBe('not-found');
  });

  it('admits routes of other namespaces only where allowedRoutes says so, and by sectionName', () => {
    const yaml =
      GATEWAY +
      route(
        'team',
        'team',
        `  parentRefs: [{name: shop, namespace: default}]
  rules: [{backendRefs: [{name: reviews, namespace: default, port: 9080}]}]`,
      ) +
      route(
        'pinned',
        'default',
        `  parentRefs: [{name: shop, sectionName: http}]
  hostnames: [pinned.example.com]
  rules: [{backendRefs: [{name: ratings, port: 9080}]}]`,
      );
    const c = config(objectsOf(yaml));
    expect(target(decideRoute(c, atGateway('x', '/', { port: 8080 })))).toBe('team→reviews@1');
    expect(decideRoute(c, atGateway('a.example.com', '/')).kind).toBe('not-found');
    expect(target(decideRoute(c, atGateway('pinned.example.com', '/')))).toBe('pinned→ratings@1');
    expect(decideRoute(c, atGateway('pinned.example.com', '/', { port: 8080 })).kind).toBe('route');
  });
});

describe('HTTPRoute rule actions', () => {
  const rule = (body: string) =>
    GATEWAY +
    route(
      'r',
      'default',
      `  parentRefs: [{name: shop}]
  rules:
  - ${body}`,
    );
  const decide = (body: string) => {
    const d = decideRoute(config(objectsOf(rule(body))), atGateway('a.example.com', '/'));
    if (d.kind !== 'route') throw new Error(d.kind);
    return d;
  };

  it('answers 500 when no backend has weight', () => {
    expect(decide('backendRefs: [{name: reviews, port: 9080, weight: 0}]').directResponse).toEqual({
      status: 500,
    });
  });

  it('redirects with 302 unless told otherwise', () => {
    expect(
      decide('filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]').directResponse,
    ).toEqual({
      status: 302,
    });
    expect(
      decide('filters: [{type: RequestRedirect, requestRedirect: {statusCode: 301}}]').directResponse,
    ).toEqual({ status: 301 });
  });

  it('mirrors by percent or fraction, everything by default', () => {
    const mirror = (extra: string) =>
      decide(
        `filters: [{type: RequestMirror, requestMirror: {backendRef: {name: ratings, port: 9080}${extra}}}]
    backendRefs: [{name: reviews, port: 9080}]`,
      ).mirrors.map((m) => [m.destination.host, m.percent]);
    expect(mirror('')).toEqual([['ratings.default.svc.cluster.local', 100]]);
    expect(mirror(', percent: 20')).toEqual([['ratings.default.svc.cluster.local', 20]]);
    expect(mirror(', fraction: {numerator: 1, denominator: 8}')).toEqual([
      ['ratings.default.svc.cluster.local', 12.5],
    ]);
  });

  it('sets and adds request headers (first of a name wins)', () => {
    const d = decide(`filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-Env, value: demo}, {name: x-env, value: ignored}]
        add: [{name: x-trace, value: "1"}]
    backendRefs: [{name: reviews, port: 9080}]`);
    expect(d.requestHeaders).toEqual({ 'x-env': 'demo', 'x-trace': '1' });
  });

  it('takes timeouts and retries as Istio converts them', () => {
    expect(decide('backendRefs: [{name: reviews, port: 9080}]')).toMatchObject({
      retries: {
        attempts: 2,
        retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
      },
    });
    const d = decide(`timeouts: {request: 10s, backendRequest: 2s}
    retry: {attempts: 3, codes: [503]}
    backendRefs: [{name: reviews, port: 9080}]`);
    expect(d.timeoutMs).toBe(10_000);
    expect(d.retries).toEqual({
      attempts: 3,
      perTryTimeoutMs: 2000,
      retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
      retriableStatusCodes: [503],
    });
    expect(
      decide('timeouts: {backendRequest: 2s}\n    backendRefs: [{name: reviews, port: 9080}]').timeoutMs,
    ).toBe(2000);
  });
});

describe('HTTPRoute on a Service (GAMMA)', () => {
  const producer = route(
    'producer',
    'default',
    `  parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]
  rules:
  - matches: [{headers: [{name: end-user, value: jason}]}]
    backendRefs: [{name: ratings, port: 9080}]
  - backendRefs: [{name: reviews, port: 9080}]`,
  );
  const consumer = route(
    'consumer',
    'team',
    `  parentRefs: [{group: "", kind: Service, name: reviews, namespace: default}]
  rules:
  - backendRefs: [{name: details, namespace: default, port: 9080}]`,
  );
  const decide = (yaml: string, over: Partial<RequestContext> = {}) =>
    target(decideRoute(config(objectsOf(yaml)), meshRequest('reviews.default', over)));

  it('routes the service’s traffic by a route in its namespace (producer route)', () => {
    expect(decide(producer, { headers: { 'end-user': 'jason' } })).toBe('producer→ratings@1');
    expect(decide(producer)).toBe('producer→reviews@1');
  });

  it('prefers a route in the caller’s namespace (consumer route), for that namespace only', () => {
    expect(decide(producer + consumer, { sourceNamespace: 'team' })).toBe('consumer→details@1');
    expect(decide(producer + consumer)).toBe('producer→reviews@1');
    expect(decide(consumer, { sourceNamespace: 'third' })).toBe('undefined→reviews@1');
  });

  it('applies only on the parentRef’s port, and not at gateways', () => {
    const services = config([]).services.map((s) =>
      s.name === 'reviews' ? { ...s, ports: [...s.ports, { port: 8080, protocol: 'http' as const }] } : s,
    );
    const d = decideRoute(config(objectsOf(producer), services), meshRequest('reviews', { port: 8080 }));
    expect(target(d)).toBe('undefined→reviews@1');
  });
});
