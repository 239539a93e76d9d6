import type { Logger } from 'pino';
import type { ResourceStore } from '../store/resource-store';
import type { KubeObject, KubeResource } from '../types';
import { isRecord } from '../types';
import type { Informer } from './informer';
import type { PodIpAllocator } from './pods';
import type { WorkQueue } from './work-queue';

export const GVR = {
  namespaces: { group: '', version: 'v1', plural: 'namespaces' },
  pods: { group: '', version: 'v1', plural: 'pods' },
  services: { group: '', version: 'v1', plural: 'services' },
  endpoints: { group: '', version: 'v1', plural: 'endpoints' },
  endpointSlices: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices' },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments' },
  replicaSets: { group: 'apps', version: 'v1', plural: 'replicasets' },
  crds: { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' },
} satisfies Record<string, KubeResource>;

/** What every controller shares: the store it writes through, the caches it reads, the queue. */
export interface ControllerContext {
  store: ResourceStore;
  log: Logger;
  queue: WorkQueue;
  ips: PodIpAllocator;
  namespaces: Informer;
  pods: Informer;
  services: Informer;
  endpointSlices: Informer;
  deployments: Informer;
  replicaSets: Informer;
  /** The reconcilers, so one controller can queue another's work. */
  enqueue: {
    deployment(namespace: string, name: string): void;
    replicaSet(namespace: string, name: string): void;
    service(namespace: string, name: string): void;
  };
}

export const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
export const labelsOf = (o: KubeObject | undefined): Record<string, string> => o?.metadata.labels ?? {};
export const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Runs a write that may race with a deletion or a name clash; NotFound and AlreadyExists are expected. */
export function tolerant(log: Logger, what: string, write: () => void): void {
  try {
    write();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 404 || code === 409) {
      log.debug({ err, what }, 'write skipped');
      return;
    }
    throw err;
  }
}
