import type { KubernetesObject } from '@kubernetes/client-node';
import type { V1Pod } from './kube-types';
import { SIDECAR_CONTAINER, SIDECAR_STATUS_ANNOTATION } from './dataplane';

/** The only annotation of a Pod the catalog reads (see hasSidecar). */
const POD_ANNOTATIONS = [SIDECAR_STATUS_ANNOTATION];

/**
 * One value for equal ones, by key. Bounded: past `max` values it starts over (a value is then just
 * not shared).
 */
class Shared<T> {
  private readonly values = new Map<string, T>();
  constructor(private readonly max: number) {}

  /** The value kept for `key`; else `value`, kept from now on (after `keep`, if given, is run on it). */
  of(key: string, value: T, keep?: (value: T) => void): T {
    const found = this.values.get(key);
    if (found !== undefined) return found;
    if (this.values.size >= this.max) this.values.clear();
    keep?.(value);
    this.values.set(key, value);
    return value;
  }
}

/**
 * One string for equal values: JSON.parse makes a new string for every value of every Pod, and the
 * replicas of a workload repeat theirs (the namespace, the labels, the injector's status: several
 * hundred bytes, the same on every injected Pod). At 100,000 Pods that was tens of megabytes of
 * copies.
 */
const strings = new Shared<string>(200_000);
const shared = { of: (value: string) => strings.of(value, value) };

function sharedLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in labels) out[k] = shared.of(labels[k] as string);
  return out;
}

function deepFreeze(value: unknown): void {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
}

/**
 * One object for equal parts of Pods, keyed by their JSON: the replicas of a workload have the
 * same labels, sidecar annotation, containers (names and named ports) and, most of the time,
 * readiness. At 100,000 Pods each Pod's own copies were about a million objects (arrays,
 * containers, ports, conditions): the scale bench's slim Pods took 117 MiB of heap, 58 MiB with
 * their parts shared, and a full collection marks all of it. Shared parts are frozen: a change
 * meant for one Pod would change them all, so it throws instead.
 */
const parts = new Shared<object>(100_000);
const sharedParts = {
  of: <T extends object>(part: T): T => parts.of(JSON.stringify(part), part, deepFreeze) as T,
};

/**
 * A Pod as the catalog reads it: what the registry, the data-plane logic and the API's instance
 * list use, nothing else. At 100,000 Pods the informer's cache holds these, not the API server's
 * full objects (image, env, volumes, managed fields: several kilobytes each). The resourceVersion
 * is kept so a relist's unchanged Pods are seen to be unchanged. Idempotent.
 */
export function slimPod(obj: KubernetesObject): V1Pod {
  const pod = obj as V1Pod;
  const meta = pod.metadata ?? {};
  const annotations = meta.annotations;
  let kept: Record<string, string> | undefined;
  if (annotations) {
    for (const key of POD_ANNOTATIONS) {
      const value = annotations[key];
      if (value !== undefined) (kept ??= {})[key] = shared.of(value);
    }
  }
  // Built by assignment, not by spreading into a literal: in V8 an object literal that begins with
  // a spread gets a hidden class of its own, and 100,000 Pods made 300,000 of them (70 MB of the
  // console's heap at the scale bench, and every read of a Pod a megamorphic property access).
  const metadata: NonNullable<V1Pod['metadata']> = {};
  if (meta.name !== undefined) metadata.name = meta.name;
  if (meta.namespace !== undefined) metadata.namespace = shared.of(meta.namespace);
  if (meta.resourceVersion !== undefined) metadata.resourceVersion = meta.resourceVersion;
  if (meta.labels !== undefined) metadata.labels = sharedParts.of(sharedLabels(meta.labels));
  if (kept) metadata.annotations = sharedParts.of(kept);
  if (meta.deletionTimestamp !== undefined) metadata.deletionTimestamp = meta.deletionTimestamp;
  const slim: V1Pod = {};
  if (pod.apiVersion !== undefined) slim.apiVersion = pod.apiVersion;
  if (pod.kind !== undefined) slim.kind = pod.kind;
  slim.metadata = metadata;
  const spec = pod.spec;
  if (spec) {
    const slimSpec: NonNullable<V1Pod['spec']> = {
      // Named ports resolve a Service's string targetPort; a container named istio-proxy is a
      // sidecar (a native one is an init container). Other containers tell the catalog nothing.
      containers: (spec.containers ?? []).flatMap((c) => {
        const named = (c.ports ?? []).filter((p) => p.name);
        if (named.length === 0 && c.name !== SIDECAR_CONTAINER) return [];
        const container: NonNullable<V1Pod['spec']>['containers'][number] = { name: c.name };
        if (named.length > 0)
          container.ports = named.map((p) => ({ name: p.name, containerPort: p.containerPort }));
        return [container];
      }),
    };
    if (spec.initContainers?.some((c) => c.name === SIDECAR_CONTAINER))
      slimSpec.initContainers = [{ name: SIDECAR_CONTAINER }];
    // The identity a Pod's traffic carries, for the zero-trust views.
    if (spec.serviceAccountName !== undefined) slimSpec.serviceAccountName = spec.serviceAccountName;
    slim.spec = sharedParts.of(slimSpec);
  }
  const status = pod.status;
  if (status) {
    const slimStatus: NonNullable<V1Pod['status']> = {};
    if (status.phase !== undefined) slimStatus.phase = status.phase;
    if (status.podIP !== undefined) slimStatus.podIP = status.podIP;
    const ready = status.conditions?.filter((c) => c.type === 'Ready');
    if (ready) slimStatus.conditions = sharedParts.of(ready.map((c) => ({ type: c.type, status: c.status })));
    slim.status = slimStatus;
  }
  return slim;
}
