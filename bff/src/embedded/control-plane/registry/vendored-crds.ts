import fs from 'node:fs';
import { z } from 'zod';

/** The vendored CRD files in ../crds (written by scripts/vendor-*-crds.ts), read once per process. */

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
          storage: z.boolean().optional(),
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

export type VendoredCrdFile = z.infer<typeof crdFileSchema>;

const cache = new Map<string, VendoredCrdFile>();

export function loadVendoredCrds(fileName: string): VendoredCrdFile {
  let file = cache.get(fileName);
  if (!file) {
    file = crdFileSchema.parse(
      JSON.parse(fs.readFileSync(new URL(`../crds/${fileName}`, import.meta.url), 'utf8')),
    );
    cache.set(fileName, file);
  }
  return file;
}
