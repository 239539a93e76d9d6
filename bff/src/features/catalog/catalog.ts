import type { KubernetesObject } from '@kubernetes/client-node';
import type { Informer } from '../../clients/informer';
import type { KubeClient } from '../../clients/kube';
import type { KubeResource } from '../../lib/kube-kind';
import type { ServiceDetail } from '../../contract/catalog';
import type { Logger } from '../../lib/logger';
import type { Gateway, ServiceEntry, V1Namespace, V1Pod, V1Service, WorkloadEntry } from './kube-types';
import type { NamespaceScope } from '../auth/scope';
import { scopeKey } from '../auth/scope';
import { LiveCatalog } from './incremental';
import type { CatalogKind } from './incremental';
import { indexCatalog, scopeView } from './query';
import type { CatalogView } from './query';
import { slimPod } from './slim';

/**
 * How long a read may show the catalog as it was before the latest watch events. At 100,000 Pods,
 * some change every second: reads apply them at most this often, not on every read.
 */
const DEFAULT_MAX_STALE_MS = 100;

/** Where the catalog's services come from; the API depends on this, not on informers. */
export interface CatalogSource {
  view(): CatalogView;
  get(id: string): ServiceDetail | undefined;
}

const scopedViews = new WeakMap<CatalogView, Map<string, CatalogView>>();

/**
 * The catalog as a scope sees it (see scopeView). Built once per catalog change and scope, so a
 * request costs a lookup until the catalog changes again.
 */
export function catalogIn(catalog: CatalogSource, scope: NamespaceScope): CatalogView {
  const full = catalog.view();
  if (scope.all) return full;
  let byScope = scopedViews.get(full);
  if (!byScope) scopedViews.set(full, (byScope = new Map()));
  const key = scopeKey(scope);
  let view = byScope.get(key);
  if (!view) byScope.set(key, (view = scopeView(full, scope)));
  return view;
}

/** A catalog over a fixed list of services (tests, benchmarks). */
export function staticCatalog(services: ServiceDetail[]): CatalogSource {
  const view = indexCatalog(services);
  return { view: () => view, get: (id) => view.byId.get(id) };
}

/**
 * The catalog kept current by watching the control plane. The informers' caches are the
 * control plane's state, not the BFF's: the BFF keeps nothing it could not rebuild by listing
 * again. Each watch event marks what it can change (see LiveCatalog); a read applies what
 * changed since the last, at most once per `maxStaleMs`, so a burst of events costs one update
 * and a read never pays a rebuild of the whole catalog.
 */
export class InformerCatalog implements CatalogSource {
  private readonly live = new LiveCatalog();
  private readonly informers: Informer<KubernetesObject>[] = [];
  private current: CatalogView | null = null;
  private updatedAt = 0;

  private constructor(private readonly maxStaleMs: number) {}

  private watch<T extends KubernetesObject>(kind: CatalogKind, informer: Informer<T> | null): void {
    if (!informer) return;
    for (const verb of ['add', 'update', 'delete'] as const)
      informer.on(verb, (obj) => this.live.apply(kind, verb, obj));
    this.informers.push(informer as unknown as Informer<KubernetesObject>);
  }

  /**
   * Starts the informers and resolves once each has listed. Istio's kinds are optional, and so are
   * the Gateway API's (the waypoints): without them no waypoint exists. `maxStaleMs`: how long a
   * read may show the catalog from before the latest events (0: never).
   */
  static async start(
    kube: KubeClient,
    log: Logger,
    options: { maxStaleMs?: number } = {},
  ): Promise<InformerCatalog> {
    const catalog = await InformerCatalog.create(kube, log, options);
    await catalog.sync();
    return catalog;
  }

  /**
   * The catalog with its informers, not started: `sync()` lists. The console builds the rest of
   * itself while the lists come (at 100,000 Pods, seconds mostly spent waiting on the API server).
   */
  static async create(
    kube: KubeClient,
    log: Logger,
    options: { maxStaleMs?: number } = {},
  ): Promise<InformerCatalog> {
    const istio = await kube.preferredVersion('networking.istio.io');
    if (!istio)
      log.warn('networking.istio.io is not served: ServiceEntries and WorkloadEntries are not read');
    const gatewayApi = await kube.preferredVersion('gateway.networking.k8s.io');
    const core = (plural: string): KubeResource => ({ group: '', version: 'v1', plural });
    const ist = (plural: string): KubeResource => ({
      group: 'networking.istio.io',
      version: istio ?? 'v1',
      plural,
    });
    const catalog = new InformerCatalog(options.maxStaleMs ?? DEFAULT_MAX_STALE_MS);
    // The catalog indexes each page of the first lists while the next one comes (its handlers only
    // apply the objects): at 100,000 Pods, seconds of the start spent waiting on the API server.
    const paged = { tellWhileListing: true };
    catalog.watch('service', kube.informer<V1Service>(core('services'), log, paged));
    catalog.watch('pod', kube.informer<V1Pod>(core('pods'), log, { ...paged, transform: slimPod }));
    catalog.watch(
      'serviceEntry',
      istio ? kube.informer<ServiceEntry>(ist('serviceentries'), log, paged) : null,
    );
    catalog.watch(
      'workloadEntry',
      istio ? kube.informer<WorkloadEntry>(ist('workloadentries'), log, paged) : null,
    );
    catalog.watch('namespace', kube.informer<V1Namespace>(core('namespaces'), log, paged));
    // Without the Gateway API no waypoint exists: every one named is missing.
    catalog.watch(
      'gateway',
      gatewayApi
        ? kube.informer<Gateway>(
            { group: 'gateway.networking.k8s.io', version: gatewayApi, plural: 'gateways' },
            log,
            paged,
          )
        : null,
    );
    return catalog;
  }

  /** Starts the informers and resolves once each has listed, with the first view built. */
  async sync(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.start()));
    // The first view is the whole catalog's work (seconds at 20,000 services): at start, not on a request.
    this.view();
  }

  view(): CatalogView {
    const now = Date.now();
    if (this.live.dirty && now - this.updatedAt >= this.maxStaleMs) this.updatedAt = now;
    else if (this.current) return this.current;
    this.current = this.live.view();
    return this.current;
  }

  get(id: string): ServiceDetail | undefined {
    return this.view().byId.get(id);
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}
