import type { CatalogSource } from '../catalog/catalog';
import { indexCatalog } from '../catalog/query';
import type { CatalogView } from '../catalog/query';
import { currentPrincipal } from './context';

/**
 * The catalog as the current user may see it: a user limited to some namespaces sees only their
 * services (in lists and facets). Views are cached per base view and namespace set, so a request
 * costs a filter only after the catalog changed.
 */
export function scopedCatalog(catalog: CatalogSource): CatalogSource {
  let base: CatalogView | null = null;
  const views = new Map<string, CatalogView>();
  const view = (): CatalogView => {
    const full = catalog.view();
    const p = currentPrincipal();
    if (!p || p.role === 'admin' || p.namespaces.includes('*')) return full;
    if (full !== base) {
      base = full;
      views.clear();
    }
    const key = [...p.namespaces].sort().join(',');
    let scoped = views.get(key);
    if (!scoped) {
      const allowed = new Set(p.namespaces);
      scoped = indexCatalog(full.services.filter((s) => allowed.has(s.namespace)));
      views.set(key, scoped);
    }
    return scoped;
  };
  return { view, get: (id) => view().byId.get(id) };
}
