import { describe, expect, it } from 'vitest';
import type { MeshObject } from './istio-types';
import { envoyFiltersReaching, touchesRateLimiting } from './ratelimit-reach';
import type { ServiceInstance } from './ratelimit-reach';

const filter = (
  namespace: string,
  name: string,
  spec: Record<string, unknown> = {},
  metadata: Partial<MeshObject['metadata']> = {},
): MeshObject => ({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'EnvoyFilter',
  metadata: { name, namespace, ...metadata },
  spec: { configPatches: [], ...spec },
});

const pod = (namespace: string, labels: Record<string, string>): ServiceInstance => ({
  kind: 'Pod',
  namespace,
  labels,
});

/** reviews: two v1 Pods and a v2 VM in bookinfo. */
const REVIEWS: ServiceInstance[] = [
  pod('bookinfo', { app: 'reviews', version: 'v1' }),
  pod('bookinfo', { app: 'reviews', version: 'v1' }),
  { kind: 'WorkloadEntry', namespace: 'bookinfo', labels: { app: 'reviews', version: 'v2' } },
];

const selector = (labels: Record<string, string>) => ({ workloadSelector: { labels } });

describe('envoyFiltersReaching', () => {
  it.each([
    [
      'a root filter without selector',
      filter('istio-system', 'f'),
      { from: 'root', selector: null, selected: 3 },
    ],
    [
      'a root filter with empty labels (every workload)',
      filter('istio-system', 'f', selector({})),
      { from: 'root', selector: null, selected: 3 },
    ],
    [
      'a root filter selecting the app',
      filter('istio-system', 'f', selector({ app: 'reviews' })),
      { from: 'root', selector: { app: 'reviews' }, selected: 3 },
    ],
    [
      'a root filter selecting one version (a VM too)',
      filter('istio-system', 'f', selector({ app: 'reviews', version: 'v2' })),
      { from: 'root', selector: { app: 'reviews', version: 'v2' }, selected: 1 },
    ],
    [
      'a filter of the instances’ namespace without selector',
      filter('bookinfo', 'f'),
      { from: 'namespace', selector: null, selected: 3 },
    ],
    [
      'a filter of the instances’ namespace by another label',
      filter('bookinfo', 'f', selector({ version: 'v1' })),
      { from: 'namespace', selector: { version: 'v1' }, selected: 2 },
    ],
  ])('%s applies', (_what, f, expected) => {
    const [reach] = envoyFiltersReaching([f], REVIEWS);
    expect(reach).toMatchObject({
      from: expected.from,
      selector: expected.selector,
      instances: { selected: expected.selected, total: 3 },
    });
  });

  it.each([
    ['another app', filter('istio-system', 'f', selector({ app: 'ratings' }))],
    [
      'a label no instance has all of',
      filter('istio-system', 'f', selector({ app: 'reviews', version: 'v3' })),
    ],
    ['another namespace, without selector', filter('default', 'f')],
    ['another namespace, with a matching selector', filter('default', 'f', selector({ app: 'reviews' }))],
    [
      'targetRefs (gateways and waypoints only)',
      filter('istio-system', 'f', {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }],
      }),
    ],
  ])('%s does not apply', (_what, f) => {
    expect(envoyFiltersReaching([f], REVIEWS)).toEqual([]);
  });

  it('honours a configured root namespace, and never reaches a ServiceEntry’s inline endpoints', () => {
    expect(envoyFiltersReaching([filter('mesh-root', 'f')], REVIEWS, 'mesh-root')[0]?.from).toBe('root');
    expect(envoyFiltersReaching([filter('istio-system', 'f')], REVIEWS, 'mesh-root')).toEqual([]);
    const endpoints: ServiceInstance[] = [
      { kind: 'ServiceEntryEndpoint', namespace: 'bookinfo', labels: {} },
    ];
    expect(envoyFiltersReaching([filter('istio-system', 'f')], endpoints)).toEqual([]);
  });

  it('keeps the order istiod applies them: priority, root first, creation time, name', () => {
    const at = (t: string) => ({ creationTimestamp: t });
    const filters = [
      filter('bookinfo', 'ns-old', {}, at('2024-01-01T00:00:00Z')),
      filter('istio-system', 'root-new', {}, at('2024-03-01T00:00:00Z')),
      filter('istio-system', 'root-old', {}, at('2024-02-01T00:00:00Z')),
      filter('istio-system', 'root-b', {}, at('2024-02-01T00:00:00Z')),
      filter('bookinfo', 'ns-early', { priority: -1 }, at('2024-05-01T00:00:00Z')),
      filter('istio-system', 'root-late', { priority: 10 }, at('2023-01-01T00:00:00Z')),
    ];
    expect(envoyFiltersReaching(filters, REVIEWS).map((r) => r.filter.metadata.name)).toEqual([
      'ns-early',
      'root-b',
      'root-old',
      'root-new',
      'ns-old',
      'root-late',
    ]);
  });
});

describe('touchesRateLimiting', () => {
  const patch = (value: unknown) => filter('istio-system', 'f', { configPatches: [value] });
  it.each([
    ['the local rate limit filter', { patch: { value: { name: 'envoy.filters.http.local_ratelimit' } } }],
    ['the global rate limit filter', { patch: { value: { name: 'envoy.filters.http.ratelimit' } } }],
    [
      'a config type only',
      {
        patch: {
          value: {
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
            },
          },
        },
      },
    ],
    [
      'a per-route config',
      { patch: { value: { typed_per_filter_config: { 'envoy.filters.http.local_ratelimit': {} } } } },
    ],
    ['route actions', { applyTo: 'HTTP_ROUTE', patch: { value: { route: { rate_limits: [] } } } }],
    [
      'a match on the filter',
      {
        match: {
          listener: { filterChain: { filter: { subFilter: { name: 'envoy.filters.http.ratelimit' } } } },
        },
        patch: { operation: 'REMOVE' },
      },
    ],
  ])('sees %s', (_what, p) => {
    expect(touchesRateLimiting(patch(p))).toBe(true);
  });

  it.each([
    ['a Lua filter', { patch: { value: { name: 'envoy.filters.http.lua' } } }],
    ['a cluster patch', { applyTo: 'CLUSTER', patch: { value: { connect_timeout: '1s' } } }],
    ['a Lua script that says ratelimit in passing', { patch: { value: { inline_code: '-- ratelimit' } } }],
  ])('does not flag %s', (_what, p) => {
    expect(touchesRateLimiting(patch(p))).toBe(false);
  });
});
