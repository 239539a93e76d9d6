import type { DemoApp } from '../bff/src/embedded/demo-mesh/mesh';
import { staticCatalog } from '../bff/src/features/catalog/catalog';
import type { CatalogSource } from '../bff/src/features/catalog/catalog';
import type { V1Pod, V1Service } from '../bff/src/features/catalog/kube-types';
import { buildCatalog } from '../bff/src/features/catalog/registry';

/**
 * The catalog of a generated mesh (benchmarks): a Service per application and one ready Pod per
 * version, each with a unique IP, as the catalog would read them from a cluster.
 */
export function generatedCatalog(apps: readonly DemoApp[]): CatalogSource {
  const services: V1Service[] = apps.map((a) => ({
    metadata: { name: a.app, namespace: a.namespace, labels: { app: a.app } },
    spec: {
      selector: { app: a.app },
      ports: [{ name: a.protocol === 'grpc' ? 'grpc' : 'http', port: 8080 }],
    },
  }));
  const pods: V1Pod[] = apps.flatMap((a, i) =>
    a.versions.map((v, j) => ({
      metadata: {
        name: `${a.app}-${v.version}-0`,
        namespace: a.namespace,
        labels: { app: a.app, version: v.version },
      },
      spec: { containers: [{ name: 'app', image: 'bench' }] },
      status: {
        phase: 'Running',
        podIP: `10.${(i >> 8) & 255}.${i & 255}.${j + 1}`,
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    })),
  );
  return staticCatalog(buildCatalog({ services, pods, serviceEntries: [], workloadEntries: [] }));
}
