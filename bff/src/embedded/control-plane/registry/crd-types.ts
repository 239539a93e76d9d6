import { isRecord } from '../types';
import type { JsonSchema, PrinterColumn, ResourceType } from './resource-type';
import { compareVersionPriority } from './resource-type';

/**
 * A CustomResourceDefinition's spec as a served kind. Used for the vendored CRDs (Istio, Gateway
 * API: their versions carry the openAPIV3Schema directly, or `schemaSameAs` another version) and for
 * the CRDs users apply (`schema.openAPIV3Schema`, as in the API).
 */
interface CrdVersionSpec {
  name: string;
  served: boolean;
  storage?: boolean;
  subresources?: Record<string, unknown>;
  additionalPrinterColumns?: PrinterColumn[];
  /** The vendored files' form: the openAPIV3Schema itself. */
  schema?: JsonSchema;
  schemaSameAs?: string;
}

export interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: {
    plural: string;
    singular?: string;
    kind: string;
    listKind?: string;
    shortNames?: string[];
    categories?: string[];
  };
  versions: CrdVersionSpec[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/** `.spec.replicas` → `spec.replicas`, the ResourceType form. */
const dotted = (path: unknown): string | undefined => str(path)?.replace(/^\./, '');

function scaleOf(subresources: Record<string, unknown> | undefined): ResourceType['scale'] {
  const scale = subresources && isRecord(subresources.scale) ? subresources.scale : undefined;
  const specReplicasPath = dotted(scale?.specReplicasPath);
  const statusReplicasPath = dotted(scale?.statusReplicasPath);
  if (!specReplicasPath || !statusReplicasPath) return undefined;
  const labelSelectorPath = dotted(scale?.labelSelectorPath);
  return { specReplicasPath, statusReplicasPath, ...(labelSelectorPath ? { labelSelectorPath } : {}) };
}

/** The kind a CRD spec defines, its served versions most preferred first. */
export function typeFromCrd(
  crd: CrdSpec,
  transformSchema?: (schema: JsonSchema) => JsonSchema,
): ResourceType {
  const served = crd.versions.filter((v) => v.served);
  const schemaOf = (name: string, depth = 0): JsonSchema | undefined => {
    const v = crd.versions.find((x) => x.name === name);
    if (!v || depth > crd.versions.length) return undefined;
    return v.schema ?? (v.schemaSameAs ? schemaOf(v.schemaSameAs, depth + 1) : undefined);
  };
  const { names } = crd;
  const singular = names.singular ?? names.kind.toLowerCase();
  return {
    group: crd.group,
    plural: names.plural,
    singular: singular === '' ? names.kind.toLowerCase() : singular,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    namespaced: crd.scope === 'Namespaced',
    versions: served
      .map((v) => {
        const schema = schemaOf(v.name);
        return {
          name: v.name,
          schema: schema && transformSchema ? transformSchema(schema) : schema,
          printerColumns: v.additionalPrinterColumns ?? [],
        };
      })
      .sort((a, b) => compareVersionPriority(a.name, b.name)),
    custom: true,
    statusSubresource: served.some((v) => v.subresources?.status !== undefined),
    scale: served.map((v) => scaleOf(v.subresources)).find((s) => s !== undefined),
    allowUnconditionalUpdate: false,
    allowCreateOnUpdate: false,
    nameRule: 'dns1123-subdomain',
    extraFieldSelectors: [],
  };
}

/**
 * The spec of a CustomResourceDefinition object as the API holds it (`versions[].schema.openAPIV3Schema`),
 * or undefined when it lacks what a kind needs. Only a loosely checked object reaches here: the CRD
 * kind's own schema has validated its shape.
 */
export function crdSpecOf(object: Record<string, unknown>): CrdSpec | undefined {
  const spec = isRecord(object.spec) ? object.spec : undefined;
  const names = spec && isRecord(spec.names) ? spec.names : undefined;
  const group = str(spec?.group);
  const plural = str(names?.plural);
  const kind = str(names?.kind);
  if (!spec || !names || !group || !plural || !kind || !Array.isArray(spec.versions)) return undefined;
  const versions: CrdVersionSpec[] = spec.versions.filter(isRecord).map((v) => {
    const schema =
      isRecord(v.schema) && isRecord(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined;
    const columns = Array.isArray(v.additionalPrinterColumns)
      ? v.additionalPrinterColumns.filter(isRecord).flatMap((c): PrinterColumn[] => {
          const name = str(c.name);
          const jsonPath = str(c.jsonPath);
          if (!name || !jsonPath) return [];
          return [
            {
              name,
              type: str(c.type) ?? 'string',
              jsonPath,
              ...(str(c.format) ? { format: str(c.format) } : {}),
              ...(typeof c.priority === 'number' ? { priority: c.priority } : {}),
            },
          ];
        })
      : undefined;
    return {
      name: str(v.name) ?? '',
      served: v.served !== false,
      storage: v.storage === true,
      subresources: isRecord(v.subresources) ? v.subresources : undefined,
      additionalPrinterColumns: columns,
      schema,
    };
  });
  return {
    group,
    scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
    names: {
      plural,
      kind,
      singular: str(names.singular),
      listKind: str(names.listKind),
      shortNames: strings(names.shortNames),
      categories: strings(names.categories),
    },
    versions,
  };
}
