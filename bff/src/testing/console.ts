import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { createApp } from '../app';
import { KubeClient } from '../clients/kube';
import { MeshObjects } from '../clients/mesh-objects';
import { startControlPlane } from '../embedded/control-plane';
import type { ControlPlane } from '../embedded/control-plane';
import { seedDemoMesh } from '../embedded/demo-mesh/seed';
import { TrafficStore } from '../embedded/demo-mesh/traffic/store';
import { EmbeddedTelemetry } from '../embedded/demo-mesh/traffic/telemetry-source';
import type { AuthSetup } from '../features/auth/setup';
import { InformerCatalog } from '../features/catalog/catalog';
import { RevisionHistory } from '../features/changes/history';
import { MonitoringService } from '../features/monitoring/monitoring';
import { MonitoringStream } from '../features/monitoring/stream';
import { RateLimitService } from '../features/ratelimit/ratelimit';
import { RoutingService } from '../features/routing/routing';
import { TopologyService } from '../features/topology/topology';
import { silentLogger } from '../lib/logger';
import type { Logger } from '../lib/logger';

/** The embedded control plane with the demo mesh, and the catalog watching it: what an app needs. */
export interface TestControlPlane {
  cp: ControlPlane;
  kube: KubeClient;
  catalog: InformerCatalog;
  close(): Promise<void>;
}

export async function startTestControlPlane(): Promise<TestControlPlane> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-auth-'));
  const cp = await startControlPlane({ dataDir, logger: silentLogger() });
  const kube = KubeClient.forLoopback(cp.url, cp.token);
  await seedDemoMesh(kube, silentLogger());
  const catalog = await InformerCatalog.start(kube, silentLogger());
  return {
    cp,
    kube,
    catalog,
    async close() {
      await catalog.stop();
      await cp.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An app with every API router the console has, over a test control plane, with `auth`. */
export function fullApp(
  plane: TestControlPlane,
  auth: AuthSetup,
  log: Logger = silentLogger(),
): { app: Express; close(): void } {
  const { kube, catalog, cp } = plane;
  const telemetry = new EmbeddedTelemetry(new TrafficStore());
  const monitoring = new MonitoringService({ catalog, telemetry });
  const stream = new MonitoringStream({ monitoring, log: silentLogger() });
  const app = createApp({
    log,
    version: 'test',
    auth,
    catalog,
    routing: new RoutingService({
      objects: new MeshObjects(kube),
      catalog,
      history: new RevisionHistory(kube, 'routes'),
      options: { dialect: 'istio', istioVersion: 'v1' },
      log: silentLogger(),
    }),
    ratelimits: new RateLimitService({
      objects: new MeshObjects(kube),
      catalog,
      history: new RevisionHistory(kube, 'ratelimits'),
      log: silentLogger(),
    }),
    monitoring: { monitoring, stream },
    topology: new TopologyService({ catalog, telemetry }),
    health: async () => ({
      status: 'ok',
      version: 'test',
      controlPlane: { mode: 'embedded', server: cp.url, reachable: true },
    }),
  });
  return { app, close: () => stream.close() };
}
