import { describe, expect, it } from 'vitest';
import { decideRoute } from './decide';
import { bookinfoServices, config, ingressRequest, meshRequest, objectsOf } from './fixtures.test-support';
import type { RawObject } from './types';

/**
 * Objects the engine cannot fully read (a field of the wrong type, an unreadable regex or duration)
 * count as unset where they are wrong, never as a thrown error: one bad object must not stop the
 * demo's traffic, and the rest of the configuration still applies.
 */

const odd: unknown[] = [null, 7, 'text', true, [], [null, 3, 'x'], { unexpected: { deeply: [1] } }];

function withSpec(kind: string, name: string, spec: unknown): RawObject {
  return {
    apiVersion:
      kind === 'HTTPRoute' || kind === 'KubeGateway'
        ? 'gateway.networking.k8s.io/v1'
        : 'networking.istio.io/v1',
    kind: kind === 'KubeGateway' ? 'Gateway' : kind,
    metadata: { name, namespace: 'default', creationTimestamp: '2020-01-01T00:00:00Z' },
    spec,
  };
}

describe('robustness', () => {
  it.each(odd)('decides with a spec of %j in every kind', (spec) => {
    const objects = ['VirtualService', 'DestinationRule', 'Gateway', 'HTTPRoute', 'KubeGateway'].map((k) =>
      withSpec(k, `odd-${k.toLowerCase()}`, spec),
    );
    const c = config(objects);
    for (const r of [
      meshRequest('reviews'),
      ingressRequest('x', '/productpage'),
      meshRequest('reviews', { protocol: 'tcp' }),
    ]) {
      expect(() => decideRoute(c, r)).not.toThrow();
    }
  });

  it.each(odd)('decides with %j in every field of a route', (value) => {
    const spec = {
      hosts: ['reviews'],
      gateways: value,
      exportTo: value,
      http: [
        {
          match: [
            { uri: value, headers: value, queryParams: { a: value }, sourceLabels: value, port: value },
          ],
          route: [
            { destination: { host: 'reviews', subset: value, port: value }, weight: value, headers: value },
          ],
          fault: {
            delay: { fixedDelay: value, percentage: value },
            abort: { httpStatus: value, percentage: value },
          },
          retries: { attempts: value, retryOn: value, perTryTimeout: value },
          timeout: value,
          mirror: value,
          mirrors: value,
          mirrorPercentage: value,
          headers: value,
          redirect: value,
          directResponse: value,
          delegate: value,
        },
      ],
      tcp: [{ match: value, route: value }],
    };
    const c = config([withSpec('VirtualService', 'reviews', spec)], bookinfoServices());
    expect(() =>
      decideRoute(c, meshRequest('reviews', { headers: { a: 'b' }, path: '/?a=1' })),
    ).not.toThrow();
  });

  it('ignores an unreadable regex or duration and keeps the rest of the rule', () => {
    const c = config(
      objectsOf(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {regex: "("}}]
    route: [{destination: {host: ratings}}]
  - timeout: soon
    route: [{destination: {host: reviews}}]
`),
    );
    const d = decideRoute(c, meshRequest('reviews', { path: '(' }));
    expect(d).toMatchObject({ kind: 'route', destinations: [{ host: 'reviews.default.svc.cluster.local' }] });
    expect(d.kind === 'route' && d.timeoutMs).toBeUndefined();
  });
});
