import type { V1ConfigMap } from '@kubernetes/client-node';
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

const isConfigMap = (kind: ObjectKind) => kind.group === '' && kind.kind === 'ConfigMap';

/** A core object as plain JSON (the client returns class instances with Dates), as custom objects are. */
function plainConfigMap(cm: V1ConfigMap): KubeObject {
  return { ...(JSON.parse(JSON.stringify(cm)) as KubeObject), apiVersion: 'v1', kind: 'ConfigMap' };
}

/**
 * Namespaced custom objects (Istio's and Dubbo's kinds), and the core ConfigMaps that go with them
 * (the rate-limit service's descriptors), through the Kubernetes API. Writes carry
 * the resourceVersion the caller based them on, so a stale write is a 409, never an overwrite.
 */
export class MeshObjects {
  constructor(private readonly kube: KubeClient) {}

  async list(kind: ObjectKind, namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    if (isConfigMap(kind)) {
      const res = await this.kube.core.listNamespacedConfigMap({
        namespace,
        ...(labelSelector ? { labelSelector } : {}),
      });
      return res.items.map(plainConfigMap);
    }
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
    if (isConfigMap(kind))
      return plainConfigMap(await this.kube.core.readNamespacedConfigMap({ namespace, name }));
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
    if (isConfigMap(kind))
      return plainConfigMap(
        await this.kube.core.createNamespacedConfigMap({
          namespace: obj.metadata.namespace ?? 'default',
          body: obj as V1ConfigMap,
          ...(opts.dryRun ? { dryRun: 'All' } : {}),
        }),
      );
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
    if (isConfigMap(kind))
      return plainConfigMap(
        await this.kube.core.replaceNamespacedConfigMap({
          namespace: obj.metadata.namespace ?? 'default',
          name: obj.metadata.name,
          body: obj as V1ConfigMap,
          ...(opts.dryRun ? { dryRun: 'All' } : {}),
        }),
      );
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
    if (isConfigMap(kind)) {
      await this.kube.core.deleteNamespacedConfigMap({
        namespace: obj.metadata.namespace ?? 'default',
        name: obj.metadata.name,
        ...(rv ? { body: { preconditions: { resourceVersion: rv } } } : {}),
        ...(opts.dryRun ? { dryRun: 'All' } : {}),
      });
      return;
    }
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
