import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeKind } from '../lib/kube-kind';
import type { KubeClient } from './kube';
import { FIELD_MANAGER } from '../mesh/model';

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

/** What names a kind to the API: the client finds its resource (plural) by discovery. */
type KindRef = Pick<KubeKind, 'apiVersion' | 'kind'>;

/**
 * An object as plain JSON, as the API server sent it: the client turns metadata's times into
 * Dates (Kubernetes writes them to the second, `2026-01-02T03:04:05Z`), which go back to that form.
 */
function plain(obj: KubernetesObject, kind: KindRef): KubeObject {
  const text = JSON.stringify(obj, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.toISOString().replace(/\.000Z$/, 'Z') : value;
  });
  const json = JSON.parse(text) as KubeObject;
  return { ...json, apiVersion: json.apiVersion ?? kind.apiVersion, kind: json.kind ?? kind.kind };
}

const dryRunOf = (opts: WriteOptions) => (opts.dryRun ? 'All' : undefined);

/**
 * An object to send: in its namespace, without the fields only the server sets (it keeps its own
 * on a replace). The client would serialize those times as Dates, and they are strings here.
 */
function outgoing(obj: KubeObject): KubeObject {
  const {
    creationTimestamp: _created,
    deletionTimestamp: _deleted,
    managedFields: _managed,
    ...metadata
  } = obj.metadata;
  return { ...obj, metadata: { ...metadata, namespace: obj.metadata.namespace ?? 'default' } };
}

/**
 * Namespaced objects of any kind the console writes (Istio's and Dubbo's kinds, and the core
 * ConfigMaps that go with them, such as the rate-limit service's descriptors) through
 * client-node's `KubernetesObjectApi`: one code path for every kind. Writes carry the
 * resourceVersion the caller based them on, so a stale write is a 409, never an overwrite.
 */
export class MeshObjects {
  constructor(private readonly kube: KubeClient) {}

  async list(kind: KindRef, namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    const res = await this.kube.objects.list(
      kind.apiVersion,
      kind.kind,
      namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      labelSelector,
    );
    return res.items.map((o) => plain(o, kind));
  }

  async get(kind: KindRef, namespace: string, name: string): Promise<KubeObject> {
    const obj = await this.kube.objects.read({
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      metadata: { name, namespace },
    });
    return plain(obj, kind);
  }

  async create(obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    return plain(
      await this.kube.objects.create(outgoing(obj), undefined, dryRunOf(opts), FIELD_MANAGER),
      obj,
    );
  }

  async replace(obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    return plain(
      await this.kube.objects.replace(outgoing(obj), undefined, dryRunOf(opts), FIELD_MANAGER),
      obj,
    );
  }

  /** Deletes, refusing if the object changed since `resourceVersion` was read. */
  async delete(obj: KubeObject, opts: WriteOptions = {}): Promise<void> {
    const rv = obj.metadata.resourceVersion;
    await this.kube.objects.delete(
      outgoing(obj),
      undefined,
      dryRunOf(opts),
      undefined,
      undefined,
      undefined,
      rv ? { preconditions: { resourceVersion: rv } } : undefined,
    );
  }
}
