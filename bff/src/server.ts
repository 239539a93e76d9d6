import http from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';
import { buildConsole } from './console';
import type { Console, ConsoleOverrides } from './console';
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
  /** The console being served. */
  console: Console;
  /**
   * The drain: readiness turns 503 at once; after `drainDelayMs` the listener closes (new
   * connections are refused, a request on a kept-alive one gets a 503) and the event streams end
   * with a last frame; requests in flight finish, up to `graceMs`, after which the connections
   * left are closed; then the console stops (the lease released, the audit flushed).
   */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What answers while the console is being built (minutes on a cluster of 100,000 pods: the
 * informers list every Pod): the process is alive, not ready, and everything else is asked to
 * come back, so the kubelet's probes get answers instead of "connection refused".
 */
function startingHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
  };
  if (path === '/livez') send(200, { status: 'ok' });
  else if (path === '/readyz') send(503, { status: 'unavailable', ready: false, reason: 'starting' });
  else
    send(
      503,
      { code: 'Unavailable', message: 'The console is starting; retry in a few seconds' },
      { 'retry-after': '5' },
    );
}

/** An HTTP server that hands its requests to a listener, then to an Express app once it is built. */
export interface AppServer {
  server: Server;
  /** From now on, requests go to `app`, made with its prototypes. */
  serve(app: Express): void;
}

/**
 * An HTTP server whose requests and responses are made with the served Express app's prototypes
 * (`app.request`, `app.response`) from the start, not given them afterwards. Express gives every
 * request its app's prototypes (`Object.setPrototypeOf` in `app.handle`); a request made with them
 * already makes that a no-op. Changing a live object's prototype made V8 keep each request's
 * objects past its young-generation collections: measured by `npm run bench -- promotion` (the
 * same app, 100 kept-alive users), about 28 KB per request went to the old generation, whose
 * marking every few seconds is when answers under load queue; made with the app's prototypes,
 * about 1 KB does. Until an app is served, requests are Node's own.
 */
export function appServer(initial: RequestListener): AppServer {
  let handler = initial;
  // Node makes a request with `new IncomingMessage(socket)` and its response with
  // `new ServerResponse(req, options)`: these make Node's own, born with the `prototype` these
  // functions hold at the time (a class's `prototype` cannot be replaced, hence functions).
  const initRequest = http.IncomingMessage as unknown as (this: unknown, socket: Socket) => void;
  const initResponse = http.ServerResponse as unknown as (this: unknown, req: unknown, o?: object) => void;
  function ConsoleRequest(this: http.IncomingMessage, socket: Socket) {
    initRequest.call(this, socket);
  }
  function ConsoleResponse(this: http.ServerResponse, req: http.IncomingMessage, options?: object) {
    initResponse.call(this, req, options);
  }
  ConsoleRequest.prototype = http.IncomingMessage.prototype;
  ConsoleResponse.prototype = http.ServerResponse.prototype;
  const server = http.createServer(
    {
      IncomingMessage: ConsoleRequest as unknown as typeof http.IncomingMessage,
      ServerResponse: ConsoleResponse as unknown as typeof http.ServerResponse,
    },
    (req, res) => handler(req, res),
  );
  return {
    server,
    serve(app) {
      ConsoleRequest.prototype = app.request;
      ConsoleResponse.prototype = app.response;
      handler = app as unknown as RequestListener;
    },
  };
}

const listen = (server: Server, port: number, host: string) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

/** The listener, open before the console is built. */
export interface Listening {
  url: string;
  server: Server;
  /**
   * Resolves once the console is built and its app answers every request (on the same listener);
   * rejects, with the listener closed, when building fails.
   */
  serving: Promise<Serving>;
}

/**
 * Listens at once, answering `/livez` 200 and `/readyz` 503 ("starting") while `build` runs, then
 * hands every request to the built console's app. A failed build closes the listener.
 */
export async function listenWhileBuilding(
  build: () => Promise<Console>,
  options: ServeOptions,
): Promise<Listening> {
  const { server, serve: serveApp } = appServer(startingHandler);
  await listen(server, options.port, options.host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  const closeListener = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const serving = (async () => {
    let built: Console;
    try {
      built = await build();
    } catch (err) {
      await closeListener();
      throw err;
    }
    serveApp(built.app);
    return drainable(built, server, url, options);
  })();
  // The caller may only await `serving` later: a failure is not unhandled meanwhile.
  serving.catch(() => undefined);
  return { url, server, serving };
}

/** Serves a built console over HTTP, with the drain that SIGTERM runs. */
export async function serve(built: Console, options: ServeOptions): Promise<Serving> {
  const listening = await listenWhileBuilding(() => Promise.resolve(built), options);
  return listening.serving;
}

function drainable(built: Console, server: Server, url: string, options: ServeOptions): Serving {
  const log = options.log ?? silentLogger();
  let closing: Promise<void> | null = null;

  const drain = async () => {
    built.readiness.startDraining();
    if (options.drainDelayMs) await sleep(options.drainDelayMs);
    built.readiness.stopAccepting();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Streams never end by themselves: they are what would hold the close for the whole grace.
    built.stream.close();
    built.releaseEvents.close();
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
    url,
    server,
    console: built,
    close() {
      closing ??= drain();
      return closing;
    },
  };
}

/**
 * Starts the console: listens at once (the probes answer: alive, not ready, "starting"), builds it
 * (console.ts: the embedded control plane when no cluster is configured, seeded with the demo mesh
 * on first start, the catalog's informers and the rest), then serves it on the same listener, and
 * the demo mesh's metrics listener when the demo runs. A failed build closes the listener and
 * rejects.
 */
export async function startConsole(
  config: Config,
  log: Logger,
  overrides: Omit<ConsoleOverrides, 'log'> = {},
): Promise<RunningConsole> {
  // The demo's metrics name every workload of the demo mesh: they are served on loopback only, on
  // a listener of their own, whatever address the console itself listens on.
  let demoMetrics: DemoMetricsListener | null = null;
  const listening = await listenWhileBuilding(() => buildConsole(config, { ...overrides, log }), {
    port: config.port,
    host: config.host,
    log,
    drainDelayMs: config.shutdown?.delayMs ?? 0,
    graceMs: config.shutdown?.graceMs ?? 20_000,
    onClosed: async () => {
      await demoMetrics?.close();
    },
  });
  log.info({ url: listening.url }, 'listening; building the console');
  const serving = await listening.serving;
  const { kube, controlPlane, traffic, firstAdmin } = serving.console;
  try {
    demoMetrics = traffic
      ? await serveDemoMetrics(() => traffic.exporter.metrics(), config.demoMetricsPort)
      : null;
  } catch (err) {
    await serving.close();
    throw err;
  }

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
