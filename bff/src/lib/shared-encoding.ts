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
  /** The JSON's bytes, in pieces (see jsonPieces); sent one after another. */
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
  return encodedOf.get(body) ?? encodeAs(body, jsonPieces(body));
}

/**
 * Serializes `body` from `pieces`, whose concatenation must be its JSON (a feature that writes a
 * large answer's JSON itself: features/topology/graph.ts renderGraphJson), and keeps it as the
 * answer's encoding.
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

/** Elements of a long array serialized together (an edge of a topology is about 350 bytes). */
const SLICE = 128;

/**
 * `JSON.stringify(body)`, in pieces whose concatenation is exactly that string: a long array of a
 * plain object's own keys goes SLICE elements at a time. An answer of megabytes as one string and
 * one buffer is two large allocations of fresh memory (each page faulted in when first written:
 * about 20 ms per 7 MB on this machine); pieces of tens of kB come and go in the young generation's
 * pages. (The topology writes its own pieces: features/topology/graph.ts renderGraphJson.)
 */
export function* jsonPieces(body: object): Generator<string> {
  if (Array.isArray(body) || Object.getPrototypeOf(body) !== Object.prototype || 'toJSON' in body) {
    yield JSON.stringify(body);
    return;
  }
  let pending = '{';
  let comma = '';
  for (const [key, value] of Object.entries(body)) {
    if (Array.isArray(value) && value.length > SLICE) {
      pending += `${comma}${JSON.stringify(key)}:[`;
      for (let i = 0; i < value.length; i += SLICE) {
        const slice = JSON.stringify(value.slice(i, i + SLICE));
        yield `${pending}${i > 0 ? ',' : ''}${slice.slice(1, -1)}`;
        pending = '';
      }
      pending = ']';
    } else {
      const json = JSON.stringify(value) as string | undefined;
      // As JSON.stringify does: a key whose value has no JSON (undefined, a function) is left out.
      if (json === undefined) continue;
      pending += `${comma}${JSON.stringify(key)}:${json}`;
    }
    comma = ',';
  }
  yield `${pending}}`;
}
