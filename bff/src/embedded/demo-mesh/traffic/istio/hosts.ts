/**
 * Host names as Istio reads them.
 *
 * - A short name (no dot) in a rule is qualified in the rule's own namespace:
 *   `reviews` in namespace `default` is `reviews.default.svc.cluster.local` (VirtualService reference,
 *   `hosts`: "interpreted as reviews.default.svc.cluster.local, regardless of the actual namespace
 *   associated with the reviews service"; pilot/pkg/model/config.go ResolveShortnameToFQDN). A name
 *   with a dot, `*` and IP addresses are taken as written.
 * - `*.example.com` matches any name ending in `.example.com`; of two matching wildcards the longer is
 *   more specific, and an exact name beats any wildcard (pkg/config/host Name.Matches, MoreSpecific).
 * - A gateway reference `name` means `<rule namespace>/name`, `./name` likewise, `ns/name` as written,
 *   and the legacy `name.ns.svc.cluster.local` means `ns/name` (resolveGatewayName).
 */

export const MESH_GATEWAY = 'mesh';
const DOMAIN = 'cluster.local';

const isIPv4 = (h: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(h);
const isIPv6 = (h: string) => h.includes(':');

export function qualifyHost(host: string, namespace: string): string {
  const h = host.toLowerCase();
  if (h === '' || h === '*' || isIPv4(h) || isIPv6(h) || h.includes('.')) return h;
  return `${h}.${namespace}.svc.${DOMAIN}`;
}

export const isWildcard = (h: string) => h.startsWith('*');

/** Every name `a` stands for is also named by `b` (host.Name.SubsetOf). */
export function hostSubsetOf(a: string, b: string): boolean {
  const aw = isWildcard(a);
  const bw = isWildcard(b);
  if (aw && bw) return a.length >= b.length && a.slice(1).endsWith(b.slice(1));
  if (aw) return false;
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** Longest first, exact names before wildcards (host.MoreSpecific). */
export function moreSpecific(a: string, b: string): boolean {
  const aw = isWildcard(a);
  const bw = isWildcard(b);
  if (aw !== bw) return !aw;
  if (a.length === b.length) return a < b;
  return a.length > b.length;
}

/**
 * The most specific key of `byHost` naming `needle`: the exact name, else the most specific wildcard
 * whose suffix the needle ends with (pilot/pkg/model/config.go MostSpecificHostMatch).
 */
export function mostSpecificMatch<V>(needle: string, byHost: ReadonlyMap<string, V>): V | undefined {
  if (!isWildcard(needle)) {
    const exact = byHost.get(needle);
    if (exact !== undefined) return exact;
  }
  let best: string | undefined;
  for (const h of byHost.keys()) {
    if (!isWildcard(h)) continue;
    const matches = isWildcard(needle) ? hostSubsetOf(needle, h) : needle.endsWith(h.slice(1));
    if (matches && (best === undefined || moreSpecific(h, best))) best = h;
  }
  return best === undefined ? undefined : byHost.get(best);
}

export function resolveGatewayName(gateway: string, namespace: string): string {
  if (gateway === MESH_GATEWAY) return gateway;
  const slash = gateway.indexOf('/');
  if (slash >= 0) {
    const ns = gateway.slice(0, slash);
    return ns === '.' ? `${namespace}/${gateway.slice(slash + 1)}` : gateway;
  }
  const dot = gateway.indexOf('.');
  if (dot < 0) return `${namespace}/${gateway}`;
  const rest = gateway.slice(dot + 1);
  const nsEnd = rest.indexOf('.');
  return `${nsEnd < 0 ? rest : rest.slice(0, nsEnd)}/${gateway.slice(0, dot)}`;
}

/** The host a caller wrote, without a `:port` suffix, lower-cased (Envoy matches domains case-insensitively). */
export function stripPort(host: string): string {
  const h = host.toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon && /^\d+$/.test(h.slice(colon + 1)) ? h.slice(0, colon) : h;
}

/**
 * The registry host a sidecar's request names. The sidecar's virtual hosts carry, for a Kubernetes
 * service, its full name and the shortened forms a pod's DNS search path (`<ns>.svc.cluster.local
 * svc.cluster.local cluster.local`) expands: `reviews` from the same namespace, `reviews.default`,
 * `reviews.default.svc` (pilot/pkg/networking/core/httproute.go generateVirtualHostDomains).
 */
export function candidateHosts(host: string, callerNamespace: string): string[] {
  const h = stripPort(host);
  const out = [h];
  if (!h.endsWith(`.${DOMAIN}`) && !isIPv4(h) && !isWildcard(h)) {
    if (!h.includes('.')) out.push(`${h}.${callerNamespace}.svc.${DOMAIN}`);
    out.push(`${h}.svc.${DOMAIN}`, `${h}.${DOMAIN}`);
  }
  return out;
}
