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
