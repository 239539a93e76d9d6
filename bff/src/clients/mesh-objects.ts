import type { KubeClient } from './kube';

/** A kind of object the console reads and writes: group, version and plural name the API path. */
export interface ObjectKind {
  apiVersion: string;
  kind: string;
  group: string;
  version: string;
  plural: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface WriteOptions {
  dryRun?: boolean;
}

export function kindOf(apiVersion: string, kind: string, plural: string): ObjectKind {
  const [group, version] = apiVersion.includes('/')
    ? (apiVersion.split('/') as [string, string])
    : ['', apiVersion];
  return { apiVersion, kind, group, version, plural };
}

const PLURALS: Record<string, string> = {
  VirtualService: 'virtualservices',
  DestinationRule: 'destinationrules',
  EnvoyFilter: 'envoyfilters',
  ServiceEntry: 'serviceentries',
  WorkloadEntry: 'workloadentries',
  ConfigMap: 'configmaps',
};

export function kindOfObject(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): ObjectKind {
  const plural = PLURALS[obj.kind];
  if (!plural) throw new Error(`unsupported kind ${obj.kind}`);
  return kindOf(obj.apiVersion, obj.kind, plural);
}

/**
 * Namespaced custom objects (Istio's and Dubbo's kinds) through the Kubernetes API. Writes carry
 * the resourceVersion the caller based them on, so a stale write is a 409, never an overwrite.
 */
export class MeshObjects {
  constructor(private readonly kube: KubeClient) {}

  async list(kind: ObjectKind, namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    const res = (await this.kube.custom.listNamespacedCustomObject({
      group: kind.group,
      version: kind.version,
      plural: kind.plural,
      namespace,
      ...(labelSelector ? { labelSelector } : {}),
    })) as { items?: KubeObject[] };
    return (res.items ?? []).map((o) => ({
      ...o,
      apiVersion: o.apiVersion ?? kind.apiVersion,
      kind: o.kind ?? kind.kind,
    }));
  }

  async get(kind: ObjectKind, namespace: string, name: string): Promise<KubeObject> {
    return (await this.kube.custom.getNamespacedCustomObject({
      group: kind.group,
      version: kind.version,
      plural: kind.plural,
      namespace,
      name,
    })) as KubeObject;
  }

  async create(obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const kind = kindOfObject(obj);
    return (await this.kube.custom.createNamespacedCustomObject({
      group: kind.group,
      version: kind.version,
      plural: kind.plural,
      namespace: obj.metadata.namespace ?? 'default',
      body: obj,
      ...(opts.dryRun ? { dryRun: 'All' } : {}),
    })) as KubeObject;
  }

  async replace(obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const kind = kindOfObject(obj);
    return (await this.kube.custom.replaceNamespacedCustomObject({
      group: kind.group,
      version: kind.version,
      plural: kind.plural,
      namespace: obj.metadata.namespace ?? 'default',
      name: obj.metadata.name,
      body: obj,
      ...(opts.dryRun ? { dryRun: 'All' } : {}),
    })) as KubeObject;
  }

  /** Deletes, refusing if the object changed since `resourceVersion` was read. */
  async delete(obj: KubeObject, opts: WriteOptions = {}): Promise<void> {
    const kind = kindOfObject(obj);
    const rv = obj.metadata.resourceVersion;
    await this.kube.custom.deleteNamespacedCustomObject({
      group: kind.group,
      version: kind.version,
      plural: kind.plural,
      namespace: obj.metadata.namespace ?? 'default',
      name: obj.metadata.name,
      ...(rv ? { body: { preconditions: { resourceVersion: rv } } } : {}),
      ...(opts.dryRun ? { dryRun: 'All' } : {}),
    });
  }
}
