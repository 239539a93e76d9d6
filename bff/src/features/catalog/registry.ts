import { Platform } from '../../contract/catalog';
import type {
  DataPlaneMode,
  Instance,
  Protocol,
  ServiceDetail,
  ServicePort,
  ServiceDataPlane,
  ServiceSource,
} from '../../contract/catalog';
import { dataPlaneContext, modesOf, podDataPlane, serviceWaypoint, waypointMissing } from './dataplane';
import type { DataPlaneContext } from './dataplane';
import type {
  Gateway,
  ServiceEntry,
  V1Namespace,
  V1Pod,
  V1Service,
  WorkloadEntry,
  WorkloadEntrySpec,
} from './kube-types';
import {
  APP_LABELS,
  FRAMEWORK_LABEL,
  compareText,
  RPC_INTERFACES_ANNOTATION,
  firstLabel,
  selectorMatches,
  versionLabelOf,
  versionOf,
} from './labels';
import { isRpc, portProtocol, serviceProtocol } from './protocol';

/** What the registry is built from: the objects of the control plane, as the informers hold them. */
export interface RegistrySnapshot {
  services: readonly V1Service[];
  pods: readonly V1Pod[];
  serviceEntries: readonly ServiceEntry[];
  workloadEntries: readonly WorkloadEntry[];
  /** The Namespaces, whose labels enrol their Pods in ambient mode and name their waypoint. */
  namespaces?: readonly V1Namespace[];
  /**
   * The Gateway API Gateways (waypoints are those of class istio-waypoint). Absent when not read: a
   * named waypoint is then not said to be missing.
   */
  gateways?: readonly Gateway[];
}

/** Namespaces whose Services are the platform's own, not the mesh's. */
const HIDDEN_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

const CLUSTER_DOMAIN = 'svc.cluster.local';

/** The objects of a namespace whose labels match a selector, in the order the snapshot lists them. */
export interface LabelSelection<T> {
  select(namespace: string, selector: Record<string, string> | undefined): T[];
}

/**
 * Finds objects whose labels match a selector without scanning every object: objects are indexed
 * by (namespace, label, value), and a selector looks up its first pair, then checks the rest.
 */
class LabelIndex<T> implements LabelSelection<T> {
  private readonly byPair = new Map<string, T[]>();

  constructor(
    items: readonly T[],
    private readonly namespaceOf: (item: T) => string,
    private readonly labelsOf: (item: T) => Record<string, string> | undefined,
  ) {
    for (const item of items) {
      const labels = labelsOf(item);
      if (!labels) continue;
      const ns = namespaceOf(item);
      for (const [k, v] of Object.entries(labels)) {
        const key = `${ns}\u0000${k}\u0000${v}`;
        const list = this.byPair.get(key);
        if (list) list.push(item);
        else this.byPair.set(key, [item]);
      }
    }
  }

  select(namespace: string, selector: Record<string, string> | undefined): T[] {
    const pairs = Object.entries(selector ?? {});
    const first = pairs[0];
    if (!first) return []; // an empty selector selects nothing, as for a Service without selector
    const candidates = this.byPair.get(`${namespace}\u0000${first[0]}\u0000${first[1]}`) ?? [];
    return pairs.length === 1
      ? candidates
      : candidates.filter((c) => selectorMatches(selector ?? {}, this.labelsOf(c)));
  }
}

function podReady(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  if (pod.status?.phase !== 'Running') return false;
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function workloadEntryReady(we: WorkloadEntry): boolean {
  // Istio sets the Healthy condition only when health checking is configured; without it, an entry is in service.
  const healthy = we.status?.conditions?.find((c) => c.type === 'Healthy');
  return healthy === undefined || healthy.status === 'True';
}

/** The container port a Service port's targetPort names, for a Pod. */
function podPort(pod: V1Pod, targetPort: number | string | undefined, servicePort: number): number {
  if (typeof targetPort === 'number') return targetPort;
  if (typeof targetPort === 'string' && targetPort !== '') {
    const asNumber = Number(targetPort);
    if (Number.isInteger(asNumber)) return asNumber;
    for (const c of pod.spec?.containers ?? []) {
      const p = c.ports?.find((cp) => cp.name === targetPort);
      if (p) return p.containerPort;
    }
  }
  return servicePort;
}

function podInstance(pod: V1Pod, port: number | null, ctx: DataPlaneContext): Instance {
  const labels = pod.metadata?.labels ?? {};
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    kind: 'Pod',
    address: pod.status?.podIP ?? '',
    port,
    version: versionOf(labels),
    labels,
    platform: 'kubernetes',
    ready: podReady(pod),
    dataPlane: podDataPlane(pod, ctx),
  };
}

function workloadInstance(
  spec: WorkloadEntrySpec,
  meta: { name: string; namespace: string; kind: 'WorkloadEntry' | 'ServiceEntryEndpoint' },
  port: { name: string; number: number; targetPort?: number | undefined },
  ready: boolean,
  dataPlane: DataPlaneMode,
): Instance {
  const labels = spec.labels ?? {};
  return {
    name: meta.name,
    namespace: meta.namespace,
    kind: meta.kind,
    address: spec.address ?? '',
    port: spec.ports?.[port.name] ?? port.targetPort ?? port.number,
    version: versionOf(labels),
    labels,
    platform: 'vm',
    ready,
    dataPlane,
  };
}

function rpcInterfaces(annotations: Record<string, string> | undefined): string[] {
  const raw = annotations?.[RPC_INTERFACES_ANNOTATION];
  if (!raw) return [];
  return [...new Set(raw.split(/[\s,]+/).filter((s) => s !== ''))];
}

/** What one Service or ServiceEntry says about one service ID, before the IDs' parts are merged. */
export interface Draft {
  id: string;
  name: string;
  application: string;
  namespace: string;
  protocol: Protocol;
  host: string;
  ports: ServicePort[];
  instances: Instance[];
  source: ServiceSource;
  /** The waypoint of the object (its label, else its namespace's), and whether it is missing. */
  waypoint: Omit<ServiceDataPlane, 'modes'>;
}

/** The catalog entries one Kubernetes object yields: one per RPC interface, else one per host. */
function entriesFor(d: Omit<Draft, 'id' | 'name'>, interfaces: string[], hosts: string[], name: string) {
  // Each field named, not `{ ...d, id }`: in V8 a literal that begins with a spread gets a hidden
  // class of its own (one per draft at 20,000 services), and every read of it goes megamorphic.
  const entry = (id: string, n: string, host: string): Draft => ({
    id,
    name: n,
    application: d.application,
    namespace: d.namespace,
    protocol: d.protocol,
    host,
    ports: d.ports,
    instances: d.instances,
    source: d.source,
    waypoint: d.waypoint,
  });
  if (isRpc(d.protocol)) {
    const names = interfaces.length > 0 ? interfaces : [name];
    return names.map((n) => entry(`${n}@${d.protocol}`, n, d.host));
  }
  return hosts.map((h) => entry(h, name, h));
}

function waypointOf(
  labels: Record<string, string> | undefined,
  namespace: string,
  ctx: DataPlaneContext,
): Omit<ServiceDataPlane, 'modes'> {
  const waypoint = serviceWaypoint(labels, namespace, ctx);
  const missing = waypointMissing(waypoint, ctx);
  return { waypoint, ...(missing !== undefined ? { waypointMissing: missing } : {}) };
}

/** VMs run a sidecar; so do the endpoints of a mesh-internal ServiceEntry. External ones have none. */
const VM_DATA_PLANE: DataPlaneMode = 'sidecar';

/** The drafts of a Kubernetes Service: none for the platform's own Services. */
export function serviceDrafts(
  svc: V1Service,
  pods: LabelSelection<V1Pod>,
  wes: LabelSelection<WorkloadEntry>,
  ctx: DataPlaneContext,
): Draft[] {
  const ns = svc.metadata?.namespace ?? 'default';
  if (HIDDEN_NAMESPACES.has(ns) || (ns === 'default' && svc.metadata?.name === 'kubernetes')) return [];
  return fromService(svc, pods, wes, ctx);
}

function fromService(
  svc: V1Service,
  pods: LabelSelection<V1Pod>,
  wes: LabelSelection<WorkloadEntry>,
  ctx: DataPlaneContext,
): Draft[] {
  const name = svc.metadata?.name ?? '';
  const namespace = svc.metadata?.namespace ?? 'default';
  const labels = svc.metadata?.labels;
  const selector = svc.spec?.selector;
  const ports: ServicePort[] = (svc.spec?.ports ?? []).map((p) => ({
    name: p.name ?? '',
    port: p.port,
    protocol: portProtocol({ name: p.name, appProtocol: p.appProtocol, protocol: p.protocol }),
  }));
  const protocol = serviceProtocol(
    ports.map((p) => p.protocol),
    firstLabel(labels, [FRAMEWORK_LABEL]),
  );
  const mainPort =
    (svc.spec?.ports ?? []).find((p) => ports.find((q) => q.port === p.port)?.protocol === protocol) ??
    svc.spec?.ports?.[0];
  const selectedPods = pods.select(namespace, selector);
  // Istio: a Kubernetes Service's selector also selects WorkloadEntries in its namespace (VMs).
  const selectedWes = wes.select(namespace, selector);
  const instances: Instance[] = [
    ...selectedPods.map((pod) =>
      podInstance(
        pod,
        mainPort ? podPort(pod, mainPort.targetPort as number | string | undefined, mainPort.port) : null,
        ctx,
      ),
    ),
    ...selectedWes.map((we) =>
      workloadInstance(
        we.spec ?? {},
        { name: we.metadata?.name ?? '', namespace, kind: 'WorkloadEntry' },
        { name: mainPort?.name ?? '', number: mainPort?.port ?? 0 },
        workloadEntryReady(we),
        VM_DATA_PLANE,
      ),
    ),
  ];
  const application =
    firstLabel(labels, APP_LABELS) ??
    firstLabel(selector, APP_LABELS) ??
    firstLabel(selectedPods[0]?.metadata?.labels, APP_LABELS) ??
    name;
  const host = `${name}.${namespace}.${CLUSTER_DOMAIN}`;
  return entriesFor(
    {
      application,
      namespace,
      protocol,
      host,
      ports,
      instances,
      source: { kind: 'Service', namespace, name },
      waypoint: waypointOf(labels, namespace, ctx),
    },
    rpcInterfaces(svc.metadata?.annotations),
    [host],
    name,
  );
}

export function serviceEntryDrafts(
  se: ServiceEntry,
  wes: LabelSelection<WorkloadEntry>,
  ctx: DataPlaneContext,
): Draft[] {
  const name = se.metadata?.name ?? '';
  const namespace = se.metadata?.namespace ?? 'default';
  const spec = se.spec ?? {};
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    name: p.name ?? '',
    port: p.number,
    protocol: portProtocol({ name: p.name, protocol: p.protocol }),
  }));
  const protocol = serviceProtocol(
    ports.map((p) => p.protocol),
    firstLabel(se.metadata?.labels, [FRAMEWORK_LABEL]),
  );
  const main =
    (spec.ports ?? []).find((p) => portProtocol({ name: p.name, protocol: p.protocol }) === protocol) ??
    spec.ports?.[0];
  const mainPort = { name: main?.name ?? '', number: main?.number ?? 0, targetPort: main?.targetPort };
  const selected = spec.workloadSelector?.labels ? wes.select(namespace, spec.workloadSelector.labels) : [];
  const instances: Instance[] = [
    ...selected.map((we) =>
      workloadInstance(
        we.spec ?? {},
        { name: we.metadata?.name ?? '', namespace, kind: 'WorkloadEntry' },
        mainPort,
        workloadEntryReady(we),
        VM_DATA_PLANE,
      ),
    ),
    ...(spec.endpoints ?? []).map((ep) =>
      workloadInstance(
        ep,
        { name: ep.address ?? '', namespace, kind: 'ServiceEntryEndpoint' },
        mainPort,
        true,
        spec.location === 'MESH_INTERNAL' ? VM_DATA_PLANE : 'none',
      ),
    ),
  ];
  const application =
    firstLabel(se.metadata?.labels, APP_LABELS) ??
    firstLabel(spec.workloadSelector?.labels, APP_LABELS) ??
    firstLabel(instances[0]?.labels, APP_LABELS) ??
    name;
  const hosts = spec.hosts ?? [];
  return entriesFor(
    {
      application,
      namespace,
      protocol,
      host: hosts[0] ?? name,
      ports,
      instances,
      source: { kind: 'ServiceEntry', namespace, name },
      waypoint: waypointOf(se.metadata?.labels, namespace, ctx),
    },
    rpcInterfaces(se.metadata?.annotations),
    hosts,
    name,
  );
}

const platformLists = new Map<string, Platform[]>();

/**
 * The platforms `has` holds, in the contract's order (kubernetes, vm): one frozen list per
 * combination, shared by every service, version and graph node that has it (a list of their own
 * was 140,000 arrays of the console's heap at the scale bench).
 */
export function platformList(has: (p: Platform) => boolean): Platform[] {
  const list = Platform.options.filter(has);
  const key = list.join(',');
  let found = platformLists.get(key);
  if (!found) platformLists.set(key, (found = Object.freeze(list) as Platform[]));
  return found;
}

function platformsOf(instances: Instance[]): Platform[] {
  return platformList((p) => instances.some((i) => i.platform === p));
}

const versionCollator = new Intl.Collator('en', { numeric: true });
const byVersion = (a: string | null, b: string | null) => versionCollator.compare(a ?? '', b ?? '');

/** What a list of instances adds up to: versions, platforms, counts (sorted by version, then name). */
function summarize(
  instances: readonly Instance[],
): Pick<ServiceDetail, 'platforms' | 'versions' | 'instances' | 'versionDetails' | 'providers'> {
  const providers = [...instances].sort(
    (a, b) => byVersion(a.version, b.version) || compareText(a.name, b.name),
  );
  const versionMap = new Map<string | null, Instance[]>();
  for (const p of providers) {
    const list = versionMap.get(p.version);
    if (list) list.push(p);
    else versionMap.set(p.version, [p]);
  }
  const versionDetails = [...versionMap.entries()]
    .sort(([a], [b]) => byVersion(a, b))
    .map(([version, list]) => ({
      version,
      label: versionLabelOf(list[0]?.labels),
      instances: list.length,
      ready: list.filter((i) => i.ready).length,
      platforms: platformsOf(list),
    }));
  return {
    platforms: platformsOf(providers),
    versions: versionDetails.flatMap((v) => (v.version === null ? [] : [v.version])),
    instances: { total: providers.length, ready: providers.filter((i) => i.ready).length },
    versionDetails,
    providers,
  };
}

/**
 * The waypoint of a service: of a Service and a ServiceEntry for one host, the Service's (listed
 * first). A service in conflict has one only when every claimant's objects name the same.
 */
function waypointOfParts(parts: Draft[], owner: string | null): Omit<ServiceDataPlane, 'modes'> {
  const first = (parts[0] as Draft).waypoint;
  if (owner !== null) return first;
  const same = parts.every((p) => JSON.stringify(p.waypoint.waypoint) === JSON.stringify(first.waypoint));
  return same ? first : { waypoint: null };
}

/**
 * One catalog entry from the objects that define its ID. `owner` is the namespace the service
 * belongs to; null when several namespaces define it (a conflict, listed in `conflict`).
 */
function finish(id: string, name: string, parts: Draft[], owner: string | null): ServiceDetail {
  const first = parts[0] as Draft;
  const seen = new Set<string>();
  const instances: Instance[] = [];
  for (const part of parts) {
    for (const inst of part.instances) {
      const key = `${inst.kind}/${inst.namespace}/${inst.name}`;
      if (seen.has(key)) continue; // a VM selected by both a Service and a ServiceEntry is one instance
      seen.add(key);
      instances.push(inst);
    }
  }
  const ports = new Map<string, ServicePort>();
  for (const part of parts) for (const p of part.ports) ports.set(`${p.port}/${p.name}`, p);
  const { providers, ...summary } = summarize(instances);
  return {
    id,
    name,
    application: first.application,
    namespace: owner ?? '',
    conflict: owner === null ? { namespaces: [...new Set(parts.map((p) => p.namespace))].sort() } : null,
    protocol: first.protocol,
    host: first.host,
    ...summary,
    ports: [...ports.values()],
    providers,
    sources: parts.map((p) => p.source),
    dataPlane: { modes: modesOf(providers), ...waypointOfParts(parts, owner) },
  };
}

/**
 * A service as a user limited to some namespaces sees it. An owned service is theirs whole or not
 * at all; of a service in conflict they see that it is, with the providers and sources of their
 * own namespaces only. Undefined when none of it is theirs.
 */
export function serviceWithin(
  s: ServiceDetail,
  visible: (namespace: string) => boolean,
): ServiceDetail | undefined {
  if (!s.conflict) return visible(s.namespace) ? s : undefined;
  if (!s.conflict.namespaces.some(visible)) return undefined;
  const summary = summarize(s.providers.filter((p) => visible(p.namespace)));
  return {
    ...s,
    ...summary,
    sources: s.sources.filter((src) => visible(src.namespace)),
    // A conflict's waypoint is one its claimants all name (see finish): theirs too.
    ...(s.dataPlane ? { dataPlane: { ...s.dataPlane, modes: modesOf(summary.providers) } } : {}),
  };
}

/** The namespace a cluster-local host names (`name.namespace.svc.cluster.local`), else null. */
function hostNamespace(id: string): string | null {
  const suffix = `.${CLUSTER_DOMAIN}`;
  if (!id.endsWith(suffix)) return null;
  const labels = id.slice(0, -suffix.length).split('.');
  return labels.length === 2 && labels[0] && labels[1] ? labels[1] : null;
}

/**
 * Who owns a service ID. A cluster-local host (a Kubernetes Service's, `name.namespace.svc.cluster.local`)
 * belongs to the namespace it names, always: objects in other namespaces that name it are not part of
 * the service. Any other ID (an RPC interface, a VM host) belongs to the one namespace whose objects
 * define it; defined in several namespaces, it is a conflict, owned by none of them.
 */
function ownership(id: string, parts: Draft[]): { owner: string | null; parts: Draft[] } | null {
  const named = hostNamespace(id);
  if (named !== null) {
    const own = parts.filter((p) => p.namespace === named);
    return own.length > 0 ? { owner: named, parts: own } : null;
  }
  const namespaces = new Set(parts.map((p) => p.namespace));
  if (namespaces.size === 1) return { owner: (parts[0] as Draft).namespace, parts };
  // Ordered by namespace, so the entry does not depend on which object was listed first.
  const sorted = [...parts].sort((a, b) => compareText(a.namespace, b.namespace));
  return { owner: null, parts: sorted };
}

/**
 * Maps Kubernetes Services + Pods and ServiceEntries + WorkloadEntries to the console's services.
 * Pure: the same snapshot gives the same catalog. Objects of one namespace that describe the same
 * service (a Kubernetes Service and a ServiceEntry for the same host, or one RPC interface exported
 * by two applications) are merged into one service with every provider. Objects of different
 * namespaces are never merged into one owner's service: see `ownership`.
 */
export function buildCatalog(snapshot: RegistrySnapshot): ServiceDetail[] {
  const ctx = dataPlaneContext(snapshot.namespaces, snapshot.gateways);
  const pods = new LabelIndex(
    snapshot.pods,
    (p) => p.metadata?.namespace ?? 'default',
    (p) => p.metadata?.labels,
  );
  const wes = new LabelIndex(
    snapshot.workloadEntries,
    (w) => w.metadata?.namespace ?? 'default',
    (w) => w.spec?.labels,
  );
  const drafts: Draft[] = [];
  for (const svc of snapshot.services) drafts.push(...serviceDrafts(svc, pods, wes, ctx));
  for (const se of snapshot.serviceEntries) drafts.push(...serviceEntryDrafts(se, wes, ctx));

  const groups = new Map<string, { name: string; parts: Draft[] }>();
  for (const d of drafts) {
    const group = groups.get(d.id);
    if (group) group.parts.push(d);
    else groups.set(d.id, { name: d.name, parts: [d] });
  }
  const out: ServiceDetail[] = [];
  for (const [id, g] of groups) {
    const service = serviceOf(id, g.parts);
    if (service) out.push(service);
  }
  return out.sort((a, b) => compareText(a.id, b.id));
}

/**
 * The service an ID's drafts make (in snapshot order: Services' first, then ServiceEntries'), or
 * null when none of them may define it (see `ownership`).
 */
export function serviceOf(id: string, parts: Draft[]): ServiceDetail | null {
  const owned = ownership(id, parts);
  return owned ? finish(id, (owned.parts[0] as Draft).name, owned.parts, owned.owner) : null;
}
