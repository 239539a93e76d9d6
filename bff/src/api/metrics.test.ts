import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Console } from '../console';
import { ADMIN_HEADER } from '../testing/auth';
import { testConsole } from '../testing/console';
import { createMetrics } from '../lib/metrics';
import { httpMetrics } from './metrics';
import { Readiness } from './probes';

const METRICS_TOKEN = 'metrics-scrape-token-0123456789abcdefghij';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The value of one series in Prometheus's text format, or null when it is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.indexOf('}'));
    const got = Object.fromEntries(
      [...body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    const same =
      Object.keys(got).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => got[k] === v);
    if (same) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
}

describe('/metrics, /livez and /readyz', () => {
  let withToken: Console;
  let adminOnly: Console;
  let webDir: string;

  beforeAll(async () => {
    // A built SPA, whose fallback must not answer the probes or the scrape.
    webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-web-'));
    fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>console</title>');
    withToken = await testConsole({ config: { metricsToken: METRICS_TOKEN, webDir } });
    adminOnly = await testConsole({ kube: withToken.kube, catalog: withToken.catalog });
  });

  afterAll(async () => {
    await adminOnly?.close();
    await withToken?.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });

  it('asks for the metrics token, compared whole', async () => {
    const app = withToken.app;
    const none = await request(app).get('/metrics').expect(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.body).toEqual({ code: 'Unauthenticated', message: 'A bearer token is required' });
    await request(app)
      .get('/metrics')
      .set(bearer(`${METRICS_TOKEN}x`))
      .expect(401);
    await request(app)
      .get('/metrics')
      .set(bearer(METRICS_TOKEN.slice(0, -1)))
      .expect(401);
    // With a metrics token set, an admin's credential is not what a scrape uses.
    await request(app).get('/metrics').set(ADMIN_HEADER).expect(401);
    const ok = await request(app).get('/metrics').set(bearer(METRICS_TOKEN)).expect(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    // The security headers apply outside /api too.
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    expect(ok.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('without a metrics token, takes an admin credential and nobody else', async () => {
    const app = adminOnly.app;
    await request(app).get('/metrics').expect(401);
    await request(app).get('/metrics').set(bearer(METRICS_TOKEN)).expect(401);
    const { secret } = await adminOnly.auth.tokens.create(
      { name: 'a viewer', role: 'viewer', namespaces: ['*'] },
      'admin',
    );
    await request(app).get('/metrics').set(bearer(secret)).expect(401);
    await request(app).get('/metrics').set(ADMIN_HEADER).expect(200);
  });

  it('counts requests by route pattern and status, never by the path asked for', async () => {
    const app = withToken.app;
    const scrape = async () =>
      (await request(app).get('/metrics').set(bearer(METRICS_TOKEN)).expect(200)).text;
    const services = { method: 'GET', route: '/api/v1/services', status: '200' };
    const before = sample(await scrape(), 'mesh_console_http_requests_total', services) ?? 0;
    await request(app).get('/api/v1/services').set(ADMIN_HEADER).expect(200);
    await request(app).get('/api/v1/services').set(ADMIN_HEADER).expect(200);
    await request(app)
      .get(`/api/v1/services/${encodeURIComponent('secret-name.ns')}/routes`)
      .set(ADMIN_HEADER);
    await request(app).get('/api/v1/no-such-thing-here').set(ADMIN_HEADER).expect(404);
    const text = await scrape();

    expect(sample(text, 'mesh_console_http_requests_total', services)).toBe(before + 2);
    expect(sample(text, 'mesh_console_http_request_duration_seconds_count', services)).toBeGreaterThanOrEqual(
      before + 2,
    );
    expect(text).toMatch(
      /mesh_console_http_requests_total\{method="GET",route="\/api\/v1\/services\/:id\/routes",status="\d+"\} 1/,
    );
    expect(
      sample(text, 'mesh_console_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('secret-name');
    expect(text).not.toContain('no-such-thing-here');

    // The other figures: calls to the control plane, the lease, the streams.
    expect(text).toMatch(/mesh_console_kube_request_duration_seconds_count\{[^}]*verb="[a-z]+"[^}]*\} [1-9]/);
    // The first of the two consoles on this control plane holds the lease; the second does not.
    expect(withToken.leader.isLeader).toBe(true);
    expect(adminOnly.leader.isLeader).toBe(false);
    expect(sample(text, 'mesh_console_leader', { lease: 'mesh-console-leader' }) ?? 0).toBe(1);
    expect(text).toContain('mesh_console_open_streams 0');
  });

  it('serves the probes publicly, as JSON, not the SPA', async () => {
    const app = withToken.app;
    const live = await request(app).get('/livez').expect(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await request(app).get('/readyz').expect(200);
    expect(ready.body).toEqual({ status: 'ok' });
    expect(ready.headers['x-content-type-options']).toBe('nosniff');
    // The SPA still answers its own routes.
    const page = await request(app).get('/services').redirects(2).expect(200);
    expect(page.text).toContain('<title>console</title>');
  });
});

describe('Readiness', () => {
  it('asks the control plane when its last answer is old, shares the question, and says why it is not ready', async () => {
    let now = 0;
    let answers = true;
    let asked = 0;
    const readiness = new Readiness({
      controlPlane: async () => {
        asked++;
        return answers;
      },
      freshMs: 10_000,
      clock: () => now,
    });
    expect(await Promise.all([readiness.check(), readiness.check()])).toEqual([
      { ready: true },
      { ready: true },
    ]);
    expect(asked).toBe(1);
    answers = false;
    now = 9000;
    expect(await readiness.check()).toEqual({ ready: true });
    expect(asked).toBe(1);
    now = 20_000;
    expect(await readiness.check()).toEqual({ ready: false, reason: 'control plane unreachable' });
    answers = true;
    expect(await readiness.check()).toEqual({ ready: true });
    readiness.startDraining();
    expect(readiness.closed).toBe(false);
    expect(await readiness.check()).toEqual({ ready: false, reason: 'shutting down' });
  });

  it('is not ready before the caches are synced', async () => {
    let synced = false;
    const readiness = new Readiness({ controlPlane: async () => true, synced: () => synced });
    expect(await readiness.check()).toEqual({ ready: false, reason: 'caches not synced' });
    synced = true;
    expect(await readiness.check()).toEqual({ ready: true });
  });
});

describe('Server-Timing', () => {
  const dur = (header: unknown) => {
    const m = /^app;dur=(\d+\.\d)$/.exec(String(header));
    if (!m) throw new Error(`no app;dur in Server-Timing: ${String(header)}`);
    return Number(m[1]);
  };

  it("tells the client the console's own time up to its answer's headers", async () => {
    const app = express();
    app.use(httpMetrics(createMetrics()));
    app.get('/now', (_req, res) => res.json({}));
    app.get('/late', (_req, res) => setTimeout(() => res.json({}), 60));
    app.get('/stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first');
      setTimeout(() => res.end('last'), 60);
    });

    expect(
      dur((await request(app).get('/late').expect(200)).headers['server-timing']),
    ).toBeGreaterThanOrEqual(59);
    expect(dur((await request(app).get('/now').expect(200)).headers['server-timing'])).toBeLessThan(59);
    // Up to the headers: a body that follows later does not count.
    expect(dur((await request(app).get('/stream').expect(200)).headers['server-timing'])).toBeLessThan(59);
  });
});
