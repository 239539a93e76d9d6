import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAccounts } from '../features/auth/accounts';
import { AUDIT_LABEL } from '../features/audit/audit-log';
import { SESSION_COOKIE } from '../features/auth/sessions';
import { TOKEN_LABEL } from '../features/auth/tokens';
import { createLogger } from '../lib/logger';
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
  const closers: (() => void)[] = [];

  beforeAll(async () => {
    plane = await startTestControlPlane();
    usersFile = await writeUsersFile(USERS);
  });
  afterAll(async () => {
    for (const close of closers) close();
    await plane?.close();
  });

  const appWith = (options: Partial<TestAuthOptions> = {}) => {
    const auth = testAuth({ kube: plane.kube, usersFile, ...options });
    const built = fullApp(plane, auth);
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
    const { app } = appWith();
    const res = await request(app).get('/api/v1/auth/session').expect(200);
    expect(res.body).toEqual({ authenticated: false, methods: { local: true, oidc: false } });
    const denied = await request(app).get('/api/v1/services').expect(401);
    expect(denied.body.code).toBe('Unauthenticated');
    await request(app).get('/api/v1/healthz').expect(200);
  });

  it('signs in with a good password: an HttpOnly, SameSite=Strict cookie, Secure behind HTTPS', async () => {
    const { app } = appWith();
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

    const behindTls = fullApp(plane, testAuth({ kube: plane.kube, usersFile }));
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
    const { app } = appWith();
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

  it('limits failed sign-ins per user name and per address with 429 and Retry-After', async () => {
    const { app } = appWith({ loginLimits: { perUser: 3, perAddress: 5, windowSeconds: 60 } });
    for (let i = 0; i < 3; i++)
      await request(app).post('/api/v1/auth/login').send({ username: 'ada', password: 'bad' }).expect(401);
    // Even the right password is refused now: guessing cannot go on.
    const limited = await request(app)
      .post('/api/v1/auth/login')
      .send({ username: 'ada', password: 'admin-password-123' })
      .expect(429);
    expect(limited.body.code).toBe('TooManyRequests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another user from the same address: two more failures reach the address's limit.
    for (let i = 0; i < 2; i++)
      await request(app).post('/api/v1/auth/login').send({ username: 'vera', password: 'bad' }).expect(401);
    await request(app)
      .post('/api/v1/auth/login')
      .send({ username: 'vera', password: 'viewer-password-1' })
      .expect(429);
  });

  it('counts a sign-in attempt before the password check, so parallel guesses stay within the limit', async () => {
    const limit = 5;
    const { app } = appWith({ loginLimits: { perUser: limit, perAddress: 1000, windowSeconds: 60 } });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        request(app)
          .post('/api/v1/auth/login')
          // The user name is counted lower-cased: other spellings share the limit.
          .send({ username: i % 2 ? 'OTTO' : 'otto', password: `guess-${i}` }),
      ),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(limit);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    const limited = answers.find((r) => r.status === 429);
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    await request(app)
      .post('/api/v1/auth/login')
      .send({ username: 'otto', password: 'operator-password-1' })
      .expect(429);

    // Per address too: parallel guesses at many user names.
    const byAddress = appWith({ loginLimits: { perUser: 1000, perAddress: limit, windowSeconds: 60 } }).app;
    const spread = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(byAddress)
          .post('/api/v1/auth/login')
          .send({ username: `user-${i}`, password: 'x' }),
      ),
    );
    expect(spread.filter((r) => r.status === 401).length).toBeLessThanOrEqual(limit);
    expect(spread.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(20 - limit);
  });

  it('starts the count again after a successful sign-in', async () => {
    const { app } = appWith({ loginLimits: { perUser: 3, perAddress: 10, windowSeconds: 60 } });
    const login = (password: string, status: number) =>
      request(app).post('/api/v1/auth/login').send({ username: 'vera', password }).expect(status);
    for (let round = 0; round < 3; round++) {
      await login('bad', 401);
      await login('bad', 401);
      // Two failures of three: the right password still gets in, and resets the user's count (a
      // success does not use up the address's attempts either).
      await login('viewer-password-1', 200);
    }
    // The count starts again after the last success: three failures, then even the right one is refused.
    for (let i = 0; i < 3; i++) await login('bad', 401);
    await login('viewer-password-1', 429);
  });

  it('ends the other sessions of a user who changes the password, on every replica', async () => {
    const file = await writeUsersFile([
      { name: 'pat', password: 'first-password-1', role: 'operator', namespaces: ['bookinfo'] },
    ]);
    const { app } = appWith({ usersFile: file });
    const replica = appWith({ usersFile: file }).app;
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
    const { app } = appWith();
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
    const { app } = appWith();
    const replica = appWith().app;
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
    const { app } = appWith({ sessionTtlMs: 1000 });
    const { cookie } = await signIn(app, 'vera', 'viewer-password-1');
    await request(app).get('/api/v1/services').set('cookie', cookie).expect(200);
    await new Promise((r) => setTimeout(r, 1100));
    await request(app).get('/api/v1/services').set('cookie', cookie).expect(401);
  });

  it('holds a user with a one-time password at the password change', async () => {
    const file = await writeUsersFile([USERS[3] as (typeof USERS)[number]]);
    const { app } = appWith({ usersFile: file });
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
    const { app } = appWith();
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
    // The monitoring overview too: only the applications of bookinfo.
    const overview = await request(app).get('/api/v1/monitoring/overview').set('cookie', cookie).expect(200);
    expect(overview.body.applications.length).toBeGreaterThan(0);
    expect(new Set(overview.body.applications.map((a: { namespace: string }) => a.namespace))).toEqual(
      new Set(['bookinfo']),
    );
    const everything = await request(app).get('/api/v1/monitoring/overview').set(ADMIN_HEADER).expect(200);
    expect(everything.body.applications.length).toBeGreaterThan(overview.body.applications.length);
  });

  it('issues API tokens stored only as a hash, honours their role, and revokes them', async () => {
    const { app } = appWith();
    const created = await request(app)
      .post('/api/v1/admin/tokens')
      .set(ADMIN_HEADER)
      .send({ name: 'ci viewer', role: 'viewer', namespaces: ['bookinfo'] })
      .expect(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^mct_[A-Za-z0-9_-]{43}$/);
    expect(created.body.token).toMatchObject({ name: 'ci viewer', role: 'viewer', createdBy: 'admin-token' });
    const stored = await plane.kube.core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: `${TOKEN_LABEL}=v1`,
    });
    expect(JSON.stringify(stored.items)).not.toContain(secret);
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

  it('records every change and every refusal, with the diff, for admins to filter', async () => {
    const { app, auth } = appWith();
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
    const { app, auth } = appWith();
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
    const { app, close } = fullApp(plane, auth, logger);
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
