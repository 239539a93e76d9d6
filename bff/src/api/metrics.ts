import crypto from 'node:crypto';
import { Router } from 'express';
import onHeaders from 'on-headers';
import type { Express, Request, RequestHandler } from 'express';
import { sendWhole } from './compress';
import type { AuthService } from '../features/auth/auth';
import type { ConsoleMetrics } from '../lib/metrics';

const ROUTE = Symbol('route');
const ROUTE_BASE = Symbol('routeBase');
type Tracked = Request & { [ROUTE]?: unknown; [ROUTE_BASE]?: string };

/**
 * Installs, once on the app's request prototype, a setter for `req.route`: the router sets it when a
 * route matches, while `req.baseUrl` is that router's mount path, which is restored before an error
 * handler or `finish` runs. The pattern (`/api/v1/services/:id/routes`) is the label, never the path:
 * a bounded set of series. On the prototype rather than on each request: an accessor defined on every
 * request cost two closures and a hidden class of its own each time.
 */
function trackRoutes(app: Express): void {
  Object.defineProperty(app.request, 'route', {
    configurable: true,
    get(this: Tracked) {
      return this[ROUTE];
    },
    set(this: Tracked, value: unknown) {
      this[ROUTE] = value;
      this[ROUTE_BASE] = this.baseUrl;
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
 * before the console read it or on the way. Series are labelled by `app`'s route patterns; without
 * an app, every request is `unmatched`.
 */
export function httpMetrics(metrics: ConsoleMetrics, app?: Express): RequestHandler {
  if (app) trackRoutes(app);
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    onHeaders(res, () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      res.setHeader('server-timing', `app;dur=${ms.toFixed(1)}`);
    });
    // After `finish` for an answer sent, or on its own when the client went away first (an event
    // stream ended by the browser): every request is counted once.
    res.once('close', () => {
      const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
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
    sendWhole(res, await options.metrics.registry.metrics());
  });
  return router;
}
