/**
 * The demo mesh, modelled on the talk's product: Dubbo, SOFARPC, Spring Cloud and HTTP/gRPC
 * applications across namespaces, some on Kubernetes and some on VMs (brownfield, as most real
 * meshes are). One definition serves the seed (what the control plane holds) and, later, the
 * traffic simulator (who calls whom).
 */
export type DemoProtocol = 'http' | 'grpc' | 'dubbo' | 'sofarpc' | 'springcloud' | 'tcp';

export interface DemoVersion {
  version: string;
  kubernetes?: number;
  vm?: number;
  /** Instances of this version that are not ready (counted within `kubernetes`). */
  notReady?: number;
}

export interface DemoApp {
  app: string;
  namespace: string;
  protocol: DemoProtocol;
  port: number;
  /** RPC interfaces the application exports (Dubbo, SOFARPC). */
  interfaces?: string[];
  versions: DemoVersion[];
  /** Applications this one calls. */
  calls?: string[];
  /** Which label carries the version; most use `version`, some only the recommended label. */
  versionLabel?: 'version' | 'app.kubernetes.io/version';
  /** Requests per second arriving from outside the mesh, when not the hashed default (front applications only). */
  entryRate?: number;
  /**
   * In ambient mode: its pods opt out of sidecar injection (`sidecar.istio.io/inject: "false"`), so
   * the namespace's `istio.io/dataplane-mode: ambient` enrols them with ztunnel.
   */
  ambient?: boolean;
  /** Labels of its Service beyond `app` (`istio.io/use-waypoint: none`). */
  serviceLabels?: Record<string, string>;
  /** Its Service port's name and appProtocol, when not the protocol's default name. */
  portName?: string;
  appProtocol?: string;
  /** One Service per version besides its own (`<app>-<version>`, selecting app and version), as Istio's bookinfo-versions.yaml. */
  versionServices?: boolean;
}

/**
 * The demo's ambient corner, in the `shop` namespace beside the gRPC shop's sidecars (a migration
 * half done: Istio's sidecar takes precedence over ztunnel for pods that have both, so the namespace's
 * ambient label leaves those as they are): the namespace uses the waypoint `waypoint`, and catalog's
 * HTTPRoute splits it 90/10 between its per-version Services.
 */
export const AMBIENT_DEMO = {
  namespace: 'shop',
  waypoint: 'waypoint',
  route: { name: 'catalog', service: 'catalog', weights: { v1: 90, v2: 10 } },
} as const;

/** The two versions of EchoService shown in the talk's routing form. */
export const ECHO_VERSIONS = ['20191115224823305.fvxo1wbt', '20191115225115467.dfy77ofd'] as const;

export const DEMO_APPS: DemoApp[] = [
  // Istio's bookinfo: the reviews service with three versions is the classic weight-split demo.
  {
    app: 'productpage',
    namespace: 'bookinfo',
    protocol: 'http',
    port: 9080,
    versions: [{ version: 'v1', kubernetes: 2 }],
    calls: ['details', 'reviews'],
  },
  {
    app: 'details',
    namespace: 'bookinfo',
    protocol: 'http',
    port: 9080,
    versions: [
      { version: 'v1', kubernetes: 1 },
      { version: 'v2', vm: 1 },
    ],
  },
  {
    app: 'reviews',
    namespace: 'bookinfo',
    protocol: 'http',
    port: 9080,
    versions: [
      { version: 'v1', kubernetes: 1 },
      { version: 'v2', kubernetes: 1 },
      { version: 'v3', kubernetes: 1 },
    ],
    calls: ['ratings'],
  },
  {
    app: 'ratings',
    namespace: 'bookinfo',
    protocol: 'http',
    port: 9080,
    versions: [
      { version: 'v1', kubernetes: 1 },
      { version: 'v2', vm: 2 },
    ],
  },

  // A gRPC shop: an HTTP front end fanning out to gRPC services.
  {
    app: 'frontend',
    namespace: 'shop',
    protocol: 'http',
    port: 8080,
    versions: [{ version: 'v1', kubernetes: 2 }],
    calls: ['checkout', 'cart', 'productcatalog', 'currency', 'recommendation'],
  },
  {
    app: 'checkout',
    namespace: 'shop',
    protocol: 'grpc',
    port: 5050,
    versions: [{ version: 'v1', kubernetes: 1 }],
    calls: ['payment', 'shipping', 'email', 'currency', 'cart'],
  },
  {
    app: 'payment',
    namespace: 'shop',
    protocol: 'grpc',
    port: 50051,
    versions: [
      { version: 'v1', kubernetes: 1 },
      { version: 'v2', kubernetes: 1 },
    ],
  },
  {
    app: 'cart',
    namespace: 'shop',
    protocol: 'grpc',
    port: 7070,
    versions: [{ version: 'v1', kubernetes: 2, notReady: 1 }],
  },
  {
    app: 'productcatalog',
    namespace: 'shop',
    protocol: 'grpc',
    port: 3550,
    versions: [
      { version: '1.4.0', kubernetes: 1 },
      { version: '1.5.0', kubernetes: 1 },
    ],
    versionLabel: 'app.kubernetes.io/version',
  },
  { app: 'currency', namespace: 'shop', protocol: 'grpc', port: 7000, versions: [{ version: 'v1', vm: 2 }] },
  {
    app: 'shipping',
    namespace: 'shop',
    protocol: 'grpc',
    port: 50051,
    versions: [{ version: 'v1', kubernetes: 1 }],
  },
  { app: 'email', namespace: 'shop', protocol: 'grpc', port: 8080, versions: [{ version: 'v1', vm: 1 }] },

  // Ambient mode (AMBIENT_DEMO): storefront takes outside traffic and calls catalog (through the
  // waypoint, split by an HTTPRoute) and payments (opted out of the waypoint: ztunnel only); catalog
  // reads its MySQL database (TCP).
  {
    app: 'storefront',
    namespace: 'shop',
    protocol: 'http',
    port: 8080,
    versions: [{ version: 'v1', kubernetes: 1 }],
    calls: ['catalog', 'payments'],
    ambient: true,
    // The ingress gateway goes through the waypoint only where the Service asks it to.
    serviceLabels: { 'istio.io/ingress-use-waypoint': 'true' },
  },
  {
    app: 'catalog',
    namespace: 'shop',
    protocol: 'http',
    port: 8080,
    versions: [
      { version: 'v1', kubernetes: 1 },
      { version: 'v2', kubernetes: 1 },
    ],
    calls: ['inventory-db'],
    ambient: true,
    versionServices: true,
  },
  {
    app: 'payments',
    namespace: 'shop',
    protocol: 'http',
    port: 8080,
    versions: [{ version: 'v1', kubernetes: 1 }],
    ambient: true,
    serviceLabels: { 'istio.io/use-waypoint': 'none' },
  },
  {
    app: 'inventory-db',
    namespace: 'shop',
    protocol: 'tcp',
    port: 3306,
    portName: 'tcp-mysql',
    appProtocol: 'mysql',
    versions: [{ version: 'v1', kubernetes: 1 }],
    ambient: true,
  },
  {
    app: 'recommendation',
    namespace: 'shop',
    protocol: 'grpc',
    port: 8080,
    versions: [{ version: 'v1', kubernetes: 1 }],
    calls: ['productcatalog'],
  },

  // Dubbo, as in the talk's screens: EchoService of echo-provider with two versions.
  {
    app: 'echo-provider',
    namespace: 'dubbo-demo',
    protocol: 'dubbo',
    port: 20880,
    interfaces: ['com.alibaba.dubbo.samples.echo.api.EchoService'],
    versions: [
      { version: ECHO_VERSIONS[0], kubernetes: 2 },
      { version: ECHO_VERSIONS[1], kubernetes: 2 },
    ],
  },
  {
    app: 'echo-consumer',
    namespace: 'dubbo-demo',
    protocol: 'http',
    port: 8080,
    versions: [{ version: 'v1', kubernetes: 1 }],
    calls: ['echo-provider', 'greeting-provider'],
  },
  {
    app: 'greeting-provider',
    namespace: 'dubbo-demo',
    protocol: 'dubbo',
    port: 20880,
    interfaces: ['org.apache.dubbo.samples.greeting.api.GreetingService'],
    versions: [
      { version: '1.0.0', kubernetes: 1 },
      { version: '1.1.0', vm: 1 },
    ],
    calls: ['user-provider'],
  },
  {
    app: 'user-provider',
    namespace: 'dubbo-demo',
    protocol: 'dubbo',
    port: 20880,
    interfaces: [
      'org.apache.dubbo.samples.user.api.UserService',
      'org.apache.dubbo.samples.user.api.UserQueryService',
    ],
    versions: [{ version: '2.7.3', vm: 2 }],
  },

  // SOFARPC (bolt).
  {
    app: 'sofa-gateway',
    namespace: 'sofa-demo',
    protocol: 'http',
    port: 8080,
    versions: [{ version: 'v1', kubernetes: 1 }],
    calls: ['sofa-hello', 'sofa-account'],
  },
  {
    app: 'sofa-hello',
    namespace: 'sofa-demo',
    protocol: 'sofarpc',
    port: 12200,
    interfaces: ['com.alipay.sofa.rpc.sample.HelloService'],
    versions: [
      { version: '1.0', kubernetes: 1 },
      { version: '1.1', kubernetes: 1 },
    ],
  },
  {
    app: 'sofa-account',
    namespace: 'sofa-demo',
    protocol: 'sofarpc',
    port: 12200,
    interfaces: ['com.alipay.sofa.rpc.sample.AccountService'],
    versions: [{ version: '1.0', vm: 2 }],
  },

  // Spring Cloud, half migrated: user-service runs the same version on Kubernetes and on a VM.
  {
    app: 'sc-gateway',
    namespace: 'spring-demo',
    protocol: 'springcloud',
    port: 8080,
    versions: [{ version: 'v1', kubernetes: 1 }],
    calls: ['order-service', 'user-service'],
    // The busy front door: about 50 requests per second, where a rate limit has something to refuse.
    entryRate: 50,
  },
  {
    app: 'order-service',
    namespace: 'spring-demo',
    protocol: 'springcloud',
    port: 8080,
    versions: [
      { version: 'v1', kubernetes: 1 },
      { version: 'v2', kubernetes: 1 },
    ],
    calls: ['inventory-service', 'user-service'],
  },
  {
    app: 'inventory-service',
    namespace: 'spring-demo',
    protocol: 'springcloud',
    port: 8080,
    versions: [{ version: 'v1', vm: 1 }],
  },
  {
    app: 'user-service',
    namespace: 'spring-demo',
    protocol: 'springcloud',
    port: 8080,
    versions: [{ version: 'v1', kubernetes: 1, vm: 1 }],
  },
];

export const DEMO_NAMESPACES = [...new Set(DEMO_APPS.map((a) => a.namespace))];
