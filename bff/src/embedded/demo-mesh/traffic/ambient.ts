import type { ServiceDetail } from '../../../contract/catalog';
import type { RawObject } from './istio/types';
import type { RuleSnapshot } from './rules';
import { WAYPOINT_CLASS, serviceWaypointName, workloadDataPlane } from '../../../mesh/ambient';

/*
 * Istio's ambient mode as the simulator needs it: which workloads ztunnel captures, and which
 * Services send their traffic through a waypoint (the labels as mesh/ambient.ts reads them, with
 * Istio's docs linked there). A waypoint serves traffic addressed to Services when its
 * `istio.io/waypoint-for` is `service` (the default) or `all`
 * (https://istio.io/latest/docs/ambient/usage/waypoint/).
 */

/** Ingress gateways skip waypoints unless the Service (or its namespace) opts in with this label. */
const INGRESS_USE_WAYPOINT_LABEL = 'istio.io/ingress-use-waypoint';
const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for';
/** The label Istio's injector puts on a pod it gave a sidecar. */
const SIDECAR_LABEL = 'security.istio.io/tlsMode';

const GATEWAY_API = 'gateway.networking.k8s.io/';

interface WaypointGatewaySpec {
  gatewayClassName?: string;
}

export class AmbientMesh {
  private readonly namespaceLabels = new Map<string, Record<string, string>>();
  private readonly serviceLabels = new Map<string, Record<string, string>>();
  /** Waypoints that serve traffic addressed to Services, by namespace/name. */
  private readonly waypoints = new Set<string>();

  constructor(rules: RuleSnapshot) {
    for (const ns of rules.namespaces ?? [])
      this.namespaceLabels.set(ns.metadata.name, ns.metadata.labels ?? {});
    for (const s of rules.services ?? [])
      this.serviceLabels.set(
        `${s.metadata.namespace ?? 'default'}/${s.metadata.name}`,
        s.metadata.labels ?? {},
      );
    for (const g of rules.gateways) if (isServiceWaypoint(g)) this.waypoints.add(key(g));
  }

  /**
   * Whether ztunnel captures a pod's traffic: enrolled by its own label or its namespace's, and
   * without a sidecar (which takes precedence).
   */
  captures(namespace: string, podLabels: Record<string, string>): boolean {
    const sidecar = podLabels[SIDECAR_LABEL] === 'istio';
    return workloadDataPlane(sidecar, podLabels, this.namespaceLabels.get(namespace)) === 'ambient';
  }

  /**
   * Whether an ingress gateway sends a service's traffic through its waypoint: only when the Service
   * or its namespace says `istio.io/ingress-use-waypoint: "true"` (istiod's endpoint builder).
   */
  ingressUsesWaypoint(service: ServiceDetail): boolean {
    const k8s = service.sources.find((s) => s.kind === 'Service');
    const own = k8s ? this.serviceLabels.get(`${k8s.namespace}/${k8s.name}`) : undefined;
    const ns = this.namespaceLabels.get(k8s?.namespace ?? service.namespace);
    const value = own?.[INGRESS_USE_WAYPOINT_LABEL] ?? ns?.[INGRESS_USE_WAYPOINT_LABEL];
    return value?.toLowerCase() === 'true';
  }

  /** The waypoint (namespace/name) traffic addressed to a service goes through, or null. */
  waypointOf(service: ServiceDetail): string | null {
    const k8s = service.sources.find((s) => s.kind === 'Service');
    const namespace = k8s?.namespace ?? service.namespace;
    const own = k8s ? this.serviceLabels.get(`${k8s.namespace}/${k8s.name}`) : undefined;
    const named = serviceWaypointName(own, this.namespaceLabels.get(namespace), namespace);
    if (!named) return null;
    const at = `${named.namespace}/${named.name}`;
    // A waypoint that does not exist (or serves no Service traffic) is no waypoint: ztunnel alone.
    return this.waypoints.has(at) ? at : null;
  }
}

function key(o: RawObject): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}

function isServiceWaypoint(g: RawObject): boolean {
  if (!g.apiVersion.startsWith(GATEWAY_API) || g.kind !== 'Gateway') return false;
  if ((g.spec as WaypointGatewaySpec | undefined)?.gatewayClassName !== WAYPOINT_CLASS) return false;
  const forWhat = g.metadata.labels?.[WAYPOINT_FOR_LABEL] ?? 'service';
  return forWhat === 'service' || forWhat === 'all';
}
