import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { catalogRouter } from './api/catalog';
import { monitoringRouter } from './api/monitoring';
import type { MonitoringRouterDeps } from './api/monitoring';
import { routingRouter } from './api/routing';
import { apiNotFound, errorHandler } from './api/errors';
import type { HealthResponse } from './contract/common';
import { buildOpenApiDocument } from './contract/openapi';
import type { CatalogSource } from './features/catalog/catalog';
import type { RoutingService } from './features/routing/routing';
import type { Logger } from './lib/logger';

export interface AppDeps {
  log: Logger;
  version: string;
  catalog: CatalogSource;
  routing?: RoutingService;
  /** Monitoring: the overview, service metrics and the event stream. */
  monitoring?: MonitoringRouterDeps;
  /** Istio's metrics of the embedded demo mesh, for a Prometheus to scrape at /demo-mesh/metrics. */
  demoMetrics?: () => Promise<{ contentType: string; body: string }>;
  health: () => Promise<HealthResponse>;
  /** The built SPA (dist/web); when absent, only the API is served. */
  staticDir?: string;
}

/** The BFF as an Express app; every dependency comes in through `deps`, so tests build their own. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
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
        },
      },
    }),
  );
  // Health checks and scrapes come every few seconds; logging each would drown everything else.
  const quiet = new Set(['/api/v1/healthz', '/demo-mesh/metrics']);
  app.use(pinoHttp({ logger: deps.log, autoLogging: { ignore: (req) => quiet.has(req.url ?? '') } }));

  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));
  api.get('/healthz', async (_req, res) => {
    const health = await deps.health();
    res.status(health.status === 'ok' ? 200 : 503).json(health);
  });
  const openapi = buildOpenApiDocument(deps.version);
  api.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  api.use(catalogRouter(deps.catalog));
  if (deps.routing) api.use(routingRouter(deps.routing));
  if (deps.monitoring) api.use(monitoringRouter(deps.monitoring));
  api.use(apiNotFound);
  app.use('/api/v1', api);
  app.use('/api', apiNotFound);

  const demoMetrics = deps.demoMetrics;
  if (demoMetrics) {
    app.get('/demo-mesh/metrics', async (_req, res) => {
      const { contentType, body } = await demoMetrics();
      res.setHeader('content-type', contentType);
      res.send(body);
    });
  }

  if (deps.staticDir && fs.existsSync(path.join(deps.staticDir, 'index.html'))) {
    const index = path.join(deps.staticDir, 'index.html');
    app.use(express.static(deps.staticDir, { index: false, maxAge: '1h' }));
    // Client-side routes (/services/…) get the SPA; the router in the browser takes it from there.
    app.get('/{*path}', (_req, res) => {
      res.setHeader('cache-control', 'no-cache');
      res.sendFile(index);
    });
  }

  app.use(errorHandler(deps.log));
  return app;
}
