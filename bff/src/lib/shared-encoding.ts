import { createHash } from 'node:crypto';

/**
 * Answers smaller than this go uncompressed. They fit TCP's first flight (an initial window of ten
 * segments, about 14 kB), so gzip saves a browser no round trip, while compressing in zlib's thread
 * pool costs the answer a hop there and back: a routing preview (2.5 kB) and a catalog page (4 kB)
 * were milliseconds slower with it (`npm run bench -- scale`).
 */
export const COMPRESS_FROM_BYTES = 8 * 1024;

/** An answer shared by many callers as it goes on the wire: its JSON and ETag (api/shared-answer.ts). */
export interface EncodedAnswer {
  json: Buffer;
  etag: string;
  /** Made on the first request that accepts it, in zlib's thread pool, then shared. */
  gzip?: Promise<Buffer>;
}

/** Kept while the answer lives (a shared answer is one object). */
const encodedOf = new WeakMap<object, EncodedAnswer>();

/**
 * An answer serialized and hashed once. A feature that builds a large answer in the background
 * (a topology graph, features/topology/topology.ts) calls this as part of the build, so the request
 * that first sends it does not serialize megabytes while others wait.
 */
export function encodedAnswer(body: object): EncodedAnswer {
  let found = encodedOf.get(body);
  if (!found) {
    const json = Buffer.from(JSON.stringify(body));
    const etag = `W/"${createHash('sha1').update(json).digest('base64url')}"`;
    encodedOf.set(body, (found = { json, etag }));
  }
  return found;
}

/** Whether an answer has been serialized already (tests: by its build, before any request). */
export const isEncoded = (body: object): boolean => encodedOf.has(body);
