import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';

const gzipAsync = promisify(gzip);

/** Smaller answers are not worth a compressed copy (the compression middleware takes them as usual). */
const MIN_COMPRESSED_BYTES = 1024;

interface Encoded {
  json: Buffer;
  etag: string;
  /** Made on the first request that accepts it, in zlib's thread pool, then shared. */
  gzip?: Promise<Buffer>;
}

/** What an answer is on the wire, kept while the answer lives (a shared answer is one object). */
const encodedOf = new WeakMap<object, Encoded>();

function encoded(body: object): Encoded {
  let found = encodedOf.get(body);
  if (!found) {
    const json = Buffer.from(JSON.stringify(body));
    const etag = `W/"${createHash('sha1').update(json).digest('base64url')}"`;
    encodedOf.set(body, (found = { json, etag }));
  }
  return found;
}

/**
 * `res.json(body)` for an answer shared by many callers (monitoring/reuse.ts): serialized, hashed
 * for its ETag and compressed once per answer rather than once per request. The monitoring
 * overview and the topology of a large mesh are megabytes; under 200 users, turning the same
 * string into bytes, hashing it and compressing it again for every request was most of the
 * console's CPU (`npm run bench -- scale`). A client that sends the ETag back gets a 304.
 */
export async function sendShared(req: Request, res: Response, body: object): Promise<void> {
  const answer = encoded(body);
  res.type('application/json');
  res.setHeader('ETag', answer.etag);
  res.vary('Accept-Encoding');
  if (answer.json.length >= MIN_COMPRESSED_BYTES && req.acceptsEncodings('gzip', 'identity') === 'gzip') {
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
