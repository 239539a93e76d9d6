import { OAuth2Server } from 'oauth2-mock-server';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app';
import { demoCatalog } from '../embedded/demo-mesh/traffic/testing';
import { OIDC_COOKIE, parseGroupRoles, roleForGroups, safeReturnTo } from '../features/auth/oidc';
import { SESSION_COOKIE } from '../features/auth/sessions';
import { silentLogger } from '../lib/logger';
import { cookieFrom, testAuth } from '../testing/auth';

/** The whole OpenID Connect round trip against a real (mock) provider, in process. */
describe('sign-in with OpenID Connect', () => {
  const provider = new OAuth2Server();
  let groups: string[] = [];
  let app: ReturnType<typeof createApp>;
  const REDIRECT = 'http://console.test/api/v1/auth/oidc/callback';

  beforeAll(async () => {
    await provider.issuer.keys.generate('RS256');
    await provider.start(0, '127.0.0.1');
    provider.service.on('beforeTokenSigning', (token) => {
      token.payload.groups = groups;
      token.payload.preferred_username = 'carol';
    });
    app = createApp({
      log: silentLogger(),
      version: 'test',
      catalog: demoCatalog(),
      health: async () => ({
        status: 'ok',
        version: 'test',
        controlPlane: { mode: 'embedded', server: 'x', reachable: true },
      }),
      auth: testAuth({
        oidc: {
          issuerUrl: provider.issuer.url as string,
          clientId: 'mesh-console',
          clientSecret: 'console-secret',
          redirectUrl: REDIRECT,
          groupsClaim: 'groups',
          groupRoles: parseGroupRoles('mesh-admins=admin;bookinfo-ops=operator:bookinfo;everyone=viewer'),
          scopes: 'openid profile',
        },
      }),
    });
  });
  afterAll(async () => {
    await provider.stop();
  });

  /** Starts at the console, goes through the provider, and answers the console's callback. */
  async function roundTrip(returnTo: string, tamper: (query: string) => string = (q) => q) {
    const start = await request(app)
      .get(`/api/v1/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`)
      .expect(302);
    const authorize = new URL(start.headers.location as string);
    const transaction = cookieFrom(start.headers['set-cookie'], OIDC_COOKIE) as string;
    const atProvider = await fetch(authorize, { redirect: 'manual' });
    const back = new URL(atProvider.headers.get('location') as string);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    const callback = await request(app)
      .get(`/api/v1/auth/oidc/callback${tamper(back.search)}`)
      .set('cookie', transaction);
    return { start, authorize, callback };
  }

  it('signs in with authorization code + PKCE, takes the role from the groups claim, and returns', async () => {
    groups = ['bookinfo-ops', 'everyone'];
    const { start, authorize, callback } = await roundTrip('/services/reviews?tab=routes');
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${provider.issuer.url}/authorize`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(authorize.searchParams.get('redirect_uri')).toBe(REDIRECT);
    // The PKCE verifier never leaves the console, except sealed in an HttpOnly cookie.
    expect(start.headers.location).not.toContain('code_verifier');
    expect(String(start.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Lax/);

    expect(callback.status).toBe(200);
    expect(callback.text).toContain('content="0;url=/services/reviews?tab=routes"');
    expect(callback.text).not.toContain('<script');
    const cookie = cookieFrom(callback.headers['set-cookie'], SESSION_COOKIE) as string;
    expect(String(callback.headers['set-cookie'])).toMatch(
      /mesh_console_session=[^;]+;.*HttpOnly; SameSite=Strict/,
    );
    const session = await request(app).get('/api/v1/auth/session').set('cookie', cookie).expect(200);
    expect(session.body).toMatchObject({
      authenticated: true,
      methods: { local: false, oidc: true },
      user: {
        name: 'carol',
        role: 'operator',
        namespaces: ['bookinfo'],
        via: 'oidc',
        mustChangePassword: false,
      },
    });
    await request(app).get('/api/v1/services').set('cookie', cookie).expect(200);
    // Password sign-in is off in this mode.
    await request(app).post('/api/v1/auth/login').send({ username: 'carol', password: 'x' }).expect(404);
  });

  it('gives admins the admin role, and refuses users in no mapped group', async () => {
    groups = ['mesh-admins'];
    const admin = await roundTrip('/');
    const cookie = cookieFrom(admin.callback.headers['set-cookie'], SESSION_COOKIE) as string;
    const session = await request(app).get('/api/v1/auth/session').set('cookie', cookie).expect(200);
    expect(session.body.user).toMatchObject({ role: 'admin', namespaces: ['*'] });

    groups = ['strangers'];
    const refused = await roundTrip('/');
    expect(refused.callback.status).toBe(302);
    expect(refused.callback.headers.location).toBe('/signin?error=Forbidden');
    expect(cookieFrom(refused.callback.headers['set-cookie'], SESSION_COOKIE)).toBeUndefined();
  });

  it('refuses a callback whose state does not match, or that has no transaction', async () => {
    groups = ['everyone'];
    const forged = await roundTrip('/', (q) => q.replace(/state=[^&]+/, 'state=forged'));
    expect(forged.callback.status).toBe(302);
    expect(forged.callback.headers.location).toBe('/signin?error=SignInFailed');
    const orphan = await request(app).get('/api/v1/auth/oidc/callback?code=x&state=y').expect(302);
    expect(orphan.headers.location).toBe('/signin?error=SignInExpired');
  });

  it('returns only to a path of the console', async () => {
    groups = ['everyone'];
    const { callback } = await roundTrip('https://evil.example/steal');
    expect(callback.text).toContain('content="0;url=/"');
    expect(safeReturnTo('//evil.example')).toBe('/');
    expect(safeReturnTo('/\\evil.example')).toBe('/');
    expect(safeReturnTo('javascript:alert(1)')).toBe('/');
    expect(safeReturnTo('/services?x=1')).toBe('/services?x=1');
  });

  it('maps groups to roles: the highest role wins, with its namespaces', () => {
    const rules = parseGroupRoles('ops=operator:demo,shop;ops2=operator:bookinfo;*=viewer');
    expect(roleForGroups(['ops', 'ops2'], rules)).toEqual({
      role: 'operator',
      namespaces: ['demo', 'shop', 'bookinfo'],
    });
    expect(roleForGroups([], rules)).toEqual({ role: 'viewer', namespaces: ['*'] });
    expect(roleForGroups(['x'], parseGroupRoles('ops=operator'))).toBeNull();
    expect(() => parseGroupRoles('ops=root')).toThrow(/group=role/);
  });
});
