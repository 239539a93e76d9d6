import compression from 'compression';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeAs } from '../lib/shared-encoding';
import { sendShared } from './shared-answer';

/** An app as app.ts has it: the compression middleware in front of a route sending a shared answer. */
function appSending(body: object) {
  const app = express();
  app.use(compression({ level: 1 }));
  app.get('/answer', async (req, res) => {
    await sendShared(req, res, body);
  });
  return app;
}

const bigBody = () => ({
  items: Array.from({ length: 2000 }, (_, i) => ({ id: `svc-${i}.ns`, rps: i / 7 })),
});
const big = bigBody();

/** An answer whose feature wrote its JSON in pieces of 4 kB (as the topology does). */
function inPieces() {
  const body = bigBody();
  const json = JSON.stringify(body);
  const pieces = Array.from({ length: Math.ceil(json.length / 4096) }, (_, i) =>
    json.slice(i * 4096, (i + 1) * 4096),
  );
  expect(encodeAs(body, pieces).pieces.length).toBeGreaterThan(10);
  return body;
}

describe('sendShared', () => {
  afterEach(() => vi.restoreAllMocks());

  it('serializes an answer once however many requests it is sent to', async () => {
    const app = appSending(big);
    const stringify = vi.spyOn(JSON, 'stringify');
    const first = await request(app).get('/answer').set('accept-encoding', 'identity');
    expect(first.body).toEqual(big);
    const once = stringify.mock.calls.length;
    expect(once).toBeGreaterThan(0);
    for (let i = 0; i < 2; i++) {
      const res = await request(app).get('/answer').set('accept-encoding', 'identity');
      expect(res.body).toEqual(big);
    }
    expect(stringify.mock.calls.length).toBe(once);
  });

  describe.each([
    ['in one piece', bigBody],
    ['in pieces', inPieces],
  ])('an answer %s', (_how, make) => {
    const answer = make();

    it('sends a gzip copy to a client that accepts it, compressed once, not twice', async () => {
      const app = appSending(answer);
      const a = await request(app).get('/answer').set('accept-encoding', 'gzip');
      const b = await request(app).get('/answer').set('accept-encoding', 'gzip, deflate, br');
      for (const res of [a, b]) {
        expect(res.status).toBe(200);
        expect(res.headers['content-encoding']).toBe('gzip');
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.headers.vary).toMatch(/Accept-Encoding/i);
        // supertest decodes gzip once: a second compression would leave bytes, not this JSON.
        expect(res.body).toEqual(answer);
      }
      expect(Number(a.headers['content-length'])).toBeLessThan(JSON.stringify(answer).length / 3);
    });

    it('sends the JSON as it is to a client that accepts no compression', async () => {
      const res = await request(appSending(answer)).get('/answer').set('accept-encoding', 'identity');
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(answer)));
    });

    it('answers 304 to a client holding the same answer, and 200 once the answer changed', async () => {
      const first = await request(appSending(answer)).get('/answer');
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^W\/"/);
      // Compressed or not: the identity answer is the one sent in pieces.
      for (const encoding of ['gzip', 'identity']) {
        const again = await request(appSending(answer))
          .get('/answer')
          .set('accept-encoding', encoding)
          .set('if-none-match', etag);
        expect(again.status).toBe(304);
        expect(again.text ?? '').toBe('');
      }
      const changed = { items: [...answer.items, { id: 'new', rps: 1 }] };
      const after = await request(appSending(changed)).get('/answer').set('if-none-match', etag);
      expect(after.status).toBe(200);
      expect(after.body).toEqual(changed);
    });

    it('answers HEAD with the headers and no body', async () => {
      const res = await request(appSending(answer)).head('/answer').set('accept-encoding', 'identity');
      expect(res.status).toBe(200);
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(answer)));
      expect(res.text ?? '').toBe('');
    });
  });
});
