import type { RequestHandler } from 'express';

/**
 * Cross-origin requests are refused unless origins are configured (MESH_CONSOLE_CORS_ORIGINS):
 * then exactly those origins may call the API, with credentials, and nothing else.
 */
export function corsFor(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.setHeader('access-control-allow-methods', 'GET,POST,PUT,PATCH,DELETE');
        res.setHeader('access-control-allow-headers', 'authorization,content-type,x-csrf-token');
        res.setHeader('access-control-max-age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  };
}
