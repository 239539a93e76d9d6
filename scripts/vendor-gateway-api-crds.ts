/**
 * Extracts the Gateway API standard-channel CRDs the embedded control plane serves from start
 * (GatewayClass, Gateway, HTTPRoute, GRPCRoute, ReferenceGrant, BackendTLSPolicy, TCPRoute, TLSRoute)
 * into bff/src/embedded/control-plane/crds/gateway-api.json.
 *
 *   npx tsx scripts/vendor-gateway-api-crds.ts [path/to/gateway-api-dir]
 *
 * The CRDs are only available on the build machine, so the output is committed. Descriptions are
 * kept (`kubectl explain` prints them); a version whose schema equals an earlier one's is stored as
 * `schemaSameAs` that version.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import prettier from 'prettier';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const inputDir = path.resolve(process.argv[2] ?? '/work/shared/gateway-api');
const output = path.join(root, 'bff/src/embedded/control-plane/crds/gateway-api.json');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function pick(doc: Record<string, unknown>): Record<string, unknown> {
  const metadata = isRecord(doc.metadata) ? doc.metadata : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  const spec = isRecord(doc.spec) ? doc.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isRecord) : [];
  const schemaOf = (v: Record<string, unknown>) => (isRecord(v.schema) ? v.schema.openAPIV3Schema : {});
  return {
    name: metadata.name,
    bundleVersion: annotations['gateway.networking.k8s.io/bundle-version'],
    channel: annotations['gateway.networking.k8s.io/channel'],
    group: spec.group,
    scope: spec.scope,
    names: spec.names,
    versions: versions.map((v, i) => {
      const schema = schemaOf(v);
      const earlier = versions.slice(0, i).find((e) => same(schemaOf(e), schema));
      return {
        name: v.name,
        served: v.served,
        storage: v.storage,
        subresources: v.subresources ?? {},
        additionalPrinterColumns: v.additionalPrinterColumns ?? [],
        ...(earlier ? { schemaSameAs: earlier.name } : { schema }),
      };
    }),
  };
}

async function main(): Promise<void> {
  const files = fs
    .readdirSync(inputDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const crds = files
    .flatMap((f) => loadAll(fs.readFileSync(path.join(inputDir, f), 'utf8')).filter(isRecord))
    .filter((d) => d.kind === 'CustomResourceDefinition')
    .map(pick)
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  if (crds.length === 0) throw new Error(`no CustomResourceDefinition in ${inputDir}`);
  const readme = path.join(inputDir, 'README.md');
  const commit = fs.existsSync(readme)
    ? (/commit ([0-9a-f]{40})/.exec(fs.readFileSync(readme, 'utf8'))?.[1] ?? 'unknown')
    : 'unknown';
  const vendored = {
    _source:
      `kubernetes-sigs/gateway-api config/crd/standard at commit ${commit}, ` +
      'Copyright The Kubernetes Authors, Apache License 2.0; extracted by scripts/vendor-gateway-api-crds.ts',
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
