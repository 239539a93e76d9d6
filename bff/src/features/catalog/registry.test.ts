import { describe, expect, it } from 'vitest';
import { demoObjects } from '../../embedded/demo-mesh/seed';
import { AMBIENT_DEMO, DEMO_APPS, ECHO_VERSIONS } from '../../embedded/demo-mesh/mesh';
import { dataPlaneContext, namespaceDataPlanes } from './dataplane';
import type { Gateway, ServiceEntry, V1Namespace, V1Pod, V1Service, WorkloadEntry } from './kube-types';
import { buildCatalog as buildFromPods, serviceWithin } from './registry';
import type { RegistrySnapshot } from './registry';
import { slimPod } from './slim';
import { portProtocol } from './protocol';
import type { ServiceDetail } from '../../contract/catalog';
import { routeTarget } from '../rules/target';

const pod = (
  name: string,
  ns: string,
  labels: Record<string, string>,
  ready = true,
  ip = '10.0.0.1',
): V1Pod => ({
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'app', ports: [{ name: 'web', containerPort: 8081 }] }] },
  status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

/**
 * Every catalog these tests build is built again from slim Pods (what the informer keeps), which
 * must make the same catalog: slimPod may drop nothing the registry reads.
 */
function buildCatalog(s: RegistrySnapshot): ServiceDetail[] {
  const full = buildFromPods(s);
  expect(buildFromPods({ ...s, pods: s.pods.map(slimPod) })).toStrictEqual(full);
  return full;
}

const snapshot = (s: Partial<RegistrySnapshot>): RegistrySnapshot => ({
  services: [],
  pods: [],
  serviceEntries: [],
  workloadEntries: [],
  ...s,
});

describe('portProtocol', () => {
  it.each([
    [{ name: 'http' }, 'http'],
    [{ name: 'http-web' }, 'http'],
    [{ name: 'http2' }, 'http2'],
    [{ name: 'grpc-api' }, 'grpc'],
    [{ name: 'dubbo' }, 'dubbo'],
    [{ name: 'bolt' }, 'sofarpc'],
    [{ name: 'tcp-db' }, 'tcp'],
    [{ name: 'metrics' }, 'tcp'],
    [{ name: 'web', appProtocol: 'grpc' }, 'grpc'],
    [{ name: 'web', appProtocol: 'kubernetes.io/h2c' }, 'http2'],
    [{ name: 'dubbo', protocol: 'TCP' }, 'dubbo'],
    [{ name: 'api', protocol: 'HTTP' }, 'http'],
    [{ name: 'http-x', appProtocol: 'tcp' }, 'http'],
  ] as const)('%j is %s', (port, expected) => {
    expect(portProtocol(port)).toBe(expected);
  });
});

describe('buildCatalog', () => {
  it('maps a Kubernetes Service and the Pods its selector picks, with versions from labels', () => {
    const svc: V1Service = {
      metadata: { name: 'reviews', namespace: 'bookinfo', labels: { app: 'reviews' } },
      spec: {
        selector: { app: 'reviews' },
        ports: [{ name: 'http', port: 9080, targetPort: 'web' as never }],
      },
    };
    const catalog = buildCatalog(
      snapshot({
        services: [svc],
        pods: [
          pod('reviews-v1', 'bookinfo', { app: 'reviews', version: 'v1' }),
          pod('reviews-v2', 'bookinfo', { app: 'reviews', 'app.kubernetes.io/version': 'v2' }, false),
          pod('reviews-v3', 'bookinfo', { app: 'reviews', 'service.istio.io/canonical-revision': 'v3' }),
          pod('reviews-other-ns', 'other', { app: 'reviews', version: 'v9' }),
          pod('ratings-v1', 'bookinfo', { app: 'ratings', version: 'v1' }),
        ],
      }),
    );
    expect(catalog).toHaveLength(1);
    const s = catalog[0];
    expect(s?.id).toBe('reviews.bookinfo.svc.cluster.local');
    expect(s?.protocol).toBe('http');
    expect(s?.application).toBe('reviews');
    expect(s?.versions).toEqual(['v1', 'v2', 'v3']);
    expect(s?.instances).toEqual({ total: 3, ready: 2 });
    // The named targetPort resolves to the container's port.
    expect(s?.providers.map((p) => p.port)).toEqual([8081, 8081, 8081]);
    expect(s?.platforms).toEqual(['kubernetes']);
  });

  it('tells versions of pods without a version label apart by their rollout (pod-template-hash), and routes to them by it', () => {
    const svc: V1Service = {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] },
    };
    const catalog = buildCatalog(
      snapshot({
        services: [svc],
        pods: [
          pod('web-5f7d8c9b4-a', 'shop', { app: 'web', 'pod-template-hash': '5f7d8c9b4' }),
          pod('web-5f7d8c9b4-b', 'shop', { app: 'web', 'pod-template-hash': '5f7d8c9b4' }),
          pod('web-6c44d7f8b-a', 'shop', { app: 'web', 'pod-template-hash': '6c44d7f8b' }),
        ],
      }),
    );
    const s = catalog[0] as ServiceDetail;
    expect(s.versions).toEqual(['5f7d8c9b4', '6c44d7f8b']);
    expect(s.versionDetails.map((v) => [v.version, v.label, v.instances])).toEqual([
      ['5f7d8c9b4', 'pod-template-hash', 2],
      ['6c44d7f8b', 'pod-template-hash', 1],
    ]);
    // A rule for them selects each rollout's pods by that label.
    expect(routeTarget(s).versions.map((v) => v.labels)).toEqual([
      { 'pod-template-hash': '5f7d8c9b4' },
      { 'pod-template-hash': '6c44d7f8b' },
    ]);
  });

  it('gives an RPC service one entry per exported interface, with the interface@protocol ID', () => {
    const svc: V1Service = {
      metadata: {
        name: 'user-provider',
        namespace: 'dubbo',
        annotations: { 'mesh-console.io/rpc-interfaces': 'a.UserService, a.UserQueryService' },
      },
      spec: { selector: { app: 'user' }, ports: [{ name: 'dubbo', port: 20880 }] },
    };
    const catalog = buildCatalog(
      snapshot({ services: [svc], pods: [pod('u1', 'dubbo', { app: 'user', version: '1' })] }),
    );
    expect(catalog.map((s) => s.id)).toEqual(['a.UserQueryService@dubbo', 'a.UserService@dubbo']);
    expect(catalog.every((s) => s.application === 'user' && s.instances.total === 1)).toBe(true);
  });

  it('selects VM WorkloadEntries with a Kubernetes Service selector, as Istio does, and marks them VM', () => {
    const svc: V1Service = {
      metadata: { name: 'ratings', namespace: 'bookinfo' },
      spec: { selector: { app: 'ratings' }, ports: [{ name: 'http', port: 9080 }] },
    };
    const we: WorkloadEntry = {
      metadata: { name: 'ratings-vm-1', namespace: 'bookinfo' },
      spec: { address: '10.20.0.5', labels: { app: 'ratings', version: 'v2' }, ports: { http: 19080 } },
      status: { conditions: [{ type: 'Healthy', status: 'False' }] },
    };
    const [s] = buildCatalog(
      snapshot({
        services: [svc],
        pods: [pod('r1', 'bookinfo', { app: 'ratings', version: 'v1' })],
        workloadEntries: [we],
      }),
    );
    expect(s?.platforms).toEqual(['kubernetes', 'vm']);
    const vm = s?.providers.find((p) => p.kind === 'WorkloadEntry');
    expect(vm).toMatchObject({
      address: '10.20.0.5',
      port: 19080,
      version: 'v2',
      platform: 'vm',
      ready: false,
    });
  });

  it('maps a ServiceEntry with its selected WorkloadEntries and inline endpoints', () => {
    const se: ServiceEntry = {
      metadata: { name: 'currency', namespace: 'shop' },
      spec: {
        hosts: ['currency.shop.vm.internal'],
        ports: [{ number: 7000, name: 'grpc', protocol: 'GRPC' }],
        workloadSelector: { labels: { app: 'currency' } },
        endpoints: [{ address: '10.30.0.1', labels: { version: 'v9' } }],
      },
    };
    const we: WorkloadEntry = {
      metadata: { name: 'c1', namespace: 'shop' },
      spec: { address: '10.20.0.1', labels: { app: 'currency', version: 'v1' } },
    };
    const otherNs: WorkloadEntry = {
      metadata: { name: 'c2', namespace: 'x' },
      spec: { address: '10.20.0.2', labels: { app: 'currency' } },
    };
    const [s] = buildCatalog(snapshot({ serviceEntries: [se], workloadEntries: [we, otherNs] }));
    expect(s?.id).toBe('currency.shop.vm.internal');
    expect(s?.protocol).toBe('grpc');
    expect(s?.application).toBe('currency');
    expect(s?.providers.map((p) => `${p.kind}:${p.address}:${p.port}:${p.version}`)).toEqual([
      'WorkloadEntry:10.20.0.1:7000:v1',
      'ServiceEntryEndpoint:10.30.0.1:7000:v9',
    ]);
  });

  it('merges a Kubernetes Service and a ServiceEntry for the same RPC interface, counting a shared VM once', () => {
    const ann = { 'mesh-console.io/rpc-interfaces': 'x.Echo' };
    const svc: V1Service = {
      metadata: { name: 'echo', namespace: 'd', annotations: ann },
      spec: { selector: { app: 'echo' }, ports: [{ name: 'dubbo', port: 20880 }] },
    };
    const se: ServiceEntry = {
      metadata: { name: 'echo-vm', namespace: 'd', annotations: ann },
      spec: {
        hosts: ['echo.d.vm'],
        ports: [{ number: 20880, name: 'dubbo', protocol: 'TCP' }],
        workloadSelector: { labels: { app: 'echo' } },
      },
    };
    const we: WorkloadEntry = {
      metadata: { name: 'echo-vm-1', namespace: 'd' },
      spec: { address: '10.20.0.1', labels: { app: 'echo', version: '2' } },
    };
    const catalog = buildCatalog(
      snapshot({
        services: [svc],
        serviceEntries: [se],
        pods: [pod('p', 'd', { app: 'echo', version: '1' })],
        workloadEntries: [we],
      }),
    );
    expect(catalog).toHaveLength(1);
    expect(catalog[0]?.id).toBe('x.Echo@dubbo');
    expect(catalog[0]?.instances.total).toBe(2);
    expect(catalog[0]?.sources.map((s) => s.kind)).toEqual(['Service', 'ServiceEntry']);
  });

  it('labels Spring Cloud applications and hides the platform namespaces', () => {
    const sc: V1Service = {
      metadata: { name: 'orders', namespace: 's', labels: { 'mesh-console.io/framework': 'spring-cloud' } },
      spec: { selector: { app: 'orders' }, ports: [{ name: 'http', port: 8080 }] },
    };
    const dns: V1Service = {
      metadata: { name: 'kube-dns', namespace: 'kube-system' },
      spec: { ports: [{ name: 'dns', port: 53 }] },
    };
    const api: V1Service = {
      metadata: { name: 'kubernetes', namespace: 'default' },
      spec: { ports: [{ name: 'https', port: 443 }] },
    };
    const catalog = buildCatalog(snapshot({ services: [sc, dns, api] }));
    expect(catalog.map((s) => [s.id, s.protocol])).toEqual([['orders.s.svc.cluster.local', 'springcloud']]);
  });

  it('turns the demo mesh into 15 to 30 services of every protocol, on Kubernetes and VMs', () => {
    const objects = demoObjects();
    const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
    const catalog = buildCatalog({
      services: byKind('Service') as V1Service[],
      pods: byKind('Pod') as V1Pod[],
      serviceEntries: byKind('ServiceEntry') as ServiceEntry[],
      workloadEntries: byKind('WorkloadEntry') as WorkloadEntry[],
    });
    // The talk's mesh has 15 to 30 services; the ambient corner (issue 15's) comes beside it.
    const ambientApps = new Set([
      ...DEMO_APPS.filter((a) => a.ambient).map((a) => a.app),
      AMBIENT_DEMO.waypoint,
    ]);
    const talks = catalog.filter((s) => !ambientApps.has(s.application));
    expect(talks.length).toBeGreaterThanOrEqual(15);
    expect(talks.length).toBeLessThanOrEqual(30);
    // The ingress gateway (istio-system, ports named http2/https as istioctl installs it) is one of them.
    expect(new Set(talks.map((s) => s.protocol))).toEqual(
      new Set(['http', 'http2', 'grpc', 'dubbo', 'sofarpc', 'springcloud']),
    );
    expect(
      catalog.find((s) => s.id === 'istio-ingressgateway.istio-system.svc.cluster.local')?.protocol,
    ).toBe('http2');
    const echo = catalog.find((s) => s.id === 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo');
    expect(echo?.application).toBe('echo-provider');
    expect(echo?.versions).toEqual([...ECHO_VERSIONS]);
    expect(catalog.some((s) => s.platforms.includes('vm') && s.platforms.includes('kubernetes'))).toBe(true);
    expect(catalog.some((s) => s.platforms.length === 1 && s.platforms[0] === 'vm')).toBe(true);
    expect(catalog.every((s) => s.instances.total > 0)).toBe(true);
    // Services and versions with the same platforms share one frozen list (platformList).
    const lists = catalog.flatMap((s) => [s.platforms, ...s.versionDetails.map((v) => v.platforms)]);
    const distinct = new Set(lists);
    expect(distinct.size).toBe(new Set(lists.map((l) => l.join(','))).size);
    expect(distinct.size).toBeLessThan(lists.length);
    expect([...distinct].every((l) => Object.isFrozen(l))).toBe(true);
  });
});

describe('who owns a service ID', () => {
  const ann = (iface: string) => ({ 'mesh-console.io/rpc-interfaces': iface });
  const rpcService = (name: string, ns: string, iface: string): V1Service => ({
    metadata: { name, namespace: ns, annotations: ann(iface) },
    spec: { selector: { app: name }, ports: [{ name: 'dubbo', port: 20880 }] },
  });
  const entry = (name: string, ns: string, host: string, address: string): ServiceEntry => ({
    metadata: { name, namespace: ns },
    spec: {
      hosts: [host],
      ports: [{ number: 7000, name: 'grpc', protocol: 'GRPC' }],
      endpoints: [{ address }],
    },
  });

  it('merges one namespace’s objects for an RPC interface, whichever order they come in', () => {
    const a = rpcService('echo-a', 'd', 'x.Echo');
    const b = rpcService('echo-b', 'd', 'x.Echo');
    for (const services of [
      [a, b],
      [b, a],
    ]) {
      const [s] = buildCatalog(snapshot({ services }));
      expect(s).toMatchObject({ id: 'x.Echo@dubbo', namespace: 'd', conflict: null });
      expect(s?.sources).toHaveLength(2);
    }
  });

  it('makes an RPC interface defined in two namespaces a conflict owned by none, in any order', () => {
    const own = rpcService('echo', 'dubbo-demo', 'x.Echo');
    const claim = rpcService('claim', 'bookinfo', 'x.Echo');
    const pods = [
      pod('echo-1', 'dubbo-demo', { app: 'echo', version: '1' }),
      pod('claim-1', 'bookinfo', { app: 'claim', version: '9' }),
    ];
    for (const services of [
      [own, claim],
      [claim, own],
    ]) {
      const catalog = buildCatalog(snapshot({ services, pods }));
      expect(catalog).toHaveLength(1);
      const s = catalog[0];
      expect(s).toMatchObject({
        id: 'x.Echo@dubbo',
        namespace: '',
        conflict: { namespaces: ['bookinfo', 'dubbo-demo'] },
      });
      expect(new Set(s?.providers.map((p) => p.namespace))).toEqual(new Set(['bookinfo', 'dubbo-demo']));
    }
  });

  it('makes a VM host named by ServiceEntries of two namespaces a conflict', () => {
    const catalog = buildCatalog(
      snapshot({
        serviceEntries: [
          entry('claim', 'bookinfo', 'cur.shop.vm', '10.0.0.9'),
          entry('cur', 'shop', 'cur.shop.vm', '10.0.0.1'),
        ],
      }),
    );
    expect(catalog.map((s) => [s.id, s.namespace, s.conflict])).toEqual([
      ['cur.shop.vm', '', { namespaces: ['bookinfo', 'shop'] }],
    ]);
  });

  it('gives a cluster host to the namespace it names, leaving out objects of other namespaces', () => {
    const cart: V1Service = {
      metadata: { name: 'cart', namespace: 'shop' },
      spec: { selector: { app: 'cart' }, ports: [{ name: 'grpc', port: 7070 }] },
    };
    const claim = entry('cart-claim', 'bookinfo', 'cart.shop.svc.cluster.local', '10.9.9.9');
    const local = entry('cart-vm', 'shop', 'cart.shop.svc.cluster.local', '10.20.0.5');
    const orphan = entry('nobody', 'bookinfo', 'ghost.shop.svc.cluster.local', '10.9.9.8');
    const catalog = buildCatalog(
      snapshot({
        services: [cart],
        serviceEntries: [claim, local, orphan],
        pods: [pod('cart-1', 'shop', { app: 'cart' })],
      }),
    );
    expect(catalog.map((s) => s.id)).toEqual(['cart.shop.svc.cluster.local']);
    const s = catalog[0];
    expect(s).toMatchObject({ namespace: 'shop', conflict: null });
    expect(s?.sources.map((x) => `${x.namespace}/${x.name}`)).toEqual(['shop/cart', 'shop/cart-vm']);
    expect(s?.providers.map((p) => p.address).sort()).toEqual(['10.0.0.1', '10.20.0.5']);
  });
});

describe('data planes: sidecar, ambient and waypoints', () => {
  const ns = (name: string, labels: Record<string, string> = {}): V1Namespace => ({
    metadata: { name, labels },
  });
  const gateway = (namespace: string, name: string, gatewayClassName: string): Gateway => ({
    metadata: { name, namespace },
    spec: { gatewayClassName },
  });
  const httpService = (name: string, namespace: string, labels: Record<string, string> = {}): V1Service => ({
    metadata: { name, namespace, labels },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080 }] },
  });
  const withSidecar = (p: V1Pod): V1Pod => ({
    ...p,
    spec: { containers: [...(p.spec?.containers ?? []), { name: 'istio-proxy' }] },
  });
  const namespaces = [
    ns('shop', { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' }),
    ns('legacy', { 'istio-injection': 'enabled' }),
    ns('canary', { 'istio.io/rev': '1-27' }),
    ns('plain'),
    ns('infra'),
  ];
  const gateways = [
    gateway('shop', 'waypoint', 'istio-waypoint'),
    gateway('shop', 'ingress', 'istio'),
    gateway('infra', 'shared', 'istio-waypoint'),
  ];
  const byName = (catalog: ServiceDetail[]) => new Map(catalog.map((s) => [s.name, s]));
  const modeOf = (s: ServiceDetail | undefined, podName: string) =>
    s?.providers.find((p) => p.name === podName)?.dataPlane;

  it('puts the Pods of an ambient namespace in ambient mode, and a Pod labelled none out of it', () => {
    const [cart] = buildCatalog(
      snapshot({
        namespaces,
        gateways,
        services: [httpService('cart', 'shop')],
        pods: [
          pod('cart-1', 'shop', { app: 'cart' }),
          pod('cart-2', 'shop', { app: 'cart', 'istio.io/dataplane-mode': 'none' }),
        ],
      }),
    );
    expect(modeOf(cart, 'cart-1')).toBe('ambient');
    expect(modeOf(cart, 'cart-2')).toBe('none');
    expect(cart?.dataPlane?.modes).toEqual(['ambient', 'none']);
  });

  it('gives a Pod with an istio-proxy container or the injector’s annotation a sidecar, even in an ambient namespace', () => {
    const annotated: V1Pod = {
      ...pod('cart-annotated', 'shop', { app: 'cart' }),
      metadata: {
        name: 'cart-annotated',
        namespace: 'shop',
        labels: { app: 'cart' },
        annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' },
      },
    };
    const native: V1Pod = {
      ...pod('cart-native', 'shop', { app: 'cart' }),
      spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'istio-proxy' }] },
    };
    const [cart] = buildCatalog(
      snapshot({
        namespaces,
        services: [httpService('cart', 'shop')],
        pods: [withSidecar(pod('cart-sidecar', 'shop', { app: 'cart' })), annotated, native],
      }),
    );
    expect(cart?.providers.map((p) => [p.name, p.dataPlane])).toEqual([
      ['cart-annotated', 'sidecar'],
      ['cart-native', 'sidecar'],
      ['cart-sidecar', 'sidecar'],
    ]);
    expect(cart?.dataPlane?.modes).toEqual(['sidecar']);
  });

  it('enrols a single Pod of a namespace outside the mesh with its own label', () => {
    const [web] = buildCatalog(
      snapshot({
        namespaces,
        services: [httpService('web', 'plain')],
        pods: [
          pod('web-1', 'plain', { app: 'web', 'istio.io/dataplane-mode': 'ambient' }),
          pod('web-2', 'plain', { app: 'web' }),
          withSidecar(pod('web-3', 'plain', { app: 'web' })),
        ],
      }),
    );
    expect(web?.providers.map((p) => [p.name, p.dataPlane])).toEqual([
      ['web-1', 'ambient'],
      ['web-2', 'none'],
      ['web-3', 'sidecar'],
    ]);
    expect(web?.dataPlane).toEqual({ modes: ['ambient', 'none', 'sidecar'], waypoint: null });
  });

  it('takes the waypoint from the Service, else its namespace; none opts out; a missing Gateway is said', () => {
    const catalog = byName(
      buildCatalog(
        snapshot({
          namespaces,
          gateways,
          services: [
            httpService('cart', 'shop'),
            httpService('payments', 'shop', { 'istio.io/use-waypoint': 'none' }),
            httpService('orders', 'shop', { 'istio.io/use-waypoint': 'orders-waypoint' }),
            httpService('search', 'shop', { 'istio.io/use-waypoint': 'ingress' }),
            httpService('reports', 'shop', {
              'istio.io/use-waypoint': 'shared',
              'istio.io/use-waypoint-namespace': 'infra',
            }),
            httpService('web', 'plain'),
            // The waypoint's own Service, as Istio deploys it for the Gateway.
            httpService('waypoint', 'shop', { 'gateway.networking.k8s.io/gateway-name': 'waypoint' }),
          ],
          pods: [pod('cart-1', 'shop', { app: 'cart' })],
        }),
      ),
    );
    expect(catalog.get('cart')?.dataPlane).toEqual({
      modes: ['ambient'],
      waypoint: { namespace: 'shop', name: 'waypoint' },
      waypointMissing: false,
    });
    expect(catalog.get('payments')?.dataPlane).toEqual({ modes: [], waypoint: null });
    expect(catalog.get('orders')?.dataPlane).toMatchObject({
      waypoint: { namespace: 'shop', name: 'orders-waypoint' },
      waypointMissing: true,
    });
    // A Gateway that is not of the waypoint class is no waypoint.
    expect(catalog.get('search')?.dataPlane?.waypointMissing).toBe(true);
    expect(catalog.get('reports')?.dataPlane).toMatchObject({
      waypoint: { namespace: 'infra', name: 'shared' },
      waypointMissing: false,
    });
    expect(catalog.get('web')?.dataPlane).toEqual({ modes: [], waypoint: null });
    expect(catalog.get('waypoint')?.dataPlane?.waypoint).toBeNull();
  });

  it('does not call a waypoint missing when the Gateways were not read', () => {
    const [cart] = buildCatalog(snapshot({ namespaces, services: [httpService('cart', 'shop')] }));
    expect(cart?.dataPlane).toEqual({ modes: [], waypoint: { namespace: 'shop', name: 'waypoint' } });
  });

  it('gives VMs a sidecar, and the endpoints of an external ServiceEntry none', () => {
    const vm: WorkloadEntry = {
      metadata: { name: 'ratings-vm', namespace: 'legacy' },
      spec: { address: '10.20.0.5', labels: { app: 'ratings' } },
    };
    const external: ServiceEntry = {
      metadata: { name: 'payments-api', namespace: 'legacy' },
      spec: {
        hosts: ['api.payments.example'],
        location: 'MESH_EXTERNAL',
        ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
        endpoints: [{ address: '203.0.113.7' }],
      },
    };
    const catalog = byName(
      buildCatalog(
        snapshot({
          namespaces,
          services: [httpService('ratings', 'legacy')],
          workloadEntries: [vm],
          serviceEntries: [external],
        }),
      ),
    );
    expect(catalog.get('ratings')?.providers.map((p) => p.dataPlane)).toEqual(['sidecar']);
    expect(catalog.get('payments-api')?.providers.map((p) => p.dataPlane)).toEqual(['none']);
  });

  it('tells each namespace’s data plane and waypoint from its labels', () => {
    expect(namespaceDataPlanes(dataPlaneContext(namespaces, gateways))).toEqual([
      { name: 'canary', dataPlane: 'sidecar', waypoint: null },
      { name: 'infra', dataPlane: 'none', waypoint: null },
      { name: 'legacy', dataPlane: 'sidecar', waypoint: null },
      { name: 'plain', dataPlane: 'none', waypoint: null },
      {
        name: 'shop',
        dataPlane: 'ambient',
        waypoint: { namespace: 'shop', name: 'waypoint' },
        waypointMissing: false,
      },
    ]);
    const noWaypoint = namespaceDataPlanes(dataPlaneContext([namespaces[0] as V1Namespace], []));
    expect(noWaypoint[0]?.waypointMissing).toBe(true);
  });

  it('gives a service in conflict a waypoint only when every claimant names it, and a user the modes of their providers', () => {
    const rpc = (name: string, namespace: string, labels: Record<string, string> = {}): V1Service => ({
      metadata: { name, namespace, labels, annotations: { 'mesh-console.io/rpc-interfaces': 'x.Echo' } },
      spec: { selector: { app: name }, ports: [{ name: 'dubbo', port: 20880 }] },
    });
    const pods = [
      pod('echo-1', 'shop', { app: 'echo' }),
      withSidecar(pod('claim-1', 'legacy', { app: 'claim' })),
    ];
    const shared = { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'infra' };
    const [agreed] = buildCatalog(
      snapshot({
        namespaces,
        gateways,
        pods,
        services: [rpc('echo', 'shop', shared), rpc('claim', 'legacy', shared)],
      }),
    );
    expect(agreed?.dataPlane).toEqual({
      modes: ['ambient', 'sidecar'],
      waypoint: { namespace: 'infra', name: 'shared' },
      waypointMissing: false,
    });
    expect(serviceWithin(agreed as ServiceDetail, (n) => n === 'legacy')?.dataPlane).toEqual({
      modes: ['sidecar'],
      waypoint: { namespace: 'infra', name: 'shared' },
      waypointMissing: false,
    });
    // shop's namespace waypoint against legacy's none: the service has no one waypoint.
    const [disputed] = buildCatalog(
      snapshot({ namespaces, gateways, pods, services: [rpc('echo', 'shop'), rpc('claim', 'legacy')] }),
    );
    expect(disputed?.dataPlane).toEqual({ modes: ['ambient', 'sidecar'], waypoint: null });
    expect(serviceWithin(disputed as ServiceDetail, (n) => n === 'shop')?.dataPlane).toEqual({
      modes: ['ambient'],
      waypoint: null,
    });
  });
});
