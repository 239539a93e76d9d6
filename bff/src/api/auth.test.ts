import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAccounts } from '../features/auth/accounts';
import { AUDIT_LABEL } from '../features/audit/audit-log';
import { SESSION_SECRET_NAME, SESSION_SECRET_TYPE } from '../features/auth/keys';
import { REVOKED_LABEL, REVOKED_SECRET_TYPE } from '../features/auth/revocations';
import { SESSION_COOKIE } from '../features/auth/sessions';
import { createAuth } from '../features/auth/setup';
import { TOKEN_LABEL, TOKEN_SECRET_TYPE } from '../features/auth/tokens';
import { createLogger, silentLogger } from '../lib/logger';
import { ADMIN_HEADER, TEST_ADMIN_TOKEN, cookieFrom, testAuth, writeUsersFile } from '../testing/auth';
import type { TestAuthOptions } from '../testing/auth';
import { fullApp, startTestControlPlane } from '../testing/console';
import type { TestControlPlane } from '../testing/console';

const REVIEWS = encodeURIComponent('reviews.bookinfo.svc.cluster.local');
const ECHO = encodeURIComponent('com.alibaba.dubbo.samples.echo.api.EchoService@dubbo');
const reviewsForm = (name: string) => ({
  name,
  routeType: 'version',
  trafficSplit: false,
  destinations: [{ version: 'v1', weight: 100 }],
});

const USERS = [
  { name: 'vera', password: 'viewer-password-1', role: 'viewer' as const, namespaces: ['bookinfo'] },
  { name: 'otto', password: 'operator-password-1', role: 'operator' as const, namespaces: ['bookinfo'] },
  { name: 'ada', password: 'admin-password-123', role: 'admin' as const },
  { name: 'newbie', password: 'one-time-password', role: 'admin' as const, mustChangePassword: true },
];

describe('sign-in, sessions, tokens and the audit trail', () => {
  let plane: TestControlPlane;
  let usersFile: string;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    plane = await startTestControlPlane();
    usersFile = await writeUsersFile(USERS);
  });
  afterAll(async () => {
    for (const close of closers.splice(0)) await close();
    await plane?.close();
  });

  const appWith = async (options: Partial<TestAuthOptions> = {}) => {
    const auth = testAuth({ kube: plane.kube, usersFile, ...options });
    const built = await fullApp(plane, auth);
    closers.push(built.close);
    return { app: built.app, auth };
  };

  async function signIn(app: Parameters<typeof request>[0], name: string, password: string) {
    const res = await request(app).post('/api/v1/auth/login').send({ username: name, password }).expect(200);
    const cookie = cookieFrom(res.headers['set-cookie'], SESSION_COOKIE);
    expect(cookie).toBeDefined();
    return { cookie: cookie as string, csrf: res.body.csrfToken as string, body: res.body };
  }

  it('answers the session of a signed-out browser, and 401 for any other API', async () => {
    const { app } = await appWith();
    const res = await request(app).get('/api/v1/auth/session').expect(200);
    expect(res.body).toEqual({ authenticated: false, methods: { local: true, oidc: false } });
    const denied = await request(app).get('/api/v1/services').expect(401);
    expect(denied.body.code).toBe('Unauthenticated');
    await request(app).get('/api/v1/healthz').expect(200);
  });

  it('signs in with a good password: an HttpOnly, SameSite=Strict cookie, Secure behind HTTPS', async () => {
    const { app } = await appWith();
    const res = await request(app)
      .post('/api/v1/auth/login')
      .send({ username: 'otto', password: 'operator-password-1' })
      .expect(200);
    expect(res.body).toMatchObject({
      authenticated: true,
      user: {
        name: 'otto',
        role: 'operator',
        namespaces: ['bookinfo'],
        via: 'local',
        mustChangePassword: false,
      },
    });
    expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now());
    const set = String(res.headers['set-cookie']);
    expect(set).toMatch(
      /mesh_console_session=[^;]+; Max-Age=\d+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/,
    );
    expect(set).not.toContain('Secure');

    const behindTls = await fullApp(plane, testAuth({ kube: plane.kube, usersFile }));
    closers.push(behindTls.close);
    behindTls.app.set('trust proxy', true);
    const tls = await request(behindTls.app)
      .post('/api/v1/auth/login')
      .set('x-forwarded-proto', 'https')
      .send({ username: 'otto', password: 'operator-password-1' })
      .expect(200);
    expect(String(tls.headers['set-cookie'])).toContain('; Secure');
  });

  it('refuses a wrong password with 401 and a missing field with a 400 naming it', async () => {
    const { app } = await appWith();
    const wrong = await request(app)
      .post('/api/v1/auth/login')
      .send({ username: 'otto', password: 'nope' })
      .expect(401);
    expect(wrong.body).toEqual({ code: 'InvalidCredentials', message: expect.any(String) });
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const unknown = await request(app)
      .post('/api/v1/auth/login')
      .send({ username: 'nobody', password: 'nope' })
      .expect(401);
    expect(unknown.body.message).toBe(wrong.body.message);
    const missing = await request(app).post('/api/v1/auth/login').send({ username: 'otto' }).expect(400);
    expect(missing.body).toMatchObject({ code: 'InvalidRequest', field: 'password' });
  });

  /** An app that takes the client address from X-Forwarded-For, so a test can sign in from several. */
  const appWithAddresses = async (loginLimits: TestAuthOptions['loginLimits']) => {
    const { app } = await appWith({ loginLimits });
    app.set('trust proxy', true);
    return (username: string, password: string, from: string) =>
      request(app).post('/api/v1/auth/login').set('x-forwarded-for', from).send({ username, password });
  };

  it('slows guesses down per user and address: wrong passwords from one address never lock the user out elsewhere', async () => {
    const login = await appWithAddresses({
      perUserAddress: 3,
      perUser: 1000,
      perAddress: 1000,
      baseDelaySeconds: 1,
    });
    for (let i = 0; i < 3; i++) await login('ada', 'bad', '10.0.0.1').expect(401);
    // From the address that failed, the next attempt waits, even with the right password.
    const limited = await login('ADA', 'admin-password-123', '10.0.0.1').expect(429);
    expect(limited.body.code).toBe('TooManyRequests');
    expect(Number(limited.headers['retry-after'])).toBe(1);
    expect(limited.body.message).toMatch(/try again in 1 second\b/);
    // From another address, ada signs in at once: the attacker's failures are not her lockout.
    await login('ada', 'admin-password-123', '10.0.0.2').expect(200);
    // And from the first one after the wait; the wait doubles with each further failure.
    await new Promise((r) => setTimeout(r, 1050));
    await login('ada', 'bad', '10.0.0.1').expect(401);
    const longer = await login('ada', 'admin-password-123', '10.0.0.1').expect(429);
    expect(Number(longer.headers['retry-after'])).toBe(2);
    expect(longer.body.message).toMatch(/try again in 2 seconds/);
  });

  it('lets a user behind a proxy sign in however many other names failed from it, and still slows the sprayer', async () => {
    const login = await appWithAddresses({
      perUserAddress: 5,
      perUser: 1000,
      perAddress: 20,
      baseDelaySeconds: 60,
    });
    // Thirty failures from the proxy for other user names (and for otto, once).
    for (let i = 0; i < 29; i++) await login(`user-${i}`, 'Spring2024!', '192.0.2.7').expect(401);
    await login('otto', 'Spring2024!', '192.0.2.7').expect(401);
    // vera, behind the same proxy, has not failed there: her right password is checked at once.
    await login('vera', 'viewer-password-1', '192.0.2.7').expect(200);
    // ada, who has not failed there either, mistypes: her password is still checked.
    await login('ada', 'typo', '192.0.2.7').expect(401);
    // ...but past the address's limit, a name that failed there gets no second free guess.
    const slowed = await login('user-3', 'Summer2024!', '192.0.2.7').expect(429);
    expect(Number(slowed.headers['retry-after'])).toBeGreaterThan(50);
    await login('otto', 'operator-password-1', '192.0.2.7').expect(429);
    // From elsewhere, otto signs in.
    await login('otto', 'operator-password-1', '198.51.100.1').expect(200);
  });

  it('slows a guesser spread over many addresses, never the user from an address that has not failed', async () => {
    const login = await appWithAddresses({
      perUserAddress: 5,
      perUser: 10,
      perAddress: 1000,
      baseDelaySeconds: 60,
    });
    for (let i = 0; i < 10; i++) await login('otto', `guess-${i}`, `203.0.113.${i}`).expect(401);
    // otto is under attack: an address that failed for otto gets no second free guess...
    await login('otto', 'guess-again', '203.0.113.1').expect(429);
    // ...while otto, from his own address, signs in at once.
    await login('otto', 'operator-password-1', '198.51.100.9').expect(200);
  });

  it('counts a sign-in attempt before the password check, so parallel guesses stay within the limit', async () => {
    const limit = 5;
    const login = await appWithAddresses({
      perUserAddress: limit,
      perUser: 1000,
      perAddress: 1000,
      baseDelaySeconds: 60,
    });
    const answers = await Promise.all(
      // The user name is counted lower-cased: other spellings share the limit.
      Array.from({ length: 30 }, (_, i) => login(i % 2 ? 'OTTO' : 'otto', `guess-${i}`, '10.1.1.1')),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBe(limit);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    const limited = answers.find((r) => r.status === 429);
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(50);
    await login('otto', 'operator-password-1', '10.1.1.1').expect(429);
    await login('otto', 'operator-password-1', '10.1.1.2').expect(200);

    // Per address too: parallel guesses at many user names, a few each, past the address's limit.
    const spray = await appWithAddresses({
      perUserAddress: 5,
      perUser: 1000,
      perAddress: limit,
      baseDelaySeconds: 60,
    });
    const first = await Promise.all(
      Array.from({ length: 10 }, (_, i) => spray(`user-${i}`, 'x', '10.2.2.2')),
    );
    expect(first.every((r) => r.status === 401)).toBe(true);
    const second = await Promise.all(
      Array.from({ length: 10 }, (_, i) => spray(`user-${i}`, 'y', '10.2.2.2')),
    );
    expect(second.every((r) => r.status === 429)).toBe(true);
  });

  it('starts the count again after a successful sign-in', async () => {
    const login = await appWithAddresses({
      perUserAddress: 3,
      perUser: 1000,
      perAddress: 1000,
      baseDelaySeconds: 60,
    });
    for (let round = 0; round < 3; round++) {
      await login('vera', 'bad', '10.3.3.3').expect(401);
      await login('vera', 'bad', '10.3.3.3').expect(401);
      // Two failures of three: the right password still gets in, and resets the pair's count.
      await login('vera', 'viewer-password-1', '10.3.3.3').expect(200);
    }
    // The count starts again after the last success: three failures, then even the right one waits.
    for (let i = 0; i < 3; i++) await login('vera', 'bad', '10.3.3.3').expect(401);
    await login('vera', 'viewer-password-1', '10.3.3.3').expect(429);
  });

  it('ends the other sessions of a user who changes the password, on every replica', async () => {
    const file = await writeUsersFile([
      { name: 'pat', password: 'first-password-1', role: 'operator', namespaces: ['bookinfo'] },
    ]);
    const { app } = await appWith({ usersFile: file });
    const replica = (await appWith({ usersFile: file })).app;
    const laptop = await signIn(app, 'pat', 'first-password-1');
    const phone = await signIn(replica, 'pat', 'first-password-1');
    await request(replica).get('/api/v1/services').set('cookie', laptop.cookie).expect(200);
    await request(app).get('/api/v1/services').set('cookie', phone.cookie).expect(200);

    const changed = await request(app)
      .post('/api/v1/auth/password')
      .set('cookie', laptop.cookie)
      .set('x-csrf-token', laptop.csrf)
      .send({ currentPassword: 'first-password-1', newPassword: 'second-password-2' })
      .expect(204);
    const renewed = cookieFrom(changed.headers['set-cookie'], SESSION_COOKIE) as string;
    expect(String(changed.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);

    // The replica that made the change knows at once; the other within its refresh interval.
    const other = await request(app).get('/api/v1/services').set('cookie', phone.cookie).expect(401);
    expect(other.body.code).toBe('Unauthenticated');
    await expect
      .poll(async () => (await request(replica).get('/api/v1/services').set('cookie', phone.cookie)).status, {
        timeout: 3000,
      })
      .toBe(401);
    // So is the old copy of the cookie that made the change.
    await request(app).get('/api/v1/services').set('cookie', laptop.cookie).expect(401);
    // The user who changed it stays signed in, with the same CSRF token, on both replicas.
    await request(app).get('/api/v1/services').set('cookie', renewed).expect(200);
    await request(replica).get('/api/v1/services').set('cookie', renewed).expect(200);
    await request(replica)
      .post(`/api/v1/services/${REVIEWS}/routes/preview`)
      .set('cookie', renewed)
      .set('x-csrf-token', laptop.csrf)
      .send(reviewsForm('after-password-change'))
      .expect(200);
    const session = await request(app).get('/api/v1/auth/session').set('cookie', renewed).expect(200);
    expect(session.body.user).toMatchObject({ name: 'pat', mustChangePassword: false });
    // A new sign-in, with the new password, works everywhere.
    const again = await signIn(replica, 'pat', 'second-password-2');
    await request(app).get('/api/v1/services').set('cookie', again.cookie).expect(200);
  });

  it('requires the CSRF token on a change made with the session cookie, not with a bearer token', async () => {
    const { app } = await appWith();
    const { cookie, csrf } = await signIn(app, 'otto', 'operator-password-1');
    await request(app).get('/api/v1/services').set('cookie', cookie).expect(200);
    const none = await request(app)
      .post(`/api/v1/services/${REVIEWS}/routes/preview`)
      .set('cookie', cookie)
      .send(reviewsForm('csrf-check'))
      .expect(403);
    expect(none.body.code).toBe('CsrfTokenInvalid');
    await request(app)
      .post(`/api/v1/services/${REVIEWS}/routes/preview`)
      .set('cookie', cookie)
      .set('x-csrf-token', `${csrf}x`)
      .send(reviewsForm('csrf-check'))
      .expect(403);
    // A token from another session does not do either.
    const other = await signIn(app, 'ada', 'admin-password-123');
    await request(app)
      .post(`/api/v1/services/${REVIEWS}/routes/preview`)
      .set('cookie', cookie)
      .set('x-csrf-token', other.csrf)
      .send(reviewsForm('csrf-check'))
      .expect(403);
    await request(app)
      .post(`/api/v1/services/${REVIEWS}/routes/preview`)
      .set('cookie', cookie)
      .set('x-csrf-token', csrf)
      .send(reviewsForm('csrf-check'))
      .expect(200);
    await request(app)
      .post(`/api/v1/services/${REVIEWS}/routes/preview`)
      .set(ADMIN_HEADER)
      .send(reviewsForm('csrf-check'))
      .expect(200);
  });

  it('signs out for good: the cookie is cleared and a replayed copy is refused, on every replica', async () => {
    const { app } = await appWith();
    const replica = (await appWith()).app;
    const { cookie, csrf } = await signIn(app, 'vera', 'viewer-password-1');
    await request(replica).get('/api/v1/services').set('cookie', cookie).expect(200);
    await request(app).post('/api/v1/auth/logout').set('cookie', cookie).expect(403);
    const out = await request(app)
      .post('/api/v1/auth/logout')
      .set('cookie', cookie)
      .set('x-csrf-token', csrf)
      .expect(204);
    expect(String(out.headers['set-cookie'])).toMatch(/mesh_console_session=;.*Expires=Thu, 01 Jan 1970/);
    const replayed = await request(app).get('/api/v1/services').set('cookie', cookie).expect(401);
    expect(replayed.body.code).toBe('Unauthenticated');
    const session = await request(app).get('/api/v1/auth/session').set('cookie', cookie).expect(200);
    expect(session.body.authenticated).toBe(false);
    // The other replica learns of the sign-out from the control plane within its refresh interval.
    await expect
      .poll(async () => (await request(replica).get('/api/v1/services').set('cookie', cookie)).status, {
        timeout: 3000,
      })
      .toBe(401);
  });

  it('ends a session when it expires', async () => {
    const { app } = await appWith({ sessionTtlMs: 1000 });
    const { cookie } = await signIn(app, 'vera', 'viewer-password-1');
    await request(app).get('/api/v1/services').set('cookie', cookie).expect(200);
    await new Promise((r) => setTimeout(r, 1100));
    await request(app).get('/api/v1/services').set('cookie', cookie).expect(401);
  });

  it('holds a user with a one-time password at the password change', async () => {
    const file = await writeUsersFile([USERS[3] as (typeof USERS)[number]]);
    const { app } = await appWith({ usersFile: file });
    const { cookie, csrf, body } = await signIn(app, 'newbie', 'one-time-password');
    expect(body.user.mustChangePassword).toBe(true);
    const held = await request(app).get('/api/v1/services').set('cookie', cookie).expect(403);
    expect(held.body.code).toBe('PasswordChangeRequired');
    const short = await request(app)
      .post('/api/v1/auth/password')
      .set('cookie', cookie)
      .set('x-csrf-token', csrf)
      .send({ currentPassword: 'one-time-password', newPassword: 'short' })
      .expect(400);
    expect(short.body.field).toBe('newPassword');
    const wrong = await request(app)
      .post('/api/v1/auth/password')
      .set('cookie', cookie)
      .set('x-csrf-token', csrf)
      .send({ currentPassword: 'not-it', newPassword: 'a-brand-new-password' })
      .expect(400);
    expect(wrong.body.field).toBe('currentPassword');
    const changed = await request(app)
      .post('/api/v1/auth/password')
      .set('cookie', cookie)
      .set('x-csrf-token', csrf)
      .send({ currentPassword: 'one-time-password', newPassword: 'a-brand-new-password' })
      .expect(204);
    // The session goes on in a cookie issued after the change (same session, same CSRF token).
    const renewed = cookieFrom(changed.headers['set-cookie'], SESSION_COOKIE) as string;
    expect(renewed).toBeDefined();
    await request(app).get('/api/v1/services').set('cookie', renewed).expect(200);
    await request(app).get('/api/v1/services').set('cookie', cookie).expect(401);
    await request(app)
      .post('/api/v1/auth/login')
      .send({ username: 'newbie', password: 'one-time-password' })
      .expect(401);
    await signIn(app, 'newbie', 'a-brand-new-password');
  });

  it('creates the first admin once, with a one-time password or the given one', async () => {
    const dir = await writeUsersFile([]);
    const accounts = new LocalAccounts(dir);
    const first = await accounts.ensureFirstAdmin(undefined);
    expect(first?.name).toBe('admin');
    expect(first?.password.length).toBeGreaterThanOrEqual(16);
    expect(await accounts.ensureFirstAdmin(undefined)).toBeNull();
    const admin = await accounts.verify('admin', first?.password ?? '');
    expect(admin).toMatchObject({ role: 'admin', mustChangePassword: true });
    expect(admin?.passwordHash).toMatch(/^\$argon2id\$/);

    const given = new LocalAccounts(await writeUsersFile([]));
    expect(await given.ensureFirstAdmin('the-given-password')).toBeNull();
    expect(await given.verify('admin', 'the-given-password')).toMatchObject({ mustChangePassword: false });
  });

  it('shows each user only the namespaces it may see', async () => {
    const { app } = await appWith();
    const { cookie } = await signIn(app, 'vera', 'viewer-password-1');
    const list = await request(app).get('/api/v1/services?pageSize=200').set('cookie', cookie).expect(200);
    expect(list.body.total).toBeGreaterThan(0);
    expect(new Set(list.body.items.map((s: { namespace: string }) => s.namespace))).toEqual(
      new Set(['bookinfo']),
    );
    expect(list.body.facets.namespaces).toEqual(['bookinfo']);
    const outside = await request(app).get(`/api/v1/services/${ECHO}`).set('cookie', cookie).expect(403);
    expect(outside.body.message).toMatch(/namespace bookinfo only.*namespace dubbo-demo/);
    const all = await request(app).get('/api/v1/services?pageSize=200').set(ADMIN_HEADER).expect(200);
    expect(all.body.total).toBeGreaterThan(list.body.total);
    // The monitoring overview and its table too: only the applications of bookinfo.
    const overview = await request(app).get('/api/v1/monitoring/overview').set('cookie', cookie).expect(200);
    const table = await request(app)
      .get('/api/v1/monitoring/applications?pageSize=100')
      .set('cookie', cookie)
      .expect(200);
    expect(table.body.items.length).toBeGreaterThan(0);
    expect(overview.body.applicationCount).toBe(table.body.total);
    expect(new Set(table.body.items.map((a: { namespace: string }) => a.namespace))).toEqual(
      new Set(['bookinfo']),
    );
    const everything = await request(app).get('/api/v1/monitoring/overview').set(ADMIN_HEADER).expect(200);
    expect(everything.body.applicationCount).toBeGreaterThan(overview.body.applicationCount);
  });

  it('issues API tokens stored only as a hash, honours their role, and revokes them', async () => {
    const { app } = await appWith();
    const created = await request(app)
      .post('/api/v1/admin/tokens')
      .set(ADMIN_HEADER)
      .send({ name: 'ci viewer', role: 'viewer', namespaces: ['bookinfo'] })
      .expect(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^mct_[A-Za-z0-9_-]{43}$/);
    expect(created.body.token).toMatchObject({ name: 'ci viewer', role: 'viewer', createdBy: 'admin-token' });
    const stored = await plane.kube.core.listNamespacedSecret({
      namespace: 'default',
      labelSelector: `${TOKEN_LABEL}=v1`,
    });
    expect(stored.items.map((s) => s.type)).toEqual([TOKEN_SECRET_TYPE]);
    expect(JSON.stringify(stored.items)).not.toContain(secret);
    expect(JSON.stringify(stored.items)).not.toContain(Buffer.from(secret).toString('base64'));
    const list = await request(app).get('/api/v1/admin/tokens').set(ADMIN_HEADER).expect(200);
    expect(list.body.items.map((t: { id: string }) => t.id)).toContain(created.body.token.id);
    expect(JSON.stringify(list.body)).not.toMatch(/mct_|sha256|hash/);

    const bearer = { authorization: `Bearer ${secret}` };
    await request(app).get(`/api/v1/services/${REVIEWS}/routes`).set(bearer).expect(200);
    const denied = await request(app)
      .post(`/api/v1/services/${REVIEWS}/routes`)
      .set(bearer)
      .send(reviewsForm('by-token'))
      .expect(403);
    expect(denied.body.message).toContain('viewer');
    await request(app).get('/api/v1/admin/tokens').set(bearer).expect(403);
    await request(app).delete(`/api/v1/admin/tokens/${created.body.token.id}`).set(ADMIN_HEADER).expect(204);
    const revoked = await request(app).get('/api/v1/services').set(bearer).expect(401);
    expect(revoked.body.message).toMatch(/token/);
    await request(app).get('/api/v1/services').set({ authorization: 'Bearer mct_guessed' }).expect(401);
    await request(app).delete(`/api/v1/admin/tokens/${created.body.token.id}`).set(ADMIN_HEADER).expect(404);
  });

  it('keeps credentials in Secrets and trusts no ConfigMap, nor a Secret whose fields do not validate', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const { app } = await appWith({ log: createLogger({ level: 'warn', destination: sink }) });
    const ns = 'default';
    const labels = { 'app.kubernetes.io/managed-by': 'mesh-console', [TOKEN_LABEL]: 'v1' };
    const forge = (id: string) => {
      const secret = `mct_${randomBytes(32).toString('base64url')}`;
      const record = {
        id,
        name: `forged ${id}`,
        role: 'admin',
        namespaces: '["*"]',
        createdBy: 'mallory',
        createdAt: new Date().toISOString(),
        sha256: createHash('sha256').update(secret).digest('hex'),
      };
      return { secret, record, bearer: { authorization: `Bearer ${secret}` } };
    };

    // The token store of earlier versions: anyone who may write a ConfigMap here minted an admin.
    const viaConfigMap = forge('00000000000000c1');
    await plane.kube.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'mesh-console-token-00000000000000c1', labels }, data: viaConfigMap.record },
    });
    await request(app).get('/api/v1/admin/tokens').set(viaConfigMap.bearer).expect(401);

    // A Secret with a role that does not exist, one of another type, one whose name is not its id.
    const superuser = forge('00000000000000c2');
    await plane.kube.core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'mesh-console-token-00000000000000c2', labels },
        type: TOKEN_SECRET_TYPE,
        stringData: { ...superuser.record, role: 'superuser' },
      },
    });
    const opaque = forge('00000000000000c3');
    await plane.kube.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'mesh-console-token-00000000000000c3', labels }, stringData: opaque.record },
    });
    const renamed = forge('00000000000000c4');
    await plane.kube.core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'mesh-console-token-somethingelse', labels },
        type: TOKEN_SECRET_TYPE,
        stringData: renamed.record,
      },
    });
    for (const forged of [superuser, opaque, renamed])
      await request(app).get('/api/v1/services').set(forged.bearer).expect(401);
    const listed = await request(app).get('/api/v1/admin/tokens').set(ADMIN_HEADER).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain('forged');
    const warnings = lines.join('');
    expect(warnings).toContain('ignored an invalid API token record');
    expect(warnings).toContain('mesh-console-token-00000000000000c2');
    expect(warnings).toMatch(/role: invalid_value/);
    for (const forged of [superuser, opaque, renamed]) expect(warnings).not.toContain(forged.secret);

    // The same record, well formed, is a token (so the refusals above are the validation's).
    const valid = forge('00000000000000c5');
    await plane.kube.core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'mesh-console-token-00000000000000c5', labels },
        type: TOKEN_SECRET_TYPE,
        stringData: { ...valid.record, role: 'viewer', namespaces: '["bookinfo"]' },
      },
    });
    // (A token made elsewhere is seen within a second.)
    await expect
      .poll(async () => (await request(app).get('/api/v1/admin/tokens').set(valid.bearer)).status, {
        timeout: 3000,
      })
      .toBe(403);
    await request(app).get('/api/v1/services').set(valid.bearer).expect(200);

    // What the console writes itself: a token, a sign-out, a password change's cut-off, all Secrets.
    const { cookie, csrf } = await signIn(app, 'vera', 'viewer-password-1');
    await request(app)
      .post('/api/v1/auth/logout')
      .set('cookie', cookie)
      .set('x-csrf-token', csrf)
      .expect(204);
    const signOuts = await plane.kube.core.listNamespacedSecret({
      namespace: ns,
      labelSelector: `${REVOKED_LABEL}=v1`,
    });
    expect(signOuts.items.map((s) => s.type)).toContain(REVOKED_SECRET_TYPE);
    const configMaps = await plane.kube.core.listNamespacedConfigMap({
      namespace: ns,
      labelSelector: `${REVOKED_LABEL}=v1`,
    });
    expect(configMaps.items).toEqual([]);
  });

  it('still obeys a sign-out recorded as a ConfigMap by an earlier version, which can only refuse', async () => {
    const { app } = await appWith();
    const { cookie } = await signIn(app, 'vera', 'viewer-password-1');
    await request(app).get('/api/v1/services').set('cookie', cookie).expect(200);
    const payload = JSON.parse(
      Buffer.from(cookie.split('=')[1]?.split('.')[0] ?? '', 'base64url').toString('utf8'),
    ) as { sid: string; exp: number };
    await plane.kube.core.createNamespacedConfigMap({
      namespace: 'default',
      body: {
        metadata: { name: `mesh-console-signout-${payload.sid}`, labels: { [REVOKED_LABEL]: 'v1' } },
        data: { sessionId: payload.sid, expiresAt: String(payload.exp) },
      },
    });
    await expect
      .poll(async () => (await request(app).get('/api/v1/services').set('cookie', cookie)).status, {
        timeout: 3000,
      })
      .toBe(401);
  });

  it('keeps the generated session secret in a Secret, created once and shared by every replica', async () => {
    const namespace = `auth-secret-${randomBytes(3).toString('hex')}`;
    await plane.kube.core.createNamespace({ body: { metadata: { name: namespace } } });
    const settings = { mode: 'local' as const, usersFile, sessionTtlMs: 3600_000, oidc: null, namespace };
    const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-replica-'));
    // Two replicas start at once, each with its own data directory: one creates the Secret, the
    // other loses the race and reads it.
    const [one, two] = await Promise.all([
      createAuth(settings, plane.kube, dataDir(), silentLogger()),
      createAuth(settings, plane.kube, dataDir(), silentLogger()),
    ]);
    const first = await fullApp(plane, one.setup);
    const second = await fullApp(plane, two.setup);
    closers.push(first.close, second.close);
    const { cookie } = await signIn(first.app, 'vera', 'viewer-password-1');
    await request(second.app).get('/api/v1/services').set('cookie', cookie).expect(200);
    const stored = await plane.kube.core.readNamespacedSecret({ name: SESSION_SECRET_NAME, namespace });
    expect(stored.type).toBe(SESSION_SECRET_TYPE);
    expect(Buffer.from(stored.data?.secret ?? '', 'base64').toString('utf8').length).toBeGreaterThanOrEqual(
      32,
    );

    // MESH_CONSOLE_SESSION_SECRET still wins: that replica's cookies are its own.
    const configured = await createAuth(
      { ...settings, sessionSecret: 'a-configured-session-secret-0123456789' },
      plane.kube,
      dataDir(),
      silentLogger(),
    );
    const third = await fullApp(plane, configured.setup);
    closers.push(third.close);
    await request(third.app).get('/api/v1/services').set('cookie', cookie).expect(401);

    // A Secret that holds no usable secret stops the start rather than being trusted or replaced.
    await plane.kube.core.replaceNamespacedSecret({
      name: SESSION_SECRET_NAME,
      namespace,
      body: { ...stored, data: { secret: Buffer.from('short').toString('base64') } },
    });
    await expect(createAuth(settings, plane.kube, dataDir(), silentLogger())).rejects.toThrow(
      /does not hold a session secret/,
    );
  });

  it('records every change and every refusal, with the diff, for admins to filter', async () => {
    const { app, auth } = await appWith();
    const otto = await signIn(app, 'otto', 'operator-password-1');
    const vera = await signIn(app, 'vera', 'viewer-password-1');
    await request(app)
      .post(`/api/v1/services/${REVIEWS}/routes`)
      .set('cookie', vera.cookie)
      .set('x-csrf-token', vera.csrf)
      .send(reviewsForm('audited'))
      .expect(403);
    await request(app)
      .post(`/api/v1/services/${REVIEWS}/routes`)
      .set('cookie', otto.cookie)
      .set('x-csrf-token', otto.csrf)
      .send({ ...reviewsForm('audited'), destinations: [{ version: 'v1', weight: 90 }] })
      .expect(400);
    await request(app)
      .post(`/api/v1/services/${REVIEWS}/routes`)
      .set('cookie', otto.cookie)
      .set('x-csrf-token', otto.csrf)
      .send(reviewsForm('audited'))
      .expect(201);
    await auth.audit.flush();

    const res = await request(app)
      .get(
        `/api/v1/audit?service=${REVIEWS}&since=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`,
      )
      .set(ADMIN_HEADER)
      .expect(200);
    const mine = res.body.items.filter(
      (r: { resource: { name: string } | null }) => r.resource?.name === 'audited',
    );
    expect(
      mine.map(
        (r: { user: string; outcome: string; status: number }) => `${r.user}:${r.outcome}:${r.status}`,
      ),
    ).toEqual(['otto:succeeded:201', 'otto:invalid:400', 'vera:denied:403']);
    const [created, invalid, denied] = mine;
    expect(created).toMatchObject({
      action: 'routes.create',
      method: 'POST',
      role: 'operator',
      serviceId: 'reviews.bookinfo.svc.cluster.local',
      namespace: 'bookinfo',
      resource: { kind: 'routes', name: 'audited' },
      message: null,
    });
    expect(created.diff).toMatch(/^\+\s+- route:/m);
    expect(invalid.message).toMatch(/100/);
    expect(invalid.diff).toBeNull();
    expect(denied.message).toMatch(/viewer/);

    const byUser = await request(app).get('/api/v1/audit?user=vera').set(ADMIN_HEADER).expect(200);
    expect(byUser.body.items.every((r: { user: string }) => r.user === 'vera')).toBe(true);
    expect(byUser.body.items.length).toBeGreaterThan(0);
    const future = await request(app)
      .get(`/api/v1/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)
      .set(ADMIN_HEADER)
      .expect(200);
    expect(future.body.items).toEqual([]);
    await request(app).get('/api/v1/audit').set('cookie', otto.cookie).expect(403);
    const bad = await request(app).get('/api/v1/audit?since=yesterday').set(ADMIN_HEADER).expect(400);
    expect(bad.body.field).toBe('since');

    // The records are in the control plane, where every replica reads them.
    const stored = await plane.kube.core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: `${AUDIT_LABEL}=v1`,
    });
    expect(stored.items.some((cm) => cm.data?.record?.includes('"audited"'))).toBe(true);
  });

  it('keeps requests from no one identified out of the control plane, but records failed sign-ins', async () => {
    const { app, auth } = await appWith();
    const anonymous = await request(app)
      .post(`/api/v1/services/${REVIEWS}/routes`)
      .set('content-type', 'application/json')
      .send('{"not json')
      .expect(401);
    expect(anonymous.body.code).toBe('Unauthenticated');
    await request(app)
      .post('/api/v1/admin/tokens')
      .set({ authorization: 'Bearer mct_forged' })
      .send({ name: 'x', role: 'admin', namespaces: ['*'] })
      .expect(401);
    await request(app)
      .post('/api/v1/auth/login')
      .send({ username: 'mallory-guess', password: 'x' })
      .expect(401);
    await auth.audit.flush();
    const res = await request(app).get('/api/v1/audit?limit=1000').set(ADMIN_HEADER).expect(200);
    const users = res.body.items.map((r: { user: string }) => r.user);
    expect(users).not.toContain('anonymous');
    expect(res.body.items.find((r: { user: string }) => r.user === 'mallory-guess')).toMatchObject({
      action: 'auth.login',
      outcome: 'denied',
      status: 401,
    });
  });

  it('never logs passwords, cookies, CSRF tokens or bearer tokens', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    // The production logger, with its redaction, writing into the sink.
    const logger = createLogger({ level: 'trace', destination: sink });
    const auth = testAuth({ kube: plane.kube, usersFile, log: logger });
    const { app, close } = await fullApp(plane, auth, logger);
    closers.push(close);
    const res = await request(app)
      .post('/api/v1/auth/login')
      .send({ username: 'otto', password: 'operator-password-1' })
      .expect(200);
    const cookie = cookieFrom(res.headers['set-cookie'], SESSION_COOKIE) as string;
    await request(app)
      .post('/api/v1/auth/login')
      .send({ username: 'otto', password: 'a-wrong-password-xyz' })
      .expect(401);
    await request(app)
      .post(`/api/v1/services/${REVIEWS}/routes/preview`)
      .set('cookie', cookie)
      .set('x-csrf-token', res.body.csrfToken)
      .send(reviewsForm('logged'))
      .expect(200);
    await request(app).get('/api/v1/services').set(ADMIN_HEADER).expect(200);
    const token = await request(app)
      .post('/api/v1/admin/tokens')
      .set(ADMIN_HEADER)
      .send({ name: 'logged', role: 'viewer', namespaces: ['*'] })
      .expect(201);
    await request(app)
      .get('/api/v1/services')
      .set({ authorization: `Bearer ${token.body.secret as string}` })
      .expect(200);
    await auth.audit.flush();
    const all = lines.join('');
    expect(all).toContain('"audit"');
    expect(all).toContain('[redacted]');
    for (const secret of [
      'operator-password-1',
      'a-wrong-password-xyz',
      cookie.split('=')[1] as string,
      res.body.csrfToken as string,
      TEST_ADMIN_TOKEN,
      token.body.secret as string,
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});
