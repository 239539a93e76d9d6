import type { V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../clients/kube';
import type { ControlPlane } from '../control-plane';
import { removeDir, startTestControlPlane } from '../control-plane/testing/fixtures';
import { DEMO_APPS } from './mesh';
import { demoManifests, demoObjects, seedDemoMesh } from './seed';

const isReady = (p: V1Pod) =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('the demo seed on the embedded control plane', () => {
  let cp: ControlPlane & { dataDir: string };
  let kube: KubeClient;
  let pods: V1Pod[];

  beforeAll(async () => {
    cp = await startTestControlPlane();
    kube = KubeClient.forLoopback(cp.url, cp.token);
    expect(await seedDemoMesh(kube, pino({ level: 'silent' }))).toBe('seeded');
    pods = (await kube.core.listPodForAllNamespaces()).items;
  });
  afterAll(async () => {
    await cp.close();
    removeDir(cp.dataDir);
  });

  it('runs every workload as its application’s ServiceAccount, Pods and VMs alike (their identity in the mesh)', async () => {
    const accounts = new Set(
      (await kube.core.listServiceAccountForAllNamespaces()).items.map(
        (a) => `${a.metadata?.namespace}/${a.metadata?.name}`,
      ),
    );
    for (const app of DEMO_APPS) expect(accounts, app.app).toContain(`${app.namespace}/${app.app}`);
    const demoPods = pods.filter((p) =>
      DEMO_APPS.some((a) => a.namespace === p.metadata?.namespace && a.app === p.metadata.labels?.app),
    );
    expect(demoPods.length).toBeGreaterThan(0);
    for (const p of demoPods) {
      expect(p.spec?.serviceAccountName).toBe(p.metadata?.labels?.app);
      expect(accounts).toContain(`${p.metadata?.namespace}/${p.spec?.serviceAccountName}`);
    }
    for (const we of demoManifests().filter((o) => o.kind === 'WorkloadEntry')) {
      const sa = (we as { spec?: { serviceAccount?: string } }).spec?.serviceAccount;
      expect(accounts).toContain(`${we.metadata?.namespace}/${sa}`);
    }
  });

  it('seeds Deployments, not Pods, and the controllers run one pod per Kubernetes instance of each version', () => {
    expect(demoManifests().some((o) => o.kind === 'Pod')).toBe(false);
    for (const app of DEMO_APPS) {
      for (const v of app.versions) {
        const label = app.versionLabel ?? 'version';
        const mine = pods.filter(
          (p) =>
            p.metadata?.namespace === app.namespace &&
            p.metadata.labels?.app === app.app &&
            p.metadata.labels[label] === v.version,
        );
        expect(mine, `${app.app} ${v.version}`).toHaveLength(v.kubernetes ?? 0);
        expect(
          mine.filter((p) => !isReady(p)),
          `${app.app} ${v.version} not ready`,
        ).toHaveLength(v.notReady ?? 0);
        for (const pod of mine) {
          expect(pod.metadata?.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
          // The ambient corner's pods have no sidecar: ztunnel captures them.
          expect(pod.metadata?.labels?.['security.istio.io/tlsMode']).toBe(app.ambient ? undefined : 'istio');
          expect(pod.metadata?.annotations?.['ambient.istio.io/redirection']).toBe(
            app.ambient ? 'enabled' : undefined,
          );
        }
      }
    }
  });

  it('adds the ingress gateway istioctl installs', async () => {
    const service = await kube.core.readNamespacedService({
      name: 'istio-ingressgateway',
      namespace: 'istio-system',
    });
    expect(service.spec?.type).toBe('LoadBalancer');
    // The control plane's load-balancer controller gave it the address Istio's docs read as INGRESS_HOST.
    expect(service.status?.loadBalancer?.ingress?.[0]?.ip).toMatch(/^172\.18\.255\.\d+$/);
    expect(
      service.spec?.ports?.filter((p) => p.port !== 15021).map((p) => [p.name, p.port, p.targetPort]),
    ).toEqual([
      ['http2', 80, 8080],
      ['https', 443, 8443],
    ]);
    const [gateway, ...more] = pods.filter((p) => p.metadata?.namespace === 'istio-system');
    expect(more).toHaveLength(0);
    expect(gateway?.metadata?.labels).toMatchObject({ app: 'istio-ingressgateway', istio: 'ingressgateway' });
    expect(gateway && isReady(gateway)).toBe(true);
    const endpoints = await kube.core.readNamespacedEndpoints({
      name: 'istio-ingressgateway',
      namespace: 'istio-system',
    });
    expect(endpoints.subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual([gateway?.status?.podIP]);
  });

  it('runs shop’s ambient corner: the namespace uses the waypoint, which Istio’s controller deployed; catalog’s HTTPRoute splits it 90/10 between per-version Services', async () => {
    const shop = await kube.core.readNamespace({ name: 'shop' });
    expect(shop.metadata?.labels).toMatchObject({
      'istio.io/dataplane-mode': 'ambient',
      'istio.io/use-waypoint': 'waypoint',
    });
    const gatewayApi = (plural: string, name: string) =>
      kube.custom.getNamespacedCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace: 'shop',
        plural,
        name,
      }) as Promise<{ metadata: { labels?: Record<string, string> }; spec: Record<string, unknown> }>;
    const waypoint = await gatewayApi('gateways', 'waypoint');
    expect(waypoint.spec).toMatchObject({
      gatewayClassName: 'istio-waypoint',
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
    });
    expect(
      pods.filter(
        (p) =>
          p.metadata?.namespace === 'shop' &&
          p.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === 'waypoint',
      ),
    ).toHaveLength(1);
    for (const version of ['v1', 'v2']) {
      const svc = await kube.core.readNamespacedService({ name: `catalog-${version}`, namespace: 'shop' });
      expect(svc.spec?.selector).toEqual({ app: 'catalog', version });
      const endpoints = await kube.core.readNamespacedEndpoints({
        name: `catalog-${version}`,
        namespace: 'shop',
      });
      expect(endpoints.subsets?.[0]?.addresses).toHaveLength(1);
    }
    const route = await gatewayApi('httproutes', 'catalog');
    // Applied as an operator would, not as the console's.
    expect(route.metadata.labels?.['app.kubernetes.io/managed-by']).toBeUndefined();
    expect(route.spec).toEqual({
      parentRefs: [{ group: '', kind: 'Service', name: 'catalog', port: 8080 }],
      rules: [
        {
          backendRefs: [
            expect.objectContaining({ name: 'catalog-v1', port: 8080, weight: 90 }),
            expect.objectContaining({ name: 'catalog-v2', port: 8080, weight: 10 }),
          ],
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        },
      ],
    });
    const payments = await kube.core.readNamespacedService({ name: 'payments', namespace: 'shop' });
    expect(payments.metadata?.labels?.['istio.io/use-waypoint']).toBe('none');
    const db = await kube.core.readNamespacedService({ name: 'inventory-db', namespace: 'shop' });
    expect(db.spec?.ports?.[0]).toMatchObject({ name: 'tcp-mysql', port: 3306, appProtocol: 'mysql' });
  });

  it('describes, without a control plane, the pods the controllers make (same ReplicaSets, labels, containers, readiness)', () => {
    const predicted = demoObjects().filter((o): o is V1Pod => o.kind === 'Pod');
    const owners = (list: V1Pod[]) =>
      list
        .map((p) =>
          [
            `${p.metadata?.namespace}/${p.metadata?.ownerReferences?.[0]?.name}`,
            isReady(p),
            JSON.stringify(Object.entries(p.metadata?.labels ?? {}).sort()),
            (p.spec?.containers ?? []).map((c) => c.name).join(','),
          ].join(' '),
        )
        .sort();
    expect(owners(predicted)).toEqual(owners(pods));
  });
});
