import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from '../../clients/kube';
import { ApiException } from '../../clients/kube';
import { FRAMEWORK_LABEL, RPC_INTERFACES_ANNOTATION } from '../../features/catalog/labels';
import type { Logger } from '../../lib/logger';
import { DEMO_APPS, DEMO_NAMESPACES } from './mesh';
import type { DemoApp, DemoProtocol, DemoVersion } from './mesh';

/** The ConfigMap that records that the demo was seeded, so deleting demo objects sticks. */
const DEMO_MARKER = { namespace: 'default', name: 'mesh-console-demo' };

const PORT_NAMES: Record<DemoProtocol, string> = {
  http: 'http',
  springcloud: 'http',
  grpc: 'grpc',
  dubbo: 'dubbo',
  sofarpc: 'bolt',
};

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
    : `10.1.${Math.floor(index / 250)}.${(index % 250) + 2}`;
}

/** The objects of the demo mesh, in an order a control plane accepts (namespaces first). */
export function demoObjects(now: Date = new Date()): KubernetesObject[] {
  const objects: KubernetesObject[] = DEMO_NAMESPACES.map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'istio-injection': 'enabled' } },
  }));
  let podIndex = 0;
  let vmIndex = 0;
  for (const app of DEMO_APPS) {
    const portName = PORT_NAMES[app.protocol];
    const onKubernetes = app.versions.some((v) => (v.kubernetes ?? 0) > 0);
    if (onKubernetes) {
      // A Kubernetes Service selects its Pods and, in Istio, the WorkloadEntries of VMs as well.
      objects.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: app.app,
          namespace: app.namespace,
          labels: appLabels(app),
          annotations: appAnnotations(app),
        },
        spec: {
          selector: { app: app.app },
          ports: [{ name: portName, port: app.port, targetPort: app.port, protocol: 'TCP' }],
          type: 'ClusterIP',
        },
      } as KubernetesObject);
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
      const replicas = v.kubernetes ?? 0;
      const rs = suffix(`${app.namespace}/${app.app}/${v.version}`, 10);
      for (let i = 0; i < replicas; i++) {
        const ready = i >= (v.notReady ?? 0);
        objects.push({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: `${app.app}-${slug(v.version)}-${rs}-${suffix(`${rs}/${i}`, 5)}`,
            namespace: app.namespace,
            labels: {
              ...versionLabels(app, v),
              'pod-template-hash': rs,
              'security.istio.io/tlsMode': 'istio',
            },
          },
          spec: {
            containers: [
              {
                name: app.app,
                image: `registry.local/demo/${app.app}:${v.version}`,
                ports: [{ name: portName, containerPort: app.port }],
              },
              { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.0' },
            ],
          },
          status: {
            phase: 'Running',
            podIP: ipFor(podIndex++, false),
            startTime: now,
            conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }],
            containerStatuses: [app.app, 'istio-proxy'].map((name) => ({
              name,
              ready,
              restartCount: 0,
              image:
                name === 'istio-proxy'
                  ? 'docker.io/istio/proxyv2:1.28.0'
                  : `registry.local/demo/${app.app}:${v.version}`,
              imageID: '',
              state: ready ? { running: { startedAt: now } } : { waiting: { reason: 'CrashLoopBackOff' } },
            })),
          },
        } as KubernetesObject);
      }
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
            serviceAccount: app.app,
            ports: { [portName]: app.port },
          },
        } as KubernetesObject);
      }
    }
  }
  return objects;
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
  const objects = demoObjects();
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
  log.info({ objects: objects.length }, 'demo mesh seeded');
  return 'seeded';
}
