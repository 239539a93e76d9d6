import fs from 'node:fs';
import { z } from 'zod';
import { isRecord } from '../types';
import type { JsonSchema, ResourceType } from './resource-type';
import { compareVersionPriority } from './resource-type';

const crdFileSchema = z.object({
  crds: z.array(
    z.object({
      group: z.string(),
      scope: z.enum(['Namespaced', 'Cluster']),
      names: z.object({
        plural: z.string(),
        singular: z.string(),
        kind: z.string(),
        listKind: z.string(),
        shortNames: z.array(z.string()).optional(),
        categories: z.array(z.string()).optional(),
      }),
      versions: z.array(
        z.object({
          name: z.string(),
          served: z.boolean(),
          subresources: z.record(z.string(), z.unknown()).optional(),
          additionalPrinterColumns: z
            .array(
              z.object({
                name: z.string(),
                type: z.string(),
                format: z.string().optional(),
                jsonPath: z.string(),
                priority: z.number().optional(),
              }),
            )
            .optional(),
          schema: z.record(z.string(), z.unknown()).optional(),
          schemaSameAs: z.string().optional(),
        }),
      ),
    }),
  ),
});

type CrdFile = z.infer<typeof crdFileSchema>;

let cached: CrdFile | undefined;

/** The vendored Istio CRDs (see scripts/vendor-istio-crds.ts), read once per process. */
function loadCrds(): CrdFile {
  cached ??= crdFileSchema.parse(
    JSON.parse(fs.readFileSync(new URL('../crds/istio-networking.json', import.meta.url), 'utf8')),
  );
  return cached;
}

/**
 * SOFA's control plane accepts a `dubbo` section in networking.istio.io VirtualServices; a stock
 * Istio CRD prunes it. Declaring it as a free-form object reproduces the SOFA dialect.
 */
function withDubboField(schema: JsonSchema): JsonSchema {
  const copy = structuredClone(schema);
  const spec = isRecord(copy.properties) ? copy.properties.spec : undefined;
  if (isRecord(spec) && isRecord(spec.properties)) {
    spec.properties.dubbo = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
  return copy;
}

export function istioTypes(options: { keepIstioDubboField: boolean }): ResourceType[] {
  return loadCrds().crds.map((crd) => {
    const served = crd.versions.filter((v) => v.served);
    const schemaOf = (name: string): JsonSchema | undefined => {
      const v = crd.versions.find((x) => x.name === name);
      if (!v) return undefined;
      return v.schema ?? (v.schemaSameAs ? schemaOf(v.schemaSameAs) : undefined);
    };
    const dubbo = options.keepIstioDubboField && crd.names.plural === 'virtualservices';
    return {
      group: crd.group,
      plural: crd.names.plural,
      singular: crd.names.singular,
      kind: crd.names.kind,
      listKind: crd.names.listKind,
      shortNames: crd.names.shortNames ?? [],
      categories: crd.names.categories ?? [],
      namespaced: crd.scope === 'Namespaced',
      versions: served
        .map((v) => {
          const schema = schemaOf(v.name);
          return {
            name: v.name,
            schema: schema && dubbo ? withDubboField(schema) : schema,
            printerColumns: v.additionalPrinterColumns ?? [],
          };
        })
        .sort((a, b) => compareVersionPriority(a.name, b.name)),
      custom: true,
      statusSubresource: served.some((v) => v.subresources?.status !== undefined),
      allowUnconditionalUpdate: false,
      allowCreateOnUpdate: false,
      nameRule: 'dns1123-subdomain',
      extraFieldSelectors: [],
    };
  });
}
