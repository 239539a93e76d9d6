import { CIRCUIT_BREAKER_DR } from '../../../../testing/istio-task-rules';
import { describe, expect, it } from 'vitest';
import { decideRoute } from './decide';
import { bookinfoServices, config, meshRequest, objectsOf, service } from './fixtures.test-support';
import type { MeshService, RequestContext, RouteDecision, TrafficPolicy } from './types';

/**
 * DestinationRules as the reference describes them: subsets, exportTo and the lookup order, merging of
 * several rules for one host, traffic policy with port-level settings and subset overrides; and the
 * Istio circuit-breaking task's rule.
 */

const dr = (name: string, namespace: string, body: string) => `
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${body}`;

const routeTo = (subset: string) => `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews.default.svc.cluster.local]
  http:
  - route: [{destination: {host: reviews.default.svc.cluster.local, subset: ${subset}}}]`;

const decide = (yaml: string, over: Partial<RequestContext> = {}, services?: MeshService[]) =>
  decideRoute(config(objectsOf(yaml), services), meshRequest('reviews.default', over));

function first(d: RouteDecision) {
  if (d.kind !== 'route' || !d.destinations[0]) throw new Error('no destination');
  return d.destinations[0];
}
const versions = (d: RouteDecision) => first(d).endpoints.map((e) => e.labels.version);

describe('subsets', () => {
  it('selects the endpoints whose labels include all the subset’s labels', () => {
    const services = [
      ...bookinfoServices().filter((s) => s.name !== 'reviews'),
      {
        ...service('reviews', 'default', []),
        endpoints: [
          { name: 'a', labels: { app: 'reviews', version: 'v2', track: 'canary' }, ready: true },
          { name: 'b', labels: { app: 'reviews', version: 'v2' }, ready: false },
          { name: 'c', labels: { app: 'reviews', version: 'v1', track: 'canary' }, ready: true },
        ],
      },
    ];
    const yaml =
      dr(
        'reviews',
        'default',
        `  host: reviews\n  subsets:\n  - {name: canary, labels: {version: v2, track: canary}}\n  - {name: v2, labels: {version: v2}}`,
      ) + routeTo('canary');
    expect(first(decide(yaml, {}, services)).endpoints.map((e) => e.name)).toEqual(['a']);
    expect(
      first(decide(yaml.replace('subset: canary', 'subset: v2'), {}, services)).endpoints.map((e) => e.name),
    ).toEqual(['a', 'b']);
  });
});

describe('merging several rules for one host in one namespace', () => {
  const yaml =
    dr(
      'reviews-a',
      'default',
      `  host: reviews\n  trafficPolicy: {connectionPool: {tcp: {maxConnections: 5}}}\n  subsets:\n  - {name: v1, labels: {version: v1}}\n  - {name: shared, labels: {version: v1}}`,
    ) +
    dr(
      'reviews-b',
      'default',
      `  host: reviews.default.svc.cluster.local\n  trafficPolicy: {connectionPool: {tcp: {maxConnections: 7}}}\n  subsets:\n  - {name: v3, labels: {version: v3}}\n  - {name: shared, labels: {version: v3}}`,
    );

  it('unions the subsets', () => {
    expect(versions(decide(yaml + routeTo('v1')))).toEqual(['v1']);
    expect(versions(decide(yaml + routeTo('v3')))).toEqual(['v3']);
  });

  it('keeps the first definition of a subset and the first top-level traffic policy (oldest rule first)', () => {
    expect(versions(decide(yaml + routeTo('shared')))).toEqual(['v1']);
    expect(first(decide(yaml + routeTo('v3'))).policy.maxConnections).toBe(5);
  });

  it('keeps rules with different exportTo apart', () => {
    const apart =
      dr(
        'reviews-a',
        'default',
        `  host: reviews\n  exportTo: ["."]\n  subsets:\n  - {name: v1, labels: {version: v1}}`,
      ) + dr('reviews-b', 'default', `  host: reviews\n  subsets:\n  - {name: v3, labels: {version: v3}}`);
    // From another namespace only the exported rule is seen.
    expect(first(decide(apart + routeTo('v1'), { sourceNamespace: 'other' })).undefinedSubset).toBe(true);
    expect(versions(decide(apart + routeTo('v3'), { sourceNamespace: 'other' }))).toEqual(['v3']);
  });
});

describe('which rule a caller sees', () => {
  const inNs = (ns: string, subset: string, exportTo = '') =>
    dr(
      `reviews-${ns}`,
      ns,
      `  host: reviews.default.svc.cluster.local\n${exportTo}  subsets:\n  - {name: s, labels: {version: ${subset}}}`,
    );

  it.each([
    [
      'the caller’s namespace first',
      inNs('other', 'v1') + inNs('default', 'v2') + inNs('istio-system', 'v3'),
      'v1',
    ],
    ['then the service’s namespace', inNs('default', 'v2') + inNs('istio-system', 'v3'), 'v2'],
    ['then the root namespace', inNs('istio-system', 'v3'), 'v3'],
    [
      'not a rule of the service’s namespace exported elsewhere',
      inNs('default', 'v2', '  exportTo: ["."]\n') + inNs('istio-system', 'v3'),
      'v3',
    ],
    [
      'a rule of the service’s namespace exported to the caller',
      inNs('default', 'v2', '  exportTo: [other]\n') + inNs('istio-system', 'v3'),
      'v2',
    ],
    ['a rule of a third namespace never', inNs('third', 'v1') + inNs('istio-system', 'v3'), 'v3'],
    [
      'not a rule of the caller’s namespace exported only to others',
      inNs('other', 'v1', '  exportTo: [third]\n') + inNs('istio-system', 'v3'),
      'v3',
    ],
  ])('%s', (_n, yaml, version) => {
    expect(versions(decide(yaml + routeTo('s'), { sourceNamespace: 'other' }))).toEqual([version]);
  });

  it('takes the most specific host within a namespace', () => {
    const yaml =
      dr(
        'wide',
        'default',
        `  host: "*.svc.cluster.local"\n  subsets:\n  - {name: s, labels: {version: v1}}`,
      ) +
      dr(
        'narrow',
        'default',
        `  host: "*.default.svc.cluster.local"\n  subsets:\n  - {name: s, labels: {version: v2}}`,
      );
    expect(versions(decide(yaml + routeTo('s')))).toEqual(['v2']);
  });

  it('applies a rule with a workloadSelector only to the callers it selects', () => {
    const yaml =
      dr('plain', 'default', `  host: reviews\n  subsets:\n  - {name: s, labels: {version: v1}}`) +
      dr(
        'for-productpage',
        'default',
        `  host: reviews\n  workloadSelector: {matchLabels: {app: productpage}}\n  subsets:\n  - {name: s, labels: {version: v3}}`,
      );
    expect(versions(decide(yaml + routeTo('s')))).toEqual(['v3']);
    expect(versions(decide(yaml + routeTo('s'), { sourceLabels: { app: 'ratings' } }))).toEqual(['v1']);
  });
});

describe('traffic policy', () => {
  it('carries the circuit-breaking task’s rule (httpbin) as written', () => {
    const httpbin = {
      ...service('httpbin', 'default', ['v1']),
      ports: [{ port: 8000, name: 'http', protocol: 'http' as const }],
    };
    const yaml = CIRCUIT_BREAKER_DR;
    const d = decideRoute(
      config(objectsOf(yaml), [...bookinfoServices(), httpbin]),
      meshRequest('httpbin', { port: 8000 }),
    );
    expect(first(d).policy).toEqual<TrafficPolicy>({
      maxConnections: 1,
      http1MaxPendingRequests: 1,
      maxRequestsPerConnection: 1,
      outlierDetection: {
        consecutive5xxErrors: 1,
        intervalMs: 1000,
        baseEjectionTimeMs: 180_000,
        maxEjectionPercent: 100,
      },
    });
  });

  it('fills Envoy’s outlier detection defaults and ignores the deprecated consecutiveErrors', () => {
    const yaml = dr(
      'reviews',
      'default',
      `  host: reviews\n  trafficPolicy: {outlierDetection: {consecutiveErrors: 2, consecutiveGatewayErrors: 3}}`,
    );
    expect(first(decide(yaml)).policy.outlierDetection).toEqual({
      consecutive5xxErrors: 5,
      consecutiveGatewayErrors: 3,
      intervalMs: 10_000,
      baseEjectionTimeMs: 30_000,
      maxEjectionPercent: 10,
    });
  });

  it('leaves limits unset (unlimited) without a rule or without a connection pool', () => {
    expect(first(decide('')).policy).toEqual({});
    expect(
      first(
        decide(
          dr('reviews', 'default', `  host: reviews\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}`),
        ),
      ).policy,
    ).toEqual({});
  });

  const layered = dr(
    'reviews',
    'default',
    `  host: reviews
  trafficPolicy:
    connectionPool: {tcp: {maxConnections: 100}, http: {http2MaxRequests: 1000, maxRetries: 4}}
    outlierDetection: {consecutive5xxErrors: 7}
    portLevelSettings:
    - port: {number: 9080}
      connectionPool: {http: {http1MaxPendingRequests: 9}}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      connectionPool: {tcp: {maxConnections: 2}}
  - name: v3
    labels: {version: v3}
    trafficPolicy:
      connectionPool: {tcp: {maxConnections: 3}}
      portLevelSettings:
      - port: {number: 9080}
        outlierDetection: {consecutive5xxErrors: 1}`,
  );

  it('replaces the rule’s policy wholesale by the port-level setting for the destination port', () => {
    // Port 9080's setting has no outlierDetection and no tcp limits: they fall back to defaults.
    expect(first(decide(layered + routeTo('v1'))).policy).toEqual({ http1MaxPendingRequests: 9 });
  });

  it('overrides field group by field group with the subset’s policy', () => {
    // The subset's connectionPool replaces the whole connectionPool group (not only maxConnections).
    expect(first(decide(layered + routeTo('v2'))).policy).toEqual({ maxConnections: 2 });
  });

  it('replaces everything with a subset’s own port-level setting', () => {
    expect(first(decide(layered + routeTo('v3'))).policy).toEqual({
      outlierDetection: {
        consecutive5xxErrors: 1,
        intervalMs: 10_000,
        baseEjectionTimeMs: 30_000,
        maxEjectionPercent: 10,
      },
    });
  });

  it('uses the top-level policy for a port without its own setting', () => {
    const services = bookinfoServices().map((s) =>
      s.name === 'reviews' ? { ...s, ports: [{ port: 8080, name: 'http', protocol: 'http' as const }] } : s,
    );
    expect(first(decide(layered + routeTo('v1'), { port: 8080 }, services)).policy).toEqual({
      maxConnections: 100,
      http2MaxRequests: 1000,
      maxRetries: 4,
      outlierDetection: {
        consecutive5xxErrors: 7,
        intervalMs: 10_000,
        baseEjectionTimeMs: 30_000,
        maxEjectionPercent: 10,
      },
    });
  });
});
