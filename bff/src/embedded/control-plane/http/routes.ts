import type { VirtualResource } from './virtual-resources';
import { findVirtualResource } from './virtual-resources';

/** Which endpoint a request path names. Resource paths follow the Kubernetes REST layout. */
export type Route =
  | { kind: 'health' }
  | { kind: 'version' }
  | { kind: 'root' }
  | { kind: 'api' }
  | { kind: 'apis' }
  | { kind: 'group'; group: string }
  | { kind: 'group-version'; group: string; version: string }
  | { kind: 'openapi-v3-index' }
  | { kind: 'openapi-v3'; group: string; version: string }
  | { kind: 'openapi-v2' }
  | ResourceRoute
  /** A resource answered by a handler, not the store (self reviews). */
  | { kind: 'virtual'; resource: VirtualResource }
  | { kind: 'unknown' };

export interface ResourceRoute {
  kind: 'resource';
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The deprecated `/watch/` path prefix. */
  legacyWatch: boolean;
}

const HEALTH = new Set(['/healthz', '/livez', '/readyz']);

/** Path segments of a namespace's own subresources, which are not resource names. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (HEALTH.has(path) || [...HEALTH].some((h) => path.startsWith(`${h}/`))) return { kind: 'health' };
  if (path === '/version') return { kind: 'version' };
  if (path === '/') return { kind: 'root' };
  if (path === '/openapi/v2') return { kind: 'openapi-v2' };
  if (path === '/openapi/v3') return { kind: 'openapi-v3-index' };
  let segments: string[];
  try {
    segments = path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return { kind: 'unknown' };
  }
  if (segments[0] === 'openapi' && segments[1] === 'v3') {
    if (segments[2] === 'api' && segments[3] && segments.length === 4)
      return { kind: 'openapi-v3', group: '', version: segments[3] };
    if (segments[2] === 'apis' && segments[3] && segments[4] && segments.length === 5)
      return { kind: 'openapi-v3', group: segments[3], version: segments[4] };
    return { kind: 'unknown' };
  }
  if (segments[0] === 'api') {
    if (segments.length === 1) return { kind: 'api' };
    const version = segments[1] ?? '';
    if (segments.length === 2) return { kind: 'group-version', group: '', version };
    return resourceRoute('', version, segments.slice(2));
  }
  if (segments[0] === 'apis') {
    if (segments.length === 1) return { kind: 'apis' };
    const group = segments[1] ?? '';
    if (segments.length === 2) return { kind: 'group', group };
    const version = segments[2] ?? '';
    if (segments.length === 3) return { kind: 'group-version', group, version };
    return virtualOrResource(resourceRoute(group, version, segments.slice(3)));
  }
  return { kind: 'unknown' };
}

function virtualOrResource(route: Route): Route {
  if (
    route.kind !== 'resource' ||
    route.namespace !== undefined ||
    route.name !== undefined ||
    route.legacyWatch
  )
    return route;
  const resource = findVirtualResource(route.group, route.version, route.plural);
  return resource ? { kind: 'virtual', resource } : route;
}

function resourceRoute(group: string, version: string, rest: string[]): Route {
  let s = rest;
  const legacyWatch = s[0] === 'watch';
  if (legacyWatch) s = s.slice(1);
  if (s.some((part) => part === '')) return { kind: 'unknown' };
  if (s[0] === 'namespaces' && s.length >= 3 && !NAMESPACE_SUBRESOURCES.has(s[2] ?? '')) {
    if (s.length > 5) return { kind: 'unknown' };
    const [, namespace, plural = '', name, subresource] = s;
    return { kind: 'resource', group, version, plural, namespace, name, subresource, legacyWatch };
  }
  if (s.length === 0 || s.length > 3) return { kind: 'unknown' };
  const [plural = '', name, subresource] = s;
  return { kind: 'resource', group, version, plural, name, subresource, legacyWatch };
}
