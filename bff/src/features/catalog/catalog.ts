import type { KubernetesObject, ListWatch } from '@kubernetes/client-node';
import type { KubeClient } from '../../clients/kube';
import type { KubeResource } from '../../lib/kube-kind';
import type { ServiceDetail } from '../../contract/catalog';
import type { Logger } from '../../lib/logger';
import { dataPlaneContext, namespaceDataPlanes } from './dataplane';
import type { Gateway, ServiceEntry, V1Namespace, V1Pod, V1Service, WorkloadEntry } from './kube-types';
import type { NamespaceScope } from '../auth/scope';
import { scopeKey } from '../auth/scope';
import { indexCatalog, scopeView } from './query';
import type { CatalogView } from './query';
import { buildCatalog } from './registry';
import type { RegistrySnapshot } from './registry';

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

/** The catalog of a snapshot of the control plane's objects, with its namespaces' data planes. */
function snapshotView(snapshot: RegistrySnapshot): CatalogView {
  return indexCatalog(
    buildCatalog(snapshot),
    namespaceDataPlanes(dataPlaneContext(snapshot.namespaces, snapshot.gateways)),
  );
}

/**
 * The catalog kept current by watching the control plane. The informers' caches are the
 * control plane's state, not the BFF's: the BFF keeps nothing it could not rebuild by listing
 * again. The catalog is rebuilt on the first read after a change, so a burst of watch events
 * costs one rebuild.
 */
export class InformerCatalog implements CatalogSource {
  private cached: CatalogView | null = null;
  private readonly informers: ListWatch<KubernetesObject>[];

  private constructor(
    private readonly services: ListWatch<V1Service>,
    private readonly pods: ListWatch<V1Pod>,
    private readonly serviceEntries: ListWatch<ServiceEntry> | null,
    private readonly workloadEntries: ListWatch<WorkloadEntry> | null,
    private readonly namespaces: ListWatch<V1Namespace>,
    private readonly gateways: ListWatch<Gateway> | null,
  ) {
    this.informers = [services, pods, serviceEntries, workloadEntries, namespaces, gateways].filter(
      (i): i is ListWatch<KubernetesObject> => i !== null,
    );
    const invalidate = () => {
      this.cached = null;
    };
    for (const informer of this.informers) {
      for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, invalidate);
      informer.on('connect', invalidate);
    }
  }

  /**
   * Starts the informers and resolves once each has listed. Istio's kinds are optional, and so are
   * the Gateway API's (the waypoints): without them no waypoint exists.
   */
  static async start(kube: KubeClient, log: Logger): Promise<InformerCatalog> {
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
    const catalog = new InformerCatalog(
      kube.informer<V1Service>(core('services'), log),
      kube.informer<V1Pod>(core('pods'), log),
      istio ? kube.informer<ServiceEntry>(ist('serviceentries'), log) : null,
      istio ? kube.informer<WorkloadEntry>(ist('workloadentries'), log) : null,
      kube.informer<V1Namespace>(core('namespaces'), log),
      gatewayApi
        ? kube.informer<Gateway>(
            { group: 'gateway.networking.k8s.io', version: gatewayApi, plural: 'gateways' },
            log,
          )
        : null,
    );
    await Promise.all(catalog.informers.map((i) => i.start()));
    return catalog;
  }

  view(): CatalogView {
    if (!this.cached) {
      this.cached = snapshotView({
        services: this.services.list(),
        pods: this.pods.list(),
        serviceEntries: this.serviceEntries?.list() ?? [],
        workloadEntries: this.workloadEntries?.list() ?? [],
        namespaces: this.namespaces.list(),
        // Without the Gateway API no waypoint exists: every one named is missing.
        gateways: this.gateways?.list() ?? [],
      });
    }
    return this.cached;
  }

  get(id: string): ServiceDetail | undefined {
    return this.view().byId.get(id);
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}
