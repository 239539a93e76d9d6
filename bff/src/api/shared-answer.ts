import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';
import { COMPRESS_FROM_BYTES, encodedAnswer } from '../lib/shared-encoding';

const gzipAsync = promisify(gzip);

/**
 * `res.json(body)` for an answer shared by many callers (monitoring/reuse.ts): serialized, hashed
 * for its ETag and compressed once per answer rather than once per request. The monitoring
 * overview and the topology of a large mesh are megabytes; under 200 users, turning the same
 * string into bytes, hashing it and compressing it again for every request was most of the
 * console's CPU (`npm run bench -- scale`). A client that sends the ETag back gets a 304.
 */
export async function sendShared(req: Request, res: Response, body: object): Promise<void> {
  const answer = encodedAnswer(body);
  res.type('application/json');
  res.setHeader('ETag', answer.etag);
  res.vary('Accept-Encoding');
  if (answer.json.length >= COMPRESS_FROM_BYTES && req.acceptsEncodings('gzip', 'identity') === 'gzip') {
    answer.gzip ??= gzipAsync(answer.json);
    const compressed = await answer.gzip.catch(() => null);
    if (compressed) {
      // Already encoded: the compression middleware leaves it as it is.
      res.setHeader('Content-Encoding', 'gzip');
      res.send(compressed);
      return;
    }
    answer.gzip = undefined;
  }
  res.send(answer.json);
}
