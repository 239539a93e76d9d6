import { CoordinationV1Api, V1MicroTime } from '@kubernetes/client-node';
import type { V1Lease } from '@kubernetes/client-node';
import { LeaseConflict } from '../lib/leader-election';
import type { LeaseApi, LeaseRecord } from '../lib/leader-election';
import type { KubeClient } from './kube';
import { isKubeStatus } from './kube-errors';

/** A MicroTime as the client hands it back: a Date, or the string when it did not convert it. */
function epochMs(value: Date | string | undefined | null): number | null {
  if (value === undefined || value === null) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

function toRecord(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity || null,
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: epochMs(spec.acquireTime),
    renewTime: epochMs(spec.renewTime),
    leaseTransitions: spec.leaseTransitions ?? 0,
    ...(lease.metadata?.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}),
  };
}

/**
 * One coordination.k8s.io/v1 Lease through the Kubernetes API (a real cluster or the embedded
 * control plane): the console's own writes, never impersonating a user.
 */
export function kubeLeaseApi(kube: KubeClient, namespace: string, name: string): LeaseApi {
  // Through the client's own configuration: its calls are timed in kubeDuration with the others.
  const api = kube.withoutImpersonation().apiOf(CoordinationV1Api);
  const toLease = (record: LeaseRecord): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace,
      ...(record.resourceVersion ? { resourceVersion: record.resourceVersion } : {}),
    },
    spec: {
      // Released: an empty holder (as client-go writes it), which any replica may take at once.
      holderIdentity: record.holderIdentity ?? '',
      leaseDurationSeconds: record.leaseDurationSeconds,
      leaseTransitions: record.leaseTransitions,
      ...(record.acquireTime !== null ? { acquireTime: new V1MicroTime(record.acquireTime) } : {}),
      ...(record.renewTime !== null ? { renewTime: new V1MicroTime(record.renewTime) } : {}),
    },
  });
  const conflicts = async (write: () => Promise<V1Lease>): Promise<LeaseRecord> => {
    try {
      return toRecord(await write());
    } catch (err) {
      if (isKubeStatus(err, 409)) throw new LeaseConflict();
      throw err;
    }
  };
  return {
    async get() {
      try {
        return toRecord(await api.readNamespacedLease({ name, namespace }));
      } catch (err) {
        if (isKubeStatus(err, 404)) return null;
        throw err;
      }
    },
    create: (record) => conflicts(() => api.createNamespacedLease({ namespace, body: toLease(record) })),
    replace: (record) =>
      conflicts(() => api.replaceNamespacedLease({ name, namespace, body: toLease(record) })),
  };
}
