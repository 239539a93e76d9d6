import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from '../../clients/kube';
import { ApiException } from '../../clients/kube';
import { FRAMEWORK_LABEL, RPC_INTERFACES_ANNOTATION } from '../../features/catalog/labels';
import type { Logger } from '../../lib/logger';
import { WAYPOINT_CLASS, waypointWorkload } from '../control-plane/controllers/istio-gateways';
import { podTemplateHash } from '../control-plane/controllers/pods';
import type { KubeObject } from '../control-plane/types';
import { defaultPodTemplate } from '../control-plane/validation/workloads';
import { AMBIENT_DEMO, DEMO_APPS, DEMO_NAMESPACES } from './mesh';
import type { DemoApp, DemoProtocol, DemoVersion } from './mesh';

/** The ConfigMap that records that the demo was seeded, so deleting demo objects sticks. */
const DEMO_MARKER = { namespace: 'default', name: 'mesh-console-demo' };

const PORT_NAMES: Record<DemoProtocol, string> = {
  http: 'http',
  springcloud: 'http',
  grpc: 'grpc',
  dubbo: 'dubbo',
  sofarpc: 'bolt',
  tcp: 'tcp',
};

/** Istio's ambient labels (https://istio.io/latest/docs/ambient/usage/add-workloads/, …/waypoint/). */
const DATAPLANE_MODE = 'istio.io/dataplane-mode';
const USE_WAYPOINT = 'istio.io/use-waypoint';
/** What istio-cni annotates a pod it redirected to ztunnel with. */
const REDIRECTION_ANNOTATION = 'ambient.istio.io/redirection';
const GATEWAY_API = 'gateway.networking.k8s.io/v1';

/** A stable short suffix, so pod names look like a ReplicaSet's and stay the same across seeds. */
function suffix(seed: string, length: number): string {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619) >>> 0;
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < length; i++) {
    out += alphabet[h % alphabet.length];
    h = Math.floor(h / alphabet.length) || Math.imul(h + i + 1, 2654435761) >>> 0;
  }
  return out;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');

function appLabels(app: DemoApp): Record<string, string> {
  return app.protocol === 'springcloud'
    ? { app: app.app, [FRAMEWORK_LABEL]: 'spring-cloud' }
    : { app: app.app };
}

function appAnnotations(app: DemoApp): Record<string, string> | undefined {
  return app.interfaces ? { [RPC_INTERFACES_ANNOTATION]: app.interfaces.join(',') } : undefined;
}

function versionLabels(app: DemoApp, v: DemoVersion): Record<string, string> {
  return { app: app.app, [app.versionLabel ?? 'version']: v.version };
}

function ipFor(index: number, vm: boolean): string {
  return vm
    ? `10.20.${Math.floor(index / 250)}.${(index % 250) + 2}`
    : `10.244.${Math.floor(index / 250)}.${(index % 250) + 2}`;
}

/**
 * How the demo keeps some instances of a version not ready: the embedded control plane's ReplicaSet
 * controller keeps this many of the Deployment's pods not ready (Ready False, the app container in
 * CrashLoopBackOff). One Deployment per version, as real meshes run them, rather than a second
 * Deployment for the broken instances.
 */
const NOT_READY_REPLICAS_ANNOTATION = 'demo.mesh-console.io/not-ready-replicas';

const SIDECAR_IMAGE = 'docker.io/istio/proxyv2:1.28.0';

const INGRESS_LABELS = { app: 'istio-ingressgateway', istio: 'ingressgateway' };

/**
 * The service account an application's workloads run as (Pods and VMs alike): its identity in the
 * mesh, `cluster.local/ns/<namespace>/sa/<app>` (spiffe://… in its certificate).
 */
const serviceAccountOf = (app: DemoApp): string => app.app;

function serviceAccount(name: string, namespace: string, labels?: Record<string, string>): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
  };
}

function versionDeployment(app: DemoApp, v: DemoVersion): KubernetesObject {
  const labels = versionLabels(app, v);
  const portName = app.portName ?? PORT_NAMES[app.protocol];
  // In the ambient corner of a namespace that also injects sidecars, the pods opt out of injection.
  const podLabels = app.ambient ? { ...labels, 'sidecar.istio.io/inject': 'false' } : labels;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `${app.app}-${slug(v.version)}`,
      namespace: app.namespace,
      labels: { ...appLabels(app), ...labels },
      ...(v.notReady ? { annotations: { [NOT_READY_REPLICAS_ANNOTATION]: String(v.notReady) } } : {}),
    },
    spec: {
      replicas: v.kubernetes ?? 0,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: podLabels },
        spec: {
          serviceAccountName: serviceAccountOf(app),
          containers: [
            {
              name: app.app,
              image: `registry.local/demo/${app.app}:${v.version}`,
              ports: [{ name: portName, containerPort: app.port }],
            },
          ],
        },
      },
    },
  } as KubernetesObject;
}

/** The ingress gateway `istioctl install` makes: a Deployment of Envoy and its LoadBalancer Service. */
function ingressGateway(): KubernetesObject[] {
  return [
    serviceAccount('istio-ingressgateway-service-account', 'istio-system', INGRESS_LABELS),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'istio-ingressgateway', namespace: 'istio-system', labels: INGRESS_LABELS },
      spec: {
        replicas: 1,
        selector: { matchLabels: INGRESS_LABELS },
        template: {
          metadata: {
            labels: { ...INGRESS_LABELS, 'sidecar.istio.io/inject': 'false' },
          },
          spec: {
            serviceAccountName: 'istio-ingressgateway-service-account',
            containers: [
              {
                name: 'istio-proxy',
                image: SIDECAR_IMAGE,
                args: ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local'],
                ports: [
                  { name: 'http2', containerPort: 8080 },
                  { name: 'https', containerPort: 8443 },
                  { name: 'status-port', containerPort: 15021 },
                  { name: 'http-envoy-prom', containerPort: 15090 },
                ],
              },
            ],
          },
        },
      },
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istio-ingressgateway', namespace: 'istio-system', labels: INGRESS_LABELS },
      spec: {
        type: 'LoadBalancer',
        selector: INGRESS_LABELS,
        ports: [
          { name: 'status-port', port: 15021, targetPort: 15021, protocol: 'TCP' },
          { name: 'http2', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
        ],
      },
    } as KubernetesObject,
  ];
}

/**
 * What the seed applies, in an order a control plane accepts (namespaces first): Namespaces,
 * each application's ServiceAccount, Services (ServiceEntries for VM-only applications), one
 * Deployment per version on Kubernetes (running as the application's service account),
 * WorkloadEntries for the VMs, and the ingress gateway. The pods come from the control plane's
 * controllers a moment later.
 */
export function demoManifests(): KubernetesObject[] {
  const objects: KubernetesObject[] = DEMO_NAMESPACES.map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        'istio-injection': 'enabled',
        ...(name === AMBIENT_DEMO.namespace
          ? { [DATAPLANE_MODE]: 'ambient', [USE_WAYPOINT]: AMBIENT_DEMO.waypoint }
          : {}),
      },
    },
  }));
  objects.push(waypoint());
  let vmIndex = 0;
  for (const app of DEMO_APPS) {
    const portName = app.portName ?? PORT_NAMES[app.protocol];
    const port = {
      name: portName,
      port: app.port,
      targetPort: app.port,
      protocol: 'TCP',
      ...(app.appProtocol ? { appProtocol: app.appProtocol } : {}),
    };
    const onKubernetes = app.versions.some((v) => (v.kubernetes ?? 0) > 0);
    objects.push(serviceAccount(serviceAccountOf(app), app.namespace, appLabels(app)));
    if (onKubernetes) {
      // A Kubernetes Service selects its Pods and, in Istio, the WorkloadEntries of VMs as well.
      objects.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: app.app,
          namespace: app.namespace,
          labels: { ...appLabels(app), ...app.serviceLabels },
          annotations: appAnnotations(app),
        },
        spec: {
          selector: { app: app.app },
          ports: [port],
          type: 'ClusterIP',
        },
      } as KubernetesObject);
      // Istio's bookinfo-versions.yaml style: one Service per version, for Gateway API backendRefs.
      for (const v of app.versionServices ? app.versions : []) {
        objects.push({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {
            name: `${app.app}-${slug(v.version)}`,
            namespace: app.namespace,
            labels: versionLabels(app, v),
          },
          spec: { selector: versionLabels(app, v), ports: [port], type: 'ClusterIP' },
        } as KubernetesObject);
      }
    } else {
      objects.push({
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: {
          name: app.app,
          namespace: app.namespace,
          labels: appLabels(app),
          annotations: appAnnotations(app),
        },
        spec: {
          hosts: [`${app.app}.${app.namespace}.vm.internal`],
          location: 'MESH_INTERNAL',
          resolution: 'STATIC',
          ports: [
            {
              number: app.port,
              name: portName,
              protocol:
                app.protocol === 'grpc'
                  ? 'GRPC'
                  : app.protocol === 'http' || app.protocol === 'springcloud'
                    ? 'HTTP'
                    : 'TCP',
            },
          ],
          workloadSelector: { labels: { app: app.app } },
        },
      } as KubernetesObject);
    }
    for (const v of app.versions) {
      if ((v.kubernetes ?? 0) > 0) objects.push(versionDeployment(app, v));
      for (let i = 0; i < (v.vm ?? 0); i++) {
        objects.push({
          apiVersion: 'networking.istio.io/v1',
          kind: 'WorkloadEntry',
          metadata: {
            name: `${app.app}-${slug(v.version)}-vm-${i + 1}`,
            namespace: app.namespace,
            labels: { app: app.app },
          },
          spec: {
            address: ipFor(vmIndex++, true),
            labels: versionLabels(app, v),
            serviceAccount: serviceAccountOf(app),
            ports: { [portName]: app.port },
          },
        } as KubernetesObject);
      }
    }
  }
  objects.push(...ingressGateway(), catalogRoute());
  return objects;
}

/**
 * The ambient namespace's waypoint, as `istioctl waypoint apply -n shop` writes it: a Gateway of
 * class istio-waypoint listening for HBONE on 15008, for traffic addressed to Services.
 */
function waypoint(): KubernetesObject {
  return {
    apiVersion: GATEWAY_API,
    kind: 'Gateway',
    metadata: {
      name: AMBIENT_DEMO.waypoint,
      namespace: AMBIENT_DEMO.namespace,
      labels: { 'istio.io/waypoint-for': 'service' },
    },
    spec: {
      gatewayClassName: WAYPOINT_CLASS,
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
    },
  } as KubernetesObject;
}

/**
 * catalog's traffic split as an operator applies it with kubectl (not labelled as the console's): an
 * HTTPRoute whose parent is the Service catalog (GAMMA), weighted between the per-version Services.
 */
function catalogRoute(): KubernetesObject {
  const { route, namespace } = AMBIENT_DEMO;
  const app = DEMO_APPS.find((a) => a.namespace === namespace && a.app === route.service);
  const port = app?.port ?? 8080;
  return {
    apiVersion: GATEWAY_API,
    kind: 'HTTPRoute',
    metadata: { name: route.name, namespace },
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: route.service, port }],
      rules: [
        {
          backendRefs: Object.entries(route.weights).map(([version, weight]) => ({
            name: `${route.service}-${version}`,
            port,
            weight,
          })),
        },
      ],
    },
  } as KubernetesObject;
}

interface DeploymentShape {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: {
    replicas: number;
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: { containers: { name: string; image: string }[] } & Record<string, unknown>;
    };
  };
}

/**
 * The pods the control plane's controllers run for the demo's Deployments, as they would report
 * them (names `<deployment>-<pod-template-hash>-<suffix>`, the sidecar in injected namespaces, the
 * not-ready instances): for tests and tools that look at the demo without a control plane. The
 * pod-template-hash is the controller's; the suffixes and IPs are stable stand-ins for the random ones.
 */
function demoPods(manifests: KubernetesObject[], now: Date = new Date()): KubernetesObject[] {
  const injected = new Set(
    manifests
      .filter((o) => o.kind === 'Namespace' && o.metadata?.labels?.['istio-injection'] === 'enabled')
      .map((o) => o.metadata?.name),
  );
  const ambientNamespaces = new Set(
    manifests
      .filter((o) => o.kind === 'Namespace' && o.metadata?.labels?.[DATAPLANE_MODE] === 'ambient')
      .map((o) => o.metadata?.name),
  );
  const pods: KubernetesObject[] = [];
  let podIndex = 0;
  for (const object of manifests) {
    if (object.kind !== 'Deployment') continue;
    const d = object as unknown as DeploymentShape;
    const template = structuredClone(d.spec.template);
    defaultPodTemplate(template);
    const hash = podTemplateHash(template);
    const labels: Record<string, string> = { ...template.metadata.labels, 'pod-template-hash': hash };
    const sidecar = injected.has(d.metadata.namespace) && labels['sidecar.istio.io/inject'] !== 'false';
    const ambient =
      !sidecar && ambientNamespaces.has(d.metadata.namespace) && labels[DATAPLANE_MODE] !== 'none';
    if (sidecar) {
      // The labels Istio's injector adds, as the control plane's ReplicaSet controller does.
      labels['security.istio.io/tlsMode'] = 'istio';
      labels['service.istio.io/canonical-name'] ??=
        labels['app.kubernetes.io/name'] ?? labels.app ?? d.metadata.name;
      labels['service.istio.io/canonical-revision'] ??=
        labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest';
    }
    const containers = [
      ...template.spec.containers,
      ...(sidecar ? [{ name: 'istio-proxy', image: SIDECAR_IMAGE }] : []),
    ];
    const notReady = Number(d.metadata.annotations?.[NOT_READY_REPLICAS_ANNOTATION] ?? 0);
    const rs = `${d.metadata.name}-${hash}`;
    for (let i = 0; i < d.spec.replicas; i++) {
      const ready = i >= notReady;
      pods.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${rs}-${suffix(`${rs}/${i}`, 5)}`,
          namespace: d.metadata.namespace,
          labels,
          ...(ambient ? { annotations: { [REDIRECTION_ANNOTATION]: 'enabled' } } : {}),
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: '', controller: true },
          ],
        },
        spec: { ...template.spec, containers, nodeName: 'mesh-console-node-1' },
        status: {
          phase: 'Running',
          podIP: ipFor(podIndex++, false),
          startTime: now,
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }],
          containerStatuses: containers.map((c) => {
            const up = ready || c.name === 'istio-proxy';
            return {
              name: c.name,
              ready: up,
              restartCount: 0,
              image: c.image,
              imageID: '',
              state: up ? { running: { startedAt: now } } : { waiting: { reason: 'CrashLoopBackOff' } },
            };
          }),
        },
      } as KubernetesObject);
    }
  }
  return pods;
}

/**
 * The demo mesh as a cluster shows it once its controllers ran: what the seed applies plus the pods
 * of its Deployments (see demoPods). Tests that build a catalog without a control plane use it.
 */
export function demoObjects(now: Date = new Date()): KubernetesObject[] {
  const manifests = demoManifests();
  // What Istio's gateway controller deploys for the waypoint (the control plane's does the same).
  const deployed = manifests
    .filter((o) => o.kind === 'Gateway' && (o as GatewayShape).spec.gatewayClassName === WAYPOINT_CLASS)
    .flatMap((o) => {
      const { deployment, service } = waypointWorkload(o as unknown as KubeObject);
      return [deployment, service] as unknown as KubernetesObject[];
    });
  const all = [...manifests, ...deployed];
  return [...all, ...demoPods(all, now)];
}

interface GatewayShape {
  spec: { gatewayClassName?: string };
}

/** How many pods the demo's Deployments ask for. */
function expectedPods(manifests: KubernetesObject[]): number {
  return manifests
    .filter((o) => o.kind === 'Deployment')
    .reduce((n, o) => n + ((o as unknown as DeploymentShape).spec.replicas ?? 0), 0);
}

/**
 * The controllers make the pods a moment after their Deployments; the console's catalog should find
 * them on its first list, so seeding waits (at most 15 s, then goes on with a warning).
 */
async function waitForPods(kube: KubeClient, expected: number, log: Logger): Promise<void> {
  const namespaces = new Set([...DEMO_NAMESPACES, 'istio-system']);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const pods = (await kube.core.listPodForAllNamespaces()).items.filter(
      (p) => namespaces.has(p.metadata?.namespace ?? '') && p.status?.podIP,
    );
    if (pods.length >= expected) return;
    if (Date.now() > deadline) {
      log.warn({ expected, running: pods.length }, 'demo pods did not all start in time');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

/**
 * Seeds the demo mesh into the control plane on its first start. A marker ConfigMap records that
 * it was done, so an operator who deletes demo services does not see them come back.
 */
export async function seedDemoMesh(kube: KubeClient, log: Logger): Promise<'seeded' | 'already-seeded'> {
  try {
    await kube.core.readNamespacedConfigMap({ name: DEMO_MARKER.name, namespace: DEMO_MARKER.namespace });
    return 'already-seeded';
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const objects = demoManifests();
  for (const obj of objects) {
    try {
      await kube.objects.create(obj);
    } catch (err) {
      // A half-finished earlier seed left some objects behind: keep them, add the rest.
      if (!(err instanceof ApiException && err.code === 409)) throw err;
    }
  }
  await kube.core.createNamespacedConfigMap({
    namespace: DEMO_MARKER.namespace,
    body: {
      metadata: {
        name: DEMO_MARKER.name,
        namespace: DEMO_MARKER.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'mesh-console' },
      },
      data: { seededAt: new Date().toISOString(), objects: String(objects.length) },
    },
  });
  await waitForPods(kube, expectedPods(objects), log);
  log.info({ objects: objects.length }, 'demo mesh seeded');
  return 'seeded';
}
