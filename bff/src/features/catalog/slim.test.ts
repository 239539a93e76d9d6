import { describe, expect, it } from 'vitest';
import { demoObjects } from '../../embedded/demo-mesh/seed';
import type { Gateway, ServiceEntry, V1Namespace, V1Pod, V1Service, WorkloadEntry } from './kube-types';
import { buildCatalog } from './registry';
import type { RegistrySnapshot } from './registry';
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
