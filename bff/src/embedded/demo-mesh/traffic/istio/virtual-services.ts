/**
 * VirtualServices read into routes, with delegates merged in, and the visibility of each rule.
 *
 * - `hosts` and destination hosts are qualified in the rule's namespace (hosts.ts). `gateways` unset
 *   means the sidecars (`mesh`); set, it names the gateways the rule binds to, `mesh` only if listed
 *   (VirtualService reference, `gateways`).
 * - `exportTo` (VirtualService reference): unset means every namespace (meshConfig's default); `*`
 *   every namespace, `.` the rule's own, `~` none, otherwise the namespaces listed
 *   (push_context.go initVirtualServices).
 * - Delegates (VirtualService reference, "Delegate"; model/virtualservice_controller.go
 *   mergeVirtualServices, model/virtualservice.go MergeHTTPRoutes): a rule without `hosts` is a
 *   delegate, never applied on its own. A root's http route with `delegate: {name, namespace}` (the
 *   namespace defaults to the root's) is replaced, in place, by the delegate's http routes, each with
 *   its matches merged with the root's: every delegate match must be a narrowing of some root match
 *   (same or longer prefix, the same exact value, no regex on both sides, equal `ignoreUriCase`, no
 *   contradicting port, source namespace, labels or gateways), the merged match is the delegate's with
 *   the root's conditions filled in, and a delegate route with a conflicting match is dropped. Route
 *   fields the delegate leaves unset (timeout, retries, fault, mirror, headers, redirect/direct
 *   response...) come from the root route. A delegate that does not exist, or is not exported to the
 *   root's namespace, drops that root route. Only one level of delegation is supported (reference:
 *   "Only one level delegation is supported"): a delegate's own `delegate` routes are dropped.
 */
import type { RawObject } from './types';
import { fields, isFields, list, num, str, stringMap, strings } from './read';
import type { Fields } from './read';
import { MESH_GATEWAY, qualifyHost, resolveGatewayName } from './hosts';
import { readHttpMatches } from './match';
import type { HttpMatch, StringMatchSpec } from './match';

export interface DestinationSpec {
  host: string;
  subset?: string;
  port?: number;
}

export interface HeaderOps {
  set: Record<string, string>;
  add: Record<string, string>;
}

export interface RouteDestinationSpec extends DestinationSpec {
  weight: number;
  headers?: HeaderOps;
}

export interface HttpRouteSpec {
  name?: string;
  match: HttpMatch[];
  route: RouteDestinationSpec[];
  delegate?: { name: string; namespace: string };
  redirect?: Fields;
  directResponse?: Fields;
  fault?: Fields;
  timeout?: unknown;
  retries?: Fields;
  mirror?: DestinationSpec;
  mirrorPercentage?: unknown;
  mirrorPercent?: unknown;
  mirrors?: { destination: DestinationSpec; percentage?: unknown }[];
  headers?: HeaderOps;
}

interface L4Match {
  port?: number;
  sourceLabels: Record<string, string>;
  sourceNamespace?: string;
  gateways: string[];
  destinationSubnets: string[];
}

export interface TcpRouteSpec {
  match: L4Match[];
  route: RouteDestinationSpec[];
}

export type Visibility =
  { kind: 'public' } | { kind: 'none' } | { kind: 'namespaces'; namespaces: Set<string> };

export interface CompiledVirtualService {
  ref: { namespace: string; name: string; kind: string };
  namespace: string;
  /** Position in age order (creationTimestamp, then name, then namespace): lower is older. */
  age: number;
  hosts: string[];
  /** Resolved gateway names; `mesh` for sidecars. */
  gateways: Set<string>;
  visibility: Visibility;
  http: HttpRouteSpec[];
  tcp: TcpRouteSpec[];
}

function readDestination(v: unknown, ns: string): DestinationSpec | undefined {
  const d = fields(v);
  const host = str(d.host);
  if (!host) return undefined;
  const subset = str(d.subset);
  const port = num(fields(d.port).number);
  return { host: qualifyHost(host, ns), subset: subset || undefined, port: port || undefined };
}

function readHeaderOps(v: unknown): HeaderOps | undefined {
  const request = fields(fields(v).request);
  if (!isFields(request.set) && !isFields(request.add)) return undefined;
  return { set: stringMap(request.set), add: stringMap(request.add) };
}

function readRouteDestinations(v: unknown, ns: string): RouteDestinationSpec[] {
  const out: RouteDestinationSpec[] = [];
  for (const r of list(v)) {
    const f = fields(r);
    const d = readDestination(f.destination, ns);
    if (!d) continue;
    out.push({ ...d, weight: num(f.weight) ?? 0, headers: readHeaderOps(f.headers) });
  }
  return out;
}

function readHttpRoute(v: unknown, ns: string): HttpRouteSpec {
  const h = fields(v);
  const delegate = isFields(h.delegate) ? str(h.delegate.name) : undefined;
  const optional = (x: unknown) => (isFields(x) ? x : undefined);
  return {
    name: str(h.name),
    match: readHttpMatches(h.match, ns),
    route: readRouteDestinations(h.route, ns),
    delegate: delegate ? { name: delegate, namespace: str(fields(h.delegate).namespace) || ns } : undefined,
    redirect: optional(h.redirect),
    directResponse: optional(h.directResponse),
    fault: optional(h.fault),
    timeout: h.timeout,
    retries: optional(h.retries),
    mirror: readDestination(h.mirror, ns),
    mirrorPercentage: h.mirrorPercentage,
    mirrorPercent: h.mirrorPercent ?? h.mirror_percent,
    mirrors: Array.isArray(h.mirrors)
      ? h.mirrors.flatMap((m) => {
          const f = fields(m);
          const destination = readDestination(f.destination, ns);
          return destination ? [{ destination, percentage: f.percentage }] : [];
        })
      : undefined,
    headers: readHeaderOps(h.headers),
  };
}

function readTcpRoute(v: unknown, ns: string): TcpRouteSpec {
  const t = fields(v);
  return {
    match: list(t.match).map((m) => {
      const f = fields(m);
      return {
        port: num(f.port) || undefined,
        sourceLabels: stringMap(f.sourceLabels),
        sourceNamespace: str(f.sourceNamespace) || undefined,
        gateways: strings(f.gateways).map((g) => resolveGatewayName(g, ns)),
        destinationSubnets: strings(f.destinationSubnets),
      };
    }),
    route: readRouteDestinations(t.route, ns),
  };
}

function readVisibility(exportTo: string[], ns: string): Visibility {
  if (exportTo.length === 0 || exportTo.includes('*')) return { kind: 'public' };
  if (exportTo.includes('~')) return { kind: 'none' };
  return { kind: 'namespaces', namespaces: new Set(exportTo.map((e) => (e === '.' ? ns : e))) };
}

function isVisibleTo(v: Visibility, namespace: string): boolean {
  return v.kind === 'public' || (v.kind === 'namespaces' && v.namespaces.has(namespace));
}

// ---- delegate merge (model/virtualservice.go) ----

function stringMatchConflict(root: StringMatchSpec | undefined, leaf: StringMatchSpec | undefined): boolean {
  if (!root || !leaf) return false;
  const isSet = (s: StringMatchSpec, k: StringMatchSpec['kind']) => s.kind === k && s.value !== '';
  if (isSet(root, 'regex') && (isSet(leaf, 'regex') || isSet(leaf, 'prefix') || isSet(leaf, 'exact')))
    return true;
  if (isSet(leaf, 'regex') && (isSet(root, 'regex') || isSet(root, 'prefix') || isSet(root, 'exact')))
    return true;
  if (isSet(root, 'exact')) {
    if (isSet(leaf, 'prefix')) return true;
    return !(leaf.kind === 'exact' && leaf.value === root.value);
  }
  if (isSet(root, 'prefix')) {
    if (isSet(leaf, 'prefix') || isSet(leaf, 'exact')) return !leaf.value.startsWith(root.value);
  }
  return true;
}

function hasConflict(root: HttpMatch, leaf: HttpMatch): boolean {
  const pairs: [StringMatchSpec | undefined, StringMatchSpec | undefined][] = [
    [root.uri, leaf.uri],
    [root.scheme, leaf.scheme],
    [root.method, leaf.method],
    [root.authority, leaf.authority],
  ];
  if (pairs.some(([r, l]) => stringMatchConflict(r, l))) return true;
  for (const [k, v] of Object.entries(leaf.headers)) if (stringMatchConflict(root.headers[k], v)) return true;
  for (const [k, v] of Object.entries(leaf.withoutHeaders))
    if (stringMatchConflict(root.withoutHeaders[k], v)) return true;
  for (const [k, v] of Object.entries(leaf.queryParams))
    if (stringMatchConflict(root.queryParams[k], v)) return true;
  if (root.ignoreUriCase !== leaf.ignoreUriCase) return true;
  if (root.port && leaf.port && root.port !== leaf.port) return true;
  if (root.sourceNamespace && leaf.sourceNamespace !== root.sourceNamespace) return true;
  for (const [k, v] of Object.entries(leaf.sourceLabels)) {
    const rv = root.sourceLabels[k];
    if (rv !== undefined && rv !== v) return true;
  }
  if (root.gateways.length > 0 && leaf.gateways.length > 0) {
    if (root.gateways.length < leaf.gateways.length) return true;
    if (leaf.gateways.some((g) => !root.gateways.includes(g))) return true;
  }
  return false;
}

function mergeMatch(root: HttpMatch, leaf: HttpMatch): HttpMatch {
  return {
    name: leaf.name ? (root.name ? `${root.name}-${leaf.name}` : leaf.name) : root.name,
    uri: leaf.uri ?? root.uri,
    scheme: leaf.scheme ?? root.scheme,
    method: leaf.method ?? root.method,
    authority: leaf.authority ?? root.authority,
    headers: { ...root.headers, ...leaf.headers },
    withoutHeaders: { ...root.withoutHeaders, ...leaf.withoutHeaders },
    queryParams: { ...root.queryParams, ...leaf.queryParams },
    ignoreUriCase: leaf.ignoreUriCase,
    port: leaf.port ?? root.port,
    sourceLabels: { ...root.sourceLabels, ...leaf.sourceLabels },
    sourceNamespace: leaf.sourceNamespace ?? root.sourceNamespace,
    gateways: leaf.gateways.length > 0 ? leaf.gateways : root.gateways,
  };
}

/** The merged matches, or undefined when the delegate route conflicts with the root (mergeHTTPMatchRequests). */
function mergeMatches(root: HttpMatch[], leaf: HttpMatch[]): HttpMatch[] | undefined {
  if (root.length === 0) return leaf;
  if (leaf.length === 0) return root;
  const out: HttpMatch[] = [];
  for (const sub of leaf) {
    let found = false;
    for (const r of root) {
      if (hasConflict(r, sub)) continue;
      out.push(mergeMatch(r, sub));
      found = true;
    }
    if (!found) return undefined;
  }
  return out.length > 0 ? out : undefined;
}

function mergeRoute(root: HttpRouteSpec, leaf: HttpRouteSpec): HttpRouteSpec | undefined {
  const match = mergeMatches(root.match, leaf.match);
  if (!match) return undefined;
  return {
    ...leaf,
    match,
    name: leaf.name ? (root.name ? `${root.name}-${leaf.name}` : leaf.name) : root.name,
    directResponse: leaf.directResponse ?? root.directResponse,
    timeout: leaf.timeout ?? root.timeout,
    retries: leaf.retries ?? root.retries,
    fault: leaf.fault ?? root.fault,
    mirror: leaf.mirror ?? root.mirror,
    mirrorPercent: leaf.mirrorPercent ?? root.mirrorPercent,
    mirrorPercentage: leaf.mirrorPercentage ?? root.mirrorPercentage,
    mirrors: leaf.mirrors ?? root.mirrors,
    headers: leaf.headers ?? root.headers,
  };
}

/** Reads every VirtualService; returns the root rules (those with hosts), delegates merged in, oldest first. */
export function compileVirtualServices(
  objects: readonly RawObject[],
  byAge: (a: RawObject, b: RawObject) => number,
) {
  const sorted = [...objects].sort(byAge);
  const delegates = new Map<string, { visibility: Visibility; http: HttpRouteSpec[] }>();
  const roots: { o: RawObject; spec: Fields; ns: string; age: number }[] = [];
  sorted.forEach((o, age) => {
    const spec = fields(o.spec);
    const ns = o.metadata.namespace ?? 'default';
    if (strings(spec.hosts).length === 0) {
      delegates.set(`${ns}/${o.metadata.name}`, {
        visibility: readVisibility(strings(spec.exportTo), ns),
        http: list(spec.http).map((h) => readHttpRoute(h, ns)),
      });
    } else {
      roots.push({ o, spec, ns, age });
    }
  });
  const out: CompiledVirtualService[] = [];
  for (const { o, spec, ns, age } of roots) {
    const http: HttpRouteSpec[] = [];
    for (const route of list(spec.http).map((h) => readHttpRoute(h, ns))) {
      if (!route.delegate) {
        http.push(route);
        continue;
      }
      const d = delegates.get(`${route.delegate.namespace}/${route.delegate.name}`);
      if (!d || !isVisibleTo(d.visibility, ns)) continue;
      for (const leaf of d.http) {
        if (leaf.delegate) continue;
        const merged = mergeRoute(route, leaf);
        if (merged) http.push(merged);
      }
    }
    const gateways = strings(spec.gateways).map((g) => resolveGatewayName(g, ns));
    out.push({
      ref: { namespace: ns, name: o.metadata.name, kind: o.kind || 'VirtualService' },
      namespace: ns,
      age,
      hosts: strings(spec.hosts).map((h) => qualifyHost(h, ns)),
      gateways: new Set(gateways.length > 0 ? gateways : [MESH_GATEWAY]),
      visibility: readVisibility(strings(spec.exportTo), ns),
      http,
      tcp: list(spec.tcp).map((t) => readTcpRoute(t, ns)),
    });
  }
  return out;
}

/**
 * The order a proxy in `namespace` considers the rules it sees (push_context.go VirtualServicesForGateway,
 * virtualservice.go SelectVirtualServices): rules of its own namespace exported to it, then rules of
 * other namespaces exported to it by name, then public rules; oldest first within each group.
 */
export function visibleInOrder(
  all: readonly CompiledVirtualService[],
  namespace: string,
): CompiledVirtualService[] {
  const own: CompiledVirtualService[] = [];
  const named: CompiledVirtualService[] = [];
  const pub: CompiledVirtualService[] = [];
  for (const vs of all) {
    const v = vs.visibility;
    if (v.kind === 'public') pub.push(vs);
    else if (v.kind === 'namespaces' && v.namespaces.has(namespace))
      (vs.namespace === namespace ? own : named).push(vs);
  }
  return [...own, ...named, ...pub];
}
