/**
 * The demo's Istio routing engine: what Istio's proxies do with one kind of request, decided from the
 * mesh's raw objects by Istio's documented semantics (and pilot's code where the reference is silent),
 * never through the console's own reading of rules.
 *
 * Which rule applies at a sidecar (VirtualService reference `hosts`, `exportTo`, `gateways`;
 * pilot/pkg/model/sidecar.go computeWildcardHostVirtualServiceIndex, core/httproute.go):
 *   - the caller names a service by its full or DNS-search-path short name, among the services exported
 *     to its namespace;
 *   - the rules considered are those bound to `mesh` and visible to the caller's namespace, in the order
 *     own-namespace (exported to it), exported to it by name, public; oldest first in each group;
 *   - a rule naming the service's host exactly applies, the first in that order winning when several
 *     do; with none, the rule with the most specific wildcard host naming it;
 *   - routes are kept for the caller only when their match's `port`, `sourceLabels`, `sourceNamespace`
 *     and `gateways` fit it; a rule left without routes for the caller does not apply to it;
 *   - no rule: Istio's default route to the service (every endpoint, default retries, no timeout);
 *   - a rule applies but no route matches: 404 NR (`not-found`).
 * At a gateway (Gateway reference; core/gateway.go buildGatewayHTTPRouteConfig): see gateways.ts for
 *   servers; the rules bound to each server's Gateway and visible to the gateway workload's namespace,
 *   in the same order, contribute their routes to a virtual host per intersecting host name; the rules
 *   of one host are concatenated in that order (Istio merges them) and routes that catch everything
 *   are moved to the end (route.go SortVHostRoutes). The request's host picks the virtual host as Envoy
 *   does (exact, then the longest wildcard suffix, then `*`). Nothing found: 404 NR.
 * Route order (VirtualService reference, HTTPRoute): the first `http` entry with a match that holds
 *   (match.ts); an entry without `match` matches everything.
 * What the route does (route.go TranslateRoute, applyHTTPRouteDestination; retry/retry.go):
 *   - `redirect` wins over `directResponse`, which wins over `route`; a redirect answers with its
 *     `redirectCode` (301 when unset);
 *   - weights: one destination takes all traffic whatever its weight; several share by weight,
 *     normalised, zero weights dropped;
 *   - `subset` → the subset of the DestinationRule the caller sees for the destination host
 *     (destination-rules.ts); an undefined subset leaves Envoy with no cluster, so it answers 503 with
 *     flag NC (`undefinedSubset`);
 *   - `timeout`: unset means none (Istio sets Envoy's route timeout to 0, disabled; Envoy's own 15s
 *     default never applies);
 *   - `retries`: unset means Istio's default, 2 attempts on
 *     connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes; `attempts: 0` (or
 *     unset within `retries`) disables retries; status codes in `retryOn` are retriable status codes;
 *   - `fault`: delay `fixedDelay` with `percentage.value` (or the deprecated integer `percent`); abort
 *     `httpStatus` or `grpcStatus` with `percentage.value`; an unset percentage injects nothing
 *     (reference: "If left unspecified, no request will be delayed/aborted"); exponential delays are
 *     not supported by Istio and dropped;
 *   - `mirror` mirrors `mirrorPercentage.value` percent (or the deprecated `mirrorPercent`), 100 when
 *     both are unset, none when explicitly 0; each `mirrors` entry likewise with its `percentage`;
 *   - `headers.request.set` then `.add` on the route, and a destination's own for that destination.
 * Gateway API HTTPRoutes (http-routes.ts): routes of a gateway.networking.k8s.io Gateway join the
 *   gateway's virtual hosts; routes attached to a Service (GAMMA) decide that service's sidecar traffic
 *   before any VirtualService.
 * TCP (VirtualService reference, TCPRoute, L4MatchAttributes): the first `tcp` entry whose match
 *   fits the caller (port, sourceLabels, sourceNamespace, gateways); no entry: the service itself.
 *   `destinationSubnets` needs destination IPs, which the demo does not model: such a match never holds.
 */
import type {
  DecideRoute,
  FaultPolicy,
  MeshConfig,
  MeshService,
  Percent,
  RequestContext,
  RetryPolicy,
  RouteDecision,
  WeightedDestination,
} from './types';
import { durationMs, isFields, labelsSubsetOf, num, percentValue, str } from './read';
import type { Fields } from './read';
import { MESH_GATEWAY, candidateHosts, hostSubsetOf, isWildcard, moreSpecific, stripPort } from './hosts';
import { appliesToProxy, isCatchAll, requestMatches, wireRequest } from './match';
import type { HttpMatch, ProxyView, WireRequest } from './match';
import {
  DestinationRuleIndex,
  byAge,
  effectivePolicy,
  findSubset,
  toTrafficPolicy,
} from './destination-rules';
import { compileVirtualServices, visibleInOrder } from './virtual-services';
import type {
  CompiledVirtualService,
  DestinationSpec,
  HeaderOps,
  HttpRouteSpec,
  RouteDestinationSpec,
  TcpRouteSpec,
} from './virtual-services';
import { compileGateways, hostsAdmitted, serversFor } from './gateways';
import {
  compileHttpRoutes,
  compileKubeGateways,
  isGatewayApi,
  kubeGatewayVirtualHosts,
  meshRoutesFor,
} from './http-routes';
import type { CompiledGateway } from './gateways';

const DEFAULT_RETRY_ON = [
  'connect-failure',
  'refused-stream',
  'unavailable',
  'cancelled',
  'retriable-status-codes',
];
const defaultRetries = (): RetryPolicy => ({ attempts: 2, retryOn: [...DEFAULT_RETRY_ON] });

/** One route as Envoy holds it: a rule's route with one of its matches (none: matches everything). */
interface RouteEntry {
  ref: { namespace: string; name: string; kind: string };
  route: HttpRouteSpec;
  match?: HttpMatch;
}

/** Who the proxy routes for: the caller's sidecar, or the gateway workload. */
interface Caller {
  namespace: string;
  labels: Record<string, string>;
  port: number;
}

interface MeshHostIndex {
  exact: Map<string, CompiledVirtualService[]>;
  /** Wildcard host → the first rule (in order) naming it. */
  wildcard: Map<string, CompiledVirtualService>;
}

function serviceVisibleTo(s: MeshService, namespace: string): boolean {
  const e = s.exportTo;
  if (!e || e.length === 0 || e.includes('*')) return true;
  if (e.includes('~')) return false;
  return e.some((x) => (x === '.' ? s.namespace === namespace : x === namespace));
}

function shares(route: readonly RouteDestinationSpec[]): { d: RouteDestinationSpec; share: number }[] {
  const [only] = route;
  if (route.length === 1 && only) return [{ d: only, share: 1 }];
  const weighted = route.filter((d) => d.weight > 0);
  const total = weighted.reduce((s, d) => s + d.weight, 0);
  if (total <= 0) return route.map((d) => ({ d, share: 1 / route.length }));
  return weighted.map((d) => ({ d, share: d.weight / total }));
}

function headerOps(ops: HeaderOps | undefined, into: Record<string, string> = {}): Record<string, string> {
  if (!ops) return into;
  const internal = (k: string) => k.startsWith(':') || k.toLowerCase() === 'host';
  for (const [k, v] of Object.entries(ops.set)) if (!internal(k)) into[k.toLowerCase()] = v;
  for (const [k, v] of Object.entries(ops.add)) {
    if (internal(k)) continue;
    const key = k.toLowerCase();
    into[key] = into[key] !== undefined ? `${into[key]},${v}` : v;
  }
  return into;
}

function readRetries(r: Fields | undefined): RetryPolicy {
  if (!r) return defaultRetries();
  const attempts = num(r.attempts) ?? 0;
  if (attempts <= 0) return { attempts: 0, retryOn: [] };
  const out: RetryPolicy = { attempts, retryOn: [...DEFAULT_RETRY_ON] };
  const retryOn = str(r.retryOn);
  if (retryOn) {
    const conditions: string[] = [];
    const codes: number[] = [];
    for (const part of retryOn
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      if (/^\d+$/.test(part)) codes.push(Number(part));
      else conditions.push(part);
    }
    if (codes.length > 0 && !conditions.includes('retriable-status-codes'))
      conditions.push('retriable-status-codes');
    out.retryOn = conditions;
    if (codes.length > 0) out.retriableStatusCodes = codes;
  }
  const perTry = durationMs(r.perTryTimeout);
  if (perTry !== undefined && perTry > 0) out.perTryTimeoutMs = perTry;
  return out;
}

function readFault(f: Fields | undefined): FaultPolicy | undefined {
  if (!f) return undefined;
  const out: FaultPolicy = {};
  if (isFields(f.delay)) {
    const d = f.delay;
    const fixedDelayMs = durationMs(d.fixedDelay);
    if (fixedDelayMs !== undefined) {
      out.delay = {
        fixedDelayMs,
        percent: percentValue(d.percentage) ?? Math.min(100, Math.max(0, num(d.percent) ?? 0)),
      };
    }
  }
  if (isFields(f.abort)) {
    const a = f.abort;
    const percent = percentValue(a.percentage) ?? 0;
    const httpStatus = num(a.httpStatus);
    const grpcStatus = str(a.grpcStatus);
    if (httpStatus !== undefined) out.abort = { percent, httpStatus };
    else if (grpcStatus !== undefined) out.abort = { percent, grpcStatus };
  }
  return out.delay || out.abort ? out : undefined;
}

function mirrorPercent(percentage: unknown, legacy: unknown): number | undefined {
  if (isFields(percentage)) {
    const p = percentValue(percentage) ?? 0;
    return p > 0 ? p : undefined;
  }
  if (legacy !== undefined && legacy !== null) {
    const p = num(isFields(legacy) ? legacy.value : legacy) ?? 0;
    return p > 0 ? Math.min(100, p) : undefined;
  }
  return 100;
}

/** What a route does that does not depend on who calls: read once per route. */
interface RouteActions {
  fault?: FaultPolicy;
  directStatus?: number;
  split: { d: RouteDestinationSpec; share: number }[];
  mirrors: (Percent & { destination: DestinationSpec })[];
  timeoutMs?: number;
  retries: RetryPolicy;
  requestHeaders?: Record<string, string>;
}

const actionsCache = new WeakMap<HttpRouteSpec, RouteActions>();

function actionsOf(route: HttpRouteSpec): RouteActions {
  const cached = actionsCache.get(route);
  if (cached) return cached;
  const split = shares(route.route);
  const mirrors: RouteActions['mirrors'] = [];
  if (route.mirror) {
    const percent = mirrorPercent(route.mirrorPercentage, route.mirrorPercent);
    if (percent !== undefined) mirrors.push({ destination: route.mirror, percent });
  }
  for (const m of route.mirrors ?? []) {
    const percent = mirrorPercent(m.percentage, undefined);
    if (percent !== undefined) mirrors.push({ destination: m.destination, percent });
  }
  const headers = headerOps(route.headers);
  const [single] = split;
  if (split.length === 1 && single?.d.headers) headerOps(single.d.headers, headers);
  const out: RouteActions = {
    fault: readFault(route.fault),
    directStatus: route.redirect
      ? num(route.redirect.redirectCode) || 301
      : route.directResponse
        ? (num(route.directResponse.status) ?? 200)
        : undefined,
    split,
    mirrors,
    timeoutMs: durationMs(route.timeout) || undefined,
    retries: readRetries(route.retries),
    requestHeaders: Object.keys(headers).length > 0 ? headers : undefined,
  };
  actionsCache.set(route, out);
  return out;
}

const labelsKey = (labels: Record<string, string>) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');

/** Compiles the mesh's configuration once; the returned function decides for one kind of request. */
export function compileMeshConfig(config: MeshConfig): (request: RequestContext) => RouteDecision {
  const services = new Map<string, MeshService>();
  for (const s of config.services) services.set(s.host.toLowerCase(), s);
  const destinationRules = new DestinationRuleIndex(config.destinationRules, config.rootNamespace);
  const virtualServices = compileVirtualServices(config.virtualServices, byAge);
  const gateways: CompiledGateway[] = compileGateways(
    config.gateways.filter((o) => !isGatewayApi(o)),
    byAge,
  );
  const kubeGateways = compileKubeGateways(config.gateways);
  const httpRoutes = compileHttpRoutes(config.httpRoutes, byAge);

  const meshIndexByNamespace = new Map<string, MeshHostIndex>();
  const meshIndex = (namespace: string): MeshHostIndex => {
    let index = meshIndexByNamespace.get(namespace);
    if (index) return index;
    index = { exact: new Map(), wildcard: new Map() };
    const ordered = visibleInOrder(
      virtualServices.filter((vs) => vs.gateways.has(MESH_GATEWAY)),
      namespace,
    );
    for (const vs of ordered) {
      for (const h of vs.hosts) {
        // `*` alone is refused for mesh-bound rules by Istio's validation; it would name every service.
        if (h === '*') continue;
        if (isWildcard(h)) {
          if (!index.wildcard.has(h)) index.wildcard.set(h, vs);
        } else {
          const list = index.exact.get(h);
          if (list) list.push(vs);
          else index.exact.set(h, [vs]);
        }
      }
    }
    meshIndexByNamespace.set(namespace, index);
    return index;
  };

  const gatewayRulesCache = new Map<string, CompiledVirtualService[]>();
  const gatewayRules = (workloadNamespace: string, gateway: string): CompiledVirtualService[] => {
    const key = `${workloadNamespace}\u0000${gateway}`;
    let rules = gatewayRulesCache.get(key);
    if (!rules) {
      rules = visibleInOrder(
        virtualServices.filter((vs) => vs.gateways.has(gateway)),
        workloadNamespace,
      );
      gatewayRulesCache.set(key, rules);
    }
    return rules;
  };

  /** Rules naming `host`: every exact one in order, else the single most specific wildcard one. */
  function meshRulesFor(host: string, namespace: string): CompiledVirtualService[] {
    const index = meshIndex(namespace);
    const exact = index.exact.get(host);
    if (exact) return exact;
    let best: string | undefined;
    for (const h of index.wildcard.keys()) {
      if (hostSubsetOf(host, h) && (best === undefined || moreSpecific(h, best))) best = h;
    }
    const vs = best === undefined ? undefined : index.wildcard.get(best);
    return vs ? [vs] : [];
  }

  /**
   * A destination as one caller resolves it depends on the caller's namespace and port (and labels,
   * when some DestinationRule has a workloadSelector), not on the request: cached per destination.
   */
  const destinationCache = new WeakMap<DestinationSpec, Map<string, WeightedDestination>>();
  function resolveDestination(d: DestinationSpec, share: number, caller: Caller): WeightedDestination {
    let byCaller = destinationCache.get(d);
    if (!byCaller) destinationCache.set(d, (byCaller = new Map()));
    const key = destinationRules.hasWorkloadSelectors
      ? `${caller.namespace}\u0000${caller.port}\u0000${labelsKey(caller.labels)}`
      : `${caller.namespace}\u0000${caller.port}`;
    let template = byCaller.get(key);
    if (!template) byCaller.set(key, (template = computeDestination(d, caller)));
    return { ...template, share };
  }

  function computeDestination(d: DestinationSpec, caller: Caller): WeightedDestination {
    const share = 1;
    const candidate = services.get(d.host);
    const service = candidate && serviceVisibleTo(candidate, caller.namespace) ? candidate : undefined;
    const [onlyPort] = service?.ports ?? [];
    const port = d.port ?? (service?.ports.length === 1 && onlyPort ? onlyPort.port : caller.port);
    const rule = destinationRules.lookup(d.host, service?.namespace, caller.namespace, caller.labels);
    const subset = d.subset ? findSubset(rule, d.subset) : undefined;
    const undefinedSubset = d.subset !== undefined && subset === undefined;
    const out: WeightedDestination = {
      service,
      host: d.host,
      share,
      endpoints:
        service && !undefinedSubset
          ? service.endpoints.filter((e) => !subset || labelsSubsetOf(subset.labels, e.labels))
          : [],
      policy: toTrafficPolicy(effectivePolicy(rule, subset, port)),
    };
    if (d.subset !== undefined) out.subset = d.subset;
    if (d.port !== undefined) out.port = d.port;
    if (undefinedSubset) out.undefinedSubset = true;
    return out;
  }

  /** The destination of Istio's default route to a service: the service itself, every endpoint. */
  const wholeServices = new Map<string, DestinationSpec>();
  function wholeService(service: MeshService): DestinationSpec {
    const host = service.host.toLowerCase();
    let d = wholeServices.get(host);
    if (!d) wholeServices.set(host, (d = { host }));
    return d;
  }

  function defaultRoute(service: MeshService, caller: Caller): RouteDecision {
    return {
      kind: 'route',
      destinations: [resolveDestination(wholeService(service), 1, caller)],
      retries: defaultRetries(),
      mirrors: [],
    };
  }

  function passthrough(host: string, service: MeshService | undefined): RouteDecision {
    return {
      kind: 'route',
      destinations: [{ service, host, share: 1, endpoints: service ? service.endpoints : [], policy: {} }],
      mirrors: [],
      passthrough: true,
    };
  }

  function httpDecision(entry: RouteEntry, caller: Caller): RouteDecision {
    const { ref, route } = entry;
    const a = actionsOf(route);
    const out: Extract<RouteDecision, { kind: 'route' }> = {
      kind: 'route',
      rule: { namespace: ref.namespace, name: ref.name, kind: ref.kind },
      destinations: [],
      mirrors: [],
    };
    if (route.name) out.routeName = route.name;
    if (a.fault) out.fault = a.fault;
    if (a.directStatus !== undefined) {
      out.directResponse = { status: a.directStatus };
      return out;
    }
    const weighted = a.split.length > 1;
    for (const { d, share } of a.split) {
      const dest = resolveDestination(d, share, caller);
      if (weighted && d.headers) dest.requestHeaders = headerOps(d.headers);
      out.destinations.push(dest);
    }
    if (a.timeoutMs) out.timeoutMs = a.timeoutMs;
    out.retries = a.retries;
    for (const m of a.mirrors)
      out.mirrors.push({ destination: resolveDestination(m.destination, 1, caller), percent: m.percent });
    if (a.requestHeaders) out.requestHeaders = a.requestHeaders;
    return out;
  }

  /** The routes of a rule a proxy keeps, flattened one per match (BuildHTTPRoutesForVirtualService). */
  function entriesFor(vs: CompiledVirtualService, proxy: ProxyView): RouteEntry[] {
    const out: RouteEntry[] = [];
    for (const route of vs.http) {
      if (route.match.length === 0) {
        out.push({ ref: vs.ref, route });
        return out;
      }
      for (const match of route.match) {
        if (!appliesToProxy(match, proxy)) continue;
        out.push({ ref: vs.ref, route, match });
        if (isCatchAll(match)) return out;
      }
    }
    return out;
  }

  const firstMatching = (entries: readonly RouteEntry[], wire: WireRequest) =>
    entries.find((e) => !e.match || requestMatches(e.match, wire));

  function decideMeshHttp(request: RequestContext, caller: Caller): RouteDecision {
    const proxy: ProxyView = { gateway: MESH_GATEWAY, ...caller };
    const wire = wireRequest(request);
    const service = findService(request.host, caller.namespace);
    if (!service) {
      const host = stripPort(request.host);
      // Rules for hosts outside the registry get virtual hosts on port 80 only (httproute.go).
      if (caller.port === 80) {
        for (const vs of meshRulesFor(host, caller.namespace)) {
          const entries = entriesFor(vs, proxy);
          if (entries.length === 0) continue;
          const hit = firstMatching(entries, wire);
          return hit ? httpDecision(hit, caller) : { kind: 'not-found' };
        }
      }
      return passthrough(host, undefined);
    }
    if (service.ports.length > 0 && !service.ports.some((p) => p.port === caller.port)) {
      return passthrough(service.host, service);
    }
    // Gateway API routes attached to the service (GAMMA); Istio documents mixing them with a
    // VirtualService for the same host as unsupported, so they are taken first here.
    const gamma =
      httpRoutes.length > 0 ? meshRoutesFor(httpRoutes, service, caller.namespace, caller.port) : [];
    if (gamma.length > 0) {
      const hit = firstMatching(gamma, wire);
      return hit ? httpDecision(hit, caller) : { kind: 'not-found' };
    }
    for (const vs of meshRulesFor(service.host.toLowerCase(), caller.namespace)) {
      const entries = entriesFor(vs, proxy);
      if (entries.length === 0) continue;
      const hit = firstMatching(entries, wire);
      return hit ? httpDecision(hit, caller) : { kind: 'not-found' };
    }
    return defaultRoute(service, caller);
  }

  function tcpEntryApplies(route: TcpRouteSpec, proxy: ProxyView): boolean {
    if (route.match.length === 0) return true;
    return route.match.some(
      (m) =>
        (m.gateways.length === 0 || m.gateways.includes(proxy.gateway)) &&
        (m.port === undefined || m.port === proxy.port) &&
        labelsSubsetOf(m.sourceLabels, proxy.labels) &&
        (m.sourceNamespace === undefined || m.sourceNamespace === proxy.namespace) &&
        m.destinationSubnets.length === 0,
    );
  }

  function decideMeshTcp(request: RequestContext, caller: Caller): RouteDecision {
    const service = findService(request.host, caller.namespace);
    if (!service || (service.ports.length > 0 && !service.ports.some((p) => p.port === caller.port))) {
      return passthrough(service?.host ?? stripPort(request.host), service);
    }
    const proxy: ProxyView = { gateway: MESH_GATEWAY, ...caller };
    for (const vs of meshRulesFor(service.host.toLowerCase(), caller.namespace)) {
      if (vs.tcp.length === 0) continue;
      const hit = vs.tcp.find((t) => tcpEntryApplies(t, proxy));
      if (!hit) break;
      return {
        kind: 'route',
        rule: { ...vs.ref },
        destinations: shares(hit.route).map(({ d, share }) => resolveDestination(d, share, caller)),
        mirrors: [],
      };
    }
    return {
      kind: 'route',
      destinations: [resolveDestination(wholeService(service), 1, caller)],
      mirrors: [],
    };
  }

  function decideGateway(
    request: RequestContext,
    at: { workloadNamespace: string; workloadLabels: Record<string, string> },
  ): RouteDecision {
    const caller: Caller = { namespace: at.workloadNamespace, labels: at.workloadLabels, port: request.port };
    if (request.protocol === 'tcp') return decideGatewayTcp(at, caller);
    const servers = serversFor(gateways, at.workloadLabels, request.port, 'http');
    const vhosts = new Map<string, RouteEntry[]>();
    const requireTls = new Set<string>();
    const built = new Map<string, RouteEntry[]>();
    for (const server of servers) {
      const proxy: ProxyView = { gateway: server.gateway, ...caller };
      for (const vs of gatewayRules(at.workloadNamespace, server.gateway)) {
        const admitted = hostsAdmitted(server, vs.namespace);
        const intersecting: string[] = [];
        for (const s of admitted) {
          for (const v of vs.hosts) {
            const h = hostSubsetOf(s, v) ? s : hostSubsetOf(v, s) ? v : undefined;
            if (h !== undefined && !intersecting.includes(h)) intersecting.push(h);
          }
        }
        if (intersecting.length === 0) continue;
        const key = `${server.gateway}\u0000${vs.namespace}/${vs.ref.name}`;
        let entries = built.get(key);
        if (!entries) built.set(key, (entries = entriesFor(vs, proxy)));
        if (entries.length === 0) continue;
        for (const h of intersecting) {
          const list = vhosts.get(h);
          if (list) list.push(...entries);
          else vhosts.set(h, [...entries]);
          if (server.httpsRedirect) requireTls.add(h);
        }
      }
      if (server.httpsRedirect) {
        for (const { host } of server.hosts) {
          requireTls.add(host);
          if (!vhosts.has(host)) vhosts.set(host, []);
        }
      }
    }
    if (kubeGateways.length > 0) {
      const kube = kubeGatewayVirtualHosts(
        kubeGateways,
        httpRoutes,
        at.workloadNamespace,
        at.workloadLabels,
        request.port,
      );
      for (const [h, entries] of kube) {
        const list = vhosts.get(h);
        if (list) list.push(...entries);
        else vhosts.set(h, entries);
      }
    }
    const host = stripPort(request.host);
    const vhost = pickVirtualHost(vhosts, host);
    if (!vhost) return { kind: 'not-found' };
    if ((request.scheme ?? 'http') === 'http' && requireTls.has(pickVirtualHostName(vhosts, host) ?? '')) {
      return { kind: 'route', destinations: [], mirrors: [], directResponse: { status: 301 } };
    }
    const ordered = [
      ...vhost.filter((e) => !isCatchAll(e.match)),
      ...vhost.filter((e) => isCatchAll(e.match)),
    ];
    const hit = firstMatching(ordered, wireRequest(request));
    return hit ? httpDecision(hit, caller) : { kind: 'not-found' };
  }

  function decideGatewayTcp(
    at: { workloadNamespace: string; workloadLabels: Record<string, string> },
    caller: Caller,
  ): RouteDecision {
    for (const server of serversFor(gateways, at.workloadLabels, caller.port, 'tcp')) {
      const proxy: ProxyView = { gateway: server.gateway, ...caller };
      for (const vs of gatewayRules(at.workloadNamespace, server.gateway)) {
        const admitted = hostsAdmitted(server, vs.namespace);
        if (!admitted.some((s) => vs.hosts.some((v) => hostSubsetOf(s, v) || hostSubsetOf(v, s)))) continue;
        const hit = vs.tcp.find((t) => tcpEntryApplies(t, proxy));
        if (!hit) continue;
        return {
          kind: 'route',
          rule: { ...vs.ref },
          destinations: shares(hit.route).map(({ d, share }) => resolveDestination(d, share, caller)),
          mirrors: [],
        };
      }
    }
    return { kind: 'not-found' };
  }

  function findService(host: string, namespace: string): MeshService | undefined {
    for (const h of candidateHosts(host, namespace)) {
      const s = services.get(h);
      if (s && serviceVisibleTo(s, namespace)) return s;
    }
    return undefined;
  }

  return (request) => {
    if (request.at.kind === 'gateway') return decideGateway(request, request.at);
    const caller: Caller = {
      namespace: request.sourceNamespace,
      labels: request.sourceLabels,
      port: request.port,
    };
    return request.protocol === 'tcp' ? decideMeshTcp(request, caller) : decideMeshHttp(request, caller);
  };
}

/** Envoy's virtual host choice: exact domain, then the longest `*.suffix`, then `*`. */
function pickVirtualHost<V>(vhosts: ReadonlyMap<string, V>, host: string): V | undefined {
  const name = pickVirtualHostName(vhosts, host);
  return name === undefined ? undefined : vhosts.get(name);
}

function pickVirtualHostName(vhosts: ReadonlyMap<string, unknown>, host: string): string | undefined {
  if (vhosts.has(host)) return host;
  let best: string | undefined;
  for (const h of vhosts.keys()) {
    if (h === '*' || !h.startsWith('*')) continue;
    const suffix = h.slice(1);
    if (
      host.length > suffix.length &&
      host.endsWith(suffix) &&
      (best === undefined || h.length > best.length)
    )
      best = h;
  }
  return best ?? (vhosts.has('*') ? '*' : undefined);
}

const compiled = new WeakMap<MeshConfig, (request: RequestContext) => RouteDecision>();

/** The contract's entry point: compiles each configuration snapshot once (by identity) and decides. */
export const decideRoute: DecideRoute = (config, request) => {
  let decide = compiled.get(config);
  if (!decide) compiled.set(config, (decide = compileMeshConfig(config)));
  return decide(request);
};
