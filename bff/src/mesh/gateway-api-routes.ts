import { contractMessage } from '../contract/messages';
import type {
  ConditionRoute,
  Destination,
  RouteForm,
  RouteMatch,
  StringMatch,
  StringMatchType,
} from '../contract/routing';
import { isCatchAll } from '../contract/routing';
import { badRequest } from '../lib/errors';
import { kubeKind } from '../lib/kube-kind';
import type { KubeKind } from '../lib/kube-kind';
import { hostName } from './hosts';
import type { ReadResult } from './istio-routes';
import type { MeshObject } from './istio-types';
import { isRecord, unshownFields } from './json';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_ANNOTATION } from './model';
import type { PlannedWrite, RoutePlan, RouteTarget, RouteWarning, TargetVersion } from './model';
import { restoredObject, sameContent } from './plan';

/**
 * The routing form as Kubernetes Gateway API routes, the route API of Istio's ambient mode. A
 * service's traffic is shifted by an HTTPRoute (GRPCRoute for a gRPC service, TCPRoute for a TCP
 * split) whose parentRef is the service's own Service on the routed port (GAMMA: the route applies
 * to requests for that Service, as Istio's ambient traffic-shifting task writes it) and whose
 * backendRefs name one Service per version, as Istio's bookinfo-versions.yaml defines them
 * (reviews-v1, reviews-v2, …). Weights in Gateway API are relative; the form's percentages total
 * 100, so they are written as they are.
 *
 * What the Gateway API cannot say is refused with an error naming the form's field: the caller's
 * labels (sourceLabels), a method matched by prefix or regex, a header or query parameter matched by
 * prefix. Two differences from Istio's routes remain: a prefix path matches whole path elements
 * (`/api` matches `/api` and `/api/x`, not `/apix`), and rules are tried by specificity, not in
 * list order (a `reordered-by-gateway-api` warning says when that changes the form's order).
 *
 * Pure: the live objects come in, the writes go out.
 */

export const HTTPROUTE_KIND: KubeKind = kubeKind('gateway.networking.k8s.io/v1', 'HTTPRoute', 'httproutes');
export const GRPCROUTE_KIND: KubeKind = kubeKind('gateway.networking.k8s.io/v1', 'GRPCRoute', 'grpcroutes');
/** TCP traffic shifting (Istio's tcp-traffic-shifting task): v1 in the standard channel since Gateway API v1.5. */
export const TCPROUTE_KIND: KubeKind = kubeKind('gateway.networking.k8s.io/v1', 'TCPRoute', 'tcproutes');
export const SERVICE_KIND: KubeKind = kubeKind('v1', 'Service', 'services');
/** On the per-version Services the console creates: `<service>/<version>`. */
export const VERSION_OF_ANNOTATION = 'mesh-console.io/version-of';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** The route kind for a service: GRPCRoute for a gRPC service, TCPRoute for a TCP one, HTTPRoute for the rest. */
export function gatewayRouteKind(target: RouteTarget): KubeKind {
  if (target.protocol === 'grpc') return GRPCROUTE_KIND;
  if (target.protocol === 'tcp') return TCPROUTE_KIND;
  return HTTPROUTE_KIND;
}

const KINDS_BY_NAME: Record<string, KubeKind> = {
  HTTPRoute: HTTPROUTE_KIND,
  GRPCRoute: GRPCROUTE_KIND,
  TCPRoute: TCPROUTE_KIND,
};

export interface GatewayLiveState {
  /** The rule's own HTTPRoute/GRPCRoute when editing. */
  route?: MeshObject;
  /** Every v1 Service in the target's namespace (the service's own Service among them). */
  services: readonly MeshObject[];
  /** The namespace's other HTTPRoutes/GRPCRoutes/TCPRoutes (their backendRefs keep per-version Services in use). */
  otherRoutes: MeshObject[];
  /** The apiVersion a new route is written in, when not the kind's v1 (TCPRoute: v1alpha2 before Gateway API v1.5). */
  newRouteApiVersion?: string;
}

type Json = Record<string, unknown>;
type Labels = Record<string, string>;

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

interface Ref {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  sectionName?: string;
  weight?: number;
  [key: string]: unknown;
}

interface KeyedGwMatch {
  name: string;
  type?: string;
  value: string;
}

interface PathMatch {
  type?: string;
  value?: string;
}

interface GwMatch {
  path?: PathMatch;
  headers?: KeyedGwMatch[];
  queryParams?: KeyedGwMatch[];
  method?: string | GrpcMethodMatch;
  [key: string]: unknown;
}

interface GrpcMethodMatch {
  type?: string;
  service?: string;
  method?: string;
}

interface Rule {
  name?: string;
  matches?: GwMatch[];
  backendRefs?: Ref[];
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Services: the service's own, and one per version.

/** The name of the service's own Service: the first label of its host. */
function serviceNameOf(target: RouteTarget): string {
  return hostName(target.host);
}

function inNamespace(obj: MeshObject, target: RouteTarget): boolean {
  return (obj.metadata.namespace ?? target.namespace) === target.namespace;
}

function mainService(target: RouteTarget, services: readonly MeshObject[]): MeshObject | undefined {
  const name = serviceNameOf(target);
  return services.find((s) => s.metadata.name === name && inNamespace(s, target));
}

function selectorOf(svc: MeshObject | undefined): Labels {
  const sel = (svc?.spec as Json | undefined)?.selector;
  return isRecord(sel) ? (sel as Labels) : {};
}

function portsOf(svc: MeshObject | undefined): ServicePort[] {
  const ports = (svc?.spec as Json | undefined)?.ports;
  return Array.isArray(ports) ? (ports.filter(isRecord) as unknown as ServicePort[]) : [];
}

/** The port routes name: the first one whose name or appProtocol says the service's protocol, else the first. */
function routePort(target: RouteTarget, svc: MeshObject | undefined): number | undefined {
  const ports = portsOf(svc);
  const wanted =
    target.protocol === 'grpc'
      ? ['grpc']
      : target.protocol === 'tcp'
        ? ['tcp']
        : ['http', 'http2', 'h2c', 'kubernetes.io/h2c'];
  const speaks = (p: ServicePort) =>
    wanted.some(
      (w) =>
        p.appProtocol?.toLowerCase() === w ||
        p.name?.toLowerCase() === w ||
        p.name?.toLowerCase().startsWith(`${w}-`) === true,
    );
  return (ports.find(speaks) ?? ports[0])?.port;
}

const selects = (selector: Labels, labels: Labels): boolean =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * The labels of a version's instances: each ready instance's, when known (the pods of the service
 * also carry its Service's selector), else the version's labels over the Service's selector.
 */
function instancesOf(v: TargetVersion, main: Labels): Labels[] {
  if (v.instances && v.instances.length > 0) return v.instances.map((i) => ({ ...main, ...i }));
  return [{ ...main, ...v.labels }];
}

/** The one version a selector picks out exactly (every instance of it, none of another), if one. */
function versionSelectedBy(selector: Labels, target: RouteTarget, main: Labels): string | undefined {
  const exact = target.versions.filter(
    (v) =>
      instancesOf(v, main).every((labels) => selects(selector, labels)) &&
      target.versions.every(
        (o) => o.version === v.version || !instancesOf(o, main).some((labels) => selects(selector, labels)),
      ),
  );
  return exact.length === 1 ? exact[0]?.version : undefined;
}

const isConsoleService = (svc: MeshObject, serviceName: string): boolean =>
  svc.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY &&
  (svc.metadata.annotations?.[VERSION_OF_ANNOTATION] ?? '').startsWith(`${serviceName}/`);

/**
 * For each version, an existing Service that routes to exactly that version's pods: not the
 * service's own, selecting every ready instance of the version and none of another, its selector
 * including the service's own selector (so it selects no pod of another service), and serving the
 * port routes name. Istio's bookinfo-versions.yaml Services (reviews-v1, …) are such Services.
 * `prefer` names Services to take first (those the route already uses).
 */
export function versionBackends(
  target: RouteTarget,
  services: readonly MeshObject[],
  prefer: ReadonlySet<string> = new Set(),
): Map<string, string> {
  const out = new Map<string, string>();
  const main = mainService(target, services);
  if (!main) return out;
  const mainSel = selectorOf(main);
  const port = routePort(target, main);
  const svcName = serviceNameOf(target);
  const mainLabels = Object.entries(mainSel);
  const candidates = services.filter(
    (s) =>
      s.metadata.name !== svcName &&
      inNamespace(s, target) &&
      mainLabels.every(([k, v]) => selectorOf(s)[k] === v) &&
      (port === undefined || portsOf(s).some((p) => p.port === port)),
  );
  for (const v of target.versions) {
    const rank = (name: string): number => {
      if (prefer.has(name)) return 0;
      return name === perVersionName(svcName, v.version) ? 1 : 2;
    };
    const usable = candidates
      .filter((s) => versionSelectedBy(selectorOf(s), target, mainSel) === v.version)
      .map((s) => s.metadata.name)
      .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    if (usable[0] !== undefined) out.set(v.version, usable[0]);
  }
  return out;
}

/**
 * `<service>-<version>` as a Service name (a DNS-1035 label: the service's own name starts with a
 * letter): lower case, other characters as '-', at most 63 characters; `-2`, `-3`… when taken.
 */
function perVersionName(serviceName: string, version: string, n = 1): string {
  const suffix = n === 1 ? '' : `-${n}`;
  const cleaned = `${serviceName}-${version}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 63 - suffix.length)
    .replace(/-+$/, '');
  return `${cleaned}${suffix}`;
}

function newVersionService(
  target: RouteTarget,
  main: MeshObject,
  v: TargetVersion,
  name: string,
  before: MeshObject | undefined,
): MeshObject {
  const ports = portsOf(main).map((p) => {
    const out: ServicePort = { port: p.port };
    if (p.name !== undefined) out.name = p.name;
    if (p.targetPort !== undefined) out.targetPort = p.targetPort;
    if (p.protocol !== undefined) out.protocol = p.protocol;
    if (p.appProtocol !== undefined) out.appProtocol = p.appProtocol;
    return out;
  });
  const serviceName = serviceNameOf(target);
  const metadata: MeshObject['metadata'] = before
    ? { ...before.metadata }
    : {
        name,
        namespace: target.namespace,
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
        annotations: {
          [SERVICE_ANNOTATION]: target.id,
          [VERSION_OF_ANNOTATION]: `${serviceName}/${v.version}`,
        },
      };
  return {
    apiVersion: SERVICE_KIND.apiVersion,
    kind: SERVICE_KIND.kind,
    metadata,
    spec: {
      ...((before?.spec as Json | undefined) ?? {}),
      selector: { ...selectorOf(main), ...v.labels },
      ports,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// References between routes and Services.

const isServiceRef = (r: Ref, defaultKind: 'Service' | 'Gateway'): boolean => {
  const group = r.group ?? (defaultKind === 'Service' ? '' : GATEWAY_GROUP);
  const kind = r.kind ?? defaultKind;
  return group === '' && kind === 'Service';
};

const isGatewayRef = (r: Ref): boolean =>
  (r.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && (r.kind ?? 'Gateway') === 'Gateway';

function refsOf(spec: unknown): { parents: Ref[]; backends: Ref[] } {
  const parents: Ref[] = [];
  const backends: Ref[] = [];
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) {
      for (const item of v) {
        if (isRecord(item) && typeof item.name === 'string') {
          if (key === 'parentRefs') parents.push(item as Ref);
          if (key === 'backendRefs') backends.push(item as Ref);
        }
        walk(item, '');
      }
    } else if (isRecord(v)) {
      for (const [k, child] of Object.entries(v)) {
        // A mirror filter's backendRef sends traffic to a Service too.
        if (k === 'backendRef' && isRecord(child) && typeof child.name === 'string')
          backends.push(child as Ref);
        walk(child, k);
      }
    }
  };
  walk(spec, '');
  return { parents, backends };
}

/** Names of the Services of `namespace` a route refers to (as parent or backend). */
function servicesReferenced(route: MeshObject, namespace: string): Set<string> {
  const ns = route.metadata.namespace ?? namespace;
  const out = new Set<string>();
  const { parents, backends } = refsOf(route.spec);
  for (const r of parents)
    if (isServiceRef(r, 'Gateway') && (r.namespace ?? ns) === namespace) out.add(r.name);
  for (const r of backends)
    if (isServiceRef(r, 'Service') && (r.namespace ?? ns) === namespace) out.add(r.name);
  return out;
}

/**
 * How a route relates to the target: `parent` when a parentRef is the target's Service (the route
 * applies to requests for it, GAMMA); `gateways` its Gateway parents as namespace/name; `backend`
 * when it sends traffic to the target's Service or one of its per-version Services.
 */
export function routeAttachment(
  obj: MeshObject,
  target: RouteTarget,
  services: readonly MeshObject[],
): { parent: boolean; gateways: string[]; backend: boolean } {
  const ns = obj.metadata.namespace ?? target.namespace;
  const svcName = serviceNameOf(target);
  const { parents, backends } = refsOf(obj.spec);
  const topParents = Array.isArray((obj.spec as Json).parentRefs)
    ? ((obj.spec as Json).parentRefs as unknown[]).filter(isRecord).map((r) => r as Ref)
    : parents;
  const parent = topParents.some(
    (r) => isServiceRef(r, 'Gateway') && r.name === svcName && (r.namespace ?? ns) === target.namespace,
  );
  const gateways = topParents.filter(isGatewayRef).map((r) => `${r.namespace ?? ns}/${r.name}`);
  const main = mainService(target, services);
  const mainSel = selectorOf(main);
  const ours = (name: string): boolean => {
    if (name === svcName) return true;
    const svc = services.find((s) => s.metadata.name === name && inNamespace(s, target));
    if (!svc) return false;
    if (svc.metadata.annotations?.[VERSION_OF_ANNOTATION]?.startsWith(`${svcName}/`)) return true;
    return versionSelectedBy(selectorOf(svc), target, mainSel) !== undefined;
  };
  const backend = backends.some(
    (r) => isServiceRef(r, 'Service') && (r.namespace ?? ns) === target.namespace && ours(r.name),
  );
  return { parent, gateways, backend };
}

// ---------------------------------------------------------------------------------------------
// Form → rules.

const TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GRPC_SERVICE = /^\.?[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/;
const GRPC_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;
const MAX_RULES = 16;
const MAX_KEYED = 16;
const MAX_BACKENDS = 16;

const fail = (field: string, message: string): never => {
  throw badRequest(message, field);
};

/** The checks the Gateway API's CRD makes of an Exact or PathPrefix path (its CEL rules). */
function pathAccepted(value: string): boolean {
  return (
    value.startsWith('/') &&
    !['//', '/./', '/../', '%2f', '%2F', '#'].some((bad) => value.includes(bad)) &&
    !value.endsWith('/..') &&
    !value.endsWith('/.') &&
    PATH_CHARS.test(value)
  );
}

const gwType = (t: StringMatchType): string => (t === 'regex' ? 'RegularExpression' : 'Exact');

function keyedMatches(
  list: { name: string; type: StringMatchType; value: string }[],
  at: string,
  what: 'header' | 'query parameter',
  maxValue: number,
  caseInsensitive: boolean,
): KeyedGwMatch[] {
  if (list.length > MAX_KEYED) fail(at, contractMessage('gatewayApi.atMost', { max: MAX_KEYED }));
  const seen = new Set<string>();
  return list.map((m, j) => {
    if (m.type === 'prefix')
      fail(`${at}.${j}.type`, contractMessage('gatewayApi.prefixMatch', { what, name: m.name }));
    if (!TOKEN.test(m.name) || m.name.length > 256)
      fail(`${at}.${j}.name`, contractMessage('gatewayApi.nameInvalid', { name: m.name }));
    const key = caseInsensitive ? m.name.toLowerCase() : m.name;
    if (seen.has(key)) fail(`${at}.${j}.name`, contractMessage('gatewayApi.nameTwice', { name: m.name }));
    seen.add(key);
    if (m.value.length > maxValue)
      fail(`${at}.${j}.value`, contractMessage('common.atMostCharacters', { max: maxValue }));
    return { name: m.name, type: gwType(m.type), value: m.value };
  });
}

function checkCommon(m: RouteMatch, at: string): void {
  if (Object.keys(m.sourceLabels).length > 0)
    fail(`${at}.sourceLabels`, contractMessage('gatewayApi.sourceLabels'));
  if (m.attachments.length > 0) fail(`${at}.attachments`, contractMessage('gatewayApi.rpcMatch'));
}

function toHttpMatch(m: RouteMatch, at: string, existing: GwMatch | undefined): GwMatch {
  checkCommon(m, at);
  if (m.rpcMethod !== undefined) fail(`${at}.rpcMethod`, contractMessage('gatewayApi.rpcMatch'));
  const out: GwMatch = {};
  // "Any path", as the API server stores a match without one, is kept: it is no condition.
  if (!m.uri && isAnyPath(existing?.path)) out.path = existing?.path;
  if (m.uri) {
    const { type, value } = m.uri;
    if (type !== 'regex' && !pathAccepted(value))
      fail(`${at}.uri.value`, contractMessage('gatewayApi.pathInvalid', { path: value }));
    if (value.length > 1024)
      fail(`${at}.uri.value`, contractMessage('common.atMostCharacters', { max: 1024 }));
    out.path = {
      type: type === 'exact' ? 'Exact' : type === 'prefix' ? 'PathPrefix' : 'RegularExpression',
      value,
    };
  }
  if (m.headers.length > 0) out.headers = keyedMatches(m.headers, `${at}.headers`, 'header', 4096, true);
  if (m.queryParams.length > 0)
    out.queryParams = keyedMatches(m.queryParams, `${at}.queryParams`, 'query parameter', 1024, false);
  if (m.method) {
    if (m.method.type !== 'exact')
      fail(`${at}.method.type`, contractMessage('gatewayApi.methodNotExact', { type: m.method.type }));
    if (!HTTP_METHODS.includes(m.method.value))
      fail(`${at}.method.value`, contractMessage('gatewayApi.methodUnknown', { method: m.method.value }));
    out.method = m.method.value;
  }
  return out;
}

/**
 * A gRPC condition: the path `/package.Service/Method` (exact) or `/package.Service/` (prefix), or
 * a method name alone; headers as for HTTP.
 */
function toGrpcMatch(m: RouteMatch, at: string): GwMatch {
  checkCommon(m, at);
  if (m.method) fail(`${at}.method`, contractMessage('gatewayApi.grpcHttpMatch', { what: 'method' }));
  if (m.queryParams.length > 0)
    fail(`${at}.queryParams`, contractMessage('gatewayApi.grpcHttpMatch', { what: 'query parameters' }));
  const out: GwMatch = {};
  if (m.uri) {
    if (m.rpcMethod !== undefined) fail(`${at}.rpcMethod`, contractMessage('gatewayApi.grpcMethodAndPath'));
    const { type, value } = m.uri;
    const parts = value.split('/');
    const service = parts[1] ?? '';
    const method = parts[2] ?? '';
    const ok =
      parts.length === 3 &&
      parts[0] === '' &&
      GRPC_SERVICE.test(service) &&
      ((type === 'exact' && GRPC_METHOD.test(method)) || (type === 'prefix' && method === ''));
    if (!ok) fail(`${at}.uri`, contractMessage('gatewayApi.grpcPath', { path: value }));
    out.method = type === 'exact' ? { type: 'Exact', service, method } : { type: 'Exact', service };
  } else if (m.rpcMethod !== undefined) {
    if (!GRPC_METHOD.test(m.rpcMethod))
      fail(`${at}.rpcMethod`, contractMessage('gatewayApi.grpcMethod', { method: m.rpcMethod }));
    out.method = { type: 'Exact', method: m.rpcMethod };
  }
  if (m.headers.length > 0) out.headers = keyedMatches(m.headers, `${at}.headers`, 'header', 4096, true);
  return out;
}

/**
 * The form's percentages on the backends; a rule whose backends are the same Services with
 * relative weights in the same proportions (3 and 1 for 75/25) keeps its weights as written.
 */
function withWeights(refs: Ref[], dests: Destination[], existing: Ref[] | undefined): Ref[] {
  const before = existing ?? [];
  const weightOf = (r: Ref) => (typeof r.weight === 'number' ? r.weight : 1);
  const total = before.reduce((sum, r) => sum + weightOf(r), 0);
  const same =
    total > 0 &&
    before.length === refs.length &&
    before.every(
      (r, i) => r.name === refs[i]?.name && (weightOf(r) * 100) / total === (dests[i] as Destination).weight,
    );
  return refs.map((r, i) => ({
    ...r,
    weight: same ? weightOf(before[i] as Ref) : (dests[i] as Destination).weight,
  }));
}

/** Whether a rule's matches match every request (none, or one that only says "any path"). */
function matchesAll(rule: Rule): boolean {
  const matches = rule.matches ?? [];
  if (matches.length === 0) return true;
  return matches.some((m) => {
    const keys = Object.keys(m).filter((k) => m[k] !== undefined);
    if (keys.length === 0) return true;
    return keys.length === 1 && keys[0] === 'path' && isAnyPath(m.path);
  });
}

const isAnyPath = (p: PathMatch | undefined): boolean =>
  p !== undefined && (p.type ?? 'PathPrefix') === 'PathPrefix' && (p.value ?? '/') === '/';

interface Wanted {
  name?: string | undefined;
  match: RouteMatch | null;
  destinations: Destination[];
  at: string;
}

function toRules(
  form: RouteForm,
  grpc: boolean,
  existing: Rule[],
  backendRef: (version: string, before: Ref[] | undefined) => Ref,
): Rule[] {
  const conditions: ConditionRoute[] = form.routeType === 'condition' ? form.matches : [];
  if (conditions.length + 1 > MAX_RULES)
    fail('matches', contractMessage('gatewayApi.atMost', { max: MAX_RULES - 1 }));
  const wanted: Wanted[] = [
    ...conditions.map((c, i) => ({
      name: c.name,
      match: c.match,
      destinations: c.destinations,
      at: `matches.${i}`,
    })),
    { match: null, destinations: form.destinations, at: 'destinations' },
  ];
  const names = new Set<string>();
  for (const w of wanted) {
    if (!w.name) continue;
    if (!DNS_SUBDOMAIN.test(w.name)) fail(`${w.at}.name`, contractMessage('gatewayApi.ruleName'));
    if (names.has(w.name))
      fail(`${w.at}.name`, contractMessage('gatewayApi.ruleNameTwice', { name: w.name }));
    names.add(w.name);
  }
  const used = new Set<number>();
  const pick = (name: string | undefined, index: number, isDefault: boolean): Rule | undefined => {
    let at = name ? existing.findIndex((r) => r.name === name) : -1;
    if (at < 0 && isDefault) at = existing.findIndex((r, i) => !used.has(i) && matchesAll(r));
    if (at < 0 && !isDefault && !name && index < existing.length && !used.has(index)) at = index;
    if (at < 0 || used.has(at)) return undefined;
    used.add(at);
    return existing[at];
  };
  return wanted.map((w, i) => {
    const isDefault = w.match === null;
    const before = pick(w.name, i, isDefault);
    const rule: Rule = { ...(before ?? {}) };
    if (w.name) rule.name = w.name;
    const at = `${w.at}.match`;
    if (w.match && !isCatchAll(w.match)) {
      const match = grpc ? toGrpcMatch(w.match, at) : toHttpMatch(w.match, at, before?.matches?.[0]);
      rule.matches = [match];
    } else if (!before || !matchesAll(before) || (before.matches?.length ?? 0) > 1) {
      // A rule for all traffic has no matches (the API server stores it as "any path"; that is kept).
      delete rule.matches;
    }
    const destField = isDefault ? 'destinations' : `${w.at}.destinations`;
    if (w.destinations.length > MAX_BACKENDS)
      fail(destField, contractMessage('gatewayApi.atMost', { max: MAX_BACKENDS }));
    rule.backendRefs = withWeights(
      w.destinations.map((d) => backendRef(d.version, before?.backendRefs)),
      w.destinations,
      before?.backendRefs,
    );
    return rule;
  });
}

// ---------------------------------------------------------------------------------------------
// Rule precedence.

/**
 * A rule's place in the order Istio tries a route's rules (pilot's sortHTTPRoutes, following the
 * HTTPRoute spec): exact path, then prefix, then regular expression (a rule without a path matches
 * the prefix "/", as the API server defaults it), longer paths first; then a method match; then more
 * headers; then more query parameters; ties keep the list order. For a GRPCRoute (GRPCRoute spec):
 * longer service, then longer method, then more headers; a rule without matches last.
 */
function precedence(rule: Rule, grpc: boolean): number[] {
  const m = rule.matches?.[0];
  if (grpc) {
    if (!m) return [-1, 0, 0, 0];
    const method = isRecord(m.method) ? (m.method as GrpcMethodMatch) : {};
    return [0, method.service?.length ?? 0, method.method?.length ?? 0, m.headers?.length ?? 0];
  }
  const path = m?.path ?? { type: 'PathPrefix', value: '/' };
  const type = path.type ?? 'PathPrefix';
  let value = path.value ?? '/';
  if (type === 'PathPrefix' && value !== '/') value = value.replace(/\/$/, '');
  const rank = type === 'Exact' ? 3 : type === 'PathPrefix' ? 2 : 1;
  return [rank, value.length, m?.method ? 1 : 0, m?.headers?.length ?? 0, m?.queryParams?.length ?? 0];
}

function before(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return false;
}

/** Where the Gateway API's precedence tries a condition before one listed above it. */
function reorderWarnings(rules: Rule[], grpc: boolean, conditions: number): RouteWarning[] {
  const keys = rules.map((r) => precedence(r, grpc));
  const warnings: RouteWarning[] = [];
  for (let j = 1; j < rules.length; j++) {
    const earlier = keys.findIndex((k, i) => i < j && before(keys[j] as number[], k));
    if (earlier < 0) continue;
    if (j === conditions) {
      warnings.push({
        code: 'reordered-by-gateway-api',
        field: `matches.${earlier}`,
        message: contractMessage('gatewayApi.reorderedDefault', { earlier: earlier + 1 }),
      });
    } else {
      warnings.push({
        code: 'reordered-by-gateway-api',
        field: `matches.${j}`,
        message: contractMessage('gatewayApi.reordered', { later: j + 1, earlier: earlier + 1 }),
      });
    }
  }
  return warnings;
}

// ---------------------------------------------------------------------------------------------
// Plans.

function write(next: MeshObject, current: MeshObject | undefined): PlannedWrite {
  if (!current) return { action: 'create', object: next };
  return { action: sameContent(current, next) ? 'unchanged' : 'update', object: next, current };
}

/** An object the console creates carries its managed-by label and the service; someone else's keeps its metadata. */
function withOwnership(
  meta: MeshObject['metadata'],
  target: RouteTarget,
  existing: boolean,
): MeshObject['metadata'] {
  if (existing) return { ...meta };
  const labels = { ...(meta.labels ?? {}) };
  if (labels[MANAGED_BY_LABEL] === undefined) labels[MANAGED_BY_LABEL] = MANAGED_BY;
  return { ...meta, labels, annotations: { ...(meta.annotations ?? {}), [SERVICE_ANNOTATION]: target.id } };
}

function versionsUsed(form: RouteForm): string[] {
  const all = [
    ...form.destinations,
    ...(form.routeType === 'condition' ? form.matches.flatMap((m) => m.destinations) : []),
  ];
  return [...new Set(all.map((d) => d.version))];
}

function requireMain(
  target: RouteTarget,
  services: readonly MeshObject[],
): { main: MeshObject; port: number } {
  const main = mainService(target, services);
  const name = serviceNameOf(target);
  if (!main)
    throw badRequest(contractMessage('gatewayApi.serviceMissing', { name, namespace: target.namespace }));
  const port = routePort(target, main);
  if (port === undefined) throw badRequest(contractMessage('gatewayApi.noPort', { name }));
  return { main, port };
}

/** The console's per-version Services of the target that no route refers to once `route` is written. */
function unusedOwnServices(
  target: RouteTarget,
  live: GatewayLiveState,
  route: MeshObject | undefined,
  planned: MeshObject[],
): MeshObject[] {
  const svcName = serviceNameOf(target);
  const inUse = new Set<string>();
  for (const r of [...(route ? [route] : []), ...live.otherRoutes])
    for (const name of servicesReferenced(r, target.namespace)) inUse.add(name);
  const plannedNames = new Set(planned.map((s) => s.metadata.name));
  return live.services.filter(
    (s) =>
      inNamespace(s, target) &&
      isConsoleService(s, svcName) &&
      !inUse.has(s.metadata.name) &&
      !plannedNames.has(s.metadata.name),
  );
}

/**
 * The route's parents. A new route attaches to the service's Service on the port it routes, as
 * Istio's ambient traffic-shifting task writes it: without the port, the route would take every
 * port of the Service to the backends' one port.
 */
function routeParentRefs(
  form: RouteForm,
  target: RouteTarget,
  current: Ref[] | undefined,
  port: number,
): Ref[] {
  const svcName = serviceNameOf(target);
  const own: Ref = { group: '', kind: 'Service', name: svcName, port };
  if (form.gateways === undefined) return current && current.length > 0 ? current : [own];
  const ns = target.namespace;
  const isOwn = (r: Ref) => isServiceRef(r, 'Gateway') && r.name === svcName && (r.namespace ?? ns) === ns;
  const gatewayName = (r: Ref) => `${r.namespace ?? ns}/${r.name}`;
  const kept = (current ?? []).filter((r) => !isOwn(r) && !isGatewayRef(r));
  // The same places as now (the form shows them as read): the parents stay as written, in their order.
  const now = new Set([
    ...((current ?? []).some(isOwn) ? ['mesh'] : []),
    ...(current ?? []).filter(isGatewayRef).map(gatewayName),
  ]);
  const wanted = new Set(form.gateways.map((g) => (g === 'mesh' || g.includes('/') ? g : `${ns}/${g}`)));
  if (current && now.size === wanted.size && [...wanted].every((g) => now.has(g))) return current;
  const out: Ref[] = [];
  for (const g of form.gateways) {
    if (g === 'mesh') {
      out.push(...((current ?? []).filter(isOwn).length > 0 ? (current ?? []).filter(isOwn) : [own]));
      continue;
    }
    const slash = g.indexOf('/');
    const gwNs = slash < 0 ? ns : g.slice(0, slash);
    const name = slash < 0 ? g : g.slice(slash + 1);
    const existing = (current ?? []).filter((r) => isGatewayRef(r) && gatewayName(r) === `${gwNs}/${name}`);
    out.push(
      ...(existing.length > 0
        ? existing
        : [{ group: GATEWAY_GROUP, kind: 'Gateway', namespace: gwNs, name }]),
    );
  }
  return [...out, ...kept];
}

/**
 * The writes that make a routing form true with the Gateway API: the per-version Services it needs
 * and that do not exist (created first, so the route never names a missing backend), the route
 * (created or updated over the live one, keeping what the form does not show), then the console's
 * per-version Services no route uses any more (deleted last).
 */
export function planGatewayRoute(form: RouteForm, target: RouteTarget, live: GatewayLiveState): RoutePlan {
  const { main, port } = requireMain(target, live.services);
  const current = live.route;
  // An existing route keeps its kind; a new one is the service's kind (TCP for the form's TCP split).
  const kind =
    (current ? KINDS_BY_NAME[current.kind] : undefined) ??
    (form.transport === 'tcp' ? TCPROUTE_KIND : gatewayRouteKind(target));
  const grpc = kind.kind === 'GRPCRoute';
  const tcp = kind.kind === 'TCPRoute';
  if (tcp && form.routeType === 'condition') fail('routeType', contractMessage('routing.tcpConditions'));
  const svcName = serviceNameOf(target);
  const before = (current?.spec as Json | undefined) ?? {};
  const existingRules = Array.isArray(before.rules) ? (before.rules.filter(isRecord) as Rule[]) : [];
  const currentUse = current ? servicesReferenced(current, target.namespace) : new Set<string>();
  const backends = versionBackends(target, live.services, currentUse);
  const warnings: RouteWarning[] = [];
  const serviceWrites: PlannedWrite[] = [];
  const planned: MeshObject[] = [];
  const taken = new Set(live.services.filter((s) => inNamespace(s, target)).map((s) => s.metadata.name));
  for (const version of versionsUsed(form)) {
    if (backends.has(version)) continue;
    const v = target.versions.find((t) => t.version === version);
    if (!v) continue; // The form's checks refuse an unknown version before anything is planned.
    const owned = live.services.find(
      (s) =>
        inNamespace(s, target) &&
        isConsoleService(s, svcName) &&
        s.metadata.annotations?.[VERSION_OF_ANNOTATION] === `${svcName}/${version}`,
    );
    let name = owned?.metadata.name;
    if (!name) {
      let n = 1;
      do name = perVersionName(svcName, version, n++);
      while (taken.has(name));
    }
    taken.add(name);
    const svc = newVersionService(target, main, v, name, owned);
    planned.push(svc);
    serviceWrites.push(write(svc, owned));
    backends.set(version, name);
    if (!owned)
      warnings.push({
        code: 'backend-service-created',
        message: contractMessage('gatewayApi.backendCreated', { name, version, service: svcName }),
      });
  }
  const backendRef = (version: string, existing: Ref[] | undefined): Ref => {
    const name = backends.get(version) ?? perVersionName(svcName, version);
    const prior = existing?.find((r) => isServiceRef(r, 'Service') && r.name === name && !r.namespace);
    const ref: Ref = { ...(prior ?? {}), name, port };
    if (prior === undefined) {
      ref.group = '';
      ref.kind = 'Service';
    }
    // The weight is set by withWeights, in the place a kubectl-applied ref had it: the diff of an
    // edit shows the numbers that changed, not lines that moved.
    return ref;
  };
  // A TCPRoute has one rule, a version split (the CRD allows one).
  const rules = tcp
    ? [
        {
          ...(existingRules[0] ?? {}),
          backendRefs: withWeights(
            form.destinations.map((d) => backendRef(d.version, existingRules[0]?.backendRefs)),
            form.destinations,
            existingRules[0]?.backendRefs,
          ),
        },
      ]
    : toRules(form, grpc, existingRules, backendRef);
  const currentParents = Array.isArray(before.parentRefs)
    ? (before.parentRefs.filter(isRecord) as Ref[])
    : undefined;
  const spec: Json = { ...before, parentRefs: routeParentRefs(form, target, currentParents, port), rules };
  const metaBase = current?.metadata ?? { name: form.name, namespace: target.namespace };
  const metadata = withOwnership({ ...metaBase }, target, current !== undefined);
  if (form.resourceVersion !== undefined) metadata.resourceVersion = form.resourceVersion;
  const route: MeshObject = {
    apiVersion: current?.apiVersion ?? live.newRouteApiVersion ?? kind.apiVersion,
    kind: kind.kind,
    metadata,
    spec,
  };
  const conditions = form.routeType === 'condition' ? form.matches.length : 0;
  if (!tcp) warnings.push(...reorderWarnings(rules, grpc, conditions));
  for (const d of form.destinations) {
    const v = target.versions.find((t) => t.version === d.version);
    if (v && v.readyInstances === 0 && d.weight === 0)
      warnings.push({
        code: 'version-without-instances',
        message: contractMessage('routing.versionWithoutInstances', { version: d.version }),
      });
  }
  const deletes = unusedOwnServices(target, live, route, planned).map((s): PlannedWrite => ({
    action: 'delete',
    object: s,
    current: s,
  }));
  return { writes: [...serviceWrites, write(route, current), ...deletes], warnings };
}

/** Deleting a rule: the route goes, then the console's per-version Services no other route uses. */
export function planGatewayRouteDelete(target: RouteTarget, live: GatewayLiveState): RoutePlan {
  const writes: PlannedWrite[] = [];
  if (live.route) writes.push({ action: 'delete', object: live.route, current: live.route });
  for (const s of unusedOwnServices(target, live, undefined, []))
    writes.push({ action: 'delete', object: s, current: s });
  return { writes, warnings: [] };
}

/** A saved Service as it can be created again: what the server allocated or recorded is left out. */
function recreatable(saved: MeshObject): MeshObject {
  const {
    resourceVersion: _rv,
    uid: _uid,
    creationTimestamp: _ct,
    managedFields: _mf,
    generation: _g,
    ...meta
  } = saved.metadata;
  const spec = { ...((saved.spec as Json | undefined) ?? {}) };
  delete spec.clusterIP;
  delete spec.clusterIPs;
  return { apiVersion: saved.apiVersion, kind: saved.kind, metadata: meta as MeshObject['metadata'], spec };
}

/**
 * Restores a route from a revision (a rollback): its spec, labels and annotations as they were,
 * written over the live one; the Services it sends traffic to that no longer exist are created
 * again from the revision's saved copies first; the console's per-version Services nothing uses
 * afterwards are deleted last.
 */
export function planGatewayRestore(
  target: RouteTarget,
  live: GatewayLiveState,
  restored: MeshObject,
  savedServices: MeshObject[],
): RoutePlan {
  const current = live.route;
  const route = restoredObject(restored, current, target.namespace);
  const referenced = servicesReferenced(route, target.namespace);
  const existing = new Set(live.services.filter((s) => inNamespace(s, target)).map((s) => s.metadata.name));
  const creates: PlannedWrite[] = [];
  for (const saved of savedServices) {
    const name = saved.metadata.name;
    if (!referenced.has(name) || existing.has(name) || !inNamespace(saved, target)) continue;
    existing.add(name);
    creates.push({ action: 'create', object: recreatable(saved) });
  }
  const deletes = unusedOwnServices(
    target,
    live,
    route,
    creates.map((c) => c.object),
  ).map((s): PlannedWrite => ({ action: 'delete', object: s, current: s }));
  return { writes: [...creates, write(route, current), ...deletes], warnings: [] };
}

// ---------------------------------------------------------------------------------------------
// Rules → form.

function readKeyed(
  list: KeyedGwMatch[] | undefined,
  where: string,
  reasons: string[],
  key: 'yaml.headerMatch' | 'yaml.queryParamMatch',
): { name: string; type: StringMatchType; value: string }[] {
  const out: { name: string; type: StringMatchType; value: string }[] = [];
  for (const h of list ?? []) {
    const type = h.type ?? 'Exact';
    if ((type !== 'Exact' && type !== 'RegularExpression') || typeof h.value !== 'string' || h.value === '') {
      reasons.push(contractMessage(key, { where, name: h.name }));
      continue;
    }
    out.push({ name: h.name, type: type === 'Exact' ? 'exact' : 'regex', value: h.value });
  }
  return out;
}

function readHttpMatch(m: GwMatch | undefined, where: string, reasons: string[]): RouteMatch {
  const match: RouteMatch = { headers: [], queryParams: [], attachments: [], sourceLabels: {} };
  if (!m) return match;
  if (m.path && !isAnyPath(m.path)) {
    const type = m.path.type ?? 'PathPrefix';
    const value = m.path.value ?? '/';
    const t =
      type === 'Exact'
        ? 'exact'
        : type === 'PathPrefix'
          ? 'prefix'
          : type === 'RegularExpression'
            ? 'regex'
            : null;
    if (t) match.uri = { type: t, value } as StringMatch;
    else reasons.push(contractMessage('yaml.fieldMatch', { where, field: 'path' }));
  }
  match.headers = readKeyed(m.headers, where, reasons, 'yaml.headerMatch');
  match.queryParams = readKeyed(m.queryParams, where, reasons, 'yaml.queryParamMatch');
  if (typeof m.method === 'string') match.method = { type: 'exact', value: m.method };
  return match;
}

function readGrpcMatch(m: GwMatch | undefined, where: string, reasons: string[]): RouteMatch {
  const match: RouteMatch = { headers: [], queryParams: [], attachments: [], sourceLabels: {} };
  if (!m) return match;
  if (isRecord(m.method)) {
    const method = m.method as GrpcMethodMatch;
    if ((method.type ?? 'Exact') !== 'Exact')
      reasons.push(contractMessage('yaml.fieldMatch', { where, field: 'method' }));
    else if (method.service && method.method)
      match.uri = { type: 'exact', value: `/${method.service}/${method.method}` };
    else if (method.service) match.uri = { type: 'prefix', value: `/${method.service}/` };
    else if (method.method) match.rpcMethod = method.method;
  }
  match.headers = readKeyed(m.headers, where, reasons, 'yaml.headerMatch');
  return match;
}

/**
 * Reads an HTTPRoute, GRPCRoute or TCPRoute back into the form: each rule a condition, the last one (which
 * must match everything) where other traffic goes; each backend the version whose pods its Service
 * selects exactly. What the form does not show (filters, timeouts, hostnames, …) is kept on write;
 * shapes it cannot express (several matches in a rule, a backend that is not one version, weights
 * that are not whole percentages) make it unrepresentable, with the reasons.
 */
export function readGatewayRoute(
  obj: MeshObject,
  target: RouteTarget,
  live: Pick<GatewayLiveState, 'services'>,
): ReadResult {
  const spec = (obj.spec ?? {}) as Json;
  const grpc = obj.kind === 'GRPCRoute';
  const rules = Array.isArray(spec.rules) ? (spec.rules.filter(isRecord) as Rule[]) : [];
  if (rules.length === 0) return { form: null, reasons: [contractMessage('gatewayApi.noRules')] };
  const reasons: string[] = [];
  const ns = obj.metadata.namespace ?? target.namespace;
  const svcName = serviceNameOf(target);
  const mainSel = selectorOf(mainService(target, live.services));
  const attachment = routeAttachment(obj, target, live.services);
  if (!attachment.parent && attachment.gateways.length === 0)
    reasons.push(contractMessage('gatewayApi.notAttached', { name: svcName }));

  const readBackends = (rule: Rule, where: string): Destination[] => {
    const refs = rule.backendRefs ?? [];
    if (refs.length === 0) {
      reasons.push(contractMessage('yaml.notRouting', { where }));
      return [];
    }
    const weights = refs.map((r) => (typeof r.weight === 'number' ? r.weight : 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const scalable = total > 0 && weights.every((w) => (w * 100) % total === 0);
    if (!scalable) reasons.push(contractMessage('gatewayApi.weightsNotPercent', { where, total }));
    const seen = new Set<string>();
    return refs.map((r, j) => {
      const at = `${where}.backendRefs[${j}]`;
      const weight = scalable ? ((weights[j] as number) * 100) / total : (weights[j] as number);
      let version: string | undefined;
      const refNs = r.namespace ?? ns;
      if (!isServiceRef(r, 'Service') || refNs !== target.namespace) {
        const ref = `${r.kind ?? 'Service'} ${refNs}/${r.name}`;
        reasons.push(contractMessage('gatewayApi.notService', { where: at, ref }));
      } else if (r.name === svcName) {
        reasons.push(contractMessage('gatewayApi.mainService', { where: at, name: r.name }));
      } else {
        const svc = live.services.find((s) => s.metadata.name === r.name && inNamespace(s, target));
        if (!svc) reasons.push(contractMessage('gatewayApi.backendMissing', { where: at, name: r.name }));
        else {
          version = versionSelectedBy(selectorOf(svc), target, mainSel);
          if (!version)
            reasons.push(contractMessage('gatewayApi.backendNotVersion', { where: at, name: r.name }));
          else if (seen.has(version))
            reasons.push(contractMessage('gatewayApi.versionTwice', { where: at, version }));
          if (version) seen.add(version);
        }
      }
      return { version: version ?? r.name, weight };
    });
  };

  const last = rules[rules.length - 1] as Rule;
  if (!matchesAll(last)) reasons.push(contractMessage('yaml.lastRouteHasConditions'));
  const conditions: ConditionRoute[] = rules.slice(0, -1).map((r, i) => {
    const where = `rules[${i}]`;
    const matches = r.matches ?? [];
    if (matches.length > 1) reasons.push(contractMessage('yaml.severalMatchBlocks', { where }));
    const m = matches[0];
    const c: ConditionRoute = {
      match: grpc ? readGrpcMatch(m, where, reasons) : readHttpMatch(m, where, reasons),
      destinations: readBackends(r, where),
    };
    if (r.name) c.name = r.name;
    return c;
  });
  const destinations = readBackends(last, `rules[${rules.length - 1}]`);
  if (reasons.length > 0) return { form: null, reasons };
  if (obj.kind === 'TCPRoute') {
    // One rule (the CRD allows no more), no matches: TCP traffic shifting.
    const tcpForm: RouteForm = {
      name: obj.metadata.name,
      routeType: 'version',
      trafficSplit: destinations.length > 1,
      destinations,
      matches: [],
      transport: 'tcp',
    };
    if (attachment.gateways.length > 0)
      tcpForm.gateways = [...(attachment.parent ? ['mesh'] : []), ...attachment.gateways];
    if (obj.metadata.resourceVersion) tcpForm.resourceVersion = obj.metadata.resourceVersion;
    return { form: tcpForm, reasons };
  }
  const form: RouteForm = {
    name: obj.metadata.name,
    routeType: conditions.length > 0 ? 'condition' : 'version',
    trafficSplit: destinations.length > 1 || conditions.some((c) => c.destinations.length > 1),
    destinations,
    matches: conditions,
  };
  // Where the route applies: shown as the form's gateways when it attaches to a Gateway.
  if (attachment.gateways.length > 0)
    form.gateways = [...(attachment.parent ? ['mesh'] : []), ...attachment.gateways];
  if (obj.metadata.resourceVersion) form.resourceVersion = obj.metadata.resourceVersion;
  return { form, reasons };
}

// ---------------------------------------------------------------------------------------------
// What the form keeps but does not show.

const SPEC_SHOWN = new Set(['parentRefs', 'rules']);
// A parent's port is what the console writes for the Service it attaches to: not listed as hidden.
const PARENT_SHOWN = new Set(['group', 'kind', 'name', 'namespace', 'port']);
const RULE_SHOWN = new Set(['name', 'matches', 'backendRefs']);
const MATCH_SHOWN = new Set(['path', 'headers', 'queryParams', 'method']);
const BACKEND_SHOWN = new Set(['group', 'kind', 'name', 'namespace', 'port', 'weight']);

/**
 * What an HTTPRoute or GRPCRoute holds that the form does not show but keeps as it is on every
 * save, by place: hostnames, a parent's sectionName, a rule's filters, timeouts, retry or
 * sessionPersistence, a backend's filters.
 */
export function gatewayKeptFields(spec: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(spec)) if (!SPEC_SHOWN.has(key)) out.push(key);
  out.push(...unshownFields(spec.parentRefs, PARENT_SHOWN, 'parentRefs'));
  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  rules.forEach((rule, i) => {
    if (!isRecord(rule)) return;
    const where = `rules[${i}]`;
    for (const key of Object.keys(rule)) if (!RULE_SHOWN.has(key)) out.push(`${where}.${key}`);
    out.push(...unshownFields(rule.matches, MATCH_SHOWN, `${where}.matches`));
    out.push(...unshownFields(rule.backendRefs, BACKEND_SHOWN, `${where}.backendRefs`));
  });
  return out;
}
