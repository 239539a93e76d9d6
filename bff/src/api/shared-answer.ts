import { createGzip } from 'node:zlib';
import type { Request, Response } from 'express';
import { encodedAnswer } from '../lib/shared-encoding';
import { gzipWanted } from './compress';

/** The pieces compressed as one gzip stream (in zlib's thread pool). */
function gzipPieces(pieces: readonly Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gzip = createGzip();
    const out: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => out.push(chunk));
    gzip.on('end', () => resolve(Buffer.concat(out)));
    gzip.on('error', reject);
    for (const piece of pieces) gzip.write(piece);
    gzip.end();
  });
}

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
  if (gzipWanted(res, answer.bytes)) {
    answer.gzip ??= gzipPieces(answer.pieces);
    const compressed = await answer.gzip.catch(() => null);
    if (compressed) {
      res.setHeader('Content-Encoding', 'gzip');
      res.send(compressed);
      return;
    }
    answer.gzip = undefined;
  }
  if (answer.pieces.length === 1) {
    res.send(answer.pieces[0]);
    return;
  }
  // What res.send does for one buffer: 304 to a client holding this ETag. (For HEAD, Node's
  // response writes the headers alone.)
  if (req.fresh) {
    res.status(304).removeHeader('Content-Type');
    res.end();
    return;
  }
  res.setHeader('Content-Length', answer.bytes);
  res.cork();
  for (const piece of answer.pieces) res.write(piece);
  res.end();
}
