import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../testing/fixtures';
import type { TestStore } from '../testing/fixtures';
import type { KubeObject } from '../types';
import { startControllers } from './index';
import type { Controllers } from './index';
import { GVR } from './context';
import { podTemplateHash } from './pods';

const silent = pino({ level: 'silent' });

function deployment(
  name: string,
  replicas: number,
  extra: {
    image?: string;
    annotations?: Record<string, string>;
    templateAnnotations?: Record<string, string>;
  } = {},
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name }, annotations: extra.annotations },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, version: 'v1' }, annotations: extra.templateAnnotations },
        spec: {
          containers: [
            {
              name: 'app',
              image: extra.image ?? `example/${name}:1`,
              ports: [{ name: 'http', containerPort: 9080 }],
            },
          ],
        },
      },
    },
  };
}

const service = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
});

describe('the workload controllers', () => {
  let t: TestStore;
  let controllers: Controllers;
  const ns = 'shop';
  const list = (gvr: (typeof GVR)[keyof typeof GVR], selector?: string) =>
    t.store.list(gvr, ns, selector ? { labelSelector: selector } : {}).items;
  const podsOf = (app: string) => list(GVR.pods, `app=${app}`);
  const settle = () => controllers.idle();

  beforeEach(() => {
    t = openStore();
    t.store.create(GVR.namespaces, undefined, {
      metadata: { name: ns, labels: { 'istio-injection': 'enabled' } },
    });
    controllers = startControllers(t.store, t.store.registry, silent);
  });
  afterEach(() => {
    controllers.stop();
    t.close();
  });

  it('runs a Deployment as a ReplicaSet of ready, injected pods with unique IPs, and fills in the Service endpoints', async () => {
    const created = t.store.create(GVR.deployments, ns, deployment('web', 3));
    t.store.create(GVR.services, ns, service('web'));
    await settle();

    const hash = podTemplateHash((created.spec as { template: unknown }).template);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    const [rs, ...moreRs] = list(GVR.replicaSets);
    expect(moreRs).toHaveLength(0);
    expect(rs?.metadata.name).toBe(`web-${hash}`);
    expect(rs?.metadata.labels?.['pod-template-hash']).toBe(hash);
    expect(rs?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(rs?.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: 'web',
        uid: created.metadata.uid,
        controller: true,
      }),
    ]);

    const pods = podsOf('web');
    expect(pods).toHaveLength(3);
    const ips = pods.map((p) => (p.status as { podIP: string }).podIP);
    expect(new Set(ips).size).toBe(3);
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      expect(pod.metadata.labels).toMatchObject({
        app: 'web',
        'pod-template-hash': hash,
        'security.istio.io/tlsMode': 'istio',
      });
      expect((pod.spec as { containers: { name: string }[] }).containers.map((c) => c.name)).toEqual([
        'app',
        'istio-proxy',
      ]);
      expect((pod.spec as { nodeName: string }).nodeName).toBeTruthy();
      const status = pod.status as {
        phase: string;
        podIP: string;
        hostIP: string;
        conditions: { type: string; status: string }[];
      };
      expect(status.phase).toBe('Running');
      expect(status.podIP).toMatch(/^10\./);
      expect(status.hostIP).toBeTruthy();
      for (const type of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'])
        expect(status.conditions.find((c) => c.type === type)?.status).toBe('True');
    }

    const deploy = t.store.get(GVR.deployments, ns, 'web');
    expect(deploy.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      updatedReplicas: 3,
      observedGeneration: 1,
    });
    const endpoints = t.store.get(GVR.endpoints, ns, 'web');
    const subsets = endpoints.subsets as { addresses: { ip: string }[]; ports: { port: number }[] }[];
    expect(subsets[0]?.addresses.map((a) => a.ip).sort()).toEqual([...ips].sort());
    expect(subsets[0]?.ports).toEqual([{ name: 'http', port: 9080, protocol: 'TCP' }]);
    const [slice] = list(GVR.endpointSlices, 'kubernetes.io/service-name=web');
    expect(slice?.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect((slice?.endpoints as { addresses: string[] }[]).flatMap((e) => e.addresses).sort()).toEqual(
      [...ips].sort(),
    );
  });

  it('scales, replaces deleted pods, rolls out a new template and deletes what a deleted Deployment owned', async () => {
    t.store.create(GVR.deployments, ns, deployment('api', 2));
    t.store.create(GVR.services, ns, service('api'));
    await settle();
    t.store.patch(GVR.deployments, ns, 'api', 'merge', { spec: { replicas: 4 } });
    await settle();
    expect(podsOf('api')).toHaveLength(4);
    t.store.patch(GVR.deployments, ns, 'api', 'merge', { spec: { replicas: 1 } });
    await settle();
    const [survivor] = podsOf('api');
    expect(podsOf('api')).toHaveLength(1);

    t.store.delete(GVR.pods, ns, survivor?.metadata.name ?? '');
    await settle();
    const [replacement] = podsOf('api');
    expect(replacement?.metadata.name).not.toBe(survivor?.metadata.name);
    const endpoints = t.store.get(GVR.endpoints, ns, 'api').subsets as { addresses: { ip: string }[] }[];
    expect(endpoints[0]?.addresses.map((a) => a.ip)).toEqual([
      (replacement?.status as { podIP: string }).podIP,
    ]);

    const before = t.store.get(GVR.deployments, ns, 'api');
    const next = deployment('api', 1, { image: 'example/api:2' });
    t.store.update(GVR.deployments, ns, 'api', {
      ...next,
      metadata: { ...next.metadata, resourceVersion: before.metadata.resourceVersion },
    });
    await settle();
    const sets = list(GVR.replicaSets).sort((a, b) =>
      String(a.metadata.annotations?.['deployment.kubernetes.io/revision']).localeCompare(
        String(b.metadata.annotations?.['deployment.kubernetes.io/revision']),
      ),
    );
    expect(
      sets.map((rs) => [
        rs.metadata.annotations?.['deployment.kubernetes.io/revision'],
        (rs.spec as { replicas: number }).replicas,
      ]),
    ).toEqual([
      ['1', 0],
      ['2', 1],
    ]);
    const pods = podsOf('api');
    expect(pods).toHaveLength(1);
    expect((pods[0]?.spec as { containers: { image: string }[] }).containers[0]?.image).toBe('example/api:2');
    const rolled = t.store.get(GVR.deployments, ns, 'api');
    expect(rolled.metadata.generation).toBe(4);
    expect(rolled.status).toMatchObject({ replicas: 1, updatedReplicas: 1, observedGeneration: 4 });

    t.store.delete(GVR.deployments, ns, 'api');
    await settle();
    expect(list(GVR.replicaSets)).toEqual([]);
    expect(podsOf('api')).toEqual([]);
    t.store.delete(GVR.services, ns, 'api');
    await settle();
    expect(list(GVR.endpointSlices)).toEqual([]);
    expect(() => t.store.get(GVR.endpoints, ns, 'api')).toThrow(/not found/);
  });

  it('keeps the pods the demo annotations ask for not ready, and lists them as not-ready addresses', async () => {
    t.store.create(
      GVR.deployments,
      ns,
      deployment('flaky', 3, { annotations: { 'demo.mesh-console.io/not-ready-replicas': '1' } }),
    );
    t.store.create(
      GVR.deployments,
      ns,
      deployment('down', 1, { templateAnnotations: { 'demo.mesh-console.io/ready': 'false' } }),
    );
    t.store.create(GVR.services, ns, service('flaky'));
    await settle();
    const ready = (p: KubeObject) =>
      (p.status as { conditions: { type: string; status: string }[] }).conditions.find(
        (c) => c.type === 'Ready',
      )?.status;
    expect(podsOf('flaky').map(ready).sort()).toEqual(['False', 'True', 'True']);
    const [down] = podsOf('down');
    expect(down && ready(down)).toBe('False');
    const waiting = (
      down?.status as { containerStatuses: { name: string; state: { waiting?: { reason: string } } }[] }
    ).containerStatuses;
    expect(waiting.find((c) => c.name === 'app')?.state.waiting?.reason).toBe('CrashLoopBackOff');
    const subsets = t.store.get(GVR.endpoints, ns, 'flaky').subsets as {
      addresses: unknown[];
      notReadyAddresses: unknown[];
    }[];
    expect(subsets[0]?.addresses).toHaveLength(2);
    expect(subsets[0]?.notReadyAddresses).toHaveLength(1);
    expect(t.store.get(GVR.deployments, ns, 'down').status).toMatchObject({
      conditions: expect.arrayContaining([expect.objectContaining({ type: 'Available', status: 'False' })]),
    });
  });

  it('runs a pod created on its own: a node, an IP and Ready, and it joins the Service that selects it', async () => {
    t.store.create(GVR.services, ns, service('solo'));
    t.store.create(GVR.pods, ns, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'solo', labels: { app: 'solo' } },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'example/solo:1',
            env: [{ name: 'MODE', value: 'solo' }],
            ports: [{ name: 'http', containerPort: 8080 }],
          },
        ],
        volumes: [{ name: 'scratch', emptyDir: {} }],
      },
    });
    await settle();
    const pod = t.store.get(GVR.pods, ns, 'solo');
    const status = pod.status as { phase: string; podIP: string };
    expect(status.phase).toBe('Running');
    const spec = pod.spec as { nodeName: string; containers: Record<string, unknown>[]; volumes: unknown[] };
    expect(spec.nodeName).toBeTruthy();
    // The controllers cache a slim pod; what the kubelet writes back is the whole of it.
    expect(spec.containers[0]).toMatchObject({
      image: 'example/solo:1',
      env: [{ name: 'MODE', value: 'solo' }],
    });
    expect(spec.volumes).toEqual([{ name: 'scratch', emptyDir: {} }]);
    const subsets = t.store.get(GVR.endpoints, ns, 'solo').subsets as {
      addresses: { ip: string }[];
      ports: { port: number }[];
    }[];
    expect(subsets[0]?.addresses.map((a) => a.ip)).toEqual([status.podIP]);
    expect(subsets[0]?.ports[0]?.port).toBe(8080);
  });

  it('gives LoadBalancer Services an external address of their own, and takes it back when they change type', async () => {
    const lb = (name: string) => ({
      ...service(name),
      spec: { ...service(name).spec, type: 'LoadBalancer' },
    });
    t.store.create(GVR.services, ns, lb('front'));
    t.store.create(GVR.services, ns, lb('admin'));
    await settle();
    const ipOf = (name: string) =>
      (t.store.get(GVR.services, ns, name).status as { loadBalancer: { ingress?: { ip: string }[] } })
        .loadBalancer.ingress?.[0]?.ip;
    expect(ipOf('front')).toMatch(/^172\.18\.255\.\d+$/);
    expect(ipOf('admin')).toMatch(/^172\.18\.255\.\d+$/);
    expect(ipOf('front')).not.toBe(ipOf('admin'));
    t.store.patch(GVR.services, ns, 'admin', 'merge', { spec: { type: 'ClusterIP' } });
    await settle();
    expect(ipOf('admin')).toBeUndefined();
  });

  it('logs and goes on when an object cannot be reconciled', async () => {
    const warnings: string[] = [];
    controllers.stop();
    const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    controllers = startControllers(t.store, t.store.registry, log);
    // A valid Deployment whose ReplicaSet name (<name>-<hash>) would pass the 253-character limit.
    const long = deployment('long', 1);
    t.store.create(GVR.deployments, ns, { ...long, metadata: { ...long.metadata, name: 'x'.repeat(250) } });
    t.store.create(GVR.deployments, ns, deployment('fine', 1));
    await settle();
    expect(podsOf('fine')).toHaveLength(1);
    expect(warnings.join('')).toContain('reconcile failed');
  });

  it('runs a Gateway API Gateway of class istio as Istio does: a Deployment and LoadBalancer Service, then Programmed', async () => {
    const GATEWAYS = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' };
    expect(
      t.store.get(
        { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses' },
        undefined,
        'istio',
      ).spec,
    ).toMatchObject({ controllerName: 'istio.io/gateway-controller' });
    t.store.create(GATEWAYS, ns, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'web' },
      spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    await settle();
    await settle();
    const status = t.store.get(GATEWAYS, ns, 'web').status as {
      addresses: { value: string }[];
      conditions: { type: string; status: string }[];
    };
    const svc = t.store.get(GVR.services, ns, 'web-istio');
    const lbIp = (svc.status as { loadBalancer: { ingress: { ip: string }[] } }).loadBalancer.ingress[0]?.ip;
    expect(status.addresses).toEqual([{ type: 'IPAddress', value: lbIp }]);
    expect(status.conditions.map((c) => [c.type, c.status])).toEqual([
      ['Accepted', 'True'],
      ['Programmed', 'True'],
    ]);
    expect((svc.spec as { ports: { port: number }[] }).ports.map((p) => p.port)).toEqual([15021, 80]);
    const [pod] = list(GVR.pods, 'gateway.networking.k8s.io/gateway-name=web');
    expect((pod?.spec as { containers: { name: string }[] }).containers.map((c) => c.name)).toEqual([
      'istio-proxy',
    ]);

    t.store.delete(GATEWAYS, ns, 'web');
    await settle();
    await settle();
    expect(list(GVR.deployments).map((d) => d.metadata.name)).not.toContain('web-istio');
    expect(list(GVR.pods, 'gateway.networking.k8s.io/gateway-name=web')).toEqual([]);
  });

  it('runs a waypoint (Gateway of class istio-waypoint) as istiod does: a Deployment and ClusterIP Service named after it, then Programmed', async () => {
    const GATEWAYS = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' };
    expect(
      t.store.get(
        { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses' },
        undefined,
        'istio-waypoint',
      ).spec,
    ).toMatchObject({ controllerName: 'istio.io/mesh-controller' });
    t.store.create(GATEWAYS, ns, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'waypoint', labels: { 'istio.io/waypoint-for': 'service' } },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
      },
    });
    await settle();
    await settle();
    const svc = t.store.get(GVR.services, ns, 'waypoint');
    const spec = svc.spec as { type: string; clusterIP: string; ports: { name: string; port: number }[] };
    expect(spec.type).toBe('ClusterIP');
    expect(spec.ports.map((p) => [p.name, p.port])).toEqual([
      ['status-port', 15021],
      ['mesh', 15008],
    ]);
    const status = t.store.get(GATEWAYS, ns, 'waypoint').status as {
      addresses: { value: string }[];
      conditions: { type: string; status: string }[];
    };
    expect(status.addresses).toEqual([{ type: 'IPAddress', value: spec.clusterIP }]);
    expect(status.conditions.map((c) => [c.type, c.status])).toEqual([
      ['Accepted', 'True'],
      ['Programmed', 'True'],
    ]);
    // In a namespace that injects sidecars, the waypoint's own pod has none and is not ztunnel's.
    const [pod, ...more] = list(GVR.pods, 'gateway.networking.k8s.io/gateway-name=waypoint');
    expect(more).toHaveLength(0);
    expect((pod?.metadata.ownerReferences as { name: string }[] | undefined)?.[0]?.name).toMatch(
      /^waypoint-/,
    );
    expect((pod?.spec as { containers: { name: string }[] }).containers.map((c) => c.name)).toEqual([
      'istio-proxy',
    ]);
    expect(pod?.metadata.annotations?.['ambient.istio.io/redirection']).toBeUndefined();

    t.store.delete(GATEWAYS, ns, 'waypoint');
    await settle();
    await settle();
    expect(list(GVR.deployments).map((d) => d.metadata.name)).not.toContain('waypoint');
    expect(list(GVR.services).map((d) => d.metadata.name)).not.toContain('waypoint');
  });

  it('leaves pods of an ambient namespace to ztunnel (no sidecar, redirection annotated) unless injection is asked for', async () => {
    const ambient = 'mall';
    t.store.create(GVR.namespaces, undefined, {
      metadata: { name: ambient, labels: { 'istio.io/dataplane-mode': 'ambient' } },
    });
    const withLabels = (name: string, labels: Record<string, string>) => {
      const d = deployment(name, 1);
      d.spec.template.metadata.labels = { ...d.spec.template.metadata.labels, ...labels };
      return d;
    };
    t.store.create(GVR.deployments, ambient, deployment('plain', 1));
    t.store.create(GVR.deployments, ambient, withLabels('injected', { 'sidecar.istio.io/inject': 'true' }));
    t.store.create(GVR.deployments, ambient, withLabels('out', { 'istio.io/dataplane-mode': 'none' }));
    // The sidecar namespace: a pod may enrol itself in ambient, opting out of injection.
    t.store.create(
      GVR.deployments,
      ns,
      withLabels('own', { 'istio.io/dataplane-mode': 'ambient', 'sidecar.istio.io/inject': 'false' }),
    );
    t.store.create(GVR.deployments, ns, deployment('sidecar', 1));
    await settle();
    const seen = (namespace: string, app: string) => {
      const [pod] = t.store.list(GVR.pods, namespace, { labelSelector: `app=${app}` }).items;
      return [
        (pod?.spec as { containers: { name: string }[] }).containers.map((c) => c.name).join(','),
        pod?.metadata.annotations?.['ambient.istio.io/redirection'] ?? '-',
      ];
    };
    expect(seen(ambient, 'plain')).toEqual(['app', 'enabled']);
    // Explicit injection wins, and the sidecar takes precedence over ztunnel.
    expect(seen(ambient, 'injected')).toEqual(['app,istio-proxy', '-']);
    expect(seen(ambient, 'out')).toEqual(['app', '-']);
    expect(seen(ns, 'own')).toEqual(['app', 'enabled']);
    expect(seen(ns, 'sidecar')).toEqual(['app,istio-proxy', '-']);
  });

  it('writes nothing when it restarts onto a state that is already reconciled', async () => {
    t.store.create(
      GVR.deployments,
      ns,
      deployment('calm', 2, { annotations: { 'demo.mesh-console.io/not-ready-replicas': '1' } }),
    );
    t.store.create(GVR.services, ns, {
      ...service('calm'),
      spec: { ...service('calm').spec, type: 'LoadBalancer' },
    });
    await settle();
    const before = t.store.resourceVersion;
    controllers.stop();
    controllers = startControllers(t.store, t.store.registry, silent);
    await settle();
    expect(t.store.resourceVersion).toBe(before);
  });

  it('after a restart, reconciles what is stored without duplicating pods, and collects orphans', async () => {
    t.store.create(GVR.deployments, ns, deployment('keep', 2));
    t.store.create(GVR.deployments, ns, deployment('gone', 1));
    await settle();
    const names = podsOf('keep')
      .map((p) => p.metadata.name)
      .sort();
    controllers.stop();
    // While no controller runs: a Deployment disappears (its pods stay behind) and a pod of the other goes.
    t.store.delete(GVR.deployments, ns, 'gone');
    t.store.delete(GVR.pods, ns, names[0] ?? '');
    t = t.reopen();
    controllers = startControllers(t.store, t.store.registry, silent);
    await settle();
    await settle();
    const after = podsOf('keep').map((p) => p.metadata.name);
    expect(after).toHaveLength(2);
    expect(after).toContain(names[1]);
    expect(podsOf('gone')).toEqual([]);
    expect(list(GVR.replicaSets).map((rs) => rs.metadata.name)).toEqual([expect.stringMatching(/^keep-/)]);
  });

  it('refuses a Deployment whose selector does not match its template labels, naming the field', () => {
    const bad = deployment('odd', 1);
    bad.spec.selector = { matchLabels: { app: 'other' } };
    expect(() => t.store.create(GVR.deployments, ns, bad)).toThrow(
      /spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"odd", "version":"v1"\}: `selector` does not match template `labels`/,
    );
    const created = t.store.create(GVR.deployments, ns, deployment('defaults', 1));
    expect(created.spec).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    });
  });
});
