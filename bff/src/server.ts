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
import { serveDemoMetrics } from './embedded/demo-mesh/metrics-listener';
import type { DemoMetricsListener } from './embedded/demo-mesh/metrics-listener';
import { watchRateLimits } from './embedded/demo-mesh/traffic/ratelimit';
import type { DemoTraffic } from './embedded/demo-mesh/traffic';
import { MeshObjects } from './clients/mesh-objects';
import { createAuth } from './features/auth/setup';
import { InformerCatalog } from './features/catalog/catalog';
import { RevisionHistory } from './features/changes/history';
import { ChangeJournal } from './features/changes/journal';
import { MonitoringService } from './features/monitoring/monitoring';
import { chooseTelemetry } from './features/monitoring/source';
import { MonitoringStream } from './features/monitoring/stream';
import { RateLimitService } from './features/ratelimit/ratelimit';
import { RoutingService } from './features/routing/routing';
import { TopologyService } from './features/topology/topology';
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
  /** Where a Prometheus scrapes the demo mesh's Istio metrics (loopback only), when the demo runs. */
  demoMetricsUrl: string | null;
  /** On the very first start, the admin account created with a generated one-time password. */
  firstAdmin: { name: string; password: string } | null;
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
    // With a real cluster, writes impersonate the signed-in user: Kubernetes RBAC has the last word.
    kube = KubeClient.load(config.controlPlane.kubeconfig, { impersonate: true });
  }
  const { setup: auth, firstAdmin } = await createAuth(
    config.auth,
    kube.withoutImpersonation(),
    config.dataDir,
    log.child({ component: 'auth' }),
  );

  const catalog = await InformerCatalog.start(kube, log.child({ component: 'catalog' }));
  // Every change the console made has its revision and audit record, even across a crash: what a
  // stopped console left pending is settled now and then (each pass is safe on several replicas).
  const journal = new ChangeJournal({
    kube: kube.withoutImpersonation(),
    objects: new MeshObjects(kube.withoutImpersonation()),
    audit: auth.audit,
    log: log.child({ component: 'journal' }),
    changeTimeoutMs: config.changeTimeoutMs,
    auditRetentionMs: config.auth.auditRetentionMs ?? 90 * 86400_000,
  });
  const settle = () =>
    journal.settle().catch((err: unknown) => log.warn({ err }, 'could not settle interrupted changes'));
  await settle();
  const settling = setInterval(() => void settle(), Math.max(1000, Math.min(config.changeTimeoutMs, 30_000)));
  settling.unref();
  const mode = config.controlPlane.mode;
  const health = async (): Promise<HealthResponse> => {
    const reachable = await kube.reachable();
    return {
      status: reachable ? 'ok' : 'degraded',
      version: packageVersion(),
      controlPlane: { mode, reachable },
    };
  };
  const routing = new RoutingService({
    objects: new MeshObjects(kube),
    catalog,
    history: new RevisionHistory(kube, 'routes'),
    options: { dialect: config.rpcDialect, istioVersion: await istioVersion(kube, config) },
    log: log.child({ component: 'routing' }),
  });
  const ratelimits = new RateLimitService({
    objects: new MeshObjects(kube),
    catalog,
    history: new RevisionHistory(kube, 'ratelimits'),
    log: log.child({ component: 'ratelimit' }),
  });
  // The demo mesh's sidecars enforce the rate limits the console writes (EnvoyFilters, re-read every 2 s).
  const limits =
    controlPlane && config.demo
      ? await watchRateLimits({ kube, catalog, log: log.child({ component: 'demo-ratelimit' }) })
      : null;
  const traffic =
    controlPlane && config.demo
      ? await startDemoTraffic({
          kube,
          catalog,
          dialect: config.rpcDialect,
          log: log.child({ component: 'demo-traffic' }),
          ...(limits ? { admission: limits.admission } : {}),
        })
      : null;
  const telemetry = chooseTelemetry(
    { prometheus: config.prometheus, demo: traffic?.telemetry ?? null },
    log.child({ component: 'telemetry' }),
  );
  const monitoring = new MonitoringService({ catalog, telemetry });
  const topology = new TopologyService({ catalog, telemetry });
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
    ratelimits,
    health,
    staticDir: config.webDir,
    monitoring: { monitoring, stream },
    topology,
    auth,
    corsOrigins: config.corsOrigins,
    ...(config.trustProxy !== undefined ? { trustProxy: config.trustProxy } : {}),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
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
      clearInterval(settling);
      stream.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await demoMetrics?.close();
      limits?.stop();
      await auth.audit.flush();
      await traffic?.stop();
      await catalog.stop();
      await controlPlane?.close();
    },
  };
}
