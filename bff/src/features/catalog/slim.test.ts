import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { demoObjects } from '../../embedded/demo-mesh/seed';
import type { Gateway, ServiceEntry, V1Namespace, V1Pod, V1Service, WorkloadEntry } from './kube-types';
import { buildCatalog, serviceDrafts } from './registry';
import type { LabelSelection, RegistrySnapshot } from './registry';
import { dataPlaneContext } from './dataplane';
import { slimPod } from './slim';

function demoSnapshot(): RegistrySnapshot {
  const objects = demoObjects();
  const byKind = <T>(kind: string) => objects.filter((o) => o.kind === kind) as T[];
  return {
    services: byKind<V1Service>('Service'),
    pods: byKind<V1Pod>('Pod'),
    serviceEntries: byKind<ServiceEntry>('ServiceEntry'),
    workloadEntries: byKind<WorkloadEntry>('WorkloadEntry'),
    namespaces: byKind<V1Namespace>('Namespace'),
    gateways: byKind<Gateway>('Gateway'),
  };
}

describe('slimPod', () => {
  it('makes the same catalog of the demo mesh as the full Pods, with sidecars, ambient Pods and waypoints', () => {
    const full = demoSnapshot();
    const catalog = buildCatalog(full);
    // The demo has what slimming could lose: sidecars (istio-proxy containers), ambient Pods, waypoints.
    const modes = new Set(catalog.flatMap((s) => s.providers.map((p) => p.dataPlane)));
    expect(modes).toEqual(new Set(['sidecar', 'ambient']));
    expect(catalog.some((s) => s.dataPlane?.waypoint)).toBe(true);
    expect(buildCatalog({ ...full, pods: full.pods.map(slimPod) })).toStrictEqual(catalog);
  });

  it('keeps a fraction of a Pod as the API server sends it, and slimming twice changes nothing', () => {
    const pods = demoSnapshot().pods;
    const slim = pods.map(slimPod);
    const size = (x: unknown) => JSON.stringify(x).length;
    expect(size(slim)).toBeLessThan(size(pods) / 2);
    expect(slim.map(slimPod)).toStrictEqual(slim);
  });

  it('keeps the sidecar annotation, a native sidecar, named ports, readiness and deletion', () => {
    const pod: V1Pod = {
      metadata: {
        name: 'p',
        namespace: 'n',
        resourceVersion: '7',
        labels: { app: 'a' },
        annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}', 'kubectl.io/x': 'y' },
        deletionTimestamp: new Date(0),
        managedFields: [{ manager: 'kubectl' }],
      },
      spec: {
        containers: [
          { name: 'init-config', image: 'busybox' },
          { name: 'proxy-ish', ports: [{ containerPort: 9901 }] },
          {
            name: 'app',
            image: 'i',
            env: [{ name: 'E', value: 'v' }],
            ports: [{ name: 'web', containerPort: 8080, protocol: 'TCP' }],
          },
        ],
        initContainers: [
          { name: 'istio-init', image: 'proxy' },
          { name: 'istio-proxy', image: 'proxy' },
        ],
        serviceAccountName: 'sa',
      },
      status: {
        phase: 'Running',
        podIP: '10.0.0.1',
        hostIP: '192.168.0.1',
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
        ],
      },
    };
    expect(slimPod(pod)).toStrictEqual({
      metadata: {
        name: 'p',
        namespace: 'n',
        resourceVersion: '7',
        labels: { app: 'a' },
        annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' },
        deletionTimestamp: new Date(0),
      },
      spec: {
        containers: [{ name: 'app', ports: [{ name: 'web', containerPort: 8080 }] }],
        initContainers: [{ name: 'istio-proxy' }],
        serviceAccountName: 'sa',
      },
      status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'False' }] },
    });
  });
});

describe('what slim Pods share', () => {
  const replica = (i: number, version = 'v1', port = 9080, ready = 'True'): V1Pod => ({
    metadata: {
      name: `reviews-${version}-${i}`,
      namespace: 'bookinfo',
      resourceVersion: String(100 + i),
      labels: { app: 'reviews', version },
      annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' },
    },
    spec: {
      serviceAccountName: 'bookinfo-reviews',
      containers: [
        { name: 'reviews', image: `reviews:${version}`, ports: [{ name: 'http', containerPort: port }] },
        { name: 'istio-proxy', image: 'proxyv2' },
      ],
    },
    status: { phase: 'Running', podIP: `10.0.0.${i}`, conditions: [{ type: 'Ready', status: ready }] },
  });

  it("gives a workload's replicas one (frozen) copy of their labels, sidecar annotation, containers and readiness", () => {
    const [a, b] = [slimPod(replica(1)), slimPod(replica(2))] as [V1Pod, V1Pod];
    expect(b.metadata?.labels).toBe(a.metadata?.labels);
    expect(b.metadata?.annotations).toBe(a.metadata?.annotations);
    expect(b.spec).toBe(a.spec);
    expect(b.status?.conditions).toBe(a.status?.conditions);
    // What is each Pod's own stays its own.
    expect(b.metadata).not.toBe(a.metadata);
    expect(b.status?.podIP).toBe('10.0.0.2');
    // A change meant for one replica would change them all: it throws instead.
    const port = a.spec?.containers[0]?.ports?.[0] as { containerPort: number };
    expect(() => (port.containerPort = 1)).toThrow(TypeError);
    expect(() => ((a.metadata?.labels as Record<string, string>).version = 'v9')).toThrow(TypeError);
    expect(b.spec?.containers[0]?.ports?.[0]?.containerPort).toBe(9080);
  });

  it('gives a Pod whose parts differ its own, equal to what it was sent', () => {
    const a = slimPod(replica(1));
    const other = slimPod(replica(2, 'v2', 9081, 'False'));
    expect(other.metadata?.labels).not.toBe(a.metadata?.labels);
    expect(other.metadata?.labels).toEqual({ app: 'reviews', version: 'v2' });
    expect(other.spec).not.toBe(a.spec);
    expect(other.spec?.containers[0]?.ports).toEqual([{ name: 'http', containerPort: 9081 }]);
    expect(other.status?.conditions).toEqual([{ type: 'Ready', status: 'False' }]);
    // The same annotation is still shared across workloads.
    expect(other.metadata?.annotations).toBe(a.metadata?.annotations);
  });
});

describe('the shapes V8 gives what the catalog holds', () => {
  // V8's own answer, through its natives syntax (a test-only flag): do two objects share a hidden
  // class? A literal that begins with a spread gets one of its own per object, which at 100,000 Pods
  // was 70 MB of the heap and made every read of a Pod megamorphic.
  v8.setFlagsFromString('--allow-natives-syntax');
  const sameShape = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
  /**
   * How many hidden classes the objects have. A few are V8's own doing (a constructor site's first
   * objects before it settles their size; a map replaced when a field's representation widens); a
   * class per object is the spread's.
   */
  const shapes = (objects: object[]) => {
    const seen: object[] = [];
    for (const o of objects) if (!seen.some((s) => sameShape(s, o))) seen.push(o);
    return seen.length;
  };

  it('slim Pods (their metadata and status too) share hidden classes, not one each', () => {
    // 50 replicas of a Pod with a sidecar: enough that V8's inline caches would give up sharing.
    const replicas = Array.from({ length: 50 }, (_, i): V1Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `reviews-v1-${i}`,
        namespace: 'bookinfo',
        resourceVersion: String(100 + i),
        labels: { app: 'reviews', version: 'v1' },
        annotations: { 'sidecar.istio.io/status': '{}', 'kubectl.kubernetes.io/restartedAt': 'x' },
      },
      spec: {
        serviceAccountName: 'bookinfo-reviews',
        containers: [
          { name: 'reviews', image: 'reviews:1', ports: [{ name: 'http', containerPort: 9080 }] },
          { name: 'istio-proxy', image: 'proxyv2' },
        ],
      },
      status: {
        phase: 'Running',
        podIP: `10.0.0.${i}`,
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    }));
    const [first, ...others] = replicas.map(slimPod) as [V1Pod, ...V1Pod[]];
    const pods = [first, ...others];
    expect(shapes(pods)).toBeLessThanOrEqual(3);
    expect(shapes(pods.map((p) => p.metadata as object))).toBeLessThanOrEqual(3);
    expect(shapes(pods.map((p) => p.status as object))).toBeLessThanOrEqual(3);
  });

  it('the drafts of Kubernetes Services (what the live catalog keeps per Service) share hidden classes', () => {
    const snapshot = demoSnapshot();
    const ctx = dataPlaneContext(snapshot.namespaces, snapshot.gateways);
    const pods: LabelSelection<V1Pod> = {
      select: (namespace, selector) =>
        snapshot.pods.filter(
          (p) =>
            p.metadata?.namespace === namespace &&
            Object.entries(selector ?? {}).every(([k, v]) => p.metadata?.labels?.[k] === v),
        ),
    };
    const wes: LabelSelection<WorkloadEntry> = { select: () => [] };
    const drafts = snapshot.services.flatMap((svc) => serviceDrafts(svc, pods, wes, ctx));
    const http = drafts.filter((d) => d.protocol === 'http');
    expect(http.length).toBeGreaterThan(10);
    const [first, ...others] = http;
    expect(shapes([first as object, ...others])).toBeLessThanOrEqual(3);
  });
});
