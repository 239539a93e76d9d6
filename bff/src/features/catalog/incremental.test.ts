import type { KubernetesObject } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServiceListQuery } from '../../contract/catalog';
import { onlyNamespaces } from '../auth/scope';
import { dataPlaneContext, namespaceDataPlanes } from './dataplane';
import { LiveCatalog } from './incremental';
import type { CatalogKind } from './incremental';
import type { Gateway, ServiceEntry, V1Namespace, V1Pod, V1Service, WorkloadEntry } from './kube-types';
import { indexCatalog, queryCatalog, scopeView } from './query';
import type { CatalogView } from './query';
import { buildCatalog } from './registry';
import type { RegistrySnapshot } from './registry';

/** The catalog a full rebuild makes of a snapshot: what the live catalog must always equal. */
function rebuilt(s: Required<RegistrySnapshot>): CatalogView {
  return indexCatalog(buildCatalog(s), namespaceDataPlanes(dataPlaneContext(s.namespaces, s.gateways)));
}

const KINDS: CatalogKind[] = ['service', 'pod', 'serviceEntry', 'workloadEntry', 'namespace', 'gateway'];

/**
 * What an informer tells its handlers: add for a new object, update for a held one, delete with
 * the object held. Kept as a Map per kind, whose order (an update keeps its place) is the list order.
 */
class Model {
  readonly held = new Map<CatalogKind, Map<string, KubernetesObject>>(KINDS.map((k) => [k, new Map()]));
  private rv = 0;

  constructor(readonly live: LiveCatalog) {}

  upsert(kind: CatalogKind, obj: KubernetesObject): void {
    obj.metadata = { ...obj.metadata, resourceVersion: String(++this.rv) };
    const objects = this.held.get(kind) as Map<string, KubernetesObject>;
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
    const verb = objects.has(key) ? 'update' : 'add';
    objects.set(key, obj);
    this.live.apply(kind, verb, obj);
  }

  delete(kind: CatalogKind, namespace: string | undefined, name: string): void {
    const objects = this.held.get(kind) as Map<string, KubernetesObject>;
    const key = `${namespace ?? ''}/${name}`;
    const obj = objects.get(key);
    if (!obj) return;
    objects.delete(key);
    this.live.apply(kind, 'delete', obj);
  }

  snapshot(): Required<RegistrySnapshot> {
    const list = <T>(kind: CatalogKind) => [...(this.held.get(kind) as Map<string, T>).values()];
    return {
      services: list<V1Service>('service'),
      pods: list<V1Pod>('pod'),
      serviceEntries: list<ServiceEntry>('serviceEntry'),
      workloadEntries: list<WorkloadEntry>('workloadEntry'),
      namespaces: list<V1Namespace>('namespace'),
      gateways: list<Gateway>('gateway'),
    };
  }
}

const QUERIES: ServiceListQuery[] = [
  { page: 1, pageSize: 5 },
  { page: 2, pageSize: 3 },
  { page: 1, pageSize: 50, q: 'x' },
  { page: 1, pageSize: 50, q: 'i.a' },
  { page: 1, pageSize: 4, sort: 'instances', order: 'desc' },
  { page: 1, pageSize: 50, namespace: 'a', health: 'healthy' },
  { page: 1, pageSize: 50, dataPlane: 'ambient' },
  { page: 1, pageSize: 50, platform: 'vm', sort: 'application' },
];

function expectSame(live: LiveCatalog, model: Model, seen: Set<string>): void {
  const view = live.view();
  const full = rebuilt(model.snapshot());
  // byId is a map of its own (see PatchedIds): compared as the map it stands for, and by lookups
  // of every ID the catalog has had (those gone too).
  expect({ ...view, byId: new Map(view.byId) }).toStrictEqual(full);
  for (const s of full.services) seen.add(s.id);
  for (const id of seen) expect(view.byId.get(id)).toBe(view.services.find((s) => s.id === id));
  for (const q of QUERIES) expect(queryCatalog(view, q)).toStrictEqual(queryCatalog(full, q));
  const scope = onlyNamespaces(['a']);
  expect(scopeView(view, scope)).toStrictEqual(scopeView(full, scope));
}

// Small pools, so that events keep hitting the same objects, selectors, hosts and interfaces.
const NS = ['a', 'b', 'kube-system'];
const ns = fc.constantFrom(...NS);
const app = fc.constantFrom('x', 'y');
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const labels = (extra: Record<string, fc.Arbitrary<string | undefined>>) =>
  fc
    .record(extra)
    .map(
      (r) =>
        Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Record<string, string>,
    );
const rpc = optional(fc.constantFrom('i.A', 'i.B', 'i.A, i.B'));
const waypointLabel = optional(fc.constantFrom('wp', 'none', 'gone'));

const service = fc
  .record({
    name: fc.constantFrom('s1', 's2', 's3', 'kubernetes'),
    namespace: fc.constantFrom(...NS, 'default'),
    labels: labels({ app: optional(app), 'istio.io/use-waypoint': waypointLabel }),
    rpc,
    selector: optional(labels({ app, version: optional(fc.constantFrom('v1', 'v2')) })),
    port: fc.constantFrom('http', 'dubbo', 'grpc', 'tcp'),
    targetPort: fc.constantFrom<number | string | undefined>('web', 9000, undefined),
  })
  .map((s): V1Service => ({
    metadata: {
      name: s.name,
      namespace: s.namespace,
      labels: s.labels,
      ...(s.rpc ? { annotations: { 'mesh-console.io/rpc-interfaces': s.rpc } } : {}),
    },
    spec: {
      ...(s.selector ? { selector: s.selector } : {}),
      ports: [
        {
          name: s.port,
          port: 8080,
          ...(s.targetPort !== undefined ? { targetPort: s.targetPort as never } : {}),
        },
      ],
    },
  }));

const pod = fc
  .record({
    name: fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5'),
    namespace: ns,
    labels: labels({
      app: optional(app),
      version: optional(fc.constantFrom('v1', 'v2')),
      'pod-template-hash': optional(fc.constantFrom('abc', 'def')),
      'istio.io/dataplane-mode': optional(fc.constantFrom('ambient', 'none')),
    }),
    ready: fc.boolean(),
    running: fc.boolean(),
    deleting: fc.boolean(),
    sidecar: fc.boolean(),
    port: fc.constantFrom(8080, 8081),
  })
  .map((p): V1Pod => ({
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: p.labels,
      ...(p.deleting ? { deletionTimestamp: new Date(0) } : {}),
    },
    spec: {
      containers: [
        { name: 'app', ports: [{ name: 'web', containerPort: p.port }] },
        ...(p.sidecar ? [{ name: 'istio-proxy' }] : []),
      ],
    },
    status: {
      phase: p.running ? 'Running' : 'Pending',
      podIP: `10.0.0.${p.port}`,
      conditions: [{ type: 'Ready', status: p.ready ? 'True' : 'False' }],
    },
  }));

const serviceEntry = fc
  .record({
    name: fc.constantFrom('e1', 'e2'),
    namespace: ns,
    hosts: fc.subarray(['h.example.com', 's1.a.svc.cluster.local', 's2.b.svc.cluster.local', 'i.A']),
    port: fc.constantFrom('http', 'dubbo', 'grpc'),
    selector: optional(labels({ app })),
    endpoints: fc.array(fc.constantFrom('192.168.0.1', '192.168.0.2'), { maxLength: 2 }),
    internal: fc.boolean(),
    rpc,
    waypoint: waypointLabel,
  })
  .map((e): ServiceEntry => ({
    metadata: {
      name: e.name,
      namespace: e.namespace,
      ...(e.waypoint ? { labels: { 'istio.io/use-waypoint': e.waypoint } } : {}),
      ...(e.rpc ? { annotations: { 'mesh-console.io/rpc-interfaces': e.rpc } } : {}),
    },
    spec: {
      hosts: e.hosts,
      ports: [{ number: 9090, name: e.port, protocol: e.port.toUpperCase() }],
      ...(e.selector ? { workloadSelector: { labels: e.selector } } : {}),
      endpoints: e.endpoints.map((address) => ({ address })),
      location: e.internal ? 'MESH_INTERNAL' : 'MESH_EXTERNAL',
    },
  }));

const workloadEntry = fc
  .record({
    name: fc.constantFrom('w1', 'w2', 'w3'),
    namespace: ns,
    labels: labels({ app: optional(app), version: optional(fc.constantFrom('v1', 'v3')) }),
    healthy: optional(fc.boolean()),
  })
  .map((w): WorkloadEntry => ({
    metadata: { name: w.name, namespace: w.namespace },
    spec: { address: `vm-${w.name}`, labels: w.labels },
    ...(w.healthy !== undefined
      ? { status: { conditions: [{ type: 'Healthy', status: w.healthy ? 'True' : 'False' }] } }
      : {}),
  }));

const namespace = fc
  .record({
    name: ns,
    labels: labels({
      'istio.io/dataplane-mode': optional(fc.constant('ambient')),
      'istio.io/use-waypoint': optional(fc.constantFrom('wp', 'gone')),
      'istio-injection': optional(fc.constant('enabled')),
    }),
  })
  .map((n): V1Namespace => ({ metadata: { name: n.name, labels: n.labels } }));

const gateway = fc
  .record({ name: fc.constantFrom('wp', 'gone'), namespace: ns, waypoint: fc.boolean() })
  .map((g): Gateway => ({
    metadata: { name: g.name, namespace: g.namespace },
    spec: { gatewayClassName: g.waypoint ? 'istio-waypoint' : 'istio' },
  }));

type Step = { kind: CatalogKind; obj: KubernetesObject; remove: boolean };
const step = (kind: CatalogKind, arb: fc.Arbitrary<KubernetesObject>): fc.Arbitrary<Step> =>
  fc.record({ kind: fc.constant(kind), obj: arb, remove: fc.nat(3).map((n) => n === 0) });
// Pods change most, as in a cluster; deletions are rarer than changes so that objects pile up.
const steps = fc.array(
  fc.array(
    fc.oneof(
      { weight: 2, arbitrary: step('service', service) },
      { weight: 4, arbitrary: step('pod', pod) },
      { weight: 1, arbitrary: step('serviceEntry', serviceEntry) },
      { weight: 1, arbitrary: step('workloadEntry', workloadEntry) },
      { weight: 1, arbitrary: step('namespace', namespace) },
      { weight: 1, arbitrary: step('gateway', gateway) },
    ),
    { minLength: 1, maxLength: 8 },
  ),
  { minLength: 1, maxLength: 12 },
);

describe('LiveCatalog', () => {
  it('equals a full rebuild of the same objects after any sequence of watch events', () => {
    fc.assert(
      fc.property(steps, (batches) => {
        const live = new LiveCatalog();
        const model = new Model(live);
        const seen = new Set<string>();
        for (const batch of batches) {
          for (const s of batch) {
            if (s.remove) model.delete(s.kind, s.obj.metadata?.namespace, s.obj.metadata?.name ?? '');
            else model.upsert(s.kind, s.obj);
          }
          expectSame(live, model, seen);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('LiveCatalog events', () => {
  const svc = (
    name: string,
    namespace: string,
    selector: Record<string, string>,
    rpcIfaces?: string,
  ): V1Service => ({
    metadata: {
      name,
      namespace,
      ...(rpcIfaces ? { annotations: { 'mesh-console.io/rpc-interfaces': rpcIfaces } } : {}),
    },
    spec: { selector, ports: [{ name: rpcIfaces ? 'dubbo' : 'http', port: 8080 }] },
  });
  const podOf = (
    name: string,
    namespace: string,
    labels: Record<string, string>,
    ready = true,
    rv = '1',
  ): V1Pod => ({
    metadata: { name, namespace, labels, resourceVersion: rv },
    spec: { containers: [{ name: 'app' }] },
    status: {
      phase: 'Running',
      podIP: '10.0.0.1',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  });
  const host = (name: string, ns: string) => `${name}.${ns}.svc.cluster.local`;

  /** A catalog of reviews and ratings in `a`, reviews in `b`, one Pod each (two for a's reviews). */
  function mesh() {
    const live = new LiveCatalog();
    live.apply('namespace', 'add', { metadata: { name: 'a' } });
    live.apply('namespace', 'add', { metadata: { name: 'b' } });
    live.apply('service', 'add', svc('reviews', 'a', { app: 'reviews' }));
    live.apply('service', 'add', svc('ratings', 'a', { app: 'ratings' }));
    live.apply('service', 'add', svc('reviews', 'b', { app: 'reviews' }));
    live.apply('pod', 'add', podOf('reviews-1', 'a', { app: 'reviews', version: 'v1' }));
    live.apply('pod', 'add', podOf('reviews-2', 'a', { app: 'reviews', version: 'v2' }));
    live.apply('pod', 'add', podOf('ratings-1', 'a', { app: 'ratings', version: 'v1' }));
    live.apply('pod', 'add', podOf('reviews-1', 'b', { app: 'reviews', version: 'v1' }));
    return live;
  }
  const byId = (live: LiveCatalog, id: string) => live.view().byId.get(id);
  const expectRebuilt = (live: LiveCatalog) =>
    expect({ ...live.view(), byId: new Map(live.view().byId) }).toStrictEqual(rebuilt(live.snapshot()));

  it('a Pod turning unready changes its service only', () => {
    const live = mesh();
    const before = live.view();
    live.apply('pod', 'update', podOf('reviews-2', 'a', { app: 'reviews', version: 'v2' }, false, '2'));
    const after = live.view();
    expect(after).not.toBe(before);
    expect(after.byId.get(host('reviews', 'a'))?.instances).toEqual({ total: 2, ready: 1 });
    // Recomputed only what the Pod is part of: the other services are the same objects.
    expect(after.byId.get(host('ratings', 'a'))).toBe(before.byId.get(host('ratings', 'a')));
    expect(after.byId.get(host('reviews', 'b'))).toBe(before.byId.get(host('reviews', 'b')));
    // The view returned before the event is unchanged.
    expect(before.byId.get(host('reviews', 'a'))?.instances).toEqual({ total: 2, ready: 2 });
    expect(before.services.find((s) => s.id === host('reviews', 'a'))?.instances.ready).toBe(2);
    expectRebuilt(live);
  });

  it('a Pod whose labels move from one service to another leaves the first and joins the second', () => {
    const live = mesh();
    live.apply('pod', 'update', podOf('reviews-2', 'a', { app: 'ratings', version: 'v2' }, true, '2'));
    expect(byId(live, host('reviews', 'a'))?.versions).toEqual(['v1']);
    expect(byId(live, host('ratings', 'a'))?.versions).toEqual(['v1', 'v2']);
    live.apply('pod', 'delete', podOf('reviews-2', 'a', { app: 'ratings', version: 'v2' }, true, '2'));
    expect(byId(live, host('ratings', 'a'))?.versions).toEqual(['v1']);
    expectRebuilt(live);
  });

  it('a relist that sends objects again unchanged (same resourceVersion) changes nothing', () => {
    const live = mesh();
    live.apply('namespace', 'update', { metadata: { name: 'a', resourceVersion: '5' } });
    const before = live.view();
    live.apply('pod', 'update', podOf('reviews-2', 'a', { app: 'reviews', version: 'v2' }, true, '1'));
    expect(live.dirty).toBe(false);
    const reviews = svc('reviews', 'a', { app: 'reviews' });
    live.apply('service', 'update', { ...reviews, metadata: { ...reviews.metadata, resourceVersion: '3' } });
    expect(live.dirty).toBe(true);
    live.view();
    live.apply('service', 'update', { ...reviews, metadata: { ...reviews.metadata, resourceVersion: '3' } });
    live.apply('namespace', 'update', { metadata: { name: 'a', resourceVersion: '5' } });
    expect(live.dirty).toBe(false);
    expect(live.view().byId.get(host('reviews', 'a'))).toStrictEqual(before.byId.get(host('reviews', 'a')));
  });

  it('Services: added, an RPC interface claimed by two namespaces (a conflict), one deleted', () => {
    const live = mesh();
    live.apply('pod', 'add', podOf('echo-1', 'a', { app: 'echo' }));
    live.apply('pod', 'add', podOf('echo-1', 'b', { app: 'echo' }));
    live.apply('service', 'add', svc('echo', 'a', { app: 'echo' }, 'x.Echo'));
    expect(byId(live, 'x.Echo@dubbo')).toMatchObject({ namespace: 'a', conflict: null });
    live.apply('service', 'add', svc('echo', 'b', { app: 'echo' }, 'x.Echo'));
    expect(byId(live, 'x.Echo@dubbo')).toMatchObject({ namespace: '', conflict: { namespaces: ['a', 'b'] } });
    expect(live.view().facets.protocols).toEqual(['dubbo', 'http']);
    live.apply('service', 'delete', svc('echo', 'a', { app: 'echo' }, 'x.Echo'));
    expect(byId(live, 'x.Echo@dubbo')).toMatchObject({
      namespace: 'b',
      conflict: null,
      instances: { total: 1 },
    });
    live.apply('service', 'delete', svc('echo', 'b', { app: 'echo' }, 'x.Echo'));
    expect(byId(live, 'x.Echo@dubbo')).toBeUndefined();
    expect(live.view().facets.protocols).toEqual(['http']);
    expectRebuilt(live);
  });

  it('WorkloadEntries join the Services and ServiceEntries that select them', () => {
    const live = mesh();
    const se: ServiceEntry = {
      metadata: { name: 'legacy', namespace: 'a' },
      spec: {
        hosts: ['legacy.example.com'],
        ports: [{ number: 80, name: 'http' }],
        workloadSelector: { labels: { app: 'legacy' } },
      },
    };
    live.apply('serviceEntry', 'add', se);
    expect(byId(live, 'legacy.example.com')?.instances.total).toBe(0);
    const we = (app: string): WorkloadEntry => ({
      metadata: { name: 'vm-1', namespace: 'a' },
      spec: { address: '192.168.0.9', labels: { app, version: 'v9' } },
    });
    live.apply('workloadEntry', 'add', we('legacy'));
    expect(byId(live, 'legacy.example.com')).toMatchObject({ instances: { total: 1 }, platforms: ['vm'] });
    live.apply('workloadEntry', 'update', we('reviews'));
    expect(byId(live, 'legacy.example.com')?.instances.total).toBe(0);
    expect(byId(live, host('reviews', 'a'))?.platforms).toEqual(['kubernetes', 'vm']);
    expectRebuilt(live);
  });

  it('a Namespace enrolled in ambient changes its own services’ data planes only', () => {
    const live = mesh();
    const before = live.view();
    live.apply('namespace', 'update', {
      metadata: { name: 'a', labels: { 'istio.io/dataplane-mode': 'ambient' } },
    });
    expect(byId(live, host('reviews', 'a'))?.dataPlane?.modes).toEqual(['ambient']);
    expect(byId(live, host('reviews', 'b'))).toBe(before.byId.get(host('reviews', 'b')));
    expect(live.view().namespaceDataPlanes.map((n) => [n.name, n.dataPlane])).toEqual([
      ['a', 'ambient'],
      ['b', 'none'],
    ]);
    expectRebuilt(live);
  });

  it('a waypoint Gateway coming and going is seen by the services that name it', () => {
    const live = mesh();
    live.apply('namespace', 'update', { metadata: { name: 'a', labels: { 'istio.io/use-waypoint': 'wp' } } });
    expect(byId(live, host('reviews', 'a'))?.dataPlane).toMatchObject({
      waypoint: { namespace: 'a', name: 'wp' },
      waypointMissing: true,
    });
    const gw: Gateway = {
      metadata: { name: 'wp', namespace: 'a' },
      spec: { gatewayClassName: 'istio-waypoint' },
    };
    live.apply('gateway', 'add', gw);
    expect(byId(live, host('reviews', 'a'))?.dataPlane?.waypointMissing).toBe(false);
    expect(live.view().namespaceDataPlanes[0]?.waypointMissing).toBe(false);
    live.apply('gateway', 'delete', gw);
    expect(byId(live, host('reviews', 'a'))?.dataPlane?.waypointMissing).toBe(true);
    expectRebuilt(live);
  });

  it('stays equal to a rebuild across many single changes (views share byId, folded now and then)', () => {
    const live = new LiveCatalog();
    for (let i = 0; i < 300; i++) live.apply('service', 'add', svc(`s${i}`, 'a', { app: `s${i}` }));
    const first = live.view();
    const views = [first];
    for (let i = 0; i < 300; i++) {
      live.apply('pod', 'add', podOf(`p${i}`, 'a', { app: `s${(i * 7) % 300}` }));
      if (i % 3 === 0) live.apply('service', 'delete', svc(`s${(i * 11) % 300}`, 'a', {}));
      views.push(live.view());
    }
    expectRebuilt(live);
    // Each view still answers as it did: the first has every service and no instance.
    expect(first.byId.size).toBe(300);
    for (let i = 0; i < 300; i++) expect(first.byId.get(host(`s${i}`, 'a'))?.instances.total).toBe(0);
    const last = views[views.length - 1] as CatalogView;
    for (const s of last.services) expect(last.byId.get(s.id)).toBe(s);
    expect(last.byId.get(host('s0', 'a'))).toBeUndefined();
  });
});
