import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { Express } from 'express';
import compression from 'compression';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { adminRouter } from './api/admin';
import { auditRouter, auditTrail } from './api/audit';
import { authRouter, authenticate, authorize, pageGate, requestContextMiddleware } from './api/auth';
import { catalogRouter } from './api/catalog';
import { istioConfigRouter } from './api/istio-config';
import { corsFor } from './api/cors';
import { monitoringRouter } from './api/monitoring';
import type { MonitoringRouterDeps } from './api/monitoring';
import { rateLimitRouter } from './api/ratelimit';
import { releaseRouter } from './api/releases';
import type { ReleaseRouterDeps } from './api/releases';
import { routingRouter } from './api/routing';
import { accessPolicyRouter, peerAuthenticationRouter } from './api/security';
import { topologyRouter } from './api/topology';
import { compressJsonAnswers } from './api/compress';
import { apiNotFound, errorHandler } from './api/errors';
import { httpMetrics, metricsRouter } from './api/metrics';
import { probesRouter } from './api/probes';
import type { Readiness } from './api/probes';
import { apiRouter } from './api/router';
import type { HealthCheck, HealthResponse } from './contract/common';
import { buildOpenApiDocument } from './api/openapi';
import type { AuthSetup } from './features/auth/setup';
import type { CatalogSource } from './features/catalog/catalog';
import type { RateLimitService } from './features/ratelimit/ratelimit';
import type { RoutingService } from './features/routing/routing';
import type { AccessPolicyService } from './features/security/access-policy';
import type { PeerAuthenticationService } from './features/security/peer-authentication';
import type { IstioConfigService } from './features/istio-config/istio-config';
import type { TopologyService } from './features/topology/topology';
import { COMPRESS_FROM_BYTES } from './lib/shared-encoding';
import type { Logger } from './lib/logger';
import type { ConsoleMetrics } from './lib/metrics';

export interface AppDeps {
  log: Logger;
  version: string;
  catalog: CatalogSource;
  routing?: RoutingService;
  ratelimits?: RateLimitService;
  /** Progressive delivery (issue 17): releases and their live stream. */
  releases?: ReleaseRouterDeps;
  /** Zero trust: mTLS (PeerAuthentication) and who may call a service (AuthorizationPolicy). */
  peerAuthentications?: PeerAuthenticationService;
  accessPolicies?: AccessPolicyService;
  /** The service topology graph. */
  topology?: TopologyService;
  /** The mesh-wide Istio config view with its checks. */
  istioConfig?: IstioConfigService;
  /** Monitoring: the overview, service metrics and the event stream. */
  monitoring?: MonitoringRouterDeps;
  health: () => Promise<HealthCheck>;
  /** The built SPA (dist/web); when absent, only the API is served. */
  staticDir?: string;
  /** Sign-in, authorization and the audit trail (features/auth/setup.ts); every API route needs it. */
  auth: AuthSetup;
  /** Origins allowed to call the API from a browser; none unless configured. */
  corsOrigins?: string[];
  /** Express's `trust proxy`: set behind a TLS-terminating proxy, so Secure cookies and client addresses are right. */
  trustProxy?: boolean | number | string;
  /** The console's own figures: recorded for every request, served at `/metrics` behind a credential. */
  metrics?: ConsoleMetrics;
  /** The bearer token `/metrics` asks for (MESH_CONSOLE_METRICS_TOKEN); unset: an admin's credential. */
  metricsToken?: string;
  /** `/readyz` and the drain on shutdown; absent: `/livez` and `/readyz` are not served. */
  readiness?: Readiness;
}

/** The BFF as an Express app; every dependency comes in through `deps`, so tests build their own. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Paths match exactly, as the policy table reads them (see api/router.ts).
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
  // Over HTTPS, browsers are told to stay on HTTPS (HSTS, upgrade-insecure-requests). Over plain
  // HTTP (loopback, a LAN address) those would make the browser ask for its assets over HTTPS,
  // which nothing serves, so they are left out there; everything else is the same strict policy.
  const directives = {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    // antd writes its CSS-in-JS into <style> elements at run time.
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
  };
  const overHttps = helmet({ contentSecurityPolicy: { directives } });
  const overHttp = helmet({
    contentSecurityPolicy: { directives: { ...directives, upgradeInsecureRequests: null } },
    strictTransportSecurity: false,
  });
  app.use((req, res, next) => (req.secure ? overHttps : overHttp)(req, res, next));
  if (deps.metrics) app.use(httpMetrics(deps.metrics, app));
  // Health checks and scrapes come every few seconds; logging each would drown everything else.
  const quiet = new Set(['/api/v1/healthz', '/livez', '/readyz', '/metrics']);
  app.use(
    pinoHttp({
      logger: deps.log,
      autoLogging: { ignore: (req) => quiet.has(req.url ?? '') },
      // The identity provider's answer (`code`, `state`) is a credential until redeemed: not logged.
      serializers: {
        req: (req: { url?: string; query?: unknown }) =>
          req.url?.includes('/auth/oidc/') ? { ...req, url: req.url.split('?')[0], query: undefined } : req,
      },
    }),
  );
  // JSON answers can be large (the topology of 5,000 services is megabytes): each is compressed
  // whole as it goes out (api/compress.ts). The event stream is written as it comes, uncompressed,
  // since a compressor would hold its events back until a buffer fills.
  compressJsonAnswers(app);
  app.use(cookieParser());
  // Before the API and the SPA's fallback, which would otherwise answer these paths.
  const { readiness } = deps;
  if (readiness) {
    app.use(probesRouter(readiness));
    app.use((_req, res, next) => {
      // Draining: answers tell keep-alive clients to reconnect (to another replica); once the
      // listener is closed, a request still arriving on an open connection is turned away.
      if (!readiness.draining) return next();
      res.setHeader('connection', 'close');
      if (!readiness.closed) return next();
      res.status(503).json({ code: 'Unavailable', message: 'The console is shutting down; retry' });
    });
  }
  if (deps.metrics)
    app.use(
      metricsRouter({
        metrics: deps.metrics,
        auth: deps.auth.service,
        ...(deps.metricsToken ? { token: deps.metricsToken } : {}),
      }),
    );
  if (deps.corsOrigins?.length) app.use('/api', corsFor(deps.corsOrigins));

  const { auth } = deps;
  const api = apiRouter();
  // Before any router: who is asking (before any body is read), the audit record of every change,
  // and the policy table (after the body is read, so a refused change is recorded with the name of
  // what it tried to change).
  api.use(requestContextMiddleware);
  api.use(auditTrail(auth.audit, deps.catalog));
  api.use(authenticate(auth.service));
  api.use(express.json({ limit: '1mb' }));
  api.use(authorize(auth.service, deps.catalog));
  api.get('/healthz', async (_req, res) => {
    const { status, version, controlPlane } = await deps.health();
    // Public: what a load balancer needs, and nothing about where the control plane is.
    const body: HealthResponse = {
      status,
      version,
      controlPlane: { mode: controlPlane.mode, reachable: controlPlane.reachable },
    };
    res.status(status === 'ok' ? 200 : 503).json(body);
  });
  const openapi = buildOpenApiDocument(deps.version);
  api.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  api.use(authRouter(auth.service));
  api.use(adminRouter(auth.tokens, auth.accounts));
  api.use(auditRouter(auth.audit));
  api.use(catalogRouter(deps.catalog));
  if (deps.routing) api.use(routingRouter(deps.routing));
  if (deps.ratelimits) api.use(rateLimitRouter(deps.ratelimits));
  if (deps.releases) api.use(releaseRouter(deps.releases));
  if (deps.peerAuthentications) api.use(peerAuthenticationRouter(deps.peerAuthentications));
  if (deps.accessPolicies) api.use(accessPolicyRouter(deps.accessPolicies));
  if (deps.monitoring) api.use(monitoringRouter(deps.monitoring));
  if (deps.topology) api.use(topologyRouter(deps.topology));
  if (deps.istioConfig) api.use(istioConfigRouter(deps.istioConfig));
  api.use(apiNotFound);
  app.use('/api/v1', api);
  app.use('/api', apiNotFound);

  if (deps.staticDir && fs.existsSync(path.join(deps.staticDir, 'index.html'))) {
    const index = path.join(deps.staticDir, 'index.html');
    // The SPA's files are streamed from disk: the `compression` middleware, here only, where a
    // browser asks for a few files per visit (api/compress.ts says why not for the API). The
    // fastest level, as for the API's answers.
    app.use(compression({ level: 1, threshold: COMPRESS_FROM_BYTES }));
    app.use(express.static(deps.staticDir, { index: false, maxAge: '1h' }));
    // Client-side routes (/services/…) get the SPA; the router in the browser takes it from there.
    app.get('/{*path}', pageGate(auth.service), (_req, res) => {
      res.setHeader('cache-control', 'no-cache');
      // Relative to `root`: an absolute path through a dot directory (.tmp/web-x) would be refused.
      res.sendFile(path.basename(index), { root: path.dirname(index) });
    });
  }

  app.use(errorHandler(deps.log));
  return app;
}
