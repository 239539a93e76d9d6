import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import type { Response } from 'express';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPRESS_FROM_BYTES } from '../lib/shared-encoding';
import { ADMIN_HEADER } from '../testing/auth';
import { testConsole } from '../testing/console';
import { compressJsonAnswers } from './compress';

const large = { items: Array.from({ length: 400 }, (_, i) => ({ name: `svc-${i}`, namespace: 'shop' })) };
const small = { status: 'ok' };

/** A body as bytes (supertest has undone the gzip already: content-encoding says it was there). */
const raw = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

function jsonApp() {
  const app = express();
  compressJsonAnswers(app);
  app.get('/large', (_req, res) => res.json(large));
  app.get('/small', (_req, res) => res.json(small));
  app.get('/no-transform', (_req, res) => res.set('cache-control', 'no-transform').json(large));
  app.get('/missing', (_req, res) =>
    res.status(404).json({ code: 'NotFound', message: 'x'.repeat(COMPRESS_FROM_BYTES) }),
  );
  return app;
}

describe('compressJsonAnswers', () => {
  const app = jsonApp();

  it('sends a large answer gzip-compressed to a client that takes gzip, and as it is to one that does not', async () => {
    expect(Buffer.byteLength(JSON.stringify(large))).toBeGreaterThanOrEqual(COMPRESS_FROM_BYTES);
    const zipped = await request(app)
      .get('/large')
      .set('accept-encoding', 'gzip')
      .buffer(true)
      .parse(raw)
      .expect(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    const sent = Number(zipped.headers['content-length']);
    expect(sent).toBeLessThan(Buffer.byteLength(JSON.stringify(large)));
    expect(JSON.parse((zipped.body as Buffer).toString())).toEqual(large);

    const plain = await request(app).get('/large').set('accept-encoding', 'identity').expect(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toEqual(large);
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
  });

  it('sends small answers, HEAD and no-transform answers as they are', async () => {
    const s = await request(app).get('/small').set('accept-encoding', 'gzip').expect(200);
    expect(s.headers['content-encoding']).toBeUndefined();
    expect(s.body).toEqual(small);
    expect(s.headers.vary).toMatch(/accept-encoding/i);
    const head = await request(app).head('/large').set('accept-encoding', 'gzip').expect(200);
    expect(head.headers['content-encoding']).toBeUndefined();
    const kept = await request(app).get('/no-transform').set('accept-encoding', 'gzip').expect(200);
    expect(kept.headers['content-encoding']).toBeUndefined();
    expect(kept.body).toEqual(large);
  });

  it('compresses a refusal as any other answer, its status kept', async () => {
    const res = await request(app).get('/missing').set('accept-encoding', 'gzip').expect(404);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.body.code).toBe('NotFound');
  });
});

describe('the console: compression of API answers and of the SPA files', async () => {
  const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-web-'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>console</title>');
  fs.mkdirSync(path.join(webDir, 'assets'));
  const script = `console.log(${JSON.stringify('x'.repeat(4 * COMPRESS_FROM_BYTES))});\n`;
  fs.writeFileSync(path.join(webDir, 'assets', 'app.js'), script);
  const built = await testConsole({ config: { webDir } });
  afterAll(async () => {
    await built.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });

  // What functions a response was given as its own, seen once it is finished.
  const own: Record<string, string[]> = {};
  const outer = express();
  outer.use((req, res: Response, next) => {
    const asked = req.path;
    res.on('finish', () => {
      own[asked] = ['end', 'write', 'on', 'flush'].filter((name) => Object.hasOwn(res, name));
    });
    next();
  });
  outer.use(built.app);

  it('compresses a large API answer without giving its response functions of its own', async () => {
    const res = await request(outer)
      .get('/api/v1/openapi.json')
      .set(ADMIN_HEADER)
      .set('accept-encoding', 'gzip')
      .expect(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(Buffer.byteLength(JSON.stringify(res.body))).toBeGreaterThanOrEqual(COMPRESS_FROM_BYTES);
    expect(own['/api/v1/openapi.json']).toEqual([]);
  });

  it('still compresses the SPA files, through the compression middleware', async () => {
    const res = await request(outer)
      .get('/assets/app.js')
      .set('accept-encoding', 'gzip')
      .buffer(true)
      .parse(raw)
      .expect(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect((res.body as Buffer).toString()).toBe(script);
    // The middleware's functions: what the API's responses no longer get.
    expect(own['/assets/app.js']).toEqual(['end', 'write', 'on', 'flush']);
  });
});
