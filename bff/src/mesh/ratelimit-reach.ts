import type { Instance } from '../contract/catalog';
import type { MeshObject } from './istio-types';
import {
  GLOBAL_RATELIMIT_FILTER,
  GLOBAL_RATELIMIT_TYPE,
  LOCAL_RATELIMIT_FILTER,
  LOCAL_RATELIMIT_TYPE,
} from './ratelimit-envoy';

/**
 * Which EnvoyFilters reach a service's sidecars, as istiod attaches them (pilot's
 * `PushContext.EnvoyFilters` and `WorkloadPolicyMatcher`), with no I/O:
 *
 * - an EnvoyFilter applies to the proxies of its own namespace, except that one in the config root
 *   namespace (meshConfig.rootNamespace, `istio-system` by default) applies to proxies of every
 *   namespace;
 * - `workloadSelector.labels` narrows it to the proxies whose labels hold every one of them; no
 *   selector (or no labels) means every proxy in that scope;
 * - one with `targetRefs` is for gateways and waypoints only: istiod never attaches it to a sidecar.
 *
 * Istio applies them by `priority`, then root namespace first, then creation time, then name: the
 * order kept here, so a list reads as the order in which the patches run.
 */

/** The config root namespace of a default Istio install. */
export const ROOT_NAMESPACE = 'istio-system';

/** What matching needs of an instance of the service. */
export type ServiceInstance = Pick<Instance, 'kind' | 'namespace' | 'labels'>;

export interface EnvoyFilterReach {
  filter: MeshObject;
  /** `root`: from the config root namespace, so mesh-wide; `namespace`: from the proxies' own namespace. */
  from: 'root' | 'namespace';
  /** The selector's labels; null when it has none, so every proxy in its scope. */
  selector: Record<string, string> | null;
  /** How many of the service's proxies it selects, of how many the service has. */
  instances: { selected: number; total: number };
  /** Whether a patch names Envoy's local or global rate-limit filter (or their config types). */
  rateLimiting: boolean;
}

const namespaceOf = (o: MeshObject) => o.metadata.namespace ?? '';

/** A Pod or a WorkloadEntry (a VM) has a sidecar; a ServiceEntry's inline endpoint has none. */
const hasProxy = (i: ServiceInstance) => i.kind !== 'ServiceEntryEndpoint';

function selectorOf(filter: MeshObject): Record<string, string> | null {
  const labels = (filter.spec.workloadSelector as { labels?: Record<string, string> } | undefined)?.labels;
  return labels && Object.keys(labels).length > 0 ? labels : null;
}

function hasTargetRefs(filter: MeshObject): boolean {
  const refs = filter.spec.targetRefs;
  return Array.isArray(refs) && refs.length > 0;
}

const selects = (selector: Record<string, string> | null, labels: Record<string, string>) =>
  selector === null || Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Envoy's rate-limit filters by name (and the deprecated name of the global one). */
const RATE_LIMIT_NAMES = new Set([LOCAL_RATELIMIT_FILTER, GLOBAL_RATELIMIT_FILTER, 'envoy.rate_limit']);
/** Their configs' type URLs, of any API version: `…/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit`. */
const RATE_LIMIT_TYPE_PACKAGES = [LOCAL_RATELIMIT_TYPE, GLOBAL_RATELIMIT_TYPE].map((t) =>
  t.replace(/^.*\//, '').replace(/v\d+\.\w+$/, ''),
);
/** A route's rate-limit actions (`route.rate_limits`), which feed the descriptors those filters count. */
const RATE_LIMIT_KEYS = new Set([...RATE_LIMIT_NAMES, 'rate_limits']);

function namesRateLimit(text: string): boolean {
  if (RATE_LIMIT_NAMES.has(text)) return true;
  const type = text.replace(/^.*\//, '');
  return RATE_LIMIT_TYPE_PACKAGES.some((p) => type.startsWith(p));
}

/** Anywhere in a patch: a filter's name, a typed config's type, a per-route config's key, route actions. */
function mentionsRateLimit(value: unknown): boolean {
  if (typeof value === 'string') return namesRateLimit(value);
  if (Array.isArray(value)) return value.some(mentionsRateLimit);
  if (value && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => RATE_LIMIT_KEYS.has(k) || mentionsRateLimit(v));
  return false;
}

/**
 * Whether an EnvoyFilter touches rate limiting: a patch naming envoy.filters.http.local_ratelimit or
 * envoy.filters.http.ratelimit (or their config types), or adding a route's rate-limit actions.
 */
export function touchesRateLimiting(filter: MeshObject): boolean {
  const patches = filter.spec.configPatches;
  return Array.isArray(patches) && patches.some(mentionsRateLimit);
}

function creation(o: MeshObject): number {
  const t = Date.parse(o.metadata.creationTimestamp ?? '');
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
}

/**
 * The EnvoyFilters among `filters` that istiod attaches to at least one of the service's proxies
 * (`instances`), in the order it applies them.
 */
export function envoyFiltersReaching(
  filters: readonly MeshObject[],
  instances: readonly ServiceInstance[],
  rootNamespace: string = ROOT_NAMESPACE,
): EnvoyFilterReach[] {
  const proxies = instances.filter(hasProxy);
  const reached: EnvoyFilterReach[] = [];
  for (const filter of filters) {
    if (filter.kind !== 'EnvoyFilter' || hasTargetRefs(filter)) continue;
    const ns = namespaceOf(filter);
    const root = ns === rootNamespace;
    const inScope = root ? proxies : proxies.filter((p) => p.namespace === ns);
    const selector = selectorOf(filter);
    const selected = inScope.filter((p) => selects(selector, p.labels)).length;
    if (selected === 0) continue;
    reached.push({
      filter,
      from: root ? 'root' : 'namespace',
      selector,
      instances: { selected, total: proxies.length },
      rateLimiting: touchesRateLimiting(filter),
    });
  }
  const priority = (r: EnvoyFilterReach) => {
    const p = r.filter.spec.priority;
    return typeof p === 'number' ? p : 0;
  };
  return reached.sort(
    (a, b) =>
      priority(a) - priority(b) ||
      Number(b.from === 'root') - Number(a.from === 'root') ||
      creation(a.filter) - creation(b.filter) ||
      `${a.filter.metadata.name}.${namespaceOf(a.filter)}`.localeCompare(
        `${b.filter.metadata.name}.${namespaceOf(b.filter)}`,
      ),
  );
}
