import os from 'node:os';
import type { GraphType, TopologyGraph } from '../../bff/src/contract/topology';
import { UnavailableTelemetry } from '../../bff/src/features/monitoring/telemetry';
import type { TelemetrySource, TrafficEdges } from '../../bff/src/features/monitoring/telemetry';
import { TopologyService } from '../../bff/src/features/topology/topology';
import { encodedAnswer } from '../../bff/src/lib/shared-encoding';
import { percentile, printFigures, summarize } from '../stats';
import type { Figure } from '../stats';
import { syntheticMesh } from './synthetic';

/**
 * Telemetry that answers the topology's question at once, so the figures are the BFF's own work.
 * `moving`: every answer differs from the last (one link's rate moves), as after each scrape, so
 * every graph is built anew; otherwise the same answer each time, as within one scrape interval,
 * where the console keeps what it built (TopologyService: `Unchanged`) and only draws.
 */
function syntheticTelemetry(links: TrafficEdges, moving: boolean): TelemetrySource {
  let asked = 0;
  const next = (): TrafficEdges => {
    asked++;
    const [first, ...rest] = links.calls;
    if (!first) return links;
    return { calls: [{ ...first, requests: first.requests + asked }, ...rest], versions: links.versions };
  };
  // Every other question fails (UnavailableTelemetry: a Prometheus with a 15 s scrape interval).
  return Object.assign(new UnavailableTelemetry('not asked by the topology'), {
    edges: async () => (moving ? next() : links),
  });
}

/**
 * The API's graph building at 5,000 services: telemetry's links + the catalog → nodes and edges,
 * serialized as the response is. Goal: under 200 ms of CPU for the service graph.
 */
export async function benchTopologyApi(services = 5_000): Promise<void> {
  const mesh = syntheticMesh(services);
  const topology = new TopologyService({
    catalog: mesh.catalog,
    telemetry: syntheticTelemetry(mesh.links, true),
  });
  const steady = new TopologyService({
    catalog: mesh.catalog,
    telemetry: syntheticTelemetry(mesh.links, false),
  });
  const figures: Figure[] = [{ name: 'caller → service links from telemetry', value: mesh.calls, unit: '' }];
  // Wall time on a shared machine includes waiting for a core; CPU time is the BFF's own work.
  const measure = async (ask: () => Promise<TopologyGraph>) => {
    let last: { graph: TopologyGraph; bytes: number } | null = null;
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < 45; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const graph = await ask();
      // What the API sends: serialized once per graph (by its build since it is a shared answer).
      const bytes = encodedAnswer(graph).bytes;
      const t = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (i < 5) continue; // warm-up
      wall.push(t);
      cpu.push((c.user + c.system) / 1000);
      last = { graph, bytes };
    }
    return { wall, cpu, last: last as { graph: TopologyGraph; bytes: number } };
  };
  for (const graphType of ['service', 'app', 'versionedApp'] as GraphType[]) {
    const { wall, cpu, last } = await measure(() => topology.graph({ graphType, window: '5m' }));
    figures.push(
      {
        name: `${graphType}: ${last.graph.nodes.length} nodes, ${last.graph.edges.length} edges, KiB`,
        value: last.bytes / 1024,
        unit: 'KiB',
      },
      {
        name: `GET /topology?graphType=${graphType}: CPU p50`,
        value: percentile(cpu, 50),
        unit: 'ms',
        ...(graphType === 'service' ? { goal: { max: 200 } } : {}),
      },
      ...summarize(`GET /topology?graphType=${graphType}: wall`, wall, 'ms'),
    );
    // The figure, as a caller waits for it (wall, with the JSON), for the whole-mesh graph.
    if (graphType === 'service')
      figures.push({
        name: `topology API at ${services.toLocaleString('en')} services (wall p99)`,
        value: percentile(wall, 99),
        unit: 'ms',
        goal: { max: 200 },
      });
  }
  // Within a scrape interval the links do not move: the graph is drawn from the nodes and edges kept.
  const kept = await measure(() => steady.graph({ graphType: 'service', window: '5m' }));
  figures.push(
    ...summarize('GET /topology?graphType=service, links unchanged (same scrape): wall', kept.wall, 'ms'),
  );
  const ns = await measure(() => topology.graph({ graphType: 'app', window: '5m', namespace: 'ns-3' }));
  figures.push(
    {
      name: 'GET /topology?graphType=app&namespace=ns-3: CPU p50',
      value: percentile(ns.cpu, 50),
      unit: 'ms',
    },
    ...summarize('GET /topology?graphType=app&namespace=ns-3: wall', ns.wall, 'ms'),
  );
  const [load] = os.loadavg();
  figures.push({ name: 'load average (1 min) while measuring, on 2 cores', value: load ?? 0, unit: '' });
  printFigures(`Topology API: ${services} services, synthetic telemetry`, figures);
}
