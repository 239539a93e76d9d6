/**
 * Istio's ambient-mode labels, read once for the catalog (what it shows), routing (which route API a
 * service gets) and the demo's simulator (what ztunnel and the waypoints do). From Istio's docs:
 *  - https://istio.io/latest/docs/ambient/usage/add-workloads/ : `istio.io/dataplane-mode=ambient` on
 *    a namespace or a pod enrols it; `none` on a pod opts it out;
 *  - https://istio.io/latest/docs/ambient/migrate/enable-ambient-mode/ : "the sidecar takes
 *    precedence over ztunnel for pods that have both";
 *  - https://istio.io/latest/docs/ambient/usage/waypoint/ : `istio.io/use-waypoint` on a Service (or
 *    ServiceEntry) or its namespace names the waypoint (the Service's wins; `none` opts out), in the
 *    namespace `istio.io/use-waypoint-namespace` names or its own; a waypoint is a Gateway of class
 *    `istio-waypoint`.
 */

export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
const USE_WAYPOINT_NAMESPACE_LABEL = 'istio.io/use-waypoint-namespace';
/** The GatewayClass of Istio's waypoints. */
export const WAYPOINT_CLASS = 'istio-waypoint';

export type WorkloadDataPlane = 'sidecar' | 'ambient' | 'none';

type Labels = Readonly<Record<string, string>> | undefined;

/**
 * A workload's data plane: a sidecar wins (ztunnel leaves its pod alone, even in an ambient
 * namespace); otherwise the pod's own `istio.io/dataplane-mode`, else its namespace's.
 */
export function workloadDataPlane(
  hasSidecar: boolean,
  podLabels: Labels,
  namespaceLabels: Labels,
): WorkloadDataPlane {
  if (hasSidecar) return 'sidecar';
  const own = podLabels?.[DATAPLANE_MODE_LABEL];
  if (own === 'none') return 'none';
  if (own === 'ambient') return 'ambient';
  return namespaceLabels?.[DATAPLANE_MODE_LABEL] === 'ambient' ? 'ambient' : 'none';
}

export interface WaypointName {
  namespace: string;
  name: string;
}

/** The waypoint one object's labels name: undefined when they name none, null when they opt out (`none`). */
export function namedWaypoint(labels: Labels, namespace: string): WaypointName | null | undefined {
  const name = labels?.[USE_WAYPOINT_LABEL];
  if (name === undefined || name === '') return undefined;
  if (name === 'none') return null;
  return { namespace: labels?.[USE_WAYPOINT_NAMESPACE_LABEL] || namespace, name };
}

/**
 * The waypoint named for traffic addressed to a Service: its own `istio.io/use-waypoint`, else its
 * namespace's (`none` on the Service opts it out of the namespace's). Whether that Gateway exists is
 * the caller's question.
 */
export function serviceWaypointName(
  serviceLabels: Labels,
  namespaceLabels: Labels,
  namespace: string,
): WaypointName | null {
  const own = namedWaypoint(serviceLabels, namespace);
  if (own !== undefined) return own;
  return namedWaypoint(namespaceLabels, namespace) ?? null;
}
