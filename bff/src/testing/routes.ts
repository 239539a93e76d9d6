import type { Express } from 'express';

export interface ApiRoute {
  method: string;
  path: string;
}

interface Layer {
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every route under /api/v1 (paths relative to it), from the app's router stack, descending into nested routers. */
export function apiRoutes(app: Express): ApiRoute[] {
  const routes: ApiRoute[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all')
            routes.push({ method: method.toUpperCase(), path: prefix + layer.route.path });
      } else if (layer.handle.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return routes
    .filter((r) => r.path.startsWith('/api/v1/'))
    .map((r) => ({ method: r.method, path: r.path.slice('/api/v1'.length) }));
}
