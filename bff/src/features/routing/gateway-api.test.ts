import { describe, expect, it } from 'vitest';
import type { MeshObject } from '../../mesh/istio-types';
import type { RouteTarget } from '../../mesh/model';
import {
  BACKEND_USERS_ANNOTATION,
  backendNames,
  gatewayRouteProblems,
  gatewayRows,
  recordBackendUsers,
  yamlScopeOf,
} from './gateway-api';
import type { GatewayApiState } from './gateway-api';
import { gatewayRefProblems } from './yaml-rule';

const NS = 'shop';

const target: RouteTarget = {
  id: `reviews.${NS}.svc.cluster.local`,
  name: 'reviews',
  namespace: NS,
  application: 'reviews',
  protocol: 'http',
  host: `reviews.${NS}.svc.cluster.local`,
  versions: ['v1', 'v2'].map((version) => ({
    version,
    labels: { version },
    readyInstances: 1,
    instances: [{ app: 'reviews', version }],
  })),
};

const service = (name: string, selector: Record<string, string>, annotations?: Record<string, string>) =>
  ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) },
    spec: { selector, ports: [{ name: 'http', port: 9080 }] },
  }) as MeshObject;

const SERVICES = [
  service('reviews', { app: 'reviews' }),
  service('reviews-v1', { app: 'reviews', version: 'v1' }),
  service('ratings', { app: 'ratings' }),
];

const route = (name: string, spec: Record<string, unknown>, namespace = NS): MeshObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace },
  spec,
});

const OWN_PARENT = { group: '', kind: 'Service', name: 'reviews' };

function state(routes: MeshObject[]): GatewayApiState {
  return {
    served: new Set(['HTTPRoute', 'GRPCRoute']),
    kinds: [],
    tcpApiVersion: null,
    routes,
    services: SERVICES,
    gateways: [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'edge', namespace: 'ingress' },
        spec: { gatewayClassName: 'istio' },
      },
    ],
    namespaceLabels: {},
  };
}

describe('gatewayRefProblems', () => {
  const scope = yamlScopeOf(target, state([]));

  it('accepts a route of the service to itself and its per-version Services, bound to an existing Gateway too', () => {
    const ok = route('ok', {
      parentRefs: [OWN_PARENT, { name: 'edge', namespace: 'ingress' }],
      rules: [
        {
          backendRefs: [
            { name: 'reviews-v1', port: 9080, weight: 90 },
            { name: 'reviews', port: 9080, weight: 10 },
          ],
        },
      ],
    });
    expect(gatewayRefProblems(ok, scope)).toEqual([]);
  });

  it('accepts a Gateway that does not exist (yet), as a VirtualService may name one; the row shows it missing', () => {
    const early = route('early', { parentRefs: [OWN_PARENT, { name: 'edge' }] });
    expect(gatewayRefProblems(early, scope)).toEqual([]);
    const rows = gatewayRows(target, state([early]), () => '');
    expect(rows.own.map((r) => r.metadata.name)).toEqual(['early']);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'a parentRef to another Service',
      { parentRefs: [{ ...OWN_PARENT, name: 'ratings' }] },
      'spec.parentRefs[0].name',
    ],
    [
      'a parentRef to the Service in another namespace',
      { parentRefs: [{ ...OWN_PARENT, namespace: 'other' }] },
      'spec.parentRefs[0].namespace',
    ],
    [
      'a Service parentRef without its core group',
      { parentRefs: [{ kind: 'Service', name: 'reviews' }] },
      'spec.parentRefs[0].kind',
    ],
    [
      'a backend of another service',
      { parentRefs: [OWN_PARENT], rules: [{ backendRefs: [{ name: 'ratings', port: 9080 }] }] },
      'spec.rules[0].backendRefs[0].name',
    ],
    [
      'a mirror to another service',
      {
        parentRefs: [OWN_PARENT],
        rules: [
          {
            filters: [
              { type: 'RequestMirror', requestMirror: { backendRef: { name: 'ratings', port: 9080 } } },
            ],
            backendRefs: [{ name: 'reviews', port: 9080 }],
          },
        ],
      },
      'spec.rules[0].filters[0].requestMirror.backendRef.name',
    ],
    [
      "a mirror in a backend's filters to another namespace",
      {
        parentRefs: [OWN_PARENT],
        rules: [
          {
            backendRefs: [
              {
                name: 'reviews',
                port: 9080,
                filters: [
                  {
                    type: 'RequestMirror',
                    requestMirror: { backendRef: { name: 'reviews', namespace: 'other', port: 9080 } },
                  },
                ],
              },
            ],
          },
        ],
      },
      'spec.rules[0].backendRefs[0].filters[0].requestMirror.backendRef.namespace',
    ],
    [
      'a backend that is not a Service',
      {
        parentRefs: [OWN_PARENT],
        rules: [{ backendRefs: [{ group: 'networking.istio.io', kind: 'Hostname', name: 'reviews' }] }],
      },
      'spec.rules[0].backendRefs[0].kind',
    ],
  ])('refuses %s, naming the field', (_, spec, field) => {
    expect(gatewayRefProblems(route('bad', spec), scope)[0]?.field).toBe(field);
  });
});

describe('backendNames', () => {
  it("takes the service, its per-version Services and the console's own for it, never another service's", () => {
    const made = service(
      'reviews-v2',
      { app: 'reviews', version: 'v2' },
      { 'mesh-console.io/version-of': 'reviews/v2' },
    );
    const names = backendNames(target, [...SERVICES, made]);
    expect([...names].sort()).toEqual(['reviews', 'reviews-v1', 'reviews-v2']);
  });
});

describe('gatewayRows', () => {
  it("keeps the namespace's routes of the service as its own, and shows the others read-only with why", () => {
    const own = route('own', {
      parentRefs: [OWN_PARENT],
      rules: [{ backendRefs: [{ name: 'reviews-v1', port: 9080 }] }],
    });
    const shared = route('shared', {
      parentRefs: [OWN_PARENT],
      rules: [
        {
          backendRefs: [
            { name: 'reviews', port: 9080 },
            { name: 'ratings', port: 9080 },
          ],
        },
      ],
    });
    const consumer = route('consumer', { parentRefs: [{ ...OWN_PARENT, namespace: NS }] }, 'frontend');
    const edge = route(
      'edge',
      {
        parentRefs: [{ name: 'edge', namespace: 'ingress' }],
        rules: [{ backendRefs: [{ name: 'reviews', namespace: NS }] }],
      },
      'ingress',
    );
    const unrelated = route('unrelated', { parentRefs: [{ ...OWN_PARENT, name: 'ratings' }] });
    const rows = gatewayRows(
      target,
      state([own, shared, consumer, edge, unrelated]),
      (ns) => `lives in ${ns}`,
    );
    expect(rows.own.map((r) => r.metadata.name)).toEqual(['own']);
    const byName = new Map(rows.others.map((r) => [r.object.metadata.name, r]));
    expect([...byName.keys()].sort()).toEqual(['consumer', 'edge', 'shared']);
    expect(byName.get('shared')?.reason).toMatch(
      /^spec\.rules\[0\]\.backendRefs\[1\]\.name: Service ratings/,
    );
    // A route of another namespace parented by the Service is a consumer route: its callers only.
    expect(byName.get('consumer')?.scope).toMatchObject({
      match: 'exact',
      appliesAt: { mesh: true, gateways: [] },
      exportTo: ['.'],
      editable: false,
    });
    expect(byName.get('edge')?.scope).toMatchObject({
      match: 'destination',
      appliesAt: { mesh: false, gateways: ['ingress/edge'] },
      effect: 'gateway',
      missingGateways: [],
    });
    expect(byName.get('edge')?.reason).toBe('lives in ingress');
  });
});

describe('gatewayRouteProblems', () => {
  it('says which backend Service does not exist', () => {
    const r = route('r', {
      parentRefs: [OWN_PARENT],
      rules: [
        {
          backendRefs: [
            { name: 'reviews-v1', port: 9080 },
            { name: 'reviews-v3', port: 9080 },
          ],
        },
      ],
    });
    expect(gatewayRouteProblems(r, state([r]))).toEqual([
      'rules[0].backendRefs[1]: Service reviews-v3 does not exist; the requests sent to it fail (500)',
    ]);
  });
});

describe('recordBackendUsers', () => {
  /** The console's Service of v2, used by `users`. */
  const consoles = (users: string): MeshObject => {
    const svc = service(
      'reviews-v2',
      { app: 'reviews', version: 'v2' },
      {
        'mesh-console.io/version-of': 'reviews/v2',
        [BACKEND_USERS_ANNOTATION]: users,
      },
    );
    svc.metadata.resourceVersion = '7';
    svc.metadata.labels = { 'app.kubernetes.io/managed-by': 'mesh-console' };
    return svc;
  };
  const toV2 = route('r1', {
    parentRefs: [OWN_PARENT],
    rules: [{ backendRefs: [{ name: 'reviews-v2', port: 9080 }] }],
  });
  const annotationOf = (w: { object: MeshObject } | undefined) =>
    w?.object.metadata.annotations?.[BACKEND_USERS_ANNOTATION];

  it('records a rule that starts using a Service by an update before the route, based on its version', () => {
    const plan = recordBackendUsers(
      { writes: [{ action: 'create', object: toV2 }], warnings: [] },
      'r1',
      target,
      {
        services: [...SERVICES, consoles('r0')],
      },
    );
    expect(plan.writes.map((w) => `${w.object.kind}/${w.object.metadata.name}:${w.action}`)).toEqual([
      'Service/reviews-v2:update',
      'HTTPRoute/r1:create',
    ]);
    expect(annotationOf(plan.writes[0])).toBe('r0,r1');
    expect(plan.writes[0]?.object.metadata.resourceVersion).toBe('7');
  });

  it('writes nothing more when the record already says so, and never touches a Service that is not the console’s', () => {
    const plan = recordBackendUsers(
      { writes: [{ action: 'update', object: toV2, current: toV2 }], warnings: [] },
      'r1',
      target,
      {
        services: [...SERVICES, consoles('r1')],
      },
    );
    expect(plan.writes.map((w) => w.object.kind)).toEqual(['HTTPRoute']);
  });

  it('takes a deleted rule off the Services it used that stay', () => {
    const plan = recordBackendUsers(
      { writes: [{ action: 'delete', object: toV2, current: toV2 }], warnings: [] },
      'r1',
      target,
      {
        services: [...SERVICES, consoles('r1,r2')],
      },
    );
    expect(plan.writes.map((w) => `${w.object.kind}:${w.action}`)).toEqual([
      'Service:update',
      'HTTPRoute:delete',
    ]);
    expect(annotationOf(plan.writes[0])).toBe('r2');
  });
});
