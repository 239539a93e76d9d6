import type { DataPlaneMode, NamespaceDataPlane, WaypointRef } from '../../contract/catalog';
import type { Gateway, V1Namespace, V1Pod } from './kube-types';
import { compareText } from './labels';
import {
  DATAPLANE_MODE_LABEL,
  WAYPOINT_CLASS,
  namedWaypoint,
  serviceWaypointName,
  workloadDataPlane,
} from '../../mesh/ambient';

/*
 * The ambient labels are read by mesh/ambient.ts (shared with routing and the demo's simulator);
 * here, what only the catalog shows: sidecar injection and the namespaces' modes.
 */
/** Sidecar injection for a namespace: the default revision's label, or a revision's. */
const INJECTION_LABEL = 'istio-injection';
const REVISION_LABEL = 'istio.io/rev';
/** The annotation Istio's injector leaves on a Pod it injected, and the container it adds. */
export const SIDECAR_STATUS_ANNOTATION = 'sidecar.istio.io/status';
export const SIDECAR_CONTAINER = 'istio-proxy';
/** The label Istio puts on what it deploys for a Gateway (Deployment, Service), naming the Gateway. */
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** What the data plane of a workload depends on beyond the workload: its namespace, the waypoints. */
export interface DataPlaneContext {
  /** Labels of each Namespace the control plane has. */
  readonly namespaceLabels: ReadonlyMap<string, Record<string, string>>;
  /** `namespace/name` of every waypoint Gateway; null when Gateways were not read (not known). */
  readonly waypoints: ReadonlySet<string> | null;
}

export function dataPlaneContext(
  namespaces: readonly V1Namespace[] | undefined,
  gateways: readonly Gateway[] | undefined,
): DataPlaneContext {
  return {
    namespaceLabels: new Map(
      (namespaces ?? []).map((ns) => [ns.metadata?.name ?? '', ns.metadata?.labels ?? {}]),
    ),
    waypoints: gateways
      ? new Set(
          gateways
            .filter((g) => g.spec?.gatewayClassName === WAYPOINT_CLASS)
            .map((g) => `${g.metadata?.namespace ?? 'default'}/${g.metadata?.name ?? ''}`),
        )
      : null,
  };
}

function hasSidecar(pod: V1Pod): boolean {
  if (pod.metadata?.annotations?.[SIDECAR_STATUS_ANNOTATION]) return true;
  // A native sidecar (Kubernetes 1.29+) is an init container that keeps running.
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some(
    (c) => c.name === SIDECAR_CONTAINER,
  );
}

/**
 * A Pod's data plane. A sidecar wins: ztunnel leaves Pods with a sidecar to it, even in an ambient
 * namespace. Otherwise the Pod's own `istio.io/dataplane-mode` (`none` opts it out of an ambient
 * namespace), else its Namespace's.
 */
export function podDataPlane(pod: V1Pod, ctx: DataPlaneContext): DataPlaneMode {
  const namespace = pod.metadata?.namespace ?? 'default';
  return workloadDataPlane(hasSidecar(pod), pod.metadata?.labels, ctx.namespaceLabels.get(namespace));
}

/**
 * The waypoint of a Service or ServiceEntry: its own `istio.io/use-waypoint`, else its Namespace's;
 * `none` on the object opts it out of the namespace's waypoint. A Gateway's own Service (a waypoint's,
 * an ingress gateway's, labelled with the Gateway's name by Istio) is a proxy, not behind one.
 */
export function serviceWaypoint(
  labels: Record<string, string> | undefined,
  namespace: string,
  ctx: DataPlaneContext,
): WaypointRef | null {
  if (labels?.[GATEWAY_NAME_LABEL]) return null;
  return serviceWaypointName(labels, ctx.namespaceLabels.get(namespace), namespace);
}

/** Whether a named waypoint has no Gateway: undefined without a waypoint or when Gateways are unknown. */
export function waypointMissing(waypoint: WaypointRef | null, ctx: DataPlaneContext): boolean | undefined {
  if (!waypoint || !ctx.waypoints) return undefined;
  return !ctx.waypoints.has(`${waypoint.namespace}/${waypoint.name}`);
}

/** The modes of a list of instances, each once, in alphabetical order. */
export function modesOf(instances: readonly { dataPlane?: DataPlaneMode | undefined }[]): DataPlaneMode[] {
  return [...new Set(instances.flatMap((i) => (i.dataPlane ? [i.dataPlane] : [])))].sort();
}

/**
 * A Namespace's data plane, from its labels: ambient when enrolled (even while its Pods still have
 * sidecars, as in a migration), sidecar when sidecar injection is on, none otherwise.
 */
function namespaceMode(labels: Record<string, string>): DataPlaneMode {
  if (labels[DATAPLANE_MODE_LABEL] === 'ambient') return 'ambient';
  if (labels[INJECTION_LABEL] === 'enabled' || (labels[REVISION_LABEL] ?? '') !== '') return 'sidecar';
  return 'none';
}

/** Every Namespace the control plane has, with its data plane and waypoint, by name. */
export function namespaceDataPlanes(ctx: DataPlaneContext): NamespaceDataPlane[] {
  return [...ctx.namespaceLabels.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([name, labels]) => {
      const waypoint = namedWaypoint(labels, name) ?? null;
      const missing = waypointMissing(waypoint, ctx);
      return {
        name,
        dataPlane: namespaceMode(labels),
        waypoint,
        ...(missing !== undefined ? { waypointMissing: missing } : {}),
      };
    });
}
