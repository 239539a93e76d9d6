import type { KubeObject, MeshObjects } from '../../clients/mesh-objects';
import { isKubeStatus } from '../../clients/kube-errors';
import type { ServiceDetail } from '../../contract/catalog';
import type { RouteScope } from '../../contract/routing';
import { kubeKind } from '../../lib/kube-kind';
import type { KubeKind } from '../../lib/kube-kind';
import {
  GRPCROUTE_KIND,
  HTTPROUTE_KIND,
  SERVICE_KIND,
  TCPROUTE_KIND,
  VERSION_OF_ANNOTATION,
  routeAttachment,
  versionBackends,
} from '../../mesh/gateway-api-routes';
import type { GatewayLiveState } from '../../mesh/gateway-api-routes';
import { hostName } from '../../mesh/hosts';
import type { MeshObject } from '../../mesh/istio-types';
import { isRecord, records, stringList } from '../../mesh/json';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../mesh/model';
import type { PlannedWrite, RoutePlan, RouteTarget } from '../../mesh/model';
import { namespaceOf } from '../../mesh/rule-scope';
import { WAYPOINT_CLASS } from '../../mesh/ambient';
import type { GatewayFact, GatewayRouteKindName, RouteApiFacts, RouteApiSetting } from './route-api';
import type { ScopedRow } from './scope';
import { gatewayRefProblems } from './yaml-rule';
import type { GatewayYamlScope } from './yaml-rule';

/**
 * The Gateway API side of a service's routes: what the cluster serves, every HTTPRoute and
 * GRPCRoute that attaches to the service (its Service as parentRef, or it or one of its
 * per-version Services as a backend, routes bound to Gateways included), the namespace's
 * Services, and the facts the route API is chosen on (`route-api.ts`). The translation itself is
 * `mesh/gateway-api-routes.ts`.
 */

const GATEWAY_API_GATEWAY_KIND: KubeKind = kubeKind('gateway.networking.k8s.io/v1', 'Gateway', 'gateways');
const NAMESPACE_KIND: KubeKind = kubeKind('v1', 'Namespace', 'namespaces');
/**
 * TCPRoute is v1 in the standard channel of Gateway API v1.6 (the CRDs the embedded control plane
 * serves); older installs serve it as v1alpha2 in the experimental channel only, and many clusters
 * not at all.
 */
const TCPROUTE_KINDS: KubeKind[] = [
  TCPROUTE_KIND,
  kubeKind('gateway.networking.k8s.io/v1alpha2', 'TCPRoute', 'tcproutes'),
];

/** The Gateway API route kinds the console reads and writes. */
const GATEWAY_ROUTE_KINDS: readonly KubeKind[] = [HTTPROUTE_KIND, GRPCROUTE_KIND, TCPROUTE_KIND];

export const isGatewayRoute = (obj: Pick<MeshObject, 'apiVersion' | 'kind'>): boolean =>
  GATEWAY_ROUTE_KINDS.some((k) => k.kind === obj.kind && obj.apiVersion.startsWith(`${k.group}/`));

/** A kind the cluster does not serve: its group is not served (404) or the group lacks the kind. */
function notServed(err: unknown): boolean {
  return (
    isKubeStatus(err, 404) ||
    (err instanceof Error && err.message.startsWith('Unrecognized API version and kind'))
  );
}

/** The kind's objects, or null when the cluster does not serve it. */
async function listIfServed(objects: MeshObjects, kind: KubeKind, namespace: string) {
  try {
    return (await objects.list(kind, namespace)) as MeshObject[];
  } catch (err) {
    if (notServed(err)) return null;
    throw err;
  }
}

export interface GatewayApiState {
  /** The route kinds the cluster serves. */
  served: Set<GatewayRouteKindName>;
  /** Of HTTPRoute, GRPCRoute and TCPRoute, those served (TCPRoute at the version served). */
  kinds: KubeKind[];
  /** The apiVersion TCPRoutes are written with, when served. */
  tcpApiVersion: string | null;
  /** Every HTTPRoute, GRPCRoute and TCPRoute of the mesh. */
  routes: MeshObject[];
  /** The Services of the service's namespace (its per-version backends are among them). */
  services: readonly MeshObject[];
  /** Every Gateway API Gateway (waypoints too). */
  gateways: MeshObject[];
  namespaceLabels: Record<string, string>;
}

/** Reads what the Gateway API side of a service needs; nothing when the cluster serves none of it. */
export async function loadGatewayApi(objects: MeshObjects, target: RouteTarget): Promise<GatewayApiState> {
  const [http, grpc, gateways, services, namespace] = await Promise.all([
    listIfServed(objects, HTTPROUTE_KIND, ''),
    listIfServed(objects, GRPCROUTE_KIND, ''),
    listIfServed(objects, GATEWAY_API_GATEWAY_KIND, ''),
    objects.listSharedIn(SERVICE_KIND, target.namespace) as Promise<readonly MeshObject[]>,
    // The Namespace's labels say whether it is in ambient mode; a caller who may not read it
    // (namespace-scoped RBAC) is taken to see no labels.
    objects.get(NAMESPACE_KIND, '', target.namespace).catch((): KubeObject | null => null),
  ]);
  const served = new Set<GatewayRouteKindName>();
  const kinds: KubeKind[] = [];
  if (http) {
    served.add('HTTPRoute');
    kinds.push(HTTPROUTE_KIND);
  }
  if (grpc) {
    served.add('GRPCRoute');
    kinds.push(GRPCROUTE_KIND);
  }
  let tcp: MeshObject[] = [];
  let tcpApiVersion: string | null = null;
  for (const kind of TCPROUTE_KINDS) {
    const found = await listIfServed(objects, kind, '');
    if (found === null) continue;
    served.add('TCPRoute');
    kinds.push(kind);
    tcp = found;
    tcpApiVersion = kind.apiVersion;
    break;
  }
  return {
    served,
    kinds,
    tcpApiVersion,
    routes: [...(http ?? []), ...(grpc ?? []), ...tcp],
    services,
    gateways: gateways ?? [],
    namespaceLabels: namespace?.metadata.labels ?? {},
  };
}

/** The name of the service's Kubernetes Service (`reviews` of `reviews.bookinfo.svc.cluster.local`). */
const serviceNameOf = (target: RouteTarget): string => hostName(target.host);

const gatewayKey = (g: MeshObject) => `${namespaceOf(g)}/${g.metadata.name}`;

const classOf = (g: MeshObject): string =>
  isRecord(g.spec) && typeof g.spec.gatewayClassName === 'string' ? g.spec.gatewayClassName : '';

/** The Gateway API Gateways a route can bind to (waypoints are not: they serve the Services that use them), as namespace/name. */
export function routeGateways(state: GatewayApiState): string[] {
  return state.gateways
    .filter((g) => classOf(g) !== WAYPOINT_CLASS)
    .map(gatewayKey)
    .sort();
}
const routeLabel = (r: MeshObject, namespace: string) =>
  `${r.kind}/${namespaceOf(r) === namespace ? '' : `${namespaceOf(r)}/`}${r.metadata.name}`;

/** Whether a route attaches to the service at all (as its parent, or sending to it). */
function attaches(route: MeshObject, target: RouteTarget, services: readonly MeshObject[]): boolean {
  const a = routeAttachment(route, target, services);
  return a.parent || a.backend;
}

/** The Services a route of this service may send to: its own and its per-version Services. */
export function backendNames(target: RouteTarget, services: readonly MeshObject[]): Set<string> {
  const own = serviceNameOf(target);
  const names = new Set([own, ...versionBackends(target, services).values()]);
  const versionOfOwn = `${own}/`;
  for (const s of services)
    if (s.metadata.annotations?.[VERSION_OF_ANNOTATION]?.startsWith(versionOfOwn)) names.add(s.metadata.name);
  return names;
}

export function yamlScopeOf(target: RouteTarget, state: GatewayApiState): GatewayYamlScope {
  return {
    target,
    kinds: state.kinds,
    service: serviceNameOf(target),
    backends: backendNames(target, state.services),
  };
}

/** The facts the route API is chosen on (`route-api.ts`), from what was read. */
export function routeApiFacts(
  setting: RouteApiSetting,
  service: ServiceDetail,
  target: RouteTarget,
  state: GatewayApiState,
  virtualServices: MeshObject[],
): RouteApiFacts {
  const name = serviceNameOf(target);
  const own = state.services.find((s) => s.metadata.name === name);
  const gateways: GatewayFact[] = state.gateways.map((g) => ({
    namespace: namespaceOf(g),
    name: g.metadata.name,
    gatewayClassName:
      isRecord(g.spec) && typeof g.spec.gatewayClassName === 'string' ? g.spec.gatewayClassName : '',
  }));
  return {
    setting,
    service: serviceNameOf(target),
    namespace: target.namespace,
    protocol: target.protocol,
    served: state.served,
    gatewayRoutes: state.routes
      .filter((r) => routeAttachment(r, target, state.services).parent)
      .map((r) => routeLabel(r, target.namespace)),
    virtualServices: virtualServices.map((v) => v.metadata.name),
    namespaceLabels: state.namespaceLabels,
    hasService: own !== undefined,
    serviceLabels: own?.metadata.labels ?? {},
    // The catalog knows which instances run a sidecar (an injected proxy, a VM's, wins over ambient).
    pods: service.providers.map((p) => ({ labels: p.labels, sidecar: p.dataPlane === 'sidecar' })),
    gateways,
  };
}

/** How a Gateway API route reaches the service, in the Routes tab's words. */
export function gatewayRouteScope(
  route: MeshObject,
  target: RouteTarget,
  state: GatewayApiState,
  editable: boolean,
): RouteScope {
  const a = routeAttachment(route, target, state.services);
  const namespace = namespaceOf(route);
  const known = new Set(state.gateways.map(gatewayKey));
  // A route parented by a Service applies where that Service is called (by its waypoint or its
  // callers' sidecars); the Service's own namespace makes it a producer route for every caller,
  // another namespace a consumer route for the callers of that namespace only (GAMMA).
  const mesh = records(route.spec.parentRefs).some((p) => p.kind === 'Service');
  const hostnames = stringList(route.spec.hostnames);
  return {
    namespace,
    match: a.parent ? 'exact' : 'destination',
    host: target.host,
    ...(hostnames.length > 0 ? { hosts: hostnames } : {}),
    appliesAt: { mesh, gateways: a.gateways },
    exportTo: namespace === target.namespace ? ['*'] : ['.'],
    effect: mesh ? 'in-effect' : 'gateway',
    missingGateways: a.gateways.filter((g) => !known.has(g)),
    editable,
  };
}

/**
 * The service's Gateway API routes: those of its namespace that attach to it and route only to
 * it (its own, edited in the form or YAML editor), and the others that attach to it, shown
 * read-only with why.
 */
export function gatewayRows(
  target: RouteTarget,
  state: GatewayApiState,
  reasonElsewhere: (namespace: string) => string,
): { own: MeshObject[]; others: ScopedRow[] } {
  // The names a route of the namespace may send to: made for the first such route, not for every
  // request about a service that has none (it walks the namespace's Services).
  let scope: GatewayYamlScope | undefined;
  const own: MeshObject[] = [];
  const others: ScopedRow[] = [];
  for (const route of state.routes) {
    if (!attaches(route, target, state.services)) continue;
    const namespace = namespaceOf(route);
    const problem =
      namespace === target.namespace
        ? gatewayRefProblems(route, (scope ??= yamlScopeOf(target, state)))[0]
        : undefined;
    if (namespace === target.namespace && !problem) {
      own.push(route);
      continue;
    }
    others.push({
      object: route,
      scope: gatewayRouteScope(route, target, state, false),
      reason: problem ? `${problem.field}: ${problem.message}` : reasonElsewhere(namespace),
    });
  }
  own.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return { own, others };
}

/** What is wrong with a live Gateway API route of the service: a backend Service that does not exist. */
export function gatewayRouteProblems(route: MeshObject, state: GatewayApiState): string[] {
  const names = new Set(state.services.map((s) => s.metadata.name));
  const ns = namespaceOf(route);
  const problems: string[] = [];
  records(route.spec.rules).forEach((rule, i) =>
    records(rule.backendRefs).forEach((b, j) => {
      const kind = typeof b.kind === 'string' ? b.kind : 'Service';
      const namespace = typeof b.namespace === 'string' ? b.namespace : ns;
      if (kind !== 'Service' || namespace !== ns || typeof b.name !== 'string' || names.has(b.name)) return;
      problems.push(
        `rules[${i}].backendRefs[${j}]: Service ${b.name} does not exist; the requests sent to it fail (500)`,
      );
    }),
  );
  return problems;
}

/**
 * On each of the console's per-version Services: the routes of the service that send to it, by
 * name. The console deletes such a Service when no route uses it; a change that starts using one
 * records itself here, so that it and a change deleting the Service meanwhile conflict on the
 * Service's resourceVersion and the later one is planned again (as `recordSubsetUsers` does for
 * DestinationRule subsets).
 */
export const BACKEND_USERS_ANNOTATION = 'mesh-console.io/used-by';

/** The Services of its own namespace a route sends to (mirrors too). */
function backendServices(route: MeshObject): Set<string> {
  const names = new Set<string>();
  const ns = namespaceOf(route);
  const add = (ref: Record<string, unknown>) => {
    const group = typeof ref.group === 'string' ? ref.group : '';
    const kind = typeof ref.kind === 'string' ? ref.kind : 'Service';
    const namespace = typeof ref.namespace === 'string' ? ref.namespace : ns;
    if (group === '' && kind === 'Service' && namespace === ns && typeof ref.name === 'string')
      names.add(ref.name);
  };
  const mirrors = (filters: unknown) =>
    records(filters).forEach((f) => {
      if (isRecord(f.requestMirror) && isRecord(f.requestMirror.backendRef)) add(f.requestMirror.backendRef);
    });
  for (const rule of records(route.spec.rules)) {
    mirrors(rule.filters);
    for (const b of records(rule.backendRefs)) {
      add(b);
      mirrors(b.filters);
    }
  }
  return names;
}

const usersOf = (svc: MeshObject): string[] =>
  (svc.metadata.annotations?.[BACKEND_USERS_ANNOTATION] ?? '').split(',').filter((u) => u !== '');

function withUsers(svc: MeshObject, users: string): MeshObject {
  const others = Object.entries(svc.metadata.annotations ?? {}).filter(
    ([k]) => k !== BACKEND_USERS_ANNOTATION,
  );
  const annotations = Object.fromEntries(
    users === '' ? others : [...others, [BACKEND_USERS_ANNOTATION, users]],
  );
  return { ...svc, metadata: { ...svc.metadata, annotations } };
}

/**
 * A Gateway API plan with the rule recorded on the console's per-version Services it uses (and
 * removed from those it stops using): on the Services the plan writes anyway, and by an update
 * before the route's write on the others whose record changes.
 */
export function recordBackendUsers(
  plan: RoutePlan,
  rule: string,
  target: RouteTarget,
  live: Pick<GatewayLiveState, 'services'>,
): RoutePlan {
  const own = serviceNameOf(target);
  const isConsoles = (s: MeshObject) =>
    s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY &&
    (s.metadata.annotations?.[VERSION_OF_ANNOTATION] ?? '').startsWith(`${own}/`);
  const routeWrite = plan.writes.find((w) => isGatewayRoute(w.object) && w.object.metadata.name === rule);
  const usedNow =
    routeWrite && routeWrite.action !== 'delete' ? backendServices(routeWrite.object) : new Set();
  const users = (svc: MeshObject) => {
    const set = new Set(usersOf(svc));
    set.delete(rule);
    if (usedNow.has(svc.metadata.name)) set.add(rule);
    return [...set].sort().join(',');
  };
  const isService = (w: PlannedWrite) => w.object.kind === SERVICE_KIND.kind;
  const writes = plan.writes.map((w): PlannedWrite => {
    if (!isService(w) || w.action === 'delete' || !isConsoles(w.object)) return w;
    const next = users(w.object);
    if (next === usersOf(w.object).join(',')) return w;
    const object = withUsers(w.object, next);
    return w.action === 'unchanged' ? { ...w, action: 'update', object } : { ...w, object };
  });
  const written = new Set(plan.writes.filter(isService).map((w) => w.object.metadata.name));
  const recorded: PlannedWrite[] = [];
  for (const svc of live.services) {
    if (!isConsoles(svc) || written.has(svc.metadata.name)) continue;
    const next = users(svc);
    if (next === usersOf(svc).join(',')) continue;
    recorded.push({ action: 'update', object: withUsers(svc, next), current: svc });
  }
  return { writes: [...recorded, ...writes], warnings: plan.warnings };
}
