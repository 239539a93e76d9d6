import { OAuth2Server } from 'oauth2-mock-server';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Console } from '../console';
import { demoCatalog } from '../embedded/demo-mesh/traffic/testing';
import { Signer } from '../features/auth/keys';
import {
  MAX_OTHER_GROUPS,
  OIDC_COOKIE,
  groupsForSession,
  parseGroupRoles,
  roleForGroups,
  safeReturnTo,
} from '../features/auth/oidc';
import { kubernetesGroups } from '../lib/principal';
import { MAX_SESSION_COOKIE_CHARS, SESSION_COOKIE, SessionCodec } from '../features/auth/sessions';
import type { AuthSetup } from '../features/auth/setup';
import { cookieFrom } from '../testing/auth';
import { testConsole } from '../testing/console';

/** The whole OpenID Connect round trip against a real (mock) provider, in process. */
describe('sign-in with OpenID Connect', () => {
  const provider = new OAuth2Server();
  let groups: string[] = [];
  /** The ID token's identity claims (undefined: left out). */
  let identity: Record<string, unknown> = {};
  let built: Console;
  let app: Console['app'];
  let auth: AuthSetup;
  const REDIRECT = 'http://console.test/api/v1/auth/oidc/callback';

  beforeAll(async () => {
    await provider.issuer.keys.generate('RS256');
    await provider.start(0, '127.0.0.1');
    provider.service.on('beforeTokenSigning', (token) => {
      token.payload.groups = groups;
      // A claim set to undefined is left out of the token (JSON has no undefined).
      Object.assign(token.payload, identity);
    });
    built = await testConsole({
      catalog: demoCatalog(),
      config: {
        auth: {
          mode: 'oidc',
          oidc: {
            issuerUrl: provider.issuer.url as string,
            clientId: 'mesh-console',
            clientSecret: 'console-secret',
            redirectUrl: REDIRECT,
            groupsClaim: 'groups',
            groupRoles: parseGroupRoles('mesh-admins=admin;bookinfo-ops=operator:bookinfo;everyone=viewer'),
            scopes: 'openid profile',
          },
        },
      },
    });
    app = built.app;
    auth = built.auth;
  });
  afterAll(async () => {
    await built?.close();
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

  beforeEach(() => {
    identity = { sub: 'carol-subject-1', preferred_username: 'carol' };
  });

  /** The user of a session cookie, as impersonation and the audit trail see it. */
  const principalOf = async (callback: { headers: Record<string, unknown> }) => {
    const cookie = cookieFrom(callback.headers['set-cookie'] as string[], SESSION_COOKIE);
    expect(cookie).toBeDefined();
    return auth.service.fromCookie((cookie as string).slice(SESSION_COOKIE.length + 1));
  };

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
    // Kubernetes and the audit trail get the subject; the preferred_username is only shown.
    const principal = await principalOf(callback);
    expect(principal).toMatchObject({ name: 'oidc:carol-subject-1', displayName: 'carol' });
    expect(kubernetesGroups(principal as NonNullable<typeof principal>)).toEqual([
      'mesh-console:operator',
      'oidc:bookinfo-ops',
      'oidc:everyone',
    ]);
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

  it('identifies a user by the subject, never by a name or e-mail another user could take', async () => {
    groups = ['mesh-admins', 'system:masters'];
    const carol = await principalOf((await roundTrip('/')).callback);
    // Someone else renames themselves "carol" at the provider: another user all the same.
    identity = { sub: 'mallory-subject-9', preferred_username: 'carol' };
    const mallory = await principalOf((await roundTrip('/')).callback);
    expect(carol?.name).toBe('oidc:carol-subject-1');
    expect(mallory?.name).toBe('oidc:mallory-subject-9');
    expect(mallory?.displayName).toBe('carol');
    // A provider group named system:masters is sent to Kubernetes as oidc:system:masters.
    expect(kubernetesGroups(mallory as NonNullable<typeof mallory>)).toEqual([
      'mesh-console:admin',
      'oidc:mesh-admins',
      'oidc:system:masters',
    ]);

    // An e-mail is shown only when the provider verified it; else the subject is.
    identity = { sub: 'dave-subject-2', preferred_username: undefined, email: 'dave@example.com' };
    const unverified = await principalOf((await roundTrip('/')).callback);
    expect(unverified).toMatchObject({ name: 'oidc:dave-subject-2', displayName: 'dave-subject-2' });
    identity = { ...identity, email_verified: true };
    const verified = await principalOf((await roundTrip('/')).callback);
    expect(verified).toMatchObject({ name: 'oidc:dave-subject-2', displayName: 'dave@example.com' });

    // A cookie from before the subject was the identity (an unprefixed name) is refused.
    const old = new SessionCodec(new Signer('test-session-secret-0123456789abcdefghij'), 3600_000).issue({
      name: 'carol',
      role: 'admin',
      namespaces: ['*'],
      via: 'oidc',
      groups: [],
      mustChangePassword: false,
    });
    expect(await auth.service.fromCookie(old.cookie)).toBeNull();
  });

  it('keeps a session cookie small for a user in hundreds of groups', async () => {
    const many = Array.from(
      { length: 400 },
      (_, i) => `team-${String(i).padStart(3, '0')}-${'x'.repeat(40)}`,
    );
    groups = [...many, 'bookinfo-ops'];
    const { callback } = await roundTrip('/');
    expect(callback.status).toBe(200);
    const cookie = cookieFrom(callback.headers['set-cookie'], SESSION_COOKIE) as string;
    expect(cookie.length).toBeLessThan(MAX_SESSION_COOKIE_CHARS);
    const principal = await principalOf(callback);
    // The group a rule names is always kept; of the others, a bounded number.
    expect(principal).toMatchObject({ role: 'operator', namespaces: ['bookinfo'] });
    expect(principal?.groups).toContain('bookinfo-ops');
    expect(principal?.groups.length).toBeLessThanOrEqual(MAX_OTHER_GROUPS + 1);
    expect(principal?.groups.slice(0, 2)).toEqual(['bookinfo-ops', many[0]]);

    const rules = parseGroupRoles('a=admin;b=viewer;*=viewer');
    expect(groupsForSession(['x', 'b', 'y', 'b', 'a'], rules)).toEqual({
      kept: ['b', 'a', 'x', 'y'],
      dropped: 0,
    });
    const bounded = groupsForSession([...many, 'a'], rules);
    expect(bounded.kept[0]).toBe('a');
    expect(bounded.kept.length + bounded.dropped).toBe(many.length + 1);
    expect(bounded.kept.join('').length).toBeLessThanOrEqual(1500);
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
