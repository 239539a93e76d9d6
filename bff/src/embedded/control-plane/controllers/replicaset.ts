import { jsonEqual } from '../../../lib/json';
import type { KubeObject } from '../types';
import type { ControllerContext } from './context';
import { GVR, labelsOf, now, rec, tolerant } from './context';
import { controllerOf, controllerReference } from './informer';
import {
  NOT_READY_REPLICAS_ANNOTATION,
  READY_ANNOTATION,
  isPodReady,
  nodeFor,
  podStatus,
  randomSuffix,
  sidecarContainer,
  wantsSidecar,
  AMBIENT_REDIRECTION_ANNOTATION,
  capturedByZtunnel,
} from './pods';

/**
 * The ReplicaSet controller, with the scheduler and kubelet folded in: it keeps spec.replicas pods
 * `<replicaset>-<5 chars>` from the template, each placed on a node, given an IP and reported
 * running (and ready, unless the demo's readiness annotations say otherwise), with Istio's sidecar
 * when the injector would add one; and it reports what it sees in status.
 */

function ownedPods(ctx: ControllerContext, rs: KubeObject): KubeObject[] {
  return ctx.pods
    .ownedBy(rs.metadata.uid)
    .filter((p) => controllerOf(p)?.uid === rs.metadata.uid && !p.metadata.deletionTimestamp);
}

const num = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : fallback);

export function reconcileReplicaSet(ctx: ControllerContext, namespace: string, name: string): void {
  const rs = ctx.replicaSets.get(namespace, name);
  if (!rs) return;
  const desired = num(rec(rs.spec).replicas, 1);
  let pods = ownedPods(ctx, rs);
  if (pods.length < desired) {
    for (let i = pods.length; i < desired; i++) createPod(ctx, rs);
  } else if (pods.length > desired) {
    // Scale down the way Kubernetes prefers: not-ready pods first, then the newest.
    const victims = [...pods]
      .sort((a, b) => {
        const ready = Number(isPodReady(a)) - Number(isPodReady(b));
        if (ready !== 0) return ready;
        return String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp));
      })
      .slice(0, pods.length - desired);
    for (const pod of victims)
      tolerant(ctx.log, `delete pod ${pod.metadata.name ?? ''}`, () =>
        ctx.store.delete(GVR.pods, namespace, pod.metadata.name ?? ''),
      );
  }
  pods = ownedPods(ctx, rs);
  const ready = pods.filter(isPodReady).length;
  const selectorLabels = rec(rec(rs.spec).selector).matchLabels as Record<string, string> | undefined;
  const fullyLabeled = pods.filter((p) =>
    Object.entries(selectorLabels ?? {}).every(([k, v]) => labelsOf(p)[k] === v),
  ).length;
  const status: Record<string, unknown> = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: ready,
    observedGeneration: rs.metadata.generation ?? 1,
  };
  for (const key of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'])
    if (status[key] === 0) Reflect.deleteProperty(status, key);
  const fresh = ctx.replicaSets.get(namespace, name);
  if (!fresh || jsonEqual(status, fresh.status ?? {})) return;
  ctx.store.update(GVR.replicaSets, namespace, name, { ...fresh, status }, { subresource: 'status' });
}

function createPod(ctx: ControllerContext, rs: KubeObject): void {
  const namespace = rs.metadata.namespace ?? 'default';
  const rsName = rs.metadata.name ?? '';
  const template = rec(rec(rs.spec).template);
  const templateMeta = rec(template.metadata);
  const templateSpec = rec(template.spec);
  const labels: Record<string, string> = { ...(templateMeta.labels as Record<string, string> | undefined) };
  const annotations: Record<string, string> = {
    ...(templateMeta.annotations as Record<string, string> | undefined),
  };
  const containers = (Array.isArray(templateSpec.containers) ? templateSpec.containers : []).map((c) =>
    rec(c),
  );
  const namespaceLabels = labelsOf(ctx.namespaces.get(undefined, namespace));
  if (
    wantsSidecar(labels, annotations, namespaceLabels) &&
    !containers.some((c) => c.name === 'istio-proxy')
  ) {
    containers.push(sidecarContainer());
    labels['security.istio.io/tlsMode'] = 'istio';
    labels['service.istio.io/canonical-name'] ??= labels['app.kubernetes.io/name'] ?? labels.app ?? rsName;
    labels['service.istio.io/canonical-revision'] ??=
      labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest';
    annotations['sidecar.istio.io/status'] = JSON.stringify({
      containers: ['istio-proxy'],
      revision: 'default',
    });
  }
  // Without a sidecar, an ambient namespace's (or pod's) label has istio-cni redirect it to ztunnel.
  const sidecar = labels['security.istio.io/tlsMode'] === 'istio';
  if (capturedByZtunnel(labels, namespaceLabels, sidecar))
    annotations[AMBIENT_REDIRECTION_ANNOTATION] = 'enabled';
  const notReadyWanted = Number(rs.metadata.annotations?.[NOT_READY_REPLICAS_ANNOTATION] ?? 0) || 0;
  const notReadyNow = ownedPods(ctx, rs).filter((p) => !isPodReady(p)).length;
  const ready = annotations[READY_ANNOTATION] !== 'false' && notReadyNow >= notReadyWanted;
  let podName = `${rsName}-${randomSuffix()}`;
  while (ctx.pods.get(namespace, podName)) podName = `${rsName}-${randomSuffix()}`;
  const node = nodeFor(podName);
  const ip = ctx.ips.allocate();
  try {
    ctx.store.create(GVR.pods, namespace, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace,
        generateName: `${rsName}-`,
        labels,
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        ownerReferences: [controllerReference(rs)],
      },
      spec: {
        ...templateSpec,
        containers,
        nodeName: node.name,
        serviceAccountName: templateSpec.serviceAccountName ?? 'default',
        enableServiceLinks: templateSpec.enableServiceLinks ?? true,
        preemptionPolicy: 'PreemptLowerPriority',
        priority: 0,
      },
      status: podStatus(containers, ready, ip, node.ip, now()),
    });
  } catch (err) {
    ctx.ips.release(ip);
    throw err;
  }
}

/** A pod nobody has run yet (created bare, e.g. by `kubectl run`): no phase and no IP. */
export function needsKubelet(pod: KubeObject): boolean {
  const status = rec(pod.status);
  return !pod.metadata.deletionTimestamp && status.phase === undefined && status.podIP === undefined;
}

/**
 * The scheduler and kubelet for a pod created directly: a node, an IP and a running status, as for
 * the pods of a ReplicaSet (no sidecar: Istio injects at admission, which is not modelled here).
 */
export function runPod(ctx: ControllerContext, namespace: string, name: string): void {
  const cached = ctx.pods.get(namespace, name);
  if (!cached || !needsKubelet(cached)) return;
  // The whole pod, which the update writes back: the cache keeps only what controllers read.
  let pod: KubeObject;
  try {
    pod = ctx.store.get(GVR.pods, namespace, name);
  } catch {
    return; // deleted meanwhile
  }
  if (!needsKubelet(pod)) return;
  const spec = rec(pod.spec);
  const containers = (Array.isArray(spec.containers) ? spec.containers : []).map((c) => rec(c));
  const node =
    typeof spec.nodeName === 'string' && spec.nodeName !== ''
      ? { name: spec.nodeName, ip: nodeFor(spec.nodeName).ip }
      : nodeFor(name);
  const ready = pod.metadata.annotations?.[READY_ANNOTATION] !== 'false';
  const ip = ctx.ips.allocate();
  try {
    ctx.store.update(GVR.pods, namespace, name, {
      ...pod,
      spec: { ...spec, nodeName: node.name },
      status: podStatus(containers, ready, ip, node.ip, now()),
    });
  } catch (err) {
    ctx.ips.release(ip);
    throw err;
  }
}
