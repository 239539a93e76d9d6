import type { Server } from 'node:http';
import { buildConsole } from './console';
import type { KubeClient } from './clients/kube';
import type { Config } from './config';
import type { ControlPlane } from './embedded/control-plane';
import { serveDemoMetrics } from './embedded/demo-mesh/metrics-listener';
import type { DemoMetricsListener } from './embedded/demo-mesh/metrics-listener';
import type { DemoTraffic } from './embedded/demo-mesh/traffic';
import type { Logger } from './lib/logger';

export interface RunningConsole {
  url: string;
  server: Server;
  kube: KubeClient;
  controlPlane: ControlPlane | null;
  /** The demo mesh's simulated traffic, when the embedded control plane runs with the demo on. */
  traffic: DemoTraffic | null;
  /** Where a Prometheus scrapes the demo mesh's Istio metrics (loopback only), when the demo runs. */
  demoMetricsUrl: string | null;
  /** On the very first start, the admin account created with a generated one-time password. */
  firstAdmin: { name: string; password: string } | null;
  close(): Promise<void>;
}

/**
 * Starts the console (console.ts builds it: the embedded control plane when no cluster is
 * configured, seeded with the demo mesh on first start, the catalog's informers and the rest) and
 * its HTTP server, and the demo mesh's metrics listener when the demo runs.
 */
export async function startConsole(config: Config, log: Logger): Promise<RunningConsole> {
  const built = await buildConsole(config, { log });
  const { app, kube, controlPlane, traffic, firstAdmin } = built;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  }).catch(async (err: unknown) => {
    await built.close();
    throw err;
  });
  // The demo's metrics name every workload of the demo mesh: they are served on loopback only, on
  // a listener of their own, whatever address the console itself listens on.
  const demoMetrics: DemoMetricsListener | null = traffic
    ? await serveDemoMetrics(() => traffic.exporter.metrics(), config.demoMetricsPort)
    : null;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  return {
    url: `http://${host}:${port}`,
    server,
    kube,
    controlPlane,
    traffic,
    demoMetricsUrl: demoMetrics?.url ?? null,
    firstAdmin,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await demoMetrics?.close();
      await built.close();
    },
  };
}
