import type { ServiceDetail } from '../../bff/src/contract/catalog';
import { staticCatalog } from '../../bff/src/features/catalog/catalog';
import type { CatalogSource } from '../../bff/src/features/catalog/catalog';
import type {
  CallFigures,
  ServiceVersionFigures,
  TrafficEdges,
} from '../../bff/src/features/monitoring/telemetry';

/** A small deterministic generator (mulberry32), so every run draws the same mesh. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticMesh {
  catalog: CatalogSource;
  links: TrafficEdges;
  services: number;
  calls: number;
}

/**
 * A mesh of `n` services (one application each, in namespaces of ~250), about three callers per
 * service (most from the same namespace, as real meshes are), a fifth of them with two versions, a
 * few with errors: what the topology sees from telemetry and the catalog at that size.
 */
export function syntheticMesh(n: number, seed = 42): SyntheticMesh {
  const random = rng(seed);
  const namespaces = Math.max(4, Math.ceil(n / 250));
  const ns = (i: number) => `ns-${i % namespaces}`;
  const app = (i: number) => `svc-${i}`;
  const id = (i: number) => `${app(i)}.${ns(i)}.svc.cluster.local`;
  const versionsOf = (i: number) => (i % 5 === 0 ? ['v1', 'v2'] : ['v1']);
  const services: ServiceDetail[] = [];
  for (let i = 0; i < n; i++) {
    const versions = versionsOf(i);
    const platform = i % 7 === 0 ? 'vm' : 'kubernetes';
    services.push({
      id: id(i),
      name: app(i),
      application: app(i),
      namespace: ns(i),
      protocol: i % 3 === 0 ? 'grpc' : 'http',
      host: id(i),
      platforms: [platform],
      versions,
      instances: { total: versions.length, ready: versions.length },
      ports: [{ name: 'http', port: 8080, protocol: 'http' }],
      versionDetails: versions.map((version) => ({ version, instances: 1, ready: 1, platforms: [platform] })),
      providers: [],
      sources: [{ kind: 'Service', namespace: ns(i), name: app(i) }],
    });
  }
  const calls: CallFigures[] = [];
  const versions: ServiceVersionFigures[] = [];
  const entries = Math.max(1, Math.floor(n * 0.02));
  for (let i = 0; i < n; i++) {
    const inbound = { requests: 0, serverErrors: 0 };
    const callers = new Set<number>();
    if (i < entries) callers.add(-1);
    else {
      for (let k = 0; k < 3; k++) {
        // Callers come from before (a DAG); 70% from the same namespace.
        let j = Math.floor(random() * i);
        if (random() < 0.7) j = j - (j % namespaces) + (i % namespaces);
        if (j >= i) j -= namespaces;
        if (j >= 0) callers.add(j);
      }
    }
    const errorShare = i % 97 === 0 ? 0.15 : i % 13 === 0 ? 0.01 : 0;
    for (const j of callers) {
      const requests = 0.5 + random() * 20;
      const serverErrors = requests * errorShare;
      inbound.requests += requests;
      inbound.serverErrors += serverErrors;
      calls.push({
        source:
          j < 0
            ? {
                workload: 'istio-ingressgateway',
                namespace: 'istio-system',
                app: 'istio-ingressgateway',
                version: 'unknown',
              }
            : { workload: `${app(j)}-v1`, namespace: ns(j), app: app(j), version: 'v1' },
        serviceId: id(i),
        requests,
        serverErrors,
        clientErrors: 0,
        p95: 5 + random() * 200,
      });
    }
    const vs = versionsOf(i);
    vs.forEach((version, v) => {
      const share = vs.length === 1 ? 1 : v === 0 ? 0.8 : 0.2;
      versions.push({
        serviceId: id(i),
        namespace: ns(i),
        app: app(i),
        version,
        requests: inbound.requests * share,
        serverErrors: inbound.serverErrors * share,
        clientErrors: 0,
        p95: 5 + random() * 200,
      });
    });
  }
  return { catalog: staticCatalog(services), links: { calls, versions }, services: n, calls: calls.length };
}
