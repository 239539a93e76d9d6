import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ApiError } from '../lib/errors';
import type { Logger } from '../lib/logger';

/** Unknown /api paths answer JSON, not the SPA's index.html. */
export const apiNotFound: RequestHandler = (req, res) => {
  res
    .status(404)
    .json({ code: 'NotFound', message: `No API route for ${req.method} ${req.baseUrl}${req.path}` });
};

interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

/**
 * The last word on every error: an ApiError is shown as written; a body-parser error becomes a
 * clear 400/413/415; anything else is logged in full and reaches the browser only as "Internal
 * error", never a stack trace or an upstream message.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof ApiError) {
      res.status(err.status).json(err.toBody());
      return;
    }
    const e = err as HttpishError;
    const status = e.status ?? e.statusCode;
    // The router could not decode a path parameter (`/services/%E0%A4%A`): the caller's mistake.
    if (err instanceof URIError && status === 400) {
      res.status(400).json({ code: 'InvalidRequest', message: 'The request path is not valid URL encoding' });
      return;
    }
    if (e.expose && status !== undefined && status >= 400 && status < 500) {
      const message =
        e.type === 'entity.parse.failed'
          ? 'The request body is not valid JSON'
          : e.type === 'entity.too.large'
            ? 'The request body is too large'
            : e.type === 'encoding.unsupported' || status === 415
              ? 'Unsupported content encoding or type'
              : 'Invalid request';
      res.status(status).json({ code: status === 413 ? 'PayloadTooLarge' : 'InvalidRequest', message });
      return;
    }
    log.error({ err, method: req.method, path: req.path }, 'request failed');
    res.status(500).json({ code: 'Internal', message: 'Internal error; the details are in the server log' });
  };
}
