import { randomInt } from 'node:crypto';
import type { KubeObject, ObjectMeta } from '../types';
import { isRecord } from '../types';

/** What the controllers put in Pods: names, the template hash, addresses, the kubelet's status, the sidecar. */

/** Kubernetes' alphabet for generated names: no vowels (no words), no look-alikes (0/o, 1/l). */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[randomInt(SAFE_ALPHABET.length)];
  return out;
}

/**
 * JSON with object keys sorted and nulls left out, so templates that decode to the same Go struct
 * hash equally (`kubectl rollout undo` sends back a template with `creationTimestamp: null`).
 */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isRecord(value))
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined && value[k] !== null)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

export const POD_TEMPLATE_HASH = 'pod-template-hash';

/**
 * The `pod-template-hash` of a Deployment's pod template: as Kubernetes does, a 32-bit FNV-1a of the
 * template, its decimal digits spelled in the safe alphabet (zero-padded to 10 characters here).
 * The template's own pod-template-hash label is left out, so the hash of a ReplicaSet's template
 * equals its Deployment's.
 */
export function podTemplateHash(template: unknown): string {
  const copy = isRecord(template) ? structuredClone(template) : {};
  const meta = isRecord(copy.metadata) ? copy.metadata : undefined;
  if (meta && isRecord(meta.labels)) {
    Reflect.deleteProperty(meta.labels, POD_TEMPLATE_HASH);
    if (Object.keys(meta.labels).length === 0) delete meta.labels;
  }
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(stableJson(copy), 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return String(h)
    .padStart(10, '0')
    .split('')
    .map((d) => SAFE_ALPHABET[d.charCodeAt(0) % SAFE_ALPHABET.length])
    .join('');
}

/** Pod IPs from 10.244.0.0/16 (a common pod CIDR), each handed out once while its pod exists. */
export class PodIpAllocator {
  private readonly used = new Set<string>();
  private cursor = 0;

  reserve(ip: string): void {
    this.used.add(ip);
  }

  release(ip: string): void {
    this.used.delete(ip);
  }

  allocate(): string {
    for (let tries = 0; tries < 65_000; tries++) {
      const n = (this.cursor++ % 65_000) + 2;
      const ip = `10.244.${n >> 8}.${n & 255}`;
      if ((n & 255) === 0 || (n & 255) === 255 || this.used.has(ip)) continue;
      this.used.add(ip);
      return ip;
    }
    throw new Error('the pod network 10.244.0.0/16 is full');
  }
}

/** The nodes pods are "scheduled" to; there is no Node kind here, only their names and addresses. */
const NODES = [
  { name: 'mesh-console-node-1', ip: '172.18.0.2' },
  { name: 'mesh-console-node-2', ip: '172.18.0.3' },
  { name: 'mesh-console-node-3', ip: '172.18.0.4' },
];

export function nodeFor(podName: string): { name: string; ip: string } {
  let h = 0;
  for (const c of podName) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return NODES[h % NODES.length] ?? { name: 'mesh-console-node-1', ip: '172.18.0.2' };
}

const SIDECAR_IMAGE = 'docker.io/istio/proxyv2:1.28.0';

/**
 * Whether Istio's injector would add a sidecar: the pod's `sidecar.istio.io/inject` label or
 * annotation decides when set; otherwise the namespace's `istio-injection=enabled` label does.
 */
export function wantsSidecar(
  podLabels: Record<string, string>,
  podAnnotations: Record<string, string>,
  namespaceLabels: Record<string, string>,
): boolean {
  const explicit = podLabels['sidecar.istio.io/inject'] ?? podAnnotations['sidecar.istio.io/inject'];
  if (explicit !== undefined) return explicit === 'true';
  return namespaceLabels['istio-injection'] === 'enabled';
}

/** What istio-cni annotates a pod with once it redirected its traffic to ztunnel (ambient mode). */
export const AMBIENT_REDIRECTION_ANNOTATION = 'ambient.istio.io/redirection';

/**
 * Whether istio-cni would enrol a pod in ambient mode (ztunnel captures its traffic): the pod's own
 * `istio.io/dataplane-mode` label decides when set (`ambient` or `none`), else its namespace's; a pod
 * with a sidecar never is (Istio: "the sidecar takes precedence over ztunnel for pods that have both").
 * https://istio.io/latest/docs/ambient/usage/add-workloads/
 */
export function capturedByZtunnel(
  podLabels: Record<string, string>,
  namespaceLabels: Record<string, string>,
  hasSidecar: boolean,
): boolean {
  if (hasSidecar) return false;
  const own = podLabels['istio.io/dataplane-mode'];
  if (own !== undefined) return own === 'ambient';
  return namespaceLabels['istio.io/dataplane-mode'] === 'ambient';
}

/** The istio-proxy container as the injector adds it (abridged: ports, image, args). */
export function sidecarContainer(): Record<string, unknown> {
  return {
    name: 'istio-proxy',
    image: SIDECAR_IMAGE,
    args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local'],
    ports: [{ name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' }],
    imagePullPolicy: 'IfNotPresent',
  };
}

/** The demo's readiness switch on a pod template: this annotation set to "false" keeps its pods not ready. */
export const READY_ANNOTATION = 'demo.mesh-console.io/ready';
/** On a Deployment (copied to its ReplicaSets): how many of its pods are kept not ready. */
export const NOT_READY_REPLICAS_ANNOTATION = 'demo.mesh-console.io/not-ready-replicas';

/** The status a kubelet would report for a pod that started, ready or crash-looping. */
export function podStatus(
  containers: Record<string, unknown>[],
  ready: boolean,
  podIP: string,
  hostIP: string,
  now: string,
): Record<string, unknown> {
  const condition = (type: string, status: boolean) => ({
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: now,
    ...(status ? {} : { reason: 'ContainersNotReady', message: 'containers with unready status' }),
  });
  return {
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers', true),
      condition('Initialized', true),
      condition('Ready', ready),
      condition('ContainersReady', ready),
      condition('PodScheduled', true),
    ],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    qosClass: 'BestEffort',
    startTime: now,
    containerStatuses: containers.map((c) => {
      const name = typeof c.name === 'string' ? c.name : '';
      // The app container is the one that crash-loops; the sidecar stays up.
      const up = ready || name === 'istio-proxy';
      return {
        name,
        image: c.image,
        imageID: '',
        containerID: `containerd://${randomSuffix(12)}`,
        ready: up,
        started: up,
        restartCount: up ? 0 : 3,
        state: up
          ? { running: { startedAt: now } }
          : {
              waiting: {
                reason: 'CrashLoopBackOff',
                message: `back-off 40s restarting failed container=${name}`,
              },
            },
        ...(up
          ? {}
          : { lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } } }),
      };
    }),
  };
}

/** Whether a pod reports Ready. */
export function isPodReady(pod: KubeObject): boolean {
  const status = isRecord(pod.status) ? pod.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  return conditions.some((c) => isRecord(c) && c.type === 'Ready' && c.status === 'True');
}

export function podIpOf(pod: KubeObject): string | undefined {
  const status = isRecord(pod.status) ? pod.status : {};
  return typeof status.podIP === 'string' && status.podIP !== '' ? status.podIP : undefined;
}

/**
 * A pod as the controllers' cache keeps it: what they read of it (its metadata but annotations and
 * managed fields, the node, the containers' ports for named target ports, the phase, IP and
 * condition statuses) and nothing else. At 100,000 pods the whole objects were most of the control
 * plane's heap, and the larger that heap, the longer each young-generation collection of its
 * process stops it. A controller that reads more of a pod reads it from the store (`runPod`).
 */
export function podForControllers(pod: KubeObject): KubeObject {
  const {
    managedFields: _managed,
    annotations: _annotations,
    ...metadata
  } = pod.metadata as ObjectMeta & { managedFields?: unknown };
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const containers = Array.isArray(spec.containers)
    ? spec.containers.map((c: unknown) => {
        const { name, ports } = isRecord(c) ? c : {};
        return ports === undefined ? { name } : { name, ports };
      })
    : [];
  const status = isRecord(pod.status) ? pod.status : {};
  const conditions = Array.isArray(status.conditions)
    ? status.conditions.map((c: unknown) => {
        const { type, status: value } = isRecord(c) ? c : {};
        return { type, status: value };
      })
    : [];
  return {
    ...pod,
    metadata,
    spec: { nodeName: spec.nodeName, containers },
    status: { phase: status.phase, podIP: status.podIP, conditions },
  };
}
