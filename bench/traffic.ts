import { DEMO_APPS } from '../bff/src/embedded/demo-mesh/mesh';
import { IstioExporter } from '../bff/src/embedded/demo-mesh/traffic/exporter';
import { StaticRules } from '../bff/src/embedded/demo-mesh/traffic/rules';
import { TrafficSimulator } from '../bff/src/embedded/demo-mesh/traffic/simulator';
import { TrafficStore } from '../bff/src/embedded/demo-mesh/traffic/store';
import { demoCatalog } from '../bff/src/embedded/demo-mesh/traffic/testing';
import { printFigures, summarize } from './stats';

/**
 * `npx tsx bench/traffic.ts`: the demo mesh's traffic simulator as `npm start` runs it (the demo
 * catalog, Istio's metrics exported), one tick per simulated second. Goal: a tick well under 10 ms,
 * so the simulator costs under 1% of one core.
 */
async function benchTraffic(): Promise<void> {
  const catalog = demoCatalog();
  let now = Date.UTC(2026, 0, 1);
  const sim = new TrafficSimulator({
    apps: DEMO_APPS,
    catalog,
    rules: new StaticRules(),
    dialect: 'istio',
    store: new TrafficStore(),
    exporter: new IstioExporter(),
    clock: () => now,
    seed: 1,
  });
  sim.tick(now);
  // Warm-up: the first ticks build the topology, the decisions and the exported series.
  for (let i = 0; i < 60; i++) sim.tick((now += 1000));
  const ticks: number[] = [];
  let requests = 0;
  for (let i = 0; i < 600; i++) {
    now += 1000;
    const t = performance.now();
    sim.tick(now);
    ticks.push(performance.now() - t);
    requests += sim.lastTickRequests;
  }
  printFigures(`Demo traffic: ${catalog.view().services.length} services, 1 s ticks`, [
    ...summarize(`simulator tick (~${Math.round(requests / ticks.length)} requests)`, ticks, 'ms'),
  ]);
}

await benchTraffic();
