import crypto from 'node:crypto';
import { Router } from 'express';
import onHeaders from 'on-headers';
import type { Request, RequestHandler } from 'express';
import type { AuthService } from '../features/auth/auth';
import type { ConsoleMetrics } from '../lib/metrics';

const ROUTE_BASE = Symbol('routeBase');
type Tracked = Request & { [ROUTE_BASE]?: string };

/**
 * Installs a setter for `req.route`: the router sets it when a route matches, while `req.baseUrl`
 * is that router's mount path, which is restored before an error handler or `finish` runs. The
 * pattern (`/api/v1/services/:id/routes`) is the label, never the path: a bounded set of series.
 */
function trackRoute(req: Tracked) {
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: unknown) => {
      route = value;
      req[ROUTE_BASE] = req.baseUrl;
    },
  });
}

function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') return 'unmatched';
  return `${(req as Tracked)[ROUTE_BASE] ?? ''}${path}`;
}

/**
 * Counts and times every request by method, route pattern and status, and tells the client the
 * console's own time up to its answer's headers (`Server-Timing: app;dur=<ms>`, which a browser's
 * developer tools show beside the request): what the client waited beyond it, the request spent
 * before the console read it or on the way.
 */
export function httpMetrics(metrics: ConsoleMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    trackRoute(req);
    onHeaders(res, () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      res.setHeader('server-timing', `app;dur=${ms.toFixed(1)}`);
    });
    let done = false;
    const record = () => {
      if (done) return;
      done = true;
      const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    };
    res.once('finish', record);
    // A client that went away before the answer (an event stream ended by the browser) counts too.
    res.once('close', record);
    next();
  };
}

/** Equal in constant time, whatever the lengths (both hashed first). */
function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export interface MetricsEndpointOptions {
  metrics: ConsoleMetrics;
  /** MESH_CONSOLE_METRICS_TOKEN; without it, an admin's API token (or the admin token) is asked for. */
  token?: string;
  auth: AuthService;
}

/**
 * `GET /metrics`, Prometheus's text format, behind a bearer credential: the figures name routes
 * and resources, which is not for anyone who can reach the port.
 */
export function metricsRouter(options: MetricsEndpointOptions): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const presented = m?.[1];
    let allowed = false;
    if (presented && options.token !== undefined) allowed = sameSecret(presented, options.token);
    else if (presented) allowed = (await options.auth.fromBearer(presented))?.role === 'admin';
    res.setHeader('cache-control', 'no-store');
    if (!allowed) {
      res.setHeader('www-authenticate', 'Bearer');
      res.status(401).json({ code: 'Unauthenticated', message: 'A bearer token is required' });
      return;
    }
    res.setHeader('content-type', options.metrics.registry.contentType);
    res.send(await options.metrics.registry.metrics());
  });
  return router;
}
