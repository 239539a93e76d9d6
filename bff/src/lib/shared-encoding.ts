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
  /** The JSON's bytes, in one piece or in several (encodeAs); sent one after another. */
  pieces: Buffer[];
  /** Their total length. */
  bytes: number;
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
  return encodedOf.get(body) ?? encodeAs(body, [JSON.stringify(body)]);
}

/**
 * Serializes `body` from `pieces`, whose concatenation must be its JSON, and keeps it as the
 * answer's encoding. A feature with an answer of megabytes writes its JSON in pieces of tens of kB
 * (features/topology/graph.ts renderGraphJson): as one string and one buffer, a topology of 5,000
 * services was two allocations of 7 MB of fresh memory, each page faulted in when first written.
 * Smaller answers (a page, the top fives) go in one piece.
 */
export function encodeAs(body: object, pieces: Iterable<string>): EncodedAnswer {
  const hash = createHash('sha1');
  const buffers: Buffer[] = [];
  let bytes = 0;
  for (const piece of pieces) {
    const buffer = Buffer.from(piece);
    hash.update(buffer);
    buffers.push(buffer);
    bytes += buffer.length;
  }
  const encoded: EncodedAnswer = { pieces: buffers, bytes, etag: `W/"${hash.digest('base64url')}"` };
  encodedOf.set(body, encoded);
  return encoded;
}

/** Whether an answer has been serialized already (tests: by its build, before any request). */
export const isEncoded = (body: object): boolean => encodedOf.has(body);
