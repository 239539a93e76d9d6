import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { Console } from '../console';
import { demoCatalog } from '../embedded/demo-mesh/traffic/testing';
import { SESSION_COOKIE } from '../features/auth/sessions';
import { createLogger } from '../lib/logger';
import type { Logger } from '../lib/logger';
import { ADMIN_HEADER, cookieFrom, writeUsersFile } from '../testing/auth';
import { testConsole } from '../testing/console';
import type { TestConfigChanges } from '../testing/console';

describe('hardening', () => {
  let webDir: string;
  let usersFile: string;
  let plane: Console;
  const consoles: Console[] = [];
  /** The console with the built SPA in `webDir`, vera's account, and these settings. */
  const appWith = async (
    changes: Pick<TestConfigChanges, 'trustProxy' | 'corsOrigins'> = {},
    log?: Logger,
  ) => {
    const built = await testConsole({
      kube: plane.kube,
      catalog: demoCatalog(),
      ...(log ? { log } : {}),
      config: { webDir, auth: { usersFile }, ...changes },
    });
    consoles.push(built);
    return built.app;
  };

  beforeAll(async () => {
    webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-web-'));
    fs.mkdirSync(path.join(webDir, 'assets'));
    fs.writeFileSync(
      path.join(webDir, 'index.html'),
      '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head><body><div id="root"></div></body></html>',
    );
    fs.writeFileSync(path.join(webDir, 'assets', 'app.js'), 'console.log("spa")');
    usersFile = await writeUsersFile([{ name: 'vera', password: 'viewer-password-1', role: 'viewer' }]);
    plane = await testConsole({ catalog: demoCatalog() });
  });
  afterAll(async () => {
    for (const built of consoles.splice(0)) await built.close();
    await plane?.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });

  async function session(app: Express) {
    const res = await request(app)
      .post('/api/v1/auth/login')
      .send({ username: 'vera', password: 'viewer-password-1' })
      .expect(200);
    return cookieFrom(res.headers['set-cookie'], SESSION_COOKIE) as string;
  }

  it('sends strict security headers on every kind of response', async () => {
    const app = await appWith();
    const cookie = await session(app);
    const responses = [
      await request(app).get('/signin').expect(200),
      await request(app).get('/services/x').set('cookie', cookie).expect(200),
      await request(app).get('/assets/app.js').expect(200),
      await request(app).get('/api/v1/healthz').expect(200),
      await request(app).get('/api/v1/services').expect(401),
      await request(app).get('/services/x').expect(302),
    ];
    for (const res of responses) {
      const csp = String(res.headers['content-security-policy']);
      const directives = Object.fromEntries(
        csp.split(';').map((d) => {
          const [name, ...values] = d.trim().split(/\s+/);
          return [name, values.join(' ')];
        }),
      );
      expect(directives['default-src']).toBe("'self'");
      // No inline or evaluated script may run: the SPA loads its scripts from files.
      expect(directives['script-src']).toBe("'self'");
      expect(directives['script-src-attr']).toBe("'none'");
      expect(directives['object-src']).toBe("'none'");
      expect(directives['frame-ancestors']).toBe("'none'");
      expect(directives['base-uri']).toBe("'self'");
      expect(directives['form-action']).toBe("'self'");
      expect(directives['connect-src']).toBe("'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      // Plain HTTP: no HSTS and no upgrade-insecure-requests, or a LAN address could not load assets.
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(directives).not.toHaveProperty('upgrade-insecure-requests');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('tells browsers to stay on HTTPS when the console is reached over HTTPS', async () => {
    const app = await appWith({ trustProxy: true });
    for (const path of ['/signin', '/api/v1/healthz']) {
      const https = await request(app).get(path).set('x-forwarded-proto', 'https').expect(200);
      expect(https.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(String(https.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
      expect(String(https.headers['content-security-policy'])).toContain("script-src 'self'");
      const http = await request(app).get(path).expect(200);
      expect(http.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('sends a signed-out browser to sign in, and back where it was', async () => {
    const app = await appWith();
    const page = await request(app).get('/services/reviews?tab=routes').expect(302);
    expect(page.headers.location).toBe(
      `/signin?returnTo=${encodeURIComponent('/services/reviews?tab=routes')}`,
    );
    expect((await request(app).get('/').expect(302)).headers.location).toBe('/signin?returnTo=%2F');
    // The sign-in page and the assets need no session.
    expect((await request(app).get('/signin?returnTo=%2Fservices').expect(200)).text).toContain('id="root"');
    await request(app).get('/assets/app.js').expect(200);
    const cookie = await session(app);
    await request(app).get('/services/reviews?tab=routes').set('cookie', cookie).expect(200);
    // A forged or tampered cookie is no session.
    const [name, value] = cookie.split('=') as [string, string];
    const tampered = `${name}=${value.slice(0, -2)}xx`;
    await request(app).get('/services').set('cookie', tampered).expect(302);
    await request(app).get('/api/v1/services').set('cookie', tampered).expect(401);
  });

  it('allows no cross-origin calls unless origins are configured, then only those', async () => {
    const closed = await appWith();
    const res = await request(closed)
      .get('/api/v1/healthz')
      .set('origin', 'https://evil.example')
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const open = await appWith({ corsOrigins: ['https://ops.example'] });
    const allowed = await request(open)
      .get('/api/v1/healthz')
      .set('origin', 'https://ops.example')
      .expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://ops.example');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const preflight = await request(open)
      .options('/api/v1/services')
      .set('origin', 'https://ops.example')
      .set('access-control-request-method', 'POST')
      .expect(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('x-csrf-token');
    const other = await request(open)
      .get('/api/v1/healthz')
      .set('origin', 'https://evil.example')
      .expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('does not log what the identity provider sends back to the callback', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = await appWith({}, createLogger({ level: 'info', destination: sink }));
    await request(app).get('/api/v1/auth/oidc/callback?code=secret-code-123&state=secret-state-456');
    await request(app).get('/api/v1/services?search=visible-query').set(ADMIN_HEADER).expect(200);
    const all = lines.join('');
    expect(all).toContain('/api/v1/auth/oidc/callback');
    expect(all).toContain('visible-query');
    expect(all).not.toMatch(/secret-code-123|secret-state-456/);
  });

  it('limits request bodies and never shows internals in errors', async () => {
    const app = await appWith();
    const big = await request(app)
      .post('/api/v1/admin/tokens')
      .set(ADMIN_HEADER)
      .set('content-type', 'application/json')
      .send(`{"name":"${'x'.repeat(1_100_000)}"}`)
      .expect(413);
    expect(big.body).toEqual({ code: 'PayloadTooLarge', message: 'The request body is too large' });
    const broken = await request(app)
      .post('/api/v1/admin/tokens')
      .set(ADMIN_HEADER)
      .set('content-type', 'application/json')
      .send('{"name":')
      .expect(400);
    expect(broken.body).toEqual({ code: 'InvalidRequest', message: 'The request body is not valid JSON' });
    expect(JSON.stringify(broken.body)).not.toMatch(/at .*\.(ts|js):\d+|SyntaxError/);
    // A path parameter that is not valid URL encoding is the caller's mistake, not a 500.
    const encoding = await request(app).get('/api/v1/services/%E0%A4%A').set(ADMIN_HEADER).expect(400);
    expect(encoding.body).toEqual({
      code: 'InvalidRequest',
      message: 'The request path is not valid URL encoding',
    });
  });
});
