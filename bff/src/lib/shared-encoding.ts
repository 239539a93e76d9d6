import { createHash } from 'node:crypto';

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
