import type {
  Protocol,
  ServiceDetail,
  ServiceListQuery,
  ServiceListResponse,
  ServiceSummary,
} from '../../contract/catalog';
import { inScope } from '../auth/scope';
import type { NamespaceScope } from '../auth/scope';
import { serviceWithin } from './registry';

/** The catalog prepared for queries: built once per change, read by every request until the next. */
export interface CatalogView {
  readonly services: readonly ServiceDetail[];
  readonly byId: ReadonlyMap<string, ServiceDetail>;
  readonly summaries: readonly ServiceSummary[];
  /** Lower-cased `id name application` per service, same order as `summaries`. */
  readonly haystacks: readonly string[];
  readonly facets: ServiceListResponse['facets'];
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
  };
}

export function indexCatalog(services: readonly ServiceDetail[]): CatalogView {
  const summaries = services.map(toSummary);
  const namespaces = [
    ...new Set(services.flatMap((s) => (s.conflict ? s.conflict.namespaces : [s.namespace]))),
  ].sort();
  const protocols = [...new Set(services.map((s) => s.protocol))].sort() as Protocol[];
  return {
    services,
    byId: new Map(services.map((s) => [s.id, s])),
    summaries,
    haystacks: services.map((s) => `${s.id} ${s.name} ${s.application}`.toLowerCase()),
    facets: { namespaces, protocols },
  };
}

/** Filters (search, namespace, protocol) and pages the catalog; services are ordered by ID. */
export function queryCatalog(view: CatalogView, query: ServiceListQuery): ServiceListResponse {
  const needle = query.q?.toLowerCase() ?? '';
  const start = (query.page - 1) * query.pageSize;
  const end = start + query.pageSize;
  const items: ServiceSummary[] = [];
  let total = 0;
  for (let i = 0; i < view.summaries.length; i++) {
    const s = view.summaries[i] as ServiceSummary;
    if (
      query.namespace &&
      s.namespace !== query.namespace &&
      !s.conflict?.namespaces.includes(query.namespace)
    )
      continue;
    if (query.protocol && s.protocol !== query.protocol) continue;
    if (needle && !(view.haystacks[i] as string).includes(needle)) continue;
    if (total >= start && total < end) items.push(s);
    total++;
  }
  return { items, total, page: query.page, pageSize: query.pageSize, facets: view.facets };
}

/**
 * The catalog of a scope: the services of its namespaces only (a service in conflict with the
 * providers of those namespaces only), indexed anew, so lists, facets and lookups know nothing else.
 */
export function scopeView(view: CatalogView, scope: NamespaceScope): CatalogView {
  if (scope.all) return view;
  const visible = (ns: string) => inScope(scope, ns);
  return indexCatalog(view.services.flatMap((s) => serviceWithin(s, visible) ?? []));
}
