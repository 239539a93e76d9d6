import type { KubernetesObject } from '@kubernetes/client-node';
import type { V1Pod } from './kube-types';
import { SIDECAR_CONTAINER, SIDECAR_STATUS_ANNOTATION } from './dataplane';

/** The only annotation of a Pod the catalog reads (see hasSidecar). */
const POD_ANNOTATIONS = [SIDECAR_STATUS_ANNOTATION];

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
      if (value !== undefined) (kept ??= {})[key] = value;
    }
  }
  const spec = pod.spec;
  const status = pod.status;
  const ready = status?.conditions?.filter((c) => c.type === 'Ready');
  return {
    ...(pod.apiVersion !== undefined ? { apiVersion: pod.apiVersion } : {}),
    ...(pod.kind !== undefined ? { kind: pod.kind } : {}),
    metadata: {
      ...(meta.name !== undefined ? { name: meta.name } : {}),
      ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
      ...(meta.resourceVersion !== undefined ? { resourceVersion: meta.resourceVersion } : {}),
      ...(meta.labels !== undefined ? { labels: meta.labels } : {}),
      ...(kept ? { annotations: kept } : {}),
      ...(meta.deletionTimestamp !== undefined ? { deletionTimestamp: meta.deletionTimestamp } : {}),
    },
    ...(spec
      ? {
          spec: {
            // Named ports resolve a Service's string targetPort; a container named istio-proxy is a
            // sidecar (a native one is an init container). Other containers tell the catalog nothing.
            containers: (spec.containers ?? []).flatMap((c) => {
              const named = (c.ports ?? []).filter((p) => p.name);
              if (named.length === 0 && c.name !== SIDECAR_CONTAINER) return [];
              const ports = named.map((p) => ({ name: p.name, containerPort: p.containerPort }));
              return [{ name: c.name, ...(ports.length > 0 ? { ports } : {}) }];
            }),
            ...(spec.initContainers?.some((c) => c.name === SIDECAR_CONTAINER)
              ? { initContainers: [{ name: SIDECAR_CONTAINER }] }
              : {}),
            // The identity a Pod's traffic carries, for the zero-trust views.
            ...(spec.serviceAccountName !== undefined ? { serviceAccountName: spec.serviceAccountName } : {}),
          },
        }
      : {}),
    ...(status
      ? {
          status: {
            ...(status.phase !== undefined ? { phase: status.phase } : {}),
            ...(status.podIP !== undefined ? { podIP: status.podIP } : {}),
            ...(ready ? { conditions: ready.map((c) => ({ type: c.type, status: c.status })) } : {}),
          },
        }
      : {}),
  };
}
