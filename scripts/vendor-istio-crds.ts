/**
 * Extracts every Istio CRD (networking, security, telemetry, extensions) the embedded control plane serves from Istio's generated
 * CRD bundle into bff/src/embedded/control-plane/crds/istio-networking.json.
 *
 *   npx tsx scripts/vendor-istio-crds.ts [path/to/customresourcedefinitions.gen.yaml]
 *
 * The bundle is only available on the build machine, so its output is committed. Schemas are kept
 * as they are, descriptions included (`kubectl explain` prints them); printer columns lose theirs.
 * A version whose schema equals an earlier one's is stored as `schemaSameAs` that version.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import prettier from 'prettier';

/** Every CRD of the bundle: networking, security, telemetry and extensions kinds. */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const input = path.resolve(process.argv[2] ?? '/work/shared/istio/customresourcedefinitions.gen.yaml');
const output = path.join(root, 'bff/src/embedded/control-plane/crds/istio-networking.json');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Removes `description` keywords, but not a schema property that happens to be called so. */
function stripDescriptions(value: unknown, isPropertyMap = false): unknown {
  if (Array.isArray(value)) return value.map((v) => stripDescriptions(v));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'description' && !isPropertyMap) continue;
    out[key] = stripDescriptions(child, key === 'properties' && !isPropertyMap);
  }
  return out;
}

/** The istio/api commit the bundle came from, as recorded in the README beside it. */
function sourceCommit(): string {
  const readme = path.join(path.dirname(input), 'README.md');
  if (!fs.existsSync(readme)) return 'unknown';
  const match = /commit ([0-9a-f]{40})/.exec(fs.readFileSync(readme, 'utf8'));
  return match?.[1] ?? 'unknown';
}

function pick(doc: Record<string, unknown>): Record<string, unknown> {
  const metadata = isRecord(doc.metadata) ? doc.metadata : {};
  const spec = isRecord(doc.spec) ? doc.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isRecord) : [];
  return {
    name: metadata.name,
    group: spec.group,
    scope: spec.scope,
    names: spec.names,
    versions: versions.map((v, i) => {
      const schema = isRecord(v.schema) ? v.schema.openAPIV3Schema : {};
      // Istio generates the same schema for every version; storing it once keeps the file small.
      const same = versions
        .slice(0, i)
        .find((earlier) => isRecord(earlier.schema) && isEqual(earlier.schema.openAPIV3Schema, schema));
      return {
        name: v.name,
        served: v.served,
        storage: v.storage,
        subresources: v.subresources ?? {},
        additionalPrinterColumns: stripDescriptions(v.additionalPrinterColumns ?? []),
        ...(same ? { schemaSameAs: same.name } : { schema }),
      };
    }),
  };
}

function isEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function main(): Promise<void> {
  const docs = loadAll(fs.readFileSync(input, 'utf8')).filter(isRecord);
  const crds = docs
    .filter((d) => d.kind === 'CustomResourceDefinition')
    .map(pick)
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  if (crds.length === 0) throw new Error(`no CustomResourceDefinition in ${input}`);
  const vendored = {
    _source:
      `istio/api kubernetes/customresourcedefinitions.gen.yaml at commit ${sourceCommit()}, ` +
      'Copyright Istio Authors, Apache License 2.0; extracted by scripts/vendor-istio-crds.ts',
    crds,
  };
  const text = await prettier.format(JSON.stringify(vendored), { parser: 'json', printWidth: 110 });
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, text);
  console.log(
    `wrote ${path.relative(root, output)} (${crds.length} CRDs, ${Math.round(text.length / 1024)} KiB)`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
