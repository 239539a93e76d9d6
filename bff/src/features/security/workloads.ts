import type { MeshObjects } from '../../clients/mesh-objects';
import type { ServiceDetail } from '../../contract/catalog';
import { kubeKind } from '../../lib/kube-kind';
import type { MeshObject } from '../../mesh/istio-types';

/**
 * The service's workloads as Istio's security policies select them: by labels, in the service's
 * namespace. A PeerAuthentication or AuthorizationPolicy written for the service selects its
 * instances by the labels its Service selects them by (its `spec.selector`; a ServiceEntry's
 * `workloadSelector`), so that every instance of every version, and only those, is covered.
 */

const SERVICE = kubeKind('v1', 'Service', 'services');
const SERVICE_ENTRY = kubeKind('networking.istio.io/v1', 'ServiceEntry', 'serviceentries');

export interface ServiceWorkloads {
  /** The Kubernetes Service's name (what a `targetRefs` entry names); null for a ServiceEntry's service. */
  serviceName: string | null;
  /** The labels that select the service's instances; empty when its Service selects none (then no workload scope). */
  selector: Record<string, string>;
  /**
   * Labels every instance in the namespace carries (at least the selector): what a policy's selector
   * is judged against when deciding whether it applies to the service.
   */
  labels: Record<string, string>;
  /** The labels of each of the service's instances in its namespace. */
  instances: Record<string, string>[];
  /** The target (container) ports of the service, for port-level settings and per-port modes. */
  ports: number[];
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** The labels common to every label set (empty for none). */
function commonLabels(sets: Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = sets;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((s) => s[k] === v)));
}

/** The Service or ServiceEntry the service is read from in its namespace, when it can be read. */
async function sourceObject(service: ServiceDetail, objects: MeshObjects): Promise<MeshObject | undefined> {
  const source = service.sources.find((s) => s.namespace === service.namespace);
  if (!source) return undefined;
  const kind = source.kind === 'Service' ? SERVICE : SERVICE_ENTRY;
  return (await objects.get(kind, source.namespace, source.name).catch(() => undefined)) as
    MeshObject | undefined;
}

/** Reads what the security kinds need of the service's workloads. */
export async function serviceWorkloads(
  service: ServiceDetail,
  objects: MeshObjects,
): Promise<ServiceWorkloads> {
  const source = await sourceObject(service, objects);
  const spec = isRecord(source?.spec) ? source.spec : {};
  const selector =
    source?.kind === 'ServiceEntry'
      ? stringMap(isRecord(spec.workloadSelector) ? spec.workloadSelector.labels : undefined)
      : stringMap(spec.selector);
  const instances = service.providers.filter(
    (p) => p.namespace === service.namespace && p.kind !== 'ServiceEntryEndpoint',
  );
  const common = commonLabels(instances.map((p) => p.labels));
  const ports = new Set<number>();
  for (const p of Array.isArray(spec.ports) ? (spec.ports as unknown[]) : []) {
    if (!isRecord(p)) continue;
    // A numbered targetPort is the container port; none means the port itself; a named one is
    // resolved on each Pod (the catalog's instance port below).
    if (typeof p.targetPort === 'number') ports.add(p.targetPort);
    else if (p.targetPort === undefined && typeof p.port === 'number') ports.add(p.port);
    else if (p.targetPort === undefined && typeof p.number === 'number') ports.add(p.number);
  }
  for (const p of instances) if (p.port) ports.add(p.port);
  if (ports.size === 0) for (const p of service.ports) ports.add(p.port);
  return {
    serviceName: source?.kind === 'Service' ? source.metadata.name : null,
    selector,
    labels: { ...common, ...selector },
    instances: instances.map((p) => p.labels),
    ports: [...ports].sort((a, b) => a - b),
  };
}
