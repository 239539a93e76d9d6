import { describe, expect, it } from 'vitest';
import { decideRoute } from './decide';
import { config, ingressRequest, objectsOf } from './fixtures.test-support';
import type { RequestContext, RouteDecision } from './types';

/**
 * Requests entering at a gateway (Gateway reference: selector, servers, hosts with namespace
 * prefixes; VirtualService reference: gateways; Istio merges the rules of one host at a gateway).
 */

const gateway = (
  name: string,
  namespace: string,
  hosts: string,
  port = 8080,
  selector = '{istio: ingressgateway}',
) => `
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: ${selector}
  servers:
  - port: {number: ${port}, name: http, protocol: HTTP}
    hosts: ${hosts}
`;

const rule = (name: string, namespace: string, gateways: string, hosts: string, http: string, extra = '') => `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  hosts: ${hosts}
  gateways: ${gateways}
${extra}
  http:
${http}
`;

const to = (host: string, match = '') =>
  `  - ${match ? `match: [${match}]\n    ` : ''}route: [{destination: {host: ${host}, port: {number: 9080}}}]`;

const at = (objects: string, host: string, path: string, over: Partial<RequestContext> = {}) =>
  decideRoute(config(objectsOf(objects)), ingressRequest(host, path, over));
const target = (d: RouteDecision) =>
  d.kind === 'route' ? `${d.rule?.name}→${d.destinations[0]?.host.split('.')[0]}` : d.kind;

describe('binding', () => {
  it('binds by `ns/name`, by a name qualified in the rule’s namespace, and finds a Gateway in any namespace', () => {
    const objects =
      gateway('gw', 'shop', '["*"]') +
      rule('by-ns-name', 'default', '[shop/gw]', '["*"]', to('reviews', '{uri: {prefix: /a}}')) +
      rule('by-name', 'default', '[gw]', '["*"]', to('ratings', '{uri: {prefix: /b}}')) +
      rule(
        'same-ns',
        'shop',
        '[gw]',
        '["*"]',
        to('details.default.svc.cluster.local', '{uri: {prefix: /c}}'),
      );
    expect(target(at(objects, 'x', '/a'))).toBe('by-ns-name→reviews');
    expect(at(objects, 'x', '/b').kind).toBe('not-found');
    expect(target(at(objects, 'x', '/c'))).toBe('same-ns→details');
  });

  it('a Gateway whose selector does not select the workload does not apply', () => {
    const objects =
      gateway('gw', 'default', '["*"]', 8080, '{istio: egressgateway}') +
      rule('r', 'default', '[gw]', '["*"]', to('reviews'));
    expect(at(objects, 'x', '/').kind).toBe('not-found');
  });

  it('a rule at the gateway must be visible to the gateway workload’s namespace', () => {
    const objects =
      gateway('gw', 'default', '["*"]') +
      rule('r', 'default', '[gw]', '["*"]', to('reviews'), '  exportTo: ["."]');
    expect(at(objects, 'x', '/').kind).toBe('not-found');
    const exported =
      gateway('gw', 'default', '["*"]') +
      rule('r', 'default', '[gw]', '["*"]', to('reviews'), '  exportTo: [istio-system]');
    expect(target(at(exported, 'x', '/'))).toBe('r→reviews');
  });

  it('match.gateways limits a route to the gateways it names', () => {
    const objects =
      gateway('gw', 'default', '["*"]') +
      rule(
        'r',
        'default',
        '[gw, mesh]',
        '["*"]',
        [to('reviews', '{gateways: [mesh]}'), to('ratings', '{gateways: [gw]}')].join('\n'),
      );
    expect(target(at(objects, 'x', '/'))).toBe('r→ratings');
  });
});

describe('server hosts', () => {
  it.each([
    ['*', '["*"]', 'shop.example.com', true],
    ['an exact host', '[shop.example.com]', 'shop.example.com', true],
    ['an exact host, other request host', '[shop.example.com]', 'other.example.com', false],
    ['a wildcard', '["*.example.com"]', 'shop.example.com', true],
    ['the rule’s namespace', '["default/*"]', 'shop.example.com', true],
    ['another namespace', '["other/*"]', 'shop.example.com', false],
    ['any namespace', '["*/shop.example.com"]', 'shop.example.com', true],
    ['the gateway’s namespace (.) ≠ the rule’s', '["./*"]', 'shop.example.com', false],
  ])('a server for %s (%s) routes a request for %s: %s', (_n, hosts, requestHost, routed) => {
    const objects =
      gateway('gw', 'istio-system', hosts) +
      rule('r', 'default', '[istio-system/gw]', '["*.example.com"]', to('reviews'));
    expect(at(objects, requestHost, '/').kind).toBe(routed ? 'route' : 'not-found');
  });

  it('picks the virtual host as Envoy does: exact, then the longest wildcard, then *; and ignores the port', () => {
    const objects =
      gateway('gw', 'default', '["*"]') +
      rule('any', 'default', '[gw]', '["*"]', to('details')) +
      rule('wild', 'default', '[gw]', '["*.example.com"]', to('ratings')) +
      rule('exact', 'default', '[gw]', '[shop.example.com]', to('reviews'));
    expect(target(at(objects, 'shop.example.com:8080', '/'))).toBe('exact→reviews');
    expect(target(at(objects, 'Other.Example.com', '/'))).toBe('wild→ratings');
    expect(target(at(objects, '192.0.2.1', '/'))).toBe('any→details');
  });
});

describe('several rules for one host at a gateway', () => {
  it('merges their routes, oldest rule first, with catch-all routes moved last', () => {
    const objects =
      gateway('gw', 'default', '["*"]') +
      rule(
        'older',
        'default',
        '[gw]',
        '[shop.example.com]',
        [to('reviews', '{uri: {prefix: /reviews}}'), to('details')].join('\n'),
      ) +
      rule(
        'newer',
        'default',
        '[gw]',
        '[shop.example.com]',
        [to('ratings', '{uri: {prefix: /ratings}}'), to('productpage', '{uri: {prefix: /}}')].join('\n'),
      );
    expect(target(at(objects, 'shop.example.com', '/reviews/1'))).toBe('older→reviews');
    // The older rule's catch-all would shadow /ratings if routes were only concatenated.
    expect(target(at(objects, 'shop.example.com', '/ratings/1'))).toBe('newer→ratings');
    expect(target(at(objects, 'shop.example.com', '/other'))).toBe('older→details');
  });
});

describe('httpsRedirect', () => {
  it('answers plain HTTP with a 301 to https and routes https requests', () => {
    const objects =
      `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: [shop.example.com]
    tls: {httpsRedirect: true}
` + rule('r', 'default', '[gw]', '[shop.example.com]', to('reviews'));
    expect(at(objects, 'shop.example.com', '/')).toMatchObject({
      kind: 'route',
      directResponse: { status: 301 },
    });
    expect(target(at(objects, 'shop.example.com', '/', { scheme: 'https' }))).toBe('r→reviews');
  });
});

describe('TCP at a gateway', () => {
  it('routes a TCP server’s connections by the bound rule’s tcp routes', () => {
    const objects =
      `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: tcp-gw, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 31400, name: tcp, protocol: TCP}
    hosts: ["*"]
` +
      `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tcp-echo, namespace: default}
spec:
  hosts: ["*"]
  gateways: [tcp-gw]
  tcp:
  - match: [{port: 31400}]
    route:
    - {destination: {host: reviews, port: {number: 9080}}, weight: 80}
    - {destination: {host: ratings, port: {number: 9080}}, weight: 20}
`;
    const d = at(objects, 'x', '/', { protocol: 'tcp', port: 31400 });
    expect(d.kind === 'route' && d.destinations.map((x) => [x.host.split('.')[0], x.share])).toEqual([
      ['reviews', 0.8],
      ['ratings', 0.2],
    ]);
    expect(at(objects, 'x', '/', { protocol: 'tcp', port: 8080 }).kind).toBe('not-found');
    expect(at(objects, 'x', '/', { port: 31400 }).kind).toBe('not-found');
  });
});
