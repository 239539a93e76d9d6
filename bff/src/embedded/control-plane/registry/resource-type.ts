/** What the server knows about each kind it serves: names, versions, schemas, behaviour on write. */

export type JsonSchema = Record<string, unknown>;

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  jsonPath: string;
  priority?: number;
}

export interface ResourceVersion {
  name: string;
  /** The openAPIV3Schema objects of this version are checked against; undefined accepts anything. */
  schema: JsonSchema | undefined;
  /** CRD additionalPrinterColumns; built-in kinds print through their own table functions instead. */
  printerColumns: PrinterColumn[];
}

export type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label';

export interface ResourceType {
  group: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  /** Served versions, most preferred first (the order discovery lists them in). */
  versions: ResourceVersion[];
  /** Defined by a CRD: no strategic merge patch, and a status subresource if the CRD says so. */
  custom: boolean;
  /** `.status` is written only through `/status` and dropped on create, as for a CRD with `subresources.status`. */
  statusSubresource: boolean;
  /**
   * The scale subresource (`/scale`, autoscaling/v1 Scale), as a CRD's `subresources.scale` declares it:
   * dotted paths into the object (apps/v1 Deployment and ReplicaSet: `spec.replicas`, `status.replicas`,
   * `status.selector` is not used there; they take the selector from `spec.selector`).
   */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** PUT without metadata.resourceVersion is allowed (built-in kinds) or refused (custom resources). */
  allowUnconditionalUpdate: boolean;
  /** PUT of a missing object creates it (core Events only). */
  allowCreateOnUpdate: boolean;
  nameRule: NameRule;
  /** Field selector keys besides metadata.name and metadata.namespace, as dotted paths into the object. */
  extraFieldSelectors: string[];
}

const versionKind = (v: string): [number, number, number] => {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [0, 0, 0];
  const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  return [stability, Number(m[1]), Number(m[3] ?? 0)];
};

/** Kubernetes' version priority: GA before beta before alpha, then the higher number first. */
export function compareVersionPriority(a: string, b: string): number {
  const [sa, ma, na] = versionKind(a);
  const [sb, mb, nb] = versionKind(b);
  if (sa !== sb) return sb - sa;
  if (ma !== mb) return mb - ma;
  if (na !== nb) return nb - na;
  return a.localeCompare(b);
}
