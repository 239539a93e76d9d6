import { serviceHealth } from '../../contract/catalog';
import type {
  NamespaceDataPlane,
  Protocol,
  ServiceDetail,
  ServiceHealth,
  ServiceListQuery,
  ServiceListResponse,
  ServiceSortKey,
  ServiceSummary,
} from '../../contract/catalog';
import { inScope } from '../auth/scope';
import type { NamespaceScope } from '../auth/scope';
import { compareText } from './labels';
import { serviceWithin } from './registry';

/** The catalog prepared for queries: built once per change, read by every request until the next. */
export interface CatalogView {
  readonly services: readonly ServiceDetail[];
  readonly byId: ReadonlyMap<string, ServiceDetail>;
  readonly summaries: readonly ServiceSummary[];
  /** Lower-cased `id name application` per service, same order as `summaries`. */
  readonly haystacks: readonly string[];
  readonly facets: ServiceListResponse['facets'];
  /** Every Namespace's data plane (the facets have those of the catalog's namespaces). */
  readonly namespaceDataPlanes: readonly NamespaceDataPlane[];
}

export function toSummary(s: ServiceDetail): ServiceSummary {
  return {
    id: s.id,
    name: s.name,
    application: s.application,
    namespace: s.namespace,
    conflict: s.conflict ?? null,
    protocol: s.protocol,
    host: s.host,
    platforms: s.platforms,
    versions: s.versions,
    instances: s.instances,
    dataPlane: s.dataPlane ?? { modes: [], waypoint: null },
  };
}

/** What a search looks in: ID, name and application, lower-cased. */
export function haystackOf(s: ServiceDetail): string {
  return `${s.id} ${s.name} ${s.application}`.toLowerCase();
}

export function indexCatalog(
  services: readonly ServiceDetail[],
  namespaceDataPlanes: readonly NamespaceDataPlane[] = [],
): CatalogView {
  const summaries = services.map(toSummary);
  const namespaces = [
    ...new Set(services.flatMap((s) => (s.conflict ? s.conflict.namespaces : [s.namespace]))),
  ].sort();
  const protocols = [...new Set(services.map((s) => s.protocol))].sort() as Protocol[];
  const listed = new Set(namespaces);
  return {
    services,
    byId: new Map(services.map((s) => [s.id, s])),
    summaries,
    haystacks: services.map(haystackOf),
    facets: {
      namespaces,
      protocols,
      namespaceDataPlanes: namespaceDataPlanes.filter((n) => listed.has(n.name)),
    },
    namespaceDataPlanes,
  };
}

const HEALTH_RANK: Record<ServiceHealth, number> = { down: 0, degraded: 1, healthy: 2 };

/** How two services compare by a column (ties are left to the ID). */
const COMPARE: Record<Exclude<ServiceSortKey, 'id'>, (a: ServiceSummary, b: ServiceSummary) => number> = {
  application: (a, b) => compareText(a.application, b.application),
  protocol: (a, b) => compareText(a.protocol, b.protocol),
  namespace: (a, b) => compareText(a.namespace, b.namespace),
  versions: (a, b) => a.versions.length - b.versions.length,
  instances: (a, b) => a.instances.total - b.instances.total || a.instances.ready - b.instances.ready,
  health: (a, b) => HEALTH_RANK[serviceHealth(a.instances)] - HEALTH_RANK[serviceHealth(b.instances)],
};

/**
 * Filters (search, namespace, protocol, platform, health, data plane), orders (by a column, then ID; the view is
 * in ID order) and pages the catalog.
 */
export function queryCatalog(view: CatalogView, query: ServiceListQuery): ServiceListResponse {
  const needle = query.q?.toLowerCase() ?? '';
  const start = (query.page - 1) * query.pageSize;
  const end = start + query.pageSize;
  const sort = query.sort ?? 'id';
  const desc = query.order === 'desc';
  // Ordered by ID already; another column's order is sorted once per view (descending is its reverse).
  const order = sort === 'id' ? null : sortedBy(view, sort);
  const n = view.summaries.length;
  const items: ServiceSummary[] = [];
  let total = 0;
  for (let k = 0; k < n; k++) {
    const j = desc ? n - 1 - k : k;
    const i = order ? (order[j] as number) : j;
    const s = view.summaries[i] as ServiceSummary;
    if (!matches(view, i, s, query, needle)) continue;
    if (total >= start && total < end) items.push(s);
    total++;
  }
  return { items, total, page: query.page, pageSize: query.pageSize, facets: view.facets };
}

const sortOrders = new WeakMap<CatalogView, Map<ServiceSortKey, Uint32Array>>();

/**
 * The view's services ordered by a column, then ID, as positions in `summaries`. A total order (IDs
 * are unique), so descending is exactly its reverse. Sorting 20,000 services on every request
 * costs tens of milliseconds; once per view, a request costs a pass over the list.
 */
function sortedBy(view: CatalogView, sort: Exclude<ServiceSortKey, 'id'>): Uint32Array {
  let byKey = sortOrders.get(view);
  if (!byKey) sortOrders.set(view, (byKey = new Map()));
  let order = byKey.get(sort);
  if (!order) {
    const compare = COMPARE[sort];
    const summaries = view.summaries;
    order = Uint32Array.from(summaries.keys()).sort((x, y) => {
      const a = summaries[x] as ServiceSummary;
      const b = summaries[y] as ServiceSummary;
      return compare(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    byKey.set(sort, order);
  }
  return order;
}

function matches(
  view: CatalogView,
  i: number,
  s: ServiceSummary,
  query: ServiceListQuery,
  needle: string,
): boolean {
  if (query.namespace && s.namespace !== query.namespace && !s.conflict?.namespaces.includes(query.namespace))
    return false;
  if (query.protocol && s.protocol !== query.protocol) return false;
  if (query.platform && !s.platforms.includes(query.platform)) return false;
  if (query.health && serviceHealth(s.instances) !== query.health) return false;
  if (query.dataPlane && !s.dataPlane?.modes.includes(query.dataPlane)) return false;
  if (needle && !(view.haystacks[i] as string).includes(needle)) return false;
  return true;
}

/**
 * The catalog of a scope: the services of its namespaces only (a service in conflict with the
 * providers of those namespaces only), indexed anew, so lists, facets and lookups know nothing else.
 */
export function scopeView(view: CatalogView, scope: NamespaceScope): CatalogView {
  if (scope.all) return view;
  const visible = (ns: string) => inScope(scope, ns);
  const scoped = indexCatalog(
    view.services.flatMap((s) => serviceWithin(s, visible) ?? []),
    view.namespaceDataPlanes.filter((n) => visible(n.name)),
  );
  // A conflict names every claimant; the namespace filter offers the scope's own only.
  return { ...scoped, facets: { ...scoped.facets, namespaces: scoped.facets.namespaces.filter(visible) } };
}
