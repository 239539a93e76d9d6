import { gzip } from 'node:zlib';
import type { Express, Response } from 'express';
import { COMPRESS_FROM_BYTES } from '../lib/shared-encoding';

/**
 * Sends a whole answer (its Content-Type set), gzip-compressed in zlib's thread pool at the
 * fastest level when it is COMPRESS_FROM_BYTES or more and the client takes gzip; smaller ones,
 * HEAD, answers without a body, already encoded or marked `no-transform` go as they are. Every
 * such answer varies on Accept-Encoding, compressed or not.
 *
 * The API's answers are whole: they are compressed here, on the way out, and not by the
 * `compression` middleware (kept for the SPA's files, app.ts). That middleware gives each response
 * four functions of its own, written as `res.end = function end () {…}`, each holding its request.
 * V8 allocates a function written as the right side of a property assignment in the old
 * generation (it takes it for a method, made once); from there, once dead, it still kept its
 * request's objects alive through every young-generation collection until the next full one.
 * The console's young collections kept 1.2–1.3 MB each among the scale bench's previews, and
 * paused 6–14 ms; without those functions, 0.1–0.3 MB and 3–5 ms (DEVELOPERS.md). ESLint forbids
 * the pattern in the BFF (eslint.config.js).
 */
export function sendWhole(res: Response, body: string | Buffer | undefined): void {
  res.vary('Accept-Encoding');
  if (body === undefined || !gzipWanted(res, Buffer.byteLength(body))) {
    res.send(body);
    return;
  }
  gzip(body as string | Buffer, { level: 1 }, (err, zipped) => {
    if (res.headersSent || res.destroyed) return;
    if (err) {
      res.send(body);
      return;
    }
    res.setHeader('Content-Encoding', 'gzip');
    res.send(zipped);
  });
}

/**
 * Whether an answer of `bytes` goes out gzip: large enough (COMPRESS_FROM_BYTES), a client that
 * takes gzip, and nothing against it (HEAD, no body, already encoded, `no-transform`). The API's
 * whole answers (sendWhole) and its shared ones (shared-answer.ts) decide alike.
 */
export function gzipWanted(res: Response, bytes: number): boolean {
  const status = res.statusCode;
  return (
    bytes >= COMPRESS_FROM_BYTES &&
    res.req.method !== 'HEAD' &&
    status !== 204 &&
    status !== 304 &&
    res.getHeader('Content-Encoding') === undefined &&
    !/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(String(res.getHeader('Cache-Control') ?? '')) &&
    res.req.acceptsEncodings('gzip', 'identity') === 'gzip'
  );
}

/**
 * Express's `res.json`, through sendWhole. Express's `json spaces`, `json replacer` and `json
 * escape` settings are not read: the console sets none of them.
 */
function json(this: Response, value: unknown): Response {
  const text = JSON.stringify(value) as string | undefined;
  if (!this.get('Content-Type')) this.type('application/json');
  sendWhole(this, text);
  return this;
}

/** Every `res.json` of the app compresses as sendWhole says: one method on its response prototype. */
export function compressJsonAnswers(app: Express): void {
  app.response.json = json;
}
