import type { Protocol } from '../../contract/catalog';
import {
  DATAPLANE_MODE_LABEL,
  WAYPOINT_CLASS,
  serviceWaypointName,
  workloadDataPlane,
} from '../../mesh/ambient';
import { contractMessage } from '../../contract/messages';
import type { RouteApiChoice } from '../../contract/routing';

/**
 * Which API a service's routes are written with: Istio's (VirtualService and DestinationRule) or
 * the Kubernetes Gateway API (HTTPRoute, GRPCRoute, TCPRoute whose parentRef is the Service, and one
 * Service per version as backends). Istio recommends the Gateway API, and in ambient mode, where a
 * waypoint proxy enforces L7 routes for the services that use it, VirtualService is only a technical
 * preview. Pure: `loadGatewayApi` and `routeApiFacts` (gateway-api.ts) read what it decides on.
 *
 * The setting `MESH_CONSOLE_ROUTE_API` is `auto` (the default), `istio` or `gateway-api`. With
 * `auto`, per service:
 * 1. Dubbo and SOFARPC interfaces keep Istio's rules (they are routed by their application's host,
 *    which no Gateway API route models).
 * 2. The kind the service needs (GRPCRoute for gRPC, TCPRoute for TCP, HTTPRoute otherwise) must be
 *    served by the cluster (its CRD installed); if not, Istio, saying so.
 * 3. The routes the service already has win: HTTPRoutes/GRPCRoutes whose parentRef is its Service
 *    (GAMMA) against VirtualServices naming its host. A service with both is a migration half done;
 *    the data plane decides then (a waypoint: the Gateway API; sidecars: Istio), and the reason says
 *    both were found.
 * 4. A service in ambient mode with a waypoint: the Gateway API.
 * 5. Otherwise Istio: sidecars (pods with one keep it in an ambient namespace too), or ambient
 *    without a waypoint, where no L7 route applies at all.
 */

export const ROUTE_API_SETTINGS = ['auto', 'istio', 'gateway-api'] as const;
export type RouteApiSetting = (typeof ROUTE_API_SETTINGS)[number];

export type GatewayRouteKindName = 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute';

/** A Gateway API Gateway, as the choice needs it. */
export interface GatewayFact {
  namespace: string;
  name: string;
  gatewayClassName: string;
}

/** What the choice is made on, for one service. */
export interface RouteApiFacts {
  setting: RouteApiSetting;
  /** The service's catalog name and namespace (for the reasons). */
  service: string;
  namespace: string;
  protocol: Protocol;
  /** The Gateway API route kinds the cluster serves. */
  served: ReadonlySet<GatewayRouteKindName>;
  /** The service's Gateway API routes: those whose parentRefs name its Service, as kind/name. */
  gatewayRoutes: readonly string[];
  /** The VirtualServices naming the service's host in its namespace. */
  virtualServices: readonly string[];
  namespaceLabels: Readonly<Record<string, string>>;
  /** Whether the service has a Kubernetes Service of its name in its namespace (GAMMA routes attach to it). */
  hasService: boolean;
  /** The labels of that Service (none: empty). */
  serviceLabels: Readonly<Record<string, string>>;
  /** Each of the service's pods: its labels, and whether it runs a sidecar (which wins over ambient). */
  pods: readonly { labels: Readonly<Record<string, string>>; sidecar: boolean }[];
  /** Every Gateway API Gateway the console can see. */
  gateways: readonly GatewayFact[];
}

/** The choice, and when the chosen API cannot be written (forced on a cluster without it), why. */
export interface RouteApiDecision extends RouteApiChoice {
  unavailable?: string;
}

const VIRTUAL_SERVICE = 'VirtualService';

/** The Gateway API kind that routes a protocol, or null for RPC interfaces routed by host. */
export function gatewayKindFor(protocol: Protocol): GatewayRouteKindName | null {
  switch (protocol) {
    case 'dubbo':
    case 'sofarpc':
      return null;
    case 'grpc':
      return 'GRPCRoute';
    case 'tcp':
      return 'TCPRoute';
    default:
      return 'HTTPRoute';
  }
}

/** Where the service's data plane stands: enrolled in ambient, and which waypoint it uses. */
interface DataPlane {
  ambient: boolean;
  /** Some pods run sidecars in an ambient namespace: they keep theirs (istio-cni skips them). */
  sidecars: boolean;
  /** The waypoint Gateway (namespace/name) when it uses one that exists. */
  waypoint: string | null;
  /** The waypoint it names that is no Gateway of class istio-waypoint. */
  missingWaypoint: string | null;
}

/**
 * Ambient enrolment as istio-cni decides it for pods (a pod with a sidecar stays a sidecar pod; a
 * pod's own label wins over its namespace's; `none` opts out), and the waypoint that traffic
 * addressed to the Service goes through (the Service's `istio.io/use-waypoint` wins over its
 * namespace's; `none` opts out).
 */
export function dataPlaneOf(facts: RouteApiFacts): DataPlane {
  const nsLabels = facts.namespaceLabels;
  const nsAmbient = nsLabels[DATAPLANE_MODE_LABEL] === 'ambient';
  const podAmbient = (pod: RouteApiFacts['pods'][number]) =>
    workloadDataPlane(pod.sidecar, pod.labels, nsLabels) === 'ambient';
  const ambient = facts.pods.length === 0 ? nsAmbient : facts.pods.every(podAmbient);
  const sidecars = nsAmbient && facts.pods.some((p) => p.sidecar);
  const named = ambient ? serviceWaypointName(facts.serviceLabels, nsLabels, facts.namespace) : null;
  if (!named) return { ambient, sidecars, waypoint: null, missingWaypoint: null };
  const { namespace, name } = named;
  const ref = `${namespace}/${name}`;
  const found = facts.gateways.some(
    (g) => g.namespace === namespace && g.name === name && g.gatewayClassName === WAYPOINT_CLASS,
  );
  return found
    ? { ambient, sidecars, waypoint: ref, missingWaypoint: null }
    : { ambient, sidecars, waypoint: null, missingWaypoint: ref };
}

const list = (names: readonly string[]) => names.join(', ');

/** The route API of one service, and why (in the operator's words). */
export function chooseRouteApi(facts: RouteApiFacts): RouteApiDecision {
  const istio = (reason: string): RouteApiDecision => ({ api: 'istio', kind: VIRTUAL_SERVICE, reason });
  if (facts.setting === 'istio') return istio(contractMessage('routeApi.settingIstio'));
  const kind = gatewayKindFor(facts.protocol);
  if (kind === null) return istio(contractMessage('routeApi.rpcInterface', { protocol: facts.protocol }));
  const service = `${facts.namespace}/${facts.service}`;
  if (!facts.hasService) {
    const reason = contractMessage('routeApi.noService', { service });
    return facts.setting === 'gateway-api'
      ? { api: 'gateway-api', kind, reason, unavailable: reason }
      : istio(reason);
  }
  if (!facts.served.has(kind)) {
    if (facts.setting === 'gateway-api') {
      const unavailable = contractMessage('routeApi.notServedForced', { kind });
      return { api: 'gateway-api', kind, reason: unavailable, unavailable };
    }
    return istio(contractMessage('routeApi.notServed', { kind }));
  }
  if (facts.setting === 'gateway-api')
    return { api: 'gateway-api', kind, reason: contractMessage('routeApi.settingGatewayApi', { kind }) };
  const gateway = (reason: string): RouteApiDecision => ({ api: 'gateway-api', kind, reason });
  const plane = dataPlaneOf(facts);
  const hasGateway = facts.gatewayRoutes.length > 0;
  const hasIstio = facts.virtualServices.length > 0;
  if (hasGateway && hasIstio) {
    const values = { routes: list(facts.gatewayRoutes), virtualServices: list(facts.virtualServices) };
    return plane.waypoint
      ? gateway(contractMessage('routeApi.bothWaypoint', { ...values, waypoint: plane.waypoint, kind }))
      : istio(contractMessage('routeApi.bothSidecar', values));
  }
  if (hasGateway)
    return gateway(contractMessage('routeApi.existingGateway', { routes: list(facts.gatewayRoutes) }));
  if (hasIstio)
    return istio(contractMessage('routeApi.existingIstio', { virtualServices: list(facts.virtualServices) }));
  if (plane.waypoint)
    return gateway(contractMessage('routeApi.ambientWaypoint', { service, waypoint: plane.waypoint, kind }));
  if (plane.missingWaypoint)
    return istio(contractMessage('routeApi.waypointMissing', { service, waypoint: plane.missingWaypoint }));
  if (plane.ambient) return istio(contractMessage('routeApi.ambientNoWaypoint', { service }));
  if (plane.sidecars) return istio(contractMessage('routeApi.sidecarPods', { service }));
  return istio(contractMessage('routeApi.sidecar', { service }));
}
