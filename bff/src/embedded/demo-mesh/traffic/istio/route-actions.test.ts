import { describe, expect, it } from 'vitest';
import { decideRoute } from './decide';
import { bookinfoServices, config, meshRequest, objectsOf, service } from './fixtures.test-support';
import type { RequestContext, RouteDecision } from './types';

/**
 * What a matched route does (VirtualService reference: HTTPRoute, HTTPFaultInjection, HTTPRetry,
 * timeout, mirror/mirrors, HTTPRedirect, HTTPDirectResponse, Headers, TCPRoute), and the Istio
 * mirroring task.
 */

const REVIEWS = 'reviews.default.svc.cluster.local';

const withRoute = (route: string, extraObjects = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - name: main
${route}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
${extraObjects}`;

const TO_V1 = '    route: [{destination: {host: reviews, subset: v1}}]';

function decide(yaml: string, over: Partial<RequestContext> = {}) {
  const d: RouteDecision = decideRoute(config(objectsOf(yaml)), meshRequest('reviews', over));
  if (d.kind !== 'route') throw new Error(`expected a route, got ${d.kind}`);
  return d;
}

describe('weights', () => {
  it.each([
    [
      'a single destination takes everything whatever its weight',
      '[{destination: {host: reviews, subset: v1}, weight: 10}]',
      { v1: 1 },
    ],
    [
      'weights are normalised',
      '[{destination: {host: reviews, subset: v1}, weight: 1}, {destination: {host: reviews, subset: v2}, weight: 3}]',
      { v1: 0.25, v2: 0.75 },
    ],
    [
      'zero weights are dropped',
      '[{destination: {host: reviews, subset: v1}, weight: 100}, {destination: {host: reviews, subset: v2}, weight: 0}]',
      { v1: 1 },
    ],
  ])('%s', (_n, route, expected) => {
    const d = decide(withRoute(`    route: ${route}`));
    expect(Object.fromEntries(d.destinations.map((x) => [x.subset, x.share]))).toEqual(expected);
  });
});

describe('fault injection', () => {
  it.each([
    [
      'delay with percentage',
      '{delay: {fixedDelay: 1.5s, percentage: {value: 12.5}}}',
      { delay: { fixedDelayMs: 1500, percent: 12.5 } },
    ],
    [
      'delay with the deprecated percent',
      '{delay: {fixedDelay: 500ms, percent: 30}}',
      { delay: { fixedDelayMs: 500, percent: 30 } },
    ],
    [
      'delay without a percentage delays nothing',
      '{delay: {fixedDelay: 1m}}',
      { delay: { fixedDelayMs: 60_000, percent: 0 } },
    ],
    [
      'abort with httpStatus',
      '{abort: {httpStatus: 503, percentage: {value: 50}}}',
      { abort: { httpStatus: 503, percent: 50 } },
    ],
    [
      'abort with grpcStatus',
      '{abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}}',
      { abort: { grpcStatus: 'UNAVAILABLE', percent: 100 } },
    ],
    [
      'abort without a percentage aborts nothing',
      '{abort: {httpStatus: 500}}',
      { abort: { httpStatus: 500, percent: 0 } },
    ],
    [
      'both',
      '{delay: {fixedDelay: 2s, percentage: {value: 100}}, abort: {httpStatus: 500, percentage: {value: 10}}}',
      { delay: { fixedDelayMs: 2000, percent: 100 }, abort: { httpStatus: 500, percent: 10 } },
    ],
  ])('%s', (_n, fault, expected) => {
    expect(decide(withRoute(`    fault: ${fault}\n${TO_V1}`)).fault).toEqual(expected);
  });

  it('drops an exponential delay, which Istio does not support', () => {
    expect(
      decide(withRoute(`    fault: {delay: {exponentialDelay: 1s, percentage: {value: 100}}}\n${TO_V1}`))
        .fault,
    ).toBeUndefined();
  });
});

describe('timeout and retries', () => {
  it('has no timeout unless set (Istio disables Envoy’s 15 s default)', () => {
    expect(decide(withRoute(TO_V1)).timeoutMs).toBeUndefined();
    expect(decide(withRoute(`    timeout: 0.5s\n${TO_V1}`)).timeoutMs).toBe(500);
    expect(decide(withRoute(`    timeout: 0s\n${TO_V1}`)).timeoutMs).toBeUndefined();
  });

  it.each([
    [
      'unset: Istio’s default',
      '',
      {
        attempts: 2,
        retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
      },
    ],
    ['attempts 0 disables retries', '    retries: {attempts: 0}\n', { attempts: 0, retryOn: [] }],
    [
      'retries without attempts disable them too',
      '    retries: {perTryTimeout: 2s}\n',
      { attempts: 0, retryOn: [] },
    ],
    [
      'attempts and perTryTimeout keep the default conditions',
      '    retries: {attempts: 3, perTryTimeout: 2s}\n',
      {
        attempts: 3,
        perTryTimeoutMs: 2000,
        retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
      },
    ],
    [
      'status codes in retryOn',
      '    retries: {attempts: 4, retryOn: "gateway-error,503"}\n',
      { attempts: 4, retryOn: ['gateway-error', 'retriable-status-codes'], retriableStatusCodes: [503] },
    ],
  ])('%s', (_n, retries, expected) => {
    expect(decide(withRoute(`${retries}${TO_V1}`)).retries).toEqual(expected);
  });
});

describe('mirroring', () => {
  it('follows the mirroring task: httpbin v1 gets everything, v2 a copy of every request', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: default}
spec:
  hosts: [httpbin]
  http:
  - route:
    - destination: {host: httpbin, subset: v1}
      weight: 100
    mirror: {host: httpbin, subset: v2}
    mirrorPercentage: {value: 100.0}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin, namespace: default}
spec:
  host: httpbin
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;
    const httpbin = {
      ...service('httpbin', 'default', ['v1', 'v2']),
      ports: [{ port: 8000, protocol: 'http' as const }],
    };
    const d = decideRoute(
      config(objectsOf(yaml), [...bookinfoServices(), httpbin]),
      meshRequest('httpbin', { port: 8000 }),
    );
    if (d.kind !== 'route') throw new Error(d.kind);
    expect(d.destinations.map((x) => [x.subset, x.share, x.endpoints.map((e) => e.name)])).toEqual([
      ['v1', 1, ['httpbin-v1-0']],
    ]);
    expect(d.mirrors).toHaveLength(1);
    expect(d.mirrors[0]?.percent).toBe(100);
    expect(d.mirrors[0]?.destination).toMatchObject({
      host: 'httpbin.default.svc.cluster.local',
      subset: 'v2',
      share: 1,
    });
    expect(d.mirrors[0]?.destination.endpoints.map((e) => e.name)).toEqual(['httpbin-v2-0']);
  });

  it.each([
    ['mirror without a percentage mirrors everything', '    mirror: {host: reviews, subset: v2}\n', [100]],
    [
      'mirrorPercentage',
      '    mirror: {host: reviews, subset: v2}\n    mirrorPercentage: {value: 25}\n',
      [25],
    ],
    [
      'mirrorPercentage 0 mirrors nothing',
      '    mirror: {host: reviews, subset: v2}\n    mirrorPercentage: {value: 0}\n',
      [],
    ],
    [
      'the deprecated mirrorPercent',
      '    mirror: {host: reviews, subset: v2}\n    mirrorPercent: 40\n',
      [40],
    ],
    [
      'mirrors, each with its percentage',
      '    mirrors:\n    - destination: {host: reviews, subset: v2}\n      percentage: {value: 10}\n    - destination: {host: reviews, subset: v3}\n',
      [10, 100],
    ],
  ])('%s', (_n, mirror, percents) => {
    expect(decide(withRoute(`${mirror}${TO_V1}`)).mirrors.map((m) => m.percent)).toEqual(percents);
  });
});

describe('answered by the proxy', () => {
  it.each([
    ['a redirect answers 301 by default', '    redirect: {uri: /v1/bookRatings}', 301],
    ['a redirect with its code', '    redirect: {uri: /x, redirectCode: 308}', 308],
    ['a direct response with its status', '    directResponse: {status: 418, body: {string: teapot}}', 418],
    [
      'a redirect wins over a direct response',
      '    redirect: {uri: /x, redirectCode: 302}\n    directResponse: {status: 503}',
      302,
    ],
  ])('%s', (_n, action, status) => {
    const d = decide(withRoute(action));
    expect(d.directResponse).toEqual({ status });
    expect(d.destinations).toEqual([]);
  });
});

describe('request headers', () => {
  it('sets then adds the route’s headers and, for a single destination, the destination’s', () => {
    const d = decide(
      withRoute(`    headers:
      request:
        set: {x-route: r, host: ignored}
        add: {x-route: again, x-added: a}
    route:
    - destination: {host: reviews, subset: v1}
      headers: {request: {set: {x-dest: d}}}`),
    );
    expect(d.requestHeaders).toEqual({ 'x-route': 'r,again', 'x-added': 'a', 'x-dest': 'd' });
  });

  it('keeps a weighted destination’s headers on that destination', () => {
    const d = decide(
      withRoute(`    route:
    - destination: {host: reviews, subset: v1}
      weight: 50
      headers: {request: {set: {x-dest: one}}}
    - destination: {host: reviews, subset: v2}
      weight: 50`),
    );
    expect(d.requestHeaders).toBeUndefined();
    expect(d.destinations.map((x) => x.requestHeaders)).toEqual([{ 'x-dest': 'one' }, undefined]);
  });
});

describe('TCP routes', () => {
  const mongo = {
    ...service('mongodb', 'default', ['v1', 'v2']),
    ports: [{ port: 27017, protocol: 'tcp' as const }],
  };
  const yaml = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: mongo, namespace: default}
spec:
  hosts: [mongodb]
  tcp:
  - match: [{port: 27017, sourceLabels: {app: ratings}}]
    route:
    - {destination: {host: mongodb, subset: v2}, weight: 80}
    - {destination: {host: mongodb, subset: v1}, weight: 20}
  - match: [{destinationSubnets: [10.0.0.0/8]}]
    route: [{destination: {host: mongodb, subset: v1}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: mongo, namespace: default}
spec:
  host: mongodb
  trafficPolicy: {connectionPool: {tcp: {maxConnections: 10}}}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;
  const tcp = (labels: Record<string, string>) => {
    const d = decideRoute(
      config(objectsOf(yaml), [...bookinfoServices(), mongo]),
      meshRequest('mongodb', { protocol: 'tcp', port: 27017, sourceLabels: labels }),
    );
    if (d.kind !== 'route') throw new Error(d.kind);
    return d;
  };

  it('routes by the first tcp entry whose match fits the caller, by weight', () => {
    const d = tcp({ app: 'ratings', version: 'v2' });
    expect(d.rule?.name).toBe('mongo');
    expect(d.destinations.map((x) => [x.subset, x.share, x.policy.maxConnections])).toEqual([
      ['v2', 0.8, 10],
      ['v1', 0.2, 10],
    ]);
  });

  it('falls back to the service when no entry fits (destinationSubnets need IPs the demo lacks)', () => {
    const d = tcp({ app: 'reviews' });
    expect(d.rule).toBeUndefined();
    expect(d.destinations.map((x) => [x.subset, x.endpoints.length])).toEqual([[undefined, 2]]);
  });
});

describe('the default route', () => {
  it('applies the DestinationRule’s policy to a service without a VirtualService', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy: {connectionPool: {http: {http2MaxRequests: 3}}}`;
    const d = decide(yaml);
    expect(d.destinations).toMatchObject([{ host: REVIEWS, share: 1, policy: { http2MaxRequests: 3 } }]);
  });
});
