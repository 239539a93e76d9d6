import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { collectionPath } from '../lib/kube-kind';
import type { KubeKind } from '../lib/kube-kind';
import type { Logger } from '../lib/logger';
import { Informer } from './informer';
import type { KubeClient } from './kube';
import { onKubeWrite, parseResourcePath } from './kube-writes';
import type { KubeWrite } from './kube-writes';

type KindRef = Pick<KubeKind, 'apiVersion' | 'kind'>;

/** Objects as plain JSON, frozen all the way down: what a cache hands out can be shared. */
type Frozen = KubernetesObject;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

export interface Served {
  informer: Informer<Frozen>;
  apiVersion: string;
  /** False for cluster-scoped kinds (Namespace), held under the namespace `''`. */
  namespaced: boolean;
  /** The label every object held has, when only those are held (see `informer`). */
  scope?: string;
}

/** How long a kind that could not be listed is read live before the cache tries it again. */
const UNSERVED_RETRY_MS = 30_000;

/**
 * One informer per kind, started on the first read of that kind and kept: the reads of the
 * console's objects (routes, rate limits, security policies) come from memory instead of a list
 * of the control plane per request. One cache per kubeconfig, shared by every client of it (the
 * impersonating one and the console's own), so a write through either is seen by both.
 *
 * Writes this process makes to the same server (any client: kube.ts announces them) are held at
 * once, so a read after a write sees it (read-your-writes), and deletions leave tombstones.
 * A kind the cluster does not serve, or that cannot be listed, is answered live (`null` here).
 */
export class ObjectCache {
  private readonly kinds = new Map<string, { served: Promise<Served | null>; failedAt?: number }>();
  private readonly byResource = new Map<string, Served[]>();
  private readonly unsubscribe: () => void;
  private readonly server: string;

  private constructor(
    private readonly kube: KubeClient,
    private readonly plainOf: (obj: KubernetesObject, kind: KindRef) => KubernetesObject,
    private readonly log?: Logger,
    private readonly pageSize?: number,
  ) {
    this.server = kube.server();
    this.unsubscribe = onKubeWrite((w) => this.written(w));
  }

  private static readonly shared = new WeakMap<KubeConfig, ObjectCache>();

  /** The cache of a kubeconfig: created on first use, shared after. */
  static of(
    kube: KubeClient,
    plainOf: (obj: KubernetesObject, kind: KindRef) => KubernetesObject,
    log?: Logger,
    pageSize?: number,
  ): ObjectCache {
    let cache = ObjectCache.shared.get(kube.kubeConfig);
    if (!cache)
      ObjectCache.shared.set(kube.kubeConfig, (cache = new ObjectCache(kube, plainOf, log, pageSize)));
    return cache;
  }

  /**
   * The informer of a kind once it has listed, or null to read live. With `scope`, a label key,
   * it holds only the objects with that label: for kinds of which the console reads only its own
   * (ConfigMaps), not every one in the cluster.
   */
  async informer(kind: KindRef, scope?: string): Promise<Served | null> {
    const key = `${kind.apiVersion}\u0000${kind.kind}\u0000${scope ?? ''}`;
    let entry = this.kinds.get(key);
    if (entry?.failedAt !== undefined && Date.now() - entry.failedAt > UNSERVED_RETRY_MS) entry = undefined;
    if (!entry) {
      const fresh: { served: Promise<Served | null>; failedAt?: number } = {
        served: this.startKind(kind, scope).catch((err: unknown) => {
          fresh.failedAt = Date.now();
          this.log?.debug(
            { kind: kind.kind, err: err instanceof Error ? err.message : String(err) },
            'kind not cached; reading live',
          );
          return null;
        }),
      };
      this.kinds.set(key, (entry = fresh));
    }
    return entry.served;
  }

  private async startKind(kind: KindRef, scope: string | undefined): Promise<Served> {
    const { group, version, plural, namespaced } = await this.kube.servedAs(kind.apiVersion, kind.kind);
    const informer = new Informer<Frozen>({
      path: collectionPath({ group, version, plural }),
      resource: plural,
      // Raw JSON pages: the typed list of a custom kind drops its continue token (kube.ts).
      listPage: this.kube.listPage({ group, version, plural }, scope),
      ...(scope ? { labelSelector: scope } : {}),
      ...(this.pageSize ? { pageSize: this.pageSize } : {}),
      watch: this.kube.watcher(),
      ...(this.log ? { log: this.log } : {}),
      ...(this.kube.options.metrics ? { metrics: this.kube.options.metrics } : {}),
      // Plain JSON (lists and watch events alike are raw JSON; plainOf also turns a Date back), then frozen:
      // freezing once costs less than copying on every read (see object-cache.test.ts).
      transform: (obj) => deepFreeze(this.plainOf(obj, kind)),
    });
    const served: Served = {
      informer,
      apiVersion: kind.apiVersion,
      namespaced,
      ...(scope ? { scope } : {}),
    };
    const resourceKey = `${group}/${plural}`;
    this.byResource.set(resourceKey, [...(this.byResource.get(resourceKey) ?? []), served]);
    try {
      await informer.start();
    } catch (err) {
      this.byResource.set(
        resourceKey,
        (this.byResource.get(resourceKey) ?? []).filter((s) => s !== served),
      );
      await informer.stop();
      throw err;
    }
    return served;
  }

  private written(w: KubeWrite): void {
    if (w.server !== this.server) return;
    const path = parseResourcePath(w.path);
    if (!path) return;
    for (const served of this.byResource.get(`${path.group}/${path.plural}`) ?? []) {
      const { informer } = served;
      if (w.method === 'DELETE') {
        if (path.name && !path.sub)
          informer.remove(path.namespace, path.name, w.object?.metadata?.resourceVersion);
        continue;
      }
      // Only the object itself (or its status), never another kind such as a Scale.
      if (!w.object || (path.sub && path.sub !== 'status')) continue;
      if (w.object.apiVersion !== served.apiVersion) continue;
      if (served.scope && w.object.metadata?.labels?.[served.scope] === undefined) {
        // Out of the scope now (its label removed): no longer held.
        const { namespace = '', name } = w.object.metadata ?? {};
        if (name && informer.get(name, namespace))
          informer.remove(namespace, name, w.object.metadata?.resourceVersion);
        continue;
      }
      informer.upsert(w.object);
    }
  }

  async stop(): Promise<void> {
    if (ObjectCache.shared.get(this.kube.kubeConfig) === this)
      ObjectCache.shared.delete(this.kube.kubeConfig);
    this.unsubscribe();
    const all = await Promise.all([...this.kinds.values()].map((e) => e.served));
    await Promise.all(all.map((s) => s?.informer.stop()));
    this.kinds.clear();
    this.byResource.clear();
  }
}
