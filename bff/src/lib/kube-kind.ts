/**
 * A kind of Kubernetes object and the resource that serves it: `apiVersion` and `kind` as they
 * appear in the object, `group`, `version` and `plural` as they appear in its URL
 * (`/apis/{group}/{version}/namespaces/{ns}/{plural}`; the core group is `''`, under `/api`).
 * The one description of a kind, for the console's clients and the embedded control plane alike.
 */
export interface KubeKind {
  apiVersion: string;
  kind: string;
  group: string;
  version: string;
  plural: string;
}

/** The part of a kind a URL names: enough to list, watch or route a request. */
export type KubeResource = Pick<KubeKind, 'group' | 'version' | 'plural'>;

/** `networking.istio.io/v1`, or just `v1` for the core group. */
export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** A kind from its apiVersion (`networking.istio.io/v1`, `v1`), its kind and its plural. */
export function kubeKind(apiVersion: string, kind: string, plural: string): KubeKind {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return { apiVersion, kind, group, version, plural };
}

/** `plural.group` (`virtualservices.networking.istio.io`, `services`), how Kubernetes names a resource. */
export function resourceKey(resource: Pick<KubeResource, 'group' | 'plural'>): string {
  return resource.group === '' ? resource.plural : `${resource.plural}.${resource.group}`;
}

/**
 * The path of a resource's collection: across all namespaces (what an informer watches), or in one
 * (where an object of a namespaced kind is created).
 */
export function collectionPath(resource: KubeResource, namespace?: string): string {
  const root =
    resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  return namespace === undefined
    ? `${root}/${resource.plural}`
    : `${root}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`;
}
