import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { KubeClient } from '../clients/kube';
import type { Config } from '../config';
import { buildConsole } from '../console';
import type { Console, ConsoleOverrides } from '../console';
import { startControlPlane } from '../embedded/control-plane';
import type { ControlPlane } from '../embedded/control-plane';
import { seedDemoMesh } from '../embedded/demo-mesh/seed';
import { TrafficStore } from '../embedded/demo-mesh/traffic/store';
import { EmbeddedTelemetry } from '../embedded/demo-mesh/traffic/telemetry-source';
import type { AuthSettings, AuthSetup } from '../features/auth/setup';
import { InformerCatalog } from '../features/catalog/catalog';
import { silentLogger } from '../lib/logger';
import type { Logger } from '../lib/logger';
import { TEST_ADMIN_TOKEN } from './auth';

/** The settings a test changes: any of the console's, and any of its sign-in settings. */
export type TestConfigChanges = Partial<Omit<Config, 'auth'>> & { auth?: Partial<AuthSettings> };

/**
 * The console's settings for a test: the embedded control plane on a fresh data directory, no
 * demo traffic, Istio v1, no Prometheus, no web build, the test admin token and a fixed session
 * secret. A test changes only what it is about (`testConfig({ prometheus: { url: fake.url, … } })`).
 */
function testConfig(changes: TestConfigChanges = {}): Config {
  const { auth, ...rest } = changes;
  const dataDir = rest.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-test-'));
  return {
    port: 0,
    host: '127.0.0.1',
    controlPlane: { mode: 'embedded', port: 0 },
    dataDir,
    demo: false,
    demoMetricsPort: 0,
    logLevel: 'silent',
    rpcDialect: 'istio',
    istioVersion: 'v1',
    prometheus: null,
    streamIntervalMs: 5000,
    webDir: path.join(dataDir, 'no-web'),
    corsOrigins: [],
    trustProxy: undefined,
    changeTimeoutMs: 30_000,
    ...rest,
    auth: {
      mode: 'local',
      usersFile: path.join(dataDir, 'users.yaml'),
      adminPassword: 'first-admin-password-0123',
      adminToken: TEST_ADMIN_TOKEN,
      sessionSecret: 'test-session-secret-0123456789abcdefghij',
      sessionTtlMs: 3600_000,
      oidc: null,
      namespace: 'default',
      revocationRefreshMs: 200,
      ...auth,
    },
  };
}

export interface TestConsoleOptions extends ConsoleOverrides {
  config?: TestConfigChanges;
}

/**
 * The console as production builds it (console.ts), with the test's settings and overrides: its
 * own embedded control plane unless `kube` is given. `close` also removes its data directory.
 */
export async function testConsole(options: TestConsoleOptions = {}): Promise<Console> {
  const { config: changes, ...overrides } = options;
  const config = testConfig(changes);
  // No warm start unless a test asks for one: it would add telemetry queries that tests count.
  const built = await buildConsole(config, { warmStart: false, ...overrides });
  return {
    ...built,
    async close() {
      await built.close();
      if (!changes?.dataDir) fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

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

/**
 * A console over a shared test control plane, signed in with `auth` (testing/auth.ts), with the
 * demo mesh's (empty) series for monitoring: several apps on one plane are several replicas.
 */
export async function fullApp(
  plane: TestControlPlane,
  auth: AuthSetup,
  log: Logger = silentLogger(),
  overrides: ConsoleOverrides = {},
): Promise<{ app: Express; close(): Promise<void> }> {
  const { app, close } = await testConsole({
    kube: plane.kube,
    catalog: plane.catalog,
    auth,
    log,
    telemetry: new EmbeddedTelemetry(new TrafficStore()),
    ...overrides,
  });
  return { app, close };
}
