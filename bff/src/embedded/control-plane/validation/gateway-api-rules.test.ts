import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../testing/fixtures';
import type { TestStore } from '../testing/fixtures';
import { isRecord } from '../types';
import type { KubeResource } from '../types';
import { GATEWAY_API_RULES, GATEWAY_API_RULES_NOT_ENFORCED } from './gateway-api-rules';

const GATEWAYS: KubeResource = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' };
const ROUTES: KubeResource = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' };
const TLS_ROUTES: KubeResource = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'tlsroutes' };
const GRPC_ROUTES: KubeResource = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'grpcroutes' };

function vendoredRules(): string[] {
  const file = JSON.parse(
    fs.readFileSync(new URL('../crds/gateway-api.json', import.meta.url), 'utf8'),
  ) as unknown;
  const rules = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (isRecord(value)) {
      const validations = value['x-kubernetes-validations'];
      if (Array.isArray(validations))
        for (const v of validations) if (isRecord(v) && typeof v.rule === 'string') rules.add(v.rule);
      Object.values(value).forEach(walk);
    }
  };
  walk(file);
  return [...rules];
}

const gateway = (name: string, listeners: unknown[]) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name },
  spec: { gatewayClassName: 'istio', listeners },
});
const route = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name },
  spec: { parentRefs: [{ name: 'gw' }], ...spec },
});

describe('Gateway API CEL rules', () => {
  let t: TestStore;
  beforeAll(() => {
    t = openStore();
  });
  afterAll(() => t.close());

  const refusal = (gvr: KubeResource, body: unknown): string => {
    try {
      t.store.create(gvr, 'default', body, { dryRun: true });
    } catch (err) {
      return (err as Error).message;
    }
    return 'accepted';
  };

  it('covers every rule of the vendored CRDs, by its exact text, except the one transition rule', () => {
    const rules = vendoredRules();
    expect(rules).toHaveLength(78);
    const missing = rules.filter(
      (r) => !(r in GATEWAY_API_RULES) && !GATEWAY_API_RULES_NOT_ENFORCED.includes(r),
    );
    expect(missing).toEqual([]);
    expect(GATEWAY_API_RULES_NOT_ENFORCED).toEqual(['self == oldSelf']);
    expect(Object.keys(GATEWAY_API_RULES).filter((r) => !rules.includes(r))).toEqual([]);
  });

  it.each([
    [
      'a valid route',
      route('ok', {
        hostnames: ['bookinfo.example.com'],
        rules: [{ backendRefs: [{ name: 'productpage', port: 9080 }] }],
      }),
      'accepted',
    ],
    [
      'a path that does not start with /',
      route('p1', { rules: [{ matches: [{ path: { type: 'PathPrefix', value: 'productpage' } }] }] }),
      'value must be an absolute path and start with',
    ],
    [
      'a path with //',
      route('p2', { rules: [{ matches: [{ path: { type: 'Exact', value: '/a//b' } }] }] }),
      'must not contain',
    ],
    [
      'a Service backend without a port',
      route('b1', { rules: [{ backendRefs: [{ name: 'productpage' }] }] }),
      'Must have port for Service reference',
    ],
    [
      'a filter whose type does not match its field',
      route('f1', {
        rules: [{ filters: [{ type: 'RequestHeaderModifier', urlRewrite: { hostname: 'x.example.com' } }] }],
      }),
      'filter.urlRewrite must be nil if the filter.type is not URLRewrite',
    ],
    [
      'a redirect together with backends',
      route('f2', {
        rules: [
          {
            filters: [{ type: 'RequestRedirect', requestRedirect: { port: 8443 } }],
            backendRefs: [{ name: 'a', port: 80 }],
          },
        ],
      }),
      'RequestRedirect filter must not be used together with backendRefs',
    ],
    [
      'a backend timeout longer than the request timeout',
      route('t1', { rules: [{ timeouts: { request: '5s', backendRequest: '10s' } }] }),
      'backendRequest timeout cannot be longer than request timeout',
    ],
  ])('HTTPRoute: %s', (_what, body, expected) => {
    expect(refusal(ROUTES, body)).toContain(expected);
  });

  it.each([
    ['valid listeners', gateway('g0', [{ name: 'http', port: 80, protocol: 'HTTP' }]), 'accepted'],
    [
      'two listeners of one name',
      gateway('g1', [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'http', port: 8080, protocol: 'HTTP' },
      ]),
      'Listener name must be unique within the Gateway',
    ],
    [
      'TLS settings on an HTTP listener',
      gateway('g2', [{ name: 'http', port: 80, protocol: 'HTTP', tls: { mode: 'Terminate' } }]),
      'tls must not be specified for protocols',
    ],
    [
      'a hostname on a TCP listener',
      gateway('g3', [{ name: 'tcp', port: 9000, protocol: 'TCP', hostname: 'a.example.com' }]),
      'hostname must not be specified for protocols',
    ],
  ])('Gateway: %s', (_what, body, expected) => {
    expect(refusal(GATEWAYS, body)).toContain(expected);
  });

  it('TLSRoute: hostnames are names, not IPs, with a wildcard only as the first label', () => {
    const tls = (name: string, hostnames: string[]) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'TLSRoute',
      metadata: { name },
      spec: { hostnames, rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] },
    });
    expect(refusal(TLS_ROUTES, tls('ok', ['*.example.com']))).toBe('accepted');
    expect(refusal(TLS_ROUTES, tls('ip', ['10.0.0.1']))).toContain('Hostnames cannot contain an IP');
    expect(refusal(TLS_ROUTES, tls('wild', ['foo.*.example.com']))).toContain(
      'Wildcards on hostnames must be the first label',
    );
  });

  it('GatewayClass: the controller name cannot change (the transition rule, checked on update)', () => {
    const classes: KubeResource = {
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      plural: 'gatewayclasses',
    };
    const created = t.store.create(classes, undefined, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'istio' },
      spec: { controllerName: 'istio.io/gateway-controller' },
    });
    expect(() =>
      t.store.update(classes, undefined, 'istio', {
        ...created,
        spec: { controllerName: 'example.com/other' },
      }),
    ).toThrow(/spec\.controllerName: Invalid value: "example.com\/other": field is immutable/);
  });

  it('GRPCRoute: a method match needs a service or method, and a valid method name', () => {
    const grpc = (name: string, method: Record<string, unknown>) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name },
      spec: { rules: [{ matches: [{ method }] }] },
    });
    expect(refusal(GRPC_ROUTES, grpc('ok', { service: 'hipstershop.CartService', method: 'GetCart' }))).toBe(
      'accepted',
    );
    expect(refusal(GRPC_ROUTES, grpc('m1', { type: 'Exact' }))).toContain('One or both of');
    expect(refusal(GRPC_ROUTES, grpc('m2', { service: 'svc', method: 'bad-name' }))).toContain('method');
  });
});
