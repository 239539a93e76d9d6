import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * A write the API server accepted from this process (not a dry run): what caches of the same
 * server need so that a read after a write sees it (read-your-writes on this replica).
 */
export interface KubeWrite {
  /** The API server's URL, as in the kubeconfig: caches only take writes to their own server. */
  server: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The URL's path, e.g. `/apis/networking.istio.io/v1/namespaces/a/virtualservices/b`. */
  path: string;
  /** The object the server answered with; null when it answered with something else (a Status). */
  object: KubernetesObject | null;
}

type Listener = (write: KubeWrite) => void;

const listeners = new Set<Listener>();

export function onKubeWrite(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function hasKubeWriteListeners(): boolean {
  return listeners.size > 0;
}

export function recordKubeWrite(write: KubeWrite): void {
  for (const l of listeners) {
    try {
      l(write);
    } catch {
      // A cache that cannot take a write catches up from its watch.
    }
  }
}

/** The parts of a resource path: `/api/v1/namespaces/ns/configmaps/name`, `/apis/g/v/plural`… */
export function parseResourcePath(
  path: string,
): { group: string; version: string; namespace: string; plural: string; name?: string; sub?: string } | null {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [root, first = '', second = ''] = parts;
  let group = '';
  let version: string;
  let rest: string[];
  if (root === 'api' && parts.length >= 3) {
    version = first;
    rest = parts.slice(2);
  } else if (root === 'apis' && parts.length >= 4) {
    group = first;
    version = second;
    rest = parts.slice(3);
  } else {
    return null;
  }
  let namespace = '';
  // `namespaces/x/plural…` is a namespaced resource; `namespaces` or `namespaces/x` is the Namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1] ?? '';
    rest = rest.slice(2);
  }
  const [plural, name, sub] = rest;
  if (!plural) return null;
  return { group, version, namespace, plural, ...(name ? { name } : {}), ...(sub ? { sub } : {}) };
}
