import type { Instance, ServiceDetail } from '../../../contract/catalog';
import type { DemoApp } from '../mesh';
import type { BucketedLogNormal } from './distribution';
import type { RouteDecision, WeightedDestination } from './istio/types';
import type { VersionMisbehaviour } from './misbehaviour';
import type { Drift, VersionProfile } from './profiles';
import type { RequestKind } from './requests';
import type { SampleApp } from './samples';

/*
 * The simulator's picture of the mesh: applications (the demo's own and Istio's samples), their
 * services and versions, who calls whom, and the calls and decisions of a tick.
 */

/** A calling workload: a version of an application, or the ingress gateway for traffic from outside. */
export interface Workload {
  key: string;
  workload: string;
  namespace: string;
  app: string;
  version: string;
  labels: Record<string, string>;
  /** Its Pods: each has a sidecar of its own (connection pools are per sidecar). */
  instances: number;
  /** A workload of Istio's samples (the time its calls take counts in its own latency). */
  sample?: boolean;
  /** Sidecar-less, its traffic captured by ztunnel (ambient mode). */
  ambient?: boolean;
  /** An ingress gateway (it uses waypoints only where the Service opts in). */
  gateway?: boolean;
  /** Its identity, cluster.local/ns/<ns>/sa/<service account>; null or absent: none (outside the mesh). */
  principal?: string | null;
  /** Neither sidecar nor ztunnel (its Pods opt out of injection outside ambient mode): it sends plaintext. */
  noProxy?: boolean;
}

/**
 * How a call travels: through the caller's sidecar (or the ingress gateway), which routes it; in
 * ambient mode through ztunnel to the destination service's waypoint, which routes it; or through
 * ztunnel alone (L4: no routing rules, no request metrics).
 */
export type DataPath = 'sidecar' | 'waypoint' | 'ztunnel';

export interface VersionNode {
  version: string;
  workload: string;
  ready: Instance[];
  profile: VersionProfile;
  latencyDrift: Drift;
  errorDrift: Drift;
  requestBytes: BucketedLogNormal;
  responseBytes: BucketedLogNormal;
  /** This tick's latency distribution and error rate (the profile, drifted). */
  latency: BucketedLogNormal;
  /** The drift step `latency` was built for (see driftVersion). */
  latencyStep: number;
  errorRate: number;
  /** What its Pods' (or Deployment's) demo annotations ask of it (misbehaviour.ts); absent: nothing. */
  misbehaviour?: VersionMisbehaviour;
  group: number;
  /** Store cells of this version's instances, by instance name. */
  instanceCells: Map<string, number>;
  /** Its Pods are in ambient mode (no sidecar reports what they serve; ztunnel counts connections). */
  ambient: boolean;
  /** Its identity (its Pods' service account), cluster.local/ns/<ns>/sa/<sa>. */
  principal?: string;
}

export interface ServiceNode {
  service: ServiceDetail;
  /** The application serving it (absent for a service no known application owns). */
  node: AppNode | null;
  kinds: RequestKind[];
  protocol: string;
  port: number;
  versions: Map<string, VersionNode>;
  /** Each instance and the version it serves, by endpoint name. */
  instances: Map<string, { instance: Instance; version: VersionNode }>;
  /** Store cells of this service's callers, by workload key. */
  consumerCells: Map<string, number>;
  /** The waypoint (namespace/name) traffic addressed to it goes through in ambient mode, or null. */
  waypoint: string | null;
  /** Ingress gateways send its traffic through that waypoint too (`istio.io/ingress-use-waypoint`). */
  ingressUsesWaypoint: boolean;
  /**
   * For a per-version Service (Istio's bookinfo-versions.yaml: `reviews-v1` selecting one version of
   * reviews), the application's Service it is a version of: the store counts its requests there, as
   * the versions of the service the caller addressed. Calls between applications address that one.
   */
  versionOf?: ServiceNode;
}

interface Edge {
  node: AppNode;
  fanOut: number;
  fromVersions?: ReadonlySet<string>;
  onPaths?: readonly string[];
  /** What the call sends; absent: the callee's own kinds (the demo's applications). */
  kinds?: readonly RequestKind[];
  clientTimeoutMs?: number;
  clientRetries?: number;
}

export interface AppNode {
  key: string;
  namespace: string;
  app: string;
  def: DemoApp | null;
  sample: SampleApp | null;
  services: ServiceNode[];
  callees: Edge[];
  entry: { rate: number; drift: Drift } | null;
  /** The workload each version calls from. */
  workloads: Map<string, Workload>;
}

/** Requests one workload sends to one service (or, at the gateway, to a host) in this tick. */
export interface Call {
  source: Workload;
  atGateway: boolean;
  service: ServiceNode | null;
  host: string;
  port: number;
  /** Requests per second. */
  rate: number;
  kinds: KindSet;
  /** A client that keeps this many requests in flight (fortio -c 3): its concurrency at the pool. */
  concurrency?: number;
  /** The calling application's own timeout (it closes the connection: Envoy's DC), and its retries then. */
  clientTimeoutMs?: number;
  clientRetries?: number;
  /** Connections rather than requests (TCP), where the called service does not say (at the gateway). */
  tcp?: boolean;
  /** How the call travels (absent: through the caller's sidecar). */
  via?: DataPath;
}

export interface KindSet {
  key: string;
  kinds: readonly RequestKind[];
}

/** A decided destination, with what the simulator needs of it. */
export interface Target {
  dest: WeightedDestination;
  service: ServiceNode | null;
  cluster: string;
  /** Share of the call's requests that go to this cluster, across all kinds (for the pool's concurrency). */
  clusterShare: number;
  /** Its ready endpoints the catalog knows (computed once). */
  ready?: { instance: Instance; version: VersionNode }[];
}

export interface Decided {
  kind: RequestKind;
  share: number;
  decision: RouteDecision;
  targets: Target[];
  mirrors: { target: Target; percent: number }[];
}

/** Served requests of a tick at an application, per version and kind: what causes its calls downstream. */
export type Handled = Map<VersionNode, Map<RequestKind, number>>;

/** Whether the calls an application makes depend on the kind of request it serves (path, propagated headers). */
export function dependsOnKind(node: AppNode | null): boolean {
  if (!node?.sample) return false;
  return node.sample.propagates !== undefined || node.callees.some((c) => c.onPaths !== undefined);
}

/** Callers before callees (Kahn); an application on a cycle comes after the rest, in definition order. */
export function topologicalOrder(nodes: AppNode[]): AppNode[] {
  const indegree = new Map<AppNode, number>(nodes.map((n) => [n, 0]));
  for (const n of nodes) for (const c of n.callees) indegree.set(c.node, (indegree.get(c.node) ?? 0) + 1);
  const queue = nodes.filter((n) => indegree.get(n) === 0);
  const order: AppNode[] = [];
  const placed = new Set<AppNode>();
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i] as AppNode;
    order.push(n);
    placed.add(n);
    for (const c of n.callees) {
      const d = (indegree.get(c.node) ?? 0) - 1;
      indegree.set(c.node, d);
      if (d === 0) queue.push(c.node);
    }
  }
  for (const n of nodes) if (!placed.has(n)) order.push(n);
  return order;
}
