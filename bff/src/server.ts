import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app';
import { KubeClient } from './clients/kube';
import type { Config } from './config';
import type { HealthResponse } from './contract/common';
import { startControlPlane } from './embedded/control-plane';
import type { ControlPlane } from './embedded/control-plane';
import { seedDemoMesh } from './embedded/demo-mesh/seed';
import { startDemoTraffic } from './embedded/demo-mesh/traffic';
import type { DemoTraffic } from './embedded/demo-mesh/traffic';
import { MeshObjects } from './clients/mesh-objects';
import { InformerCatalog } from './features/catalog/catalog';
import { RevisionHistory } from './features/changes/history';
import { MonitoringService } from './features/monitoring/monitoring';
import { chooseTelemetry } from './features/monitoring/source';
import { MonitoringStream } from './features/monitoring/stream';
import { RoutingService } from './features/routing/routing';
import type { IstioApiVersion } from './mesh/model';
import type { Logger } from './lib/logger';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
}

/** The networking.istio.io version to write: the configured one, else v1 when served, else the preferred. */
async function istioVersion(kube: KubeClient, config: Config): Promise<IstioApiVersion> {
  if (config.istioVersion !== 'auto') return config.istioVersion;
  const served = await kube.servedVersions('networking.istio.io');
  if (served.includes('v1')) return 'v1';
  if (served.includes('v1beta1')) return 'v1beta1';
  return 'v1alpha3';
}

export interface RunningConsole {
  url: string;
  server: Server;
  kube: KubeClient;
  controlPlane: ControlPlane | null;
  /** The demo mesh's simulated traffic, when the embedded control plane runs with the demo on. */
  traffic: DemoTraffic | null;
  close(): Promise<void>;
}

/**
 * Starts the console: the embedded control plane when no cluster is configured (seeded with the
 * demo mesh on first start), the catalog's informers, and the HTTP server.
 */
export async function startConsole(config: Config, log: Logger): Promise<RunningConsole> {
  let controlPlane: ControlPlane | null = null;
  let kube: KubeClient;
  if (config.controlPlane.mode === 'embedded') {
    controlPlane = await startControlPlane({
      dataDir: config.dataDir,
      host: '127.0.0.1',
      port: config.controlPlane.port,
      logger: log.child({ component: 'control-plane' }),
      // Stock Istio's schema prunes spec.dubbo; SOFA's control plane, which the sofa dialect targets, keeps it.
      keepIstioDubboField: config.rpcDialect === 'sofa',
    });
    kube = KubeClient.forLoopback(controlPlane.url, controlPlane.token);
    if (config.demo) await seedDemoMesh(kube, log);
  } else {
    kube = KubeClient.load(config.controlPlane.kubeconfig);
  }

  const catalog = await InformerCatalog.start(kube, log.child({ component: 'catalog' }));
  const mode = config.controlPlane.mode;
  const health = async (): Promise<HealthResponse> => {
    const reachable = await kube.reachable();
    return {
      status: reachable ? 'ok' : 'degraded',
      version: packageVersion(),
      controlPlane: { mode, server: kube.server(), reachable },
    };
  };
  const routing = new RoutingService({
    objects: new MeshObjects(kube),
    catalog,
    history: new RevisionHistory(kube, 'routes'),
    options: { dialect: config.rpcDialect, istioVersion: await istioVersion(kube, config) },
    log: log.child({ component: 'routing' }),
  });
  const traffic =
    controlPlane && config.demo
      ? await startDemoTraffic({
          kube,
          catalog,
          dialect: config.rpcDialect,
          log: log.child({ component: 'demo-traffic' }),
        })
      : null;
  const monitoring = new MonitoringService({
    catalog,
    telemetry: chooseTelemetry(
      { prometheus: config.prometheus, demoStore: traffic?.store ?? null },
      log.child({ component: 'telemetry' }),
    ),
  });
  const stream = new MonitoringStream({
    monitoring,
    intervalMs: config.streamIntervalMs,
    log: log.child({ component: 'stream' }),
  });
  const app = createApp({
    log,
    version: packageVersion(),
    catalog,
    routing,
    health,
    staticDir: config.webDir,
    monitoring: { monitoring, stream },
    ...(traffic ? { demoMetrics: () => traffic.exporter.metrics() } : {}),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  return {
    url: `http://${host}:${port}`,
    server,
    kube,
    controlPlane,
    traffic,
    async close() {
      stream.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await traffic?.stop();
      await catalog.stop();
      await controlPlane?.close();
    },
  };
}
