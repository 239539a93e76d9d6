/**
 * Gateway API HTTPRoutes as Istio implements them (Gateway API HTTPRoute reference; Istio's "Gateway
 * API" and "GAMMA / mesh" docs; pilot/pkg/config/kube/gateway/conversion.go convertHTTPRoute,
 * sortHTTPRoutes, route_collections.go).
 *
 * - Each rule is split into one route per match; a rule without matches matches PathPrefix `/` (the
 *   CRD's default). PathPrefix matches whole path segments (`/foo` matches `/foo` and `/foo/bar`, not
 *   `/foobar`; a trailing `/` is dropped); Exact; RegularExpression (RE2, full match). Header and query
 *   matches are Exact (default) or RegularExpression; `method` is exact. All of one match must hold.
 * - The routes for one parent and host, oldest HTTPRoute first, are ordered by Gateway API precedence:
 *   Exact path before prefix before regex, then the longer path, then a method match, then more header
 *   matches, then more query matches; the first that matches decides; none: 404.
 * - backendRefs: weight defaults to 1, zero weights are dropped, a single backend takes everything;
 *   with no backend of positive weight (and no redirect) the route answers 500. Backends are Services
 *   `name.namespace.svc.cluster.local` on `port` (ReferenceGrants are not modelled: a cross-namespace
 *   backend is allowed).
 * - Filters: RequestHeaderModifier (set/add, names lower-cased, first entry of a name wins),
 *   RequestRedirect (statusCode, 302 by the CRD's default), RequestMirror (percent or fraction, all
 *   requests when neither). `timeouts.request` is the route timeout; `timeouts.backendRequest` the
 *   per-try timeout when `retry` is set, else the route timeout. `retry` (attempts default 2, codes)
 *   retries on connect-failure,refused-stream,unavailable,cancelled and the codes; unset, Istio's
 *   default retry policy applies.
 * - Parents: a Gateway (gateway.networking.k8s.io) served by the workload Istio deploys for it
 *   (labels `gateway.networking.k8s.io/gateway-name: <name>`, in the Gateway's namespace); a listener
 *   takes a route when the parentRef's `sectionName`/`port` name it, the route's namespace is allowed
 *   (`allowedRoutes.namespaces.from`: Same by default, All; Selector is not modelled and admits none)
 *   and the hostnames intersect. A Service parent (GAMMA) routes sidecar traffic to that service
 *   (only on `port` when set): routes in the caller's namespace (consumer routes) first, else routes in
 *   the service's namespace (producer routes); routes of any other namespace never apply.
 */
import type { RawObject } from './types';
import { fields, list, num, str, strings } from './read';
import type { Fields } from './read';
import { hostSubsetOf } from './hosts';
import { compileRe2 } from './match';
import type { HttpMatch, StringMatchSpec } from './match';
import type { HeaderOps, HttpRouteSpec, RouteDestinationSpec } from './virtual-services';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const DOMAIN = 'cluster.local';

interface ParentRef {
  kind: 'Gateway' | 'Service' | 'other';
  name: string;
  namespace: string;
  sectionName?: string;
  port?: number;
}

export interface GatewayApiEntry {
  ref: { namespace: string; name: string; kind: string };
  route: HttpRouteSpec;
  match: HttpMatch;
}

export interface CompiledHttpRoute {
  namespace: string;
  name: string;
  hostnames: string[];
  parents: ParentRef[];
  entries: GatewayApiEntry[];
}

interface Listener {
  name: string;
  port: number;
  protocol: string;
  hostname?: string;
  from: string;
}

export interface CompiledKubeGateway {
  namespace: string;
  name: string;
  listeners: Listener[];
}

export const isGatewayApi = (o: RawObject) => o.apiVersion.startsWith(`${GATEWAY_GROUP}/`);

function readParent(v: unknown, routeNamespace: string): ParentRef {
  const p = fields(v);
  const group = str(p.group) ?? GATEWAY_GROUP;
  const kind = str(p.kind) ?? 'Gateway';
  const isService = (group === '' || group === 'core') && kind === 'Service';
  const isGateway = group === GATEWAY_GROUP && kind === 'Gateway';
  return {
    kind: isService ? 'Service' : isGateway ? 'Gateway' : 'other',
    name: str(p.name) ?? '',
    namespace: str(p.namespace) || routeNamespace,
    sectionName: str(p.sectionName),
    port: num(p.port) || undefined,
  };
}

function typedMatch(type: string | undefined, value: string): StringMatchSpec {
  return type === 'RegularExpression'
    ? { kind: 'regex', value, re: compileRe2(value) }
    : { kind: 'exact', value };
}

function readMatch(v: unknown): HttpMatch {
  const m = fields(v);
  const path = fields(m.path);
  const type = str(path.type) ?? 'PathPrefix';
  let value = str(path.value) ?? '/';
  let uri: StringMatchSpec;
  if (type === 'Exact') uri = { kind: 'exact', value };
  else if (type === 'RegularExpression') uri = { kind: 'regex', value, re: compileRe2(value) };
  else {
    if (value !== '/') value = value.replace(/\/+$/, '');
    uri = { kind: 'pathPrefix', value };
  }
  const headers: Record<string, StringMatchSpec> = {};
  for (const h of list(m.headers)) {
    const f = fields(h);
    const name = str(f.name)?.toLowerCase();
    if (name && !(name in headers)) headers[name] = typedMatch(str(f.type), str(f.value) ?? '');
  }
  const queryParams: Record<string, StringMatchSpec> = {};
  for (const q of list(m.queryParams)) {
    const f = fields(q);
    const name = str(f.name);
    if (name && !(name in queryParams)) queryParams[name] = typedMatch(str(f.type), str(f.value) ?? '');
  }
  const method = str(m.method);
  return {
    uri,
    method: method ? { kind: 'exact', value: method } : undefined,
    headers,
    withoutHeaders: {},
    queryParams,
    ignoreUriCase: false,
    sourceLabels: {},
    gateways: [],
  };
}

function headerModifier(v: unknown): HeaderOps | undefined {
  const f = fields(v);
  const toMap = (l: unknown) => {
    const out: Record<string, string> = {};
    for (const h of list(l)) {
      const name = str(fields(h).name)?.toLowerCase();
      const value = str(fields(h).value);
      if (name && value !== undefined && !(name in out)) out[name] = value;
    }
    return out;
  };
  if (!Array.isArray(f.set) && !Array.isArray(f.add)) return undefined;
  return { set: toMap(f.set), add: toMap(f.add) };
}

function backendHost(ref: Fields, routeNamespace: string): string | undefined {
  const kind = str(ref.kind) ?? 'Service';
  const group = str(ref.group) ?? '';
  const name = str(ref.name);
  if (!name || kind !== 'Service' || (group !== '' && group !== 'core')) return undefined;
  return `${name}.${str(ref.namespace) || routeNamespace}.svc.${DOMAIN}`.toLowerCase();
}

function readRule(
  v: unknown,
  o: RawObject,
  namespace: string,
  position: number,
): Omit<HttpRouteSpec, 'match'> {
  const r = fields(v);
  const spec: Omit<HttpRouteSpec, 'match'> = {
    name: str(r.name) ?? `${namespace}.${o.metadata.name}.${position}`,
    route: [],
  };
  for (const filter of list(r.filters)) {
    const f = fields(filter);
    switch (str(f.type)) {
      case 'RequestHeaderModifier':
        spec.headers = headerModifier(f.requestHeaderModifier);
        break;
      case 'RequestRedirect':
        spec.redirect = { redirectCode: num(fields(f.requestRedirect).statusCode) ?? 302 };
        break;
      case 'RequestMirror': {
        const m = fields(f.requestMirror);
        const host = backendHost(fields(m.backendRef), namespace);
        if (!host) break;
        const fraction = fields(m.fraction);
        const numerator = num(fraction.numerator);
        const percent =
          numerator !== undefined ? (100 * numerator) / (num(fraction.denominator) || 100) : num(m.percent);
        (spec.mirrors ??= []).push({
          destination: { host, port: num(fields(m.backendRef).port) || undefined },
          percentage: percent === undefined ? undefined : { value: percent },
        });
        break;
      }
    }
  }
  const retry = fields(r.retry);
  if (r.retry !== undefined && r.retry !== null) {
    const attempts = num(retry.attempts) ?? 2;
    const codes = list(retry.codes)
      .map((c) => num(c))
      .filter((c): c is number => c !== undefined);
    spec.retries = {
      attempts,
      retryOn:
        attempts > 0
          ? ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', ...codes].join(',')
          : '',
    };
  }
  const timeouts = fields(r.timeouts);
  if (str(timeouts.request)) spec.timeout = timeouts.request;
  if (str(timeouts.backendRequest)) {
    if (spec.retries) spec.retries = { ...spec.retries, perTryTimeout: timeouts.backendRequest };
    else spec.timeout = timeouts.backendRequest;
  }
  const backends: RouteDestinationSpec[] = [];
  for (const b of list(r.backendRefs)) {
    const f = fields(b);
    const weight = num(f.weight) ?? 1;
    if (weight <= 0) continue;
    const host = backendHost(f, namespace) ?? `invalid-backend.${namespace}`;
    let headers: HeaderOps | undefined;
    for (const filter of list(f.filters)) {
      if (str(fields(filter).type) === 'RequestHeaderModifier') {
        headers = headerModifier(fields(filter).requestHeaderModifier);
      }
    }
    backends.push({ host, port: num(f.port) || undefined, weight, headers });
  }
  if (backends.length === 0 && !spec.redirect) spec.directResponse = { status: 500 };
  spec.route = backends;
  return spec;
}

export function compileHttpRoutes(
  objects: readonly RawObject[],
  byAge: (a: RawObject, b: RawObject) => number,
): CompiledHttpRoute[] {
  return [...objects]
    .filter((o) => o.kind === 'HTTPRoute')
    .sort(byAge)
    .map((o) => {
      const spec = fields(o.spec);
      const namespace = o.metadata.namespace ?? 'default';
      const ref = { namespace, name: o.metadata.name, kind: 'HTTPRoute' };
      const entries: GatewayApiEntry[] = [];
      list(spec.rules).forEach((rule, position) => {
        const base = readRule(rule, o, namespace, position);
        const matches = list(fields(rule).matches);
        for (const m of matches.length > 0 ? matches : [{}]) {
          const match = readMatch(m);
          entries.push({ ref, route: { ...base, match: [match] }, match });
        }
      });
      return {
        namespace,
        name: o.metadata.name,
        hostnames: strings(spec.hostnames).map((h) => h.toLowerCase()),
        parents: list(spec.parentRefs).map((p) => readParent(p, namespace)),
        entries,
      };
    });
}

export function compileKubeGateways(objects: readonly RawObject[]): CompiledKubeGateway[] {
  return objects.filter(isGatewayApi).map((o) => {
    const spec = fields(o.spec);
    return {
      namespace: o.metadata.namespace ?? 'default',
      name: o.metadata.name,
      listeners: list(spec.listeners).flatMap((l): Listener[] => {
        const f = fields(l);
        const port = num(f.port);
        if (!port) return [];
        return [
          {
            name: str(f.name) ?? '',
            port,
            protocol: (str(f.protocol) ?? 'HTTP').toUpperCase(),
            hostname: str(f.hostname)?.toLowerCase(),
            from: str(fields(fields(f.allowedRoutes).namespaces).from) ?? 'Same',
          },
        ];
      }),
    };
  });
}

/** Stable order by Gateway API precedence (conversion.go sortHTTPRoutes). */
function byPrecedence(entries: GatewayApiEntry[]): GatewayApiEntry[] {
  const rank = (m: HttpMatch) =>
    !m.uri ? -1 : m.uri.kind === 'exact' ? 3 : m.uri.kind === 'regex' ? 1 : m.uri.kind === 'present' ? -1 : 2;
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const m1 = a.e.match;
      const m2 = b.e.match;
      return (
        rank(m2) - rank(m1) ||
        (m2.uri?.value.length ?? 0) - (m1.uri?.value.length ?? 0) ||
        (m2.method ? 1 : 0) - (m1.method ? 1 : 0) ||
        Object.keys(m2.headers).length - Object.keys(m1.headers).length ||
        Object.keys(m2.queryParams).length - Object.keys(m1.queryParams).length ||
        a.i - b.i
      );
    })
    .map(({ e }) => e);
}

/** The routes a Gateway API gateway workload serves on `port`, by host. */
export function kubeGatewayVirtualHosts(
  gateways: readonly CompiledKubeGateway[],
  routes: readonly CompiledHttpRoute[],
  workloadNamespace: string,
  workloadLabels: Record<string, string>,
  port: number,
): Map<string, GatewayApiEntry[]> {
  const vhosts = new Map<string, GatewayApiEntry[]>();
  const name =
    workloadLabels['gateway.networking.k8s.io/gateway-name'] ?? workloadLabels['istio.io/gateway-name'];
  for (const gw of gateways) {
    if (gw.namespace !== workloadNamespace || gw.name !== name) continue;
    for (const l of gw.listeners) {
      if (l.port !== port || (l.protocol !== 'HTTP' && l.protocol !== 'HTTPS')) continue;
      for (const route of routes) {
        const attached = route.parents.some(
          (p) =>
            p.kind === 'Gateway' &&
            p.name === gw.name &&
            p.namespace === gw.namespace &&
            (p.sectionName === undefined || p.sectionName === l.name) &&
            (p.port === undefined || p.port === l.port),
        );
        if (!attached) continue;
        if (l.from === 'Same' ? route.namespace !== gw.namespace : l.from !== 'All') continue;
        for (const h of intersectHostnames(route.hostnames, l.hostname)) {
          const entries = vhosts.get(h);
          if (entries) entries.push(...route.entries);
          else vhosts.set(h, [...route.entries]);
        }
      }
    }
  }
  for (const [h, entries] of vhosts) vhosts.set(h, byPrecedence(entries));
  return vhosts;
}

function intersectHostnames(routeHosts: string[], listenerHost: string | undefined): string[] {
  const listener = listenerHost ?? '*';
  if (routeHosts.length === 0) return [listener];
  const out: string[] = [];
  for (const h of routeHosts) {
    const hit = hostSubsetOf(h, listener) ? h : hostSubsetOf(listener, h) ? listener : undefined;
    if (hit !== undefined && !out.includes(hit)) out.push(hit);
  }
  return out;
}

/** The GAMMA routes for a service as a caller in `callerNamespace` sees them, ordered; empty if none. */
export function meshRoutesFor(
  routes: readonly CompiledHttpRoute[],
  service: { name: string; namespace: string },
  callerNamespace: string,
  port: number,
): GatewayApiEntry[] {
  const attachedIn = (ns: string) =>
    routes.filter(
      (r) =>
        r.namespace === ns &&
        r.parents.some(
          (p) =>
            p.kind === 'Service' &&
            p.name === service.name &&
            p.namespace === service.namespace &&
            (p.port === undefined || p.port === port),
        ),
    );
  let chosen = attachedIn(callerNamespace);
  if (chosen.length === 0 && callerNamespace !== service.namespace) chosen = attachedIn(service.namespace);
  return byPrecedence(chosen.flatMap((r) => r.entries));
}
