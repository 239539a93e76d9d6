import { currentPrincipal } from '../../lib/request-context';
import type { Principal } from '../../lib/principal';

/**
 * The namespaces a caller may see: a parameter of every query that spans namespaces (the catalog,
 * the monitoring overview and a service's metrics, the topology, the event stream). The features
 * query and compute only these namespaces, so an answer never holds another namespace's data and
 * nothing has to be cut from it afterwards. `all`: an admin or a user of every namespace (`*`).
 */
export type NamespaceScope =
  { readonly all: true } | { readonly all: false; readonly namespaces: ReadonlySet<string> };

export const ALL_NAMESPACES: NamespaceScope = { all: true };

export function onlyNamespaces(namespaces: Iterable<string>): NamespaceScope {
  return { all: false, namespaces: new Set(namespaces) };
}

/** What `p` may see; nobody (no principal) sees nothing. */
function namespaceScope(p: Pick<Principal, 'role' | 'namespaces'> | null): NamespaceScope {
  if (!p) return onlyNamespaces([]);
  if (p.role === 'admin' || p.namespaces.includes('*')) return ALL_NAMESPACES;
  return onlyNamespaces(p.namespaces);
}

/** The scope of the request being served (its principal, from the request context). */
export function callerScope(): NamespaceScope {
  return namespaceScope(currentPrincipal());
}

export function inScope(scope: NamespaceScope, namespace: string): boolean {
  return scope.all || scope.namespaces.has(namespace);
}

/**
 * A canonical name of the scope, for cache and coalescing keys: `*`, or the sorted namespaces as
 * JSON (so that no namespace name, however odd, makes two scopes share a key).
 */
export function scopeKey(scope: NamespaceScope): string {
  return scope.all ? '*' : JSON.stringify([...scope.namespaces].sort());
}

/** The namespaces as a list for a telemetry query; null: every namespace. */
export function scopeNamespaces(scope: NamespaceScope): ReadonlySet<string> | null {
  return scope.all ? null : scope.namespaces;
}
