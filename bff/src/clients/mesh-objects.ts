import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeKind } from '../lib/kube-kind';
import type { KubeClient } from './kube';
import { FIELD_MANAGER } from '../mesh/model';
import { parseLabelSelector } from './label-selector';
import type { LabelSelector } from './label-selector';
import { ObjectCache } from './object-cache';
import type { Served } from './object-cache';

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

interface MeshObjectsOptions {
  /**
   * Reads from an informer cache (object-cache.ts), the default; `false` reads the control plane
   * on every call, for code that must see what another replica just wrote (the change journal).
   */
  cache?: boolean;
  /** Objects per page of the cache's lists (500 by default); taken by the first client of a kubeconfig. */
  pageSize?: number;
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
  // Completed in place (it is a fresh copy): `{ ...json, kind }` would give every object a hidden
  // class of its own in V8 (a literal that begins with a spread does), 10,000 at the scale bench.
  const json = JSON.parse(text) as KubeObject;
  json.apiVersion ??= kind.apiVersion;
  json.kind ??= kind.kind;
  return json;
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
 * client-node's `KubernetesObjectApi` (creates and replaces as raw JSON, `KubeClient.writeRaw`):
 * one code path for every kind. Writes carry the resourceVersion the caller based them on, so a
 * stale write is a 409, never an overwrite.
 */
export class MeshObjects {
  private readonly cache: ObjectCache | null;

  constructor(
    private readonly kube: KubeClient,
    options: MeshObjectsOptions = {},
  ) {
    this.cache = options.cache === false ? null : ObjectCache.of(kube, plain, undefined, options.pageSize);
  }

  /**
   * The cache of a kind, or null to read live: when caching is off, for Secrets (the console does
   * not keep the cluster's Secrets in memory; auth has its own short cache of its own), and for a
   * kind the cluster does not serve or the console cannot list.
   */
  private async cached(kind: KindRef, selector?: LabelSelector | null): Promise<Served | null> {
    if (!this.cache || (kind.apiVersion === 'v1' && kind.kind === 'Secret')) return null;
    if (kind.apiVersion === 'v1' && kind.kind === 'ConfigMap') {
      // A cluster's ConfigMaps are many and large; the console reads its own, by a label of its own:
      // the cache holds those with the selector's first required label, others are read live.
      const scope = selector?.requiredKeys[0];
      return scope ? this.cache.informer(kind, scope) : null;
    }
    return this.cache.informer(kind);
  }

  /**
   * Objects of a kind in a namespace (`''`: all), from the cache once the kind has listed. The
   * objects are frozen, shared with the cache and every other reader: copy before changing one.
   */
  async list(kind: KindRef, namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    let selector: LabelSelector | null;
    try {
      selector = parseLabelSelector(labelSelector);
    } catch {
      // The API server words the error for a selector it cannot parse.
      selector = null;
    }
    const served = selector ? await this.cached(kind, selector) : null;
    if (served && selector) {
      const { informer } = served;
      const items = namespace && served.namespaced ? informer.listIn(namespace) : informer.list();
      const matching = selector.empty ? items : items.filter((o) => selector.matches(o.metadata?.labels));
      return matching as unknown as KubeObject[];
    }
    return this.liveList(kind, namespace, labelSelector);
  }

  /**
   * Every object of a kind in every namespace, from the cache, as one frozen array that stays the
   * same (===) while nothing of the kind changes, so a reader may key an index on it (see
   * routing's rule lookup). A kind not cached is listed live, a new array each time.
   */
  async listShared(kind: KindRef): Promise<readonly KubeObject[]> {
    const served = await this.cached(kind);
    if (served) return served.informer.listShared() as unknown as readonly KubeObject[];
    return Object.freeze(await this.liveList(kind, ''));
  }

  /**
   * One namespace's objects of a kind (all of a cluster-scoped kind), as listShared gives them: the
   * same frozen array until one of them changes. A kind not cached is listed live.
   */
  async listSharedIn(kind: KindRef, namespace: string): Promise<readonly KubeObject[]> {
    const served = await this.cached(kind);
    if (served) {
      const { informer } = served;
      const held = served.namespaced ? informer.listSharedIn(namespace) : informer.listShared();
      return held as unknown as readonly KubeObject[];
    }
    return Object.freeze(await this.liveList(kind, namespace));
  }

  private async liveList(kind: KindRef, namespace: string, labelSelector?: string): Promise<KubeObject[]> {
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

  /** One object, from the cache when it holds it; read live otherwise (and the 404 is the server's). */
  async get(kind: KindRef, namespace: string, name: string): Promise<KubeObject> {
    const served = await this.cached(kind);
    const held = served?.informer.get(name, served.namespaced ? namespace : '');
    if (held) return held as unknown as KubeObject;
    const obj = await this.kube.objects.read({
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      metadata: { name, namespace },
    });
    return plain(obj, kind);
  }

  async create(obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    return this.write('POST', obj, opts);
  }

  async replace(obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    return this.write('PUT', obj, opts);
  }

  /** The object as stored (or as it would be, in a dry run): the API server's JSON, as it came. */
  private async write(method: 'POST' | 'PUT', obj: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const stored = (await this.kube.writeRaw(method, outgoing(obj), {
      ...(opts.dryRun ? { dryRun: true } : {}),
      fieldManager: FIELD_MANAGER,
    })) as KubeObject;
    stored.apiVersion ??= obj.apiVersion;
    stored.kind ??= obj.kind;
    return stored;
  }

  /**
   * Lists these kinds into the cache now rather than on their first read (the first read of a
   * kind waits for its whole list: 5,000 VirtualServices are ten pages). Resolves once listed;
   * a kind that cannot be cached is skipped (it is read live).
   */
  async warm(kinds: KindRef[]): Promise<void> {
    await Promise.all(kinds.map((kind) => this.cached(kind)));
  }

  /** Stops the informers of the cache shared by every MeshObjects of this kubeconfig. */
  async close(): Promise<void> {
    await this.cache?.stop();
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
