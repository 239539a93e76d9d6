import type { Server } from 'node:http';
import { buildConsole } from './console';
import type { Console } from './console';
import type { KubeClient } from './clients/kube';
import type { Config } from './config';
import type { ControlPlane } from './embedded/control-plane';
import { serveDemoMetrics } from './embedded/demo-mesh/metrics-listener';
import type { DemoMetricsListener } from './embedded/demo-mesh/metrics-listener';
import type { DemoTraffic } from './embedded/demo-mesh/traffic';
import type { Logger } from './lib/logger';
import { silentLogger } from './lib/logger';

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
  /** Drains (see `serve`) and stops everything; resolves when it is all stopped. */
  close(): Promise<void>;
}

export interface ServeOptions {
  port: number;
  host: string;
  /** Serving on while readiness already says 503, so the endpoints controller removes the pod first. */
  drainDelayMs?: number;
  /** How long in-flight requests get to finish once the listener is closed; the rest are cut. */
  graceMs?: number;
  log?: Logger;
  /** Called when the drain starts and when it ends (in addition to closing the console). */
  onClosed?: () => Promise<void>;
}

export interface Serving {
  url: string;
  server: Server;
  /**
   * The drain: readiness turns 503 at once; after `drainDelayMs` the listener closes (new
   * connections are refused, a request on a kept-alive one gets a 503) and the event streams end
   * with a last frame; requests in flight finish, up to `graceMs`, after which the connections
   * left are closed; then the console stops (the lease released, the audit flushed).
   */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Serves a built console over HTTP, with the drain that SIGTERM runs. */
export async function serve(built: Console, options: ServeOptions): Promise<Serving> {
  const log = options.log ?? silentLogger();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = built.app.listen(options.port, options.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | null = null;

  const drain = async () => {
    built.readiness.startDraining();
    if (options.drainDelayMs) await sleep(options.drainDelayMs);
    built.readiness.stopAccepting();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Streams never end by themselves: they are what would hold the close for the whole grace.
    built.stream.close();
    server.closeIdleConnections();
    const graceMs = options.graceMs ?? 20_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      closed.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      log.warn(
        { graceMs },
        'requests still running at the end of the grace period: closing their connections',
      );
      server.closeAllConnections();
      await closed;
    }
    await options.onClosed?.();
    await built.close();
  };

  return {
    url: `http://${host}:${port}`,
    server,
    close() {
      closing ??= drain();
      return closing;
    },
  };
}

/**
 * Starts the console (console.ts builds it: the embedded control plane when no cluster is
 * configured, seeded with the demo mesh on first start, the catalog's informers and the rest) and
 * its HTTP server, and the demo mesh's metrics listener when the demo runs.
 */
export async function startConsole(config: Config, log: Logger): Promise<RunningConsole> {
  const built = await buildConsole(config, { log });
  const { kube, controlPlane, traffic, firstAdmin } = built;
  // The demo's metrics name every workload of the demo mesh: they are served on loopback only, on
  // a listener of their own, whatever address the console itself listens on.
  let demoMetrics: DemoMetricsListener | null = null;
  const serving = await serve(built, {
    port: config.port,
    host: config.host,
    log,
    drainDelayMs: config.shutdown?.delayMs ?? 0,
    graceMs: config.shutdown?.graceMs ?? 20_000,
    onClosed: async () => {
      await demoMetrics?.close();
    },
  }).catch(async (err: unknown) => {
    await built.close();
    throw err;
  });
  demoMetrics = traffic
    ? await serveDemoMetrics(() => traffic.exporter.metrics(), config.demoMetricsPort)
    : null;

  return {
    url: serving.url,
    server: serving.server,
    kube,
    controlPlane,
    traffic,
    demoMetricsUrl: demoMetrics?.url ?? null,
    firstAdmin,
    close: () => serving.close(),
  };
}
