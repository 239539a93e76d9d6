import path from 'node:path';
import type { DemoApp } from '../bff/src/embedded/demo-mesh/mesh';
import { DEMO_APPS } from '../bff/src/embedded/demo-mesh/mesh';
import { IstioExporter } from '../bff/src/embedded/demo-mesh/traffic/exporter';
import { StaticRules } from '../bff/src/embedded/demo-mesh/traffic/rules';
import type { RuleSnapshot } from '../bff/src/embedded/demo-mesh/traffic/rules';
import { TrafficSimulator } from '../bff/src/embedded/demo-mesh/traffic/simulator';
import { TrafficStore } from '../bff/src/embedded/demo-mesh/traffic/store';
import { demoCatalog, demoRuleSnapshot } from '../bff/src/embedded/demo-mesh/traffic/testing';
import type { CatalogSource } from '../bff/src/features/catalog/catalog';
import { generatedCatalog } from './generated-mesh';
import { printFigures, summarize } from './stats';

/**
 * `npm run bench -- traffic`: the demo mesh's traffic simulator, one tick per simulated second, with
 * Istio's metrics exported: the demo as `npm start` runs it, the demo plus a user's Bookinfo under
 * the fault-injection, timeout and retry rules of Istio's tasks, and a generated mesh of 2,000
 * services. Goal: a demo tick well under 10 ms (under 1% of a core).
 */
function measure(
  name: string,
  apps: readonly DemoApp[],
  catalog: CatalogSource,
  rules: Partial<RuleSnapshot>,
  ticks: number,
  goalP99?: number,
) {
  let now = Date.UTC(2026, 0, 1);
  const sim = new TrafficSimulator({
    apps,
    catalog,
    rules: new StaticRules(rules),
    dialect: 'istio',
    store: new TrafficStore(),
    exporter: new IstioExporter(),
    clock: () => now,
    seed: 1,
  });
  sim.tick(now);
  // Warm-up: the first ticks build the topology, the decisions and the exported series.
  for (let i = 0; i < 30; i++) sim.tick((now += 1000));
  const times: number[] = [];
  let requests = 0;
  for (let i = 0; i < ticks; i++) {
    now += 1000;
    const t = performance.now();
    sim.tick(now);
    times.push(performance.now() - t);
    requests += sim.lastTickRequests;
  }
  printFigures(`${name}: ${catalog.view().services.length} services, 1 s ticks`, [
    ...summarize(`simulator tick (~${Math.round(requests / times.length)} requests)`, times, 'ms', goalP99),
  ]);
}

/** 2,000 applications of 3 versions (one Pod each), each of the last 95% called by one before it. */
function generatedMesh(services: number): { apps: DemoApp[]; catalog: CatalogSource } {
  const name = (i: number) => `svc-${i}`;
  const entries = Math.max(1, Math.floor(services * 0.05));
  const apps: DemoApp[] = Array.from({ length: services }, (_, i) => ({
    app: name(i),
    namespace: `bench-${i % 20}`,
    protocol: i % 3 === 0 ? 'grpc' : 'http',
    port: 8080,
    versions: [1, 2, 3].map((v) => ({ version: `v${v}`, kubernetes: 1 })),
    calls: [],
  }));
  for (let i = entries; i < services; i++) {
    const caller = apps[(i * 7919) % i] as DemoApp;
    (apps[i] as DemoApp).namespace = caller.namespace;
    caller.calls = [...(caller.calls ?? []), name(i)];
  }
  return { apps, catalog: generatedCatalog(apps) };
}

async function userBookinfo(): Promise<{ catalog: CatalogSource; rules: RuleSnapshot } | null> {
  // The test support reads Istio's samples from the shared checkout; without it, this part is skipped.
  try {
    const support = await import('../bff/src/embedded/demo-mesh/traffic/user-mesh.test-support');
    const net = (...files: string[]) =>
      files.flatMap((f) => support.sampleFile(path.join(support.BOOKINFO_NETWORKING, f)));
    const objects = support.sampleFile(path.join(support.SAMPLES, 'bookinfo/platform/kube/bookinfo.yaml'));
    return {
      catalog: support.userCatalog(objects),
      rules: support.rulesOf(
        net(
          'bookinfo-gateway.yaml',
          'destination-rule-all.yaml',
          'virtual-service-all-v1.yaml',
          'virtual-service-reviews-test-v2.yaml',
          'virtual-service-ratings-test-delay.yaml',
        ),
      ),
    };
  } catch {
    return null;
  }
}

export async function benchTraffic(): Promise<void> {
  // With the demo's own rules: shop's ambient corner (waypoint, HTTPRoute) is on the measured path.
  measure('Demo traffic', DEMO_APPS, demoCatalog(), demoRuleSnapshot(), 600, 10);
  const bookinfo = await userBookinfo();
  if (bookinfo)
    measure("A user's Bookinfo under ratings-test-delay", [], bookinfo.catalog, bookinfo.rules, 600);
  const big = generatedMesh(2000);
  measure('Generated mesh', big.apps, big.catalog, {}, 30);
}
