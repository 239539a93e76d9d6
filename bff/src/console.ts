import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { createApp } from './app';
import { Readiness } from './api/probes';
import { KubeClient } from './clients/kube';
import { kubeLeaseApi } from './clients/lease';
import { MeshObjects } from './clients/mesh-objects';
import type { Config } from './config';
import type { HealthResponse } from './contract/common';
import { ApplicationListQuery } from './contract/monitoring';
import { startControlPlane } from './embedded/control-plane';
import type { ControlPlane } from './embedded/control-plane';
import { seedDemoMesh } from './embedded/demo-mesh/seed';
import { startDemoTraffic } from './embedded/demo-mesh/traffic';
import type { DemoTraffic } from './embedded/demo-mesh/traffic';
import { watchRateLimits } from './embedded/demo-mesh/traffic/ratelimit';
import { createAuth } from './features/auth/setup';
import type { AuthSetup } from './features/auth/setup';
import { InformerCatalog } from './features/catalog/catalog';
import type { CatalogSource } from './features/catalog/catalog';
import { RevisionHistory } from './features/changes/history';
import { ChangeJournal } from './features/changes/journal';
import { MonitoringService } from './features/monitoring/monitoring';
import { chooseTelemetry } from './features/monitoring/source';
import { MonitoringStream } from './features/monitoring/stream';
import type { StreamOptions } from './features/monitoring/stream';
import type { TelemetrySource } from './features/monitoring/telemetry';
import { RateLimitService } from './features/ratelimit/ratelimit';
import { ReleaseController } from './features/releases/controller';
import { ReleaseEvents } from './features/releases/events';
import { ReleaseService } from './features/releases/service';
import { ReleaseStore } from './features/releases/store';
import { IstioConfigService } from './features/istio-config/istio-config';
import { RoutingService } from './features/routing/routing';
import { AccessPolicyService } from './features/security/access-policy';
import { PeerAuthenticationService } from './features/security/peer-authentication';
import { TopologyService } from './features/topology/topology';
import { LeaderElector, leaderIdentity } from './lib/leader-election';
import type { Logger } from './lib/logger';
import { silentLogger } from './lib/logger';
import { createMetrics } from './lib/metrics';
import type { ConsoleMetrics } from './lib/metrics';
import type { IstioApiVersion } from './mesh/model';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function packageVersion(): string {
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

/**
 * What a caller may put in place of what `buildConsole` would build from the settings: only what
 * a test cannot get otherwise (a control plane shared by several apps, a simulated mesh, a fake
 * Prometheus is a setting: `config.prometheus`).
 */
export interface ConsoleOverrides {
  log?: Logger;
  /** A control plane to use instead of the configured one (a test sharing one between apps). */
  kube?: KubeClient;
  /** How rules are read and written (a test that injects a race between read and write). */
  objects?: MeshObjects;
  /** Sign-in and the audit trail, instead of those `config.auth` describes. */
  auth?: AuthSetup;
  /** The service catalog, instead of informers on the control plane (a simulated mesh). */
  catalog?: CatalogSource;
  /** Telemetry, instead of the configured Prometheus or the demo mesh's own series. */
  telemetry?: TelemetrySource;
  /**
   * The health check, instead of asking the control plane (a test timing the BFF's own event
   * loop, which an in-process control plane shares).
   */
  health?: () => Promise<HealthResponse>;
  /**
   * Monitoring's and topology's clock (a benchmark that moves it a second per call, so no answer is
   * reused: see features/monitoring/reuse.ts).
   */
  clock?: () => number;
  /** The monitoring stream's heartbeat (tests run it fast; the interval is `config.streamIntervalMs`). */
  stream?: Pick<StreamOptions, 'heartbeatMs'>;
  /** The console's own metrics registry (a test reading the figures a part records). */
  metrics?: ConsoleMetrics;
  /**
   * false: no warm start (monitoring's and topology's first answers built once the catalog has
   * listed); a test that counts telemetry's queries.
   */
  warmStart?: boolean;
  /** Leader election's timing (tests run it fast; production: a 10 s lease renewed every 2 s). */
  leaderElection?: { leaseDurationSeconds?: number; renewIntervalMs?: number };
  /**
   * Progressive delivery's timing (tests run it fast; production: the controller evaluates every
   * 1 s over windows of at least 10 s, and a watched release is read every 1 s).
   */
  releases?: { tickMs?: number; minWindowSeconds?: number; pollMs?: number };
}

/** The Lease whose holder runs the background work (in the console's namespace). */
export const LEADER_LEASE = 'mesh-console-leader';

/** The console, wired and ready to serve: `app` is the Express app; nothing listens yet. */
export interface Console {
  app: Express;
  kube: KubeClient;
  /** The embedded control plane, when this console started one. */
  controlPlane: ControlPlane | null;
  catalog: CatalogSource;
  auth: AuthSetup;
  /** The demo mesh's simulated traffic, when the embedded control plane runs with the demo on. */
  traffic: DemoTraffic | null;
  /** The monitoring event stream (its clients, for a test). */
  stream: MonitoringStream;
  /** The releases' event streams (`…/releases/{name}/events`), ended on shutdown like `stream`. */
  releaseEvents: ReleaseEvents;
  /** On the very first start, the admin account created with a generated one-time password. */
  firstAdmin: { name: string; password: string } | null;
  /** The console's own figures (`/metrics`). */
  metrics: ConsoleMetrics;
  /**
   * Leader election on the `mesh-console-leader` Lease: background work that must run on one
   * replica at a time registers with `leader.whileLeading(task)`.
   */
  leader: LeaderElector;
  /** `/readyz`; `startDraining()` turns it unready (server.ts, on SIGTERM). */
  readiness: Readiness;
  /**
   * Stops what `buildConsole` started (not what was passed in): the background work and the
   * lease (released, so another replica takes over at once), the streams, then the audit flush.
   */
  close(): Promise<void>;
}

/**
 * The composition root: every part of the console built from the settings, in one place, for
 * `server.ts` and the tests alike. The control plane is the configured one (the embedded control
 * plane, seeded with the demo mesh on first start, when no cluster is configured) unless
 * `overrides.kube` is given.
 */
export async function buildConsole(config: Config, overrides: ConsoleOverrides = {}): Promise<Console> {
  const log = overrides.log ?? silentLogger();
  const stops: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const metrics = overrides.metrics ?? createMetrics();
    let controlPlane: ControlPlane | null = null;
    let controlPlaneStartedAt: number | undefined;
    let kube: KubeClient;
    if (overrides.kube) {
      kube = overrides.kube;
    } else if (config.controlPlane.mode === 'embedded') {
      controlPlaneStartedAt = Date.now();
      const started = await startControlPlane({
        dataDir: config.dataDir,
        host: '127.0.0.1',
        port: config.controlPlane.port,
        logger: log.child({ component: 'control-plane' }),
        // Stock Istio's schema prunes spec.dubbo; SOFA's control plane, which the sofa dialect targets, keeps it.
        keepIstioDubboField: config.rpcDialect === 'sofa',
      });
      controlPlane = started;
      stops.push(() => started.close());
      kube = KubeClient.forLoopback(started.url, started.token, { metrics });
      if (config.demo) await seedDemoMesh(kube, log);
    } else {
      // With a real cluster, writes impersonate the signed-in user: Kubernetes RBAC has the last word.
      // In a pod (no kubeconfig), the service account the pod runs as.
      kube =
        config.controlPlane.kubeconfig === undefined && config.controlPlane.serviceAccountDir !== undefined
          ? KubeClient.inCluster(config.controlPlane.serviceAccountDir, { impersonate: true, metrics })
          : KubeClient.load(config.controlPlane.kubeconfig, { impersonate: true, metrics });
    }
    // The console's own records (audit, tokens, sign-outs, revisions it settles) are its own writes.
    const own = kube.withoutImpersonation();

    let auth = overrides.auth;
    let firstAdmin: Console['firstAdmin'] = null;
    if (!auth) {
      const created = await createAuth(config.auth, own, config.dataDir, log.child({ component: 'auth' }));
      auth = created.setup;
      firstAdmin = created.firstAdmin;
    }
    const audit = auth.audit;
    stops.push(() => audit.flush());

    let catalog = overrides.catalog;
    // The catalog lists while the rest of the console is built (nothing below reads it before the
    // demo traffic, which waits for it); the console is handed out only once it has listed.
    let catalogSynced: Promise<void> = Promise.resolve();
    if (!catalog) {
      const informers = await InformerCatalog.create(kube, log.child({ component: 'catalog' }));
      stops.push(() => informers.stop());
      catalogSynced = informers.sync();
      // Awaited below; a failure meanwhile is not an unhandled rejection.
      catalogSynced.catch(() => undefined);
      catalog = informers;
    }

    // Background work runs on one replica at a time: the holder of the Lease.
    const leader = new LeaderElector({
      api: kubeLeaseApi(own, config.auth.namespace, LEADER_LEASE),
      name: LEADER_LEASE,
      identity: leaderIdentity(config.podName),
      log: log.child({ component: 'leader' }),
      gauge: metrics.leader,
      ...overrides.leaderElection,
      ...(controlPlaneStartedAt !== undefined ? { staleBefore: controlPlaneStartedAt } : {}),
    });

    // Every change the console made has its revision and audit record, even across a crash: what a
    // stopped console left pending is settled now and then, by the leader (each pass would be safe
    // on several replicas; one is enough).
    const journal = new ChangeJournal({
      kube: own,
      // The journal settles by what is live: a cache a watch event behind could misjudge a change.
      objects: new MeshObjects(own, { cache: false }),
      audit,
      log: log.child({ component: 'journal' }),
      changeTimeoutMs: config.changeTimeoutMs,
      auditRetentionMs: config.auth.auditRetentionMs ?? 90 * 86400_000,
    });
    let settling: Promise<void> = Promise.resolve();
    const settle = () => {
      settling = journal
        .settle()
        .then(() => undefined)
        .catch((err: unknown) => log.warn({ err }, 'could not settle interrupted changes'));
      return settling;
    };
    leader.whileLeading(() => {
      void settle();
      const timer = setInterval(
        () => void settle(),
        Math.max(1000, Math.min(config.changeTimeoutMs, 30_000)),
      );
      timer.unref();
      // Losing the lease (or shutting down) lets a pass under way finish, so its writes are whole.
      return () => {
        clearInterval(timer);
        return settling;
      };
    });
    // The audit records' cleanup: every replica writes records, the leader removes the old ones.
    leader.whileLeading(audit.pruning());
    leader.start();
    // A replica that wins the lease at once has begun settling when the console is built (a console
    // restarted after a crash settles first); a control plane slow to answer does not hold the start.
    let firstTry: NodeJS.Timeout | undefined;
    await Promise.race([
      leader.tick(),
      new Promise<void>((resolve) => {
        firstTry = setTimeout(resolve, 5000);
      }),
    ]);
    clearTimeout(firstTry);
    stops.push(() => leader.stop({ release: true }));

    const objects = overrides.objects ?? new MeshObjects(kube);
    // The cache is shared by every client of one kubeconfig: a console given its control plane (a
    // test's replicas sharing one) leaves it to the others.
    if (!overrides.objects && !overrides.kube) stops.push(() => objects.close());
    const routing = new RoutingService({
      objects,
      catalog,
      history: new RevisionHistory(kube, 'routes'),
      options: { dialect: config.rpcDialect, istioVersion: await istioVersion(kube, config) },
      routeApi: config.routeApi ?? 'auto',
      log: log.child({ component: 'routing' }),
    });
    const ratelimits = new RateLimitService({
      objects,
      catalog,
      history: new RevisionHistory(kube, 'ratelimits'),
      log: log.child({ component: 'ratelimit' }),
    });

    // The demo mesh runs on the embedded control plane this console started: its sidecars enforce
    // the rate limits the console writes (EnvoyFilters, re-read every 2 s).
    let traffic: DemoTraffic | null = null;
    if (controlPlane && config.demo) {
      await catalogSynced;
      const limits = await watchRateLimits({
        kube,
        catalog,
        log: log.child({ component: 'demo-ratelimit' }),
      });
      stops.push(() => limits.stop());
      const started = await startDemoTraffic({
        kube,
        catalog,
        dialect: config.rpcDialect,
        log: log.child({ component: 'demo-traffic' }),
        admission: limits.admission,
      });
      stops.push(() => started.stop());
      traffic = started;
    }

    const telemetry =
      overrides.telemetry ??
      chooseTelemetry(
        { prometheus: config.prometheus, demo: traffic?.telemetry ?? null },
        log.child({ component: 'telemetry' }),
      );
    // Telemetry's answers are reused while they cannot have changed: Prometheus's for its scrape
    // interval (asked on its grid, reuse.ts), the demo's for its tick but never longer than half the
    // stream's interval, so each stream round (its timer may fire a little early) gets fresh figures.
    const maxReuseMs = Math.min(5000, Math.floor(config.streamIntervalMs / 2));
    const monitoring = new MonitoringService({
      catalog,
      telemetry,
      maxReuseMs,
      ...(overrides.clock ? { clock: overrides.clock } : {}),
    });
    // Zero trust: both kinds judge the callers the telemetry has seen (none, when it cannot be read).
    const peerAuthentications = new PeerAuthenticationService({
      objects,
      catalog,
      history: new RevisionHistory(kube, 'peer-authentications'),
      telemetry,
      log: log.child({ component: 'peer-authentication' }),
    });
    const accessPolicies = new AccessPolicyService({
      objects,
      catalog,
      history: new RevisionHistory(kube, 'access-policies'),
      telemetry,
      log: log.child({ component: 'access-policy' }),
    });
    // Progressive delivery: releases are driven by the leader only; any replica answers the API.
    const releases = new ReleaseService({
      store: new ReleaseStore(kube, own),
      routing,
      catalog,
      audit,
      log: log.child({ component: 'releases' }),
    });
    const releaseEvents = new ReleaseEvents({
      read: (serviceId, name) => releases.get(serviceId, name),
      log: log.child({ component: 'release-events' }),
      ...(overrides.releases?.pollMs !== undefined ? { pollMs: overrides.releases.pollMs } : {}),
      ...(overrides.stream?.heartbeatMs !== undefined ? { heartbeatMs: overrides.stream.heartbeatMs } : {}),
    });
    stops.push(() => releaseEvents.close());
    const releaseController = new ReleaseController({
      releases,
      telemetry,
      log: log.child({ component: 'release-controller' }),
      ...overrides.releases,
    });

    const stream = new MonitoringStream({
      monitoring,
      intervalMs: config.streamIntervalMs,
      ...overrides.stream,
      openStreams: metrics.openStreams,
      log: log.child({ component: 'stream' }),
    });
    stops.push(() => stream.close());

    const mode = config.controlPlane.mode;
    const version = packageVersion();
    const checkControlPlane = async (): Promise<HealthResponse> => {
      const reachable = await kube.reachable();
      return { status: reachable ? 'ok' : 'degraded', version, controlPlane: { mode, reachable } };
    };
    const health = overrides.health ?? checkControlPlane;
    const topology = new TopologyService({
      catalog,
      telemetry,
      maxReuseMs,
      ...(overrides.clock ? { clock: overrides.clock } : {}),
    });
    const readiness = new Readiness({ controlPlane: () => kube.reachable() });
    const app = createApp({
      log,
      version,
      catalog,
      routing,
      ratelimits,
      releases: { releases, events: releaseEvents },
      peerAuthentications,
      accessPolicies,
      health,
      staticDir: config.webDir,
      monitoring: { monitoring, stream },
      topology,
      istioConfig: new IstioConfigService({ objects, catalog }),
      auth,
      corsOrigins: config.corsOrigins,
      ...(config.trustProxy !== undefined ? { trustProxy: config.trustProxy } : {}),
      metrics,
      ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
      readiness,
    });
    await catalogSynced;
    // A warm start, once the catalog has listed: what the first visitor of the monitoring, topology
    // and rules pages would otherwise wait for (at 20,000 services, a second or more each).
    if (overrides.warmStart !== false) {
      const warm = log.child({ component: 'warm-start' });
      setImmediate(() => {
        const defaults = ApplicationListQuery.parse({});
        // One service's routes and rate limits: the rule caches every service's tabs read from
        // (5,000 VirtualServices take a second to list and index) start now, not at the first tab.
        const first = catalog.view().services[0];
        Promise.all([
          monitoring.prepare(defaults),
          topology.prepare(defaults.window),
          ...(first ? [routing.list(first.id), ratelimits.list(first.id)] : []),
        ]).catch((err: unknown) => warm.info({ err }, 'warm start did not finish: the first pages build it'));
      });
    }
    // Releases read the catalog: they run (on the leader) once it has listed.
    stops.push(leader.whileLeading(releaseController.run));
    return {
      app,
      kube,
      controlPlane,
      catalog,
      auth,
      traffic,
      stream,
      releaseEvents,
      firstAdmin,
      metrics,
      leader,
      readiness,
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
