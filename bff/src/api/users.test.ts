import fs from 'node:fs';
import request from 'supertest';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAccounts } from '../features/auth/accounts';
import { SESSION_COOKIE } from '../features/auth/sessions';
import { ADMIN_HEADER, cookieFrom, testAuth, writeUsersFile } from '../testing/auth';
import type { TestAuthOptions } from '../testing/auth';
import { fullApp, startTestControlPlane } from '../testing/console';
import type { TestControlPlane } from '../testing/console';

type App = Parameters<typeof request>[0];

const ADA = { name: 'ada', password: 'admin-password-123', role: 'admin' as const };
const VERA = {
  name: 'vera',
  password: 'viewer-password-1',
  role: 'viewer' as const,
  namespaces: ['bookinfo'],
};

describe('admins manage local users: /admin/users', () => {
  let plane: TestControlPlane;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    plane = await startTestControlPlane();
  });
  afterAll(async () => {
    for (const close of closers.splice(0)) await close();
    await plane?.close();
  });

  /** A fresh accounts file with ada (admin) and vera (viewer), and an app over it. */
  async function setup(options: Partial<TestAuthOptions> = {}) {
    const usersFile = await writeUsersFile([ADA, VERA]);
    const built = await fullApp(plane, testAuth({ kube: plane.kube, usersFile, ...options }));
    closers.push(built.close);
    return { app: built.app, usersFile };
  }

  async function signIn(app: App, username: string, password: string) {
    const res = await request(app).post('/api/v1/auth/login').send({ username, password });
    const cookie = cookieFrom(res.headers['set-cookie'], SESSION_COOKIE);
    return { res, cookie: cookie as string, csrf: res.body.csrfToken as string };
  }

  /** A signed-in admin's requests (cookie and CSRF token), as the SPA sends them. */
  async function asAda(app: App) {
    const { cookie, csrf } = await signIn(app, ADA.name, ADA.password);
    expect(cookie).toBeDefined();
    const set = (req: request.Test) => req.set('cookie', cookie).set('x-csrf-token', csrf);
    return {
      create: (body: unknown) => set(request(app).post('/api/v1/admin/users')).send(body as object),
      patch: (name: string, body: unknown) =>
        set(request(app).patch(`/api/v1/admin/users/${encodeURIComponent(name)}`)).send(body as object),
      remove: (name: string) => set(request(app).delete(`/api/v1/admin/users/${encodeURIComponent(name)}`)),
      list: () => set(request(app).get('/api/v1/admin/users')),
    };
  }

  const fileText = (file: string) => fs.readFileSync(file, 'utf8');

  it('creates a user who can sign in with the one-time password and must then choose one', async () => {
    const { app, usersFile } = await setup();
    const ada = await asAda(app);
    const created = await ada
      .create({ name: 'otto', role: 'operator', namespaces: ['bookinfo'], password: 'one-time-pass-1' })
      .expect(201);
    expect(created.body).toEqual({
      name: 'otto',
      role: 'operator',
      namespaces: ['bookinfo'],
      source: 'local',
      disabled: false,
      mustChangePassword: true,
    });
    expect(JSON.stringify(created.body)).not.toContain('argon2');

    const otto = await signIn(app, 'otto', 'one-time-pass-1');
    expect(otto.res.status).toBe(200);
    expect(otto.res.body.user).toMatchObject({ role: 'operator', mustChangePassword: true });

    // The same file the CLI writes, read back by a fresh reader (as another replica would).
    const stored = new LocalAccounts(usersFile).find('otto');
    expect(stored).toMatchObject({ role: 'operator', namespaces: ['bookinfo'], mustChangePassword: true });
    expect(fileText(usersFile)).not.toContain('one-time-pass-1');
    expect((fs.statSync(usersFile).mode & 0o777).toString(8)).toBe('600');

    const list = await ada.list().expect(200);
    expect(list.body.items.map((u: { name: string }) => u.name)).toEqual(['ada', 'vera', 'otto']);
    expect(JSON.stringify(list.body)).not.toMatch(/argon2|passwordHash/);

    // A name taken (in any case) is a 409 naming the field.
    const again = await ada
      .create({ name: 'OTTO', role: 'viewer', namespaces: ['*'], password: 'another-pass-12' })
      .expect(409);
    expect(again.body).toMatchObject({ code: 'AlreadyExists', field: 'name' });
  });

  it('refuses bad bodies with a 400 naming the field, and writes nothing', async () => {
    const { app, usersFile } = await setup();
    const ada = await asAda(app);
    const before = fileText(usersFile);
    const good = { name: 'nina', role: 'viewer', namespaces: ['bookinfo'], password: 'long-enough-pass' };
    const cases: [unknown, string][] = [
      [{ ...good, name: '' }, 'name'],
      [{ ...good, name: 'has space' }, 'name'],
      [{ ...good, name: 'oidc:someone' }, 'name'],
      [{ ...good, name: 'x'.repeat(65) }, 'name'],
      [{ ...good, role: 'root' }, 'role'],
      [{ ...good, namespaces: [] }, 'namespaces'],
      [{ ...good, namespaces: ['Not_A_Namespace'] }, 'namespaces.0'],
      [{ ...good, password: 'short' }, 'password'],
      [{ name: 'nina', role: 'viewer', namespaces: ['*'] }, 'password'],
    ];
    for (const [body, field] of cases) {
      const res = await ada.create(body).expect(400);
      expect(res.body, JSON.stringify(body)).toMatchObject({ code: 'InvalidRequest', field });
      expect(res.body.message).not.toContain('long-enough-pass');
    }
    const badPatch = await ada.patch('vera', { role: 'boss' }).expect(400);
    expect(badPatch.body.field).toBe('role');
    const shortReset = await ada.patch('vera', { password: 'short' }).expect(400);
    expect(shortReset.body.field).toBe('password');
    const empty = await ada.patch('vera', {}).expect(400);
    expect(empty.body.message).toContain('at least one');
    const unknown = await ada.patch('vera', { rol: 'admin' }).expect(400);
    expect(unknown.body.code).toBe('InvalidRequest');
    await ada.patch('nobody', { role: 'viewer' }).expect(404);
    await ada.remove('nobody').expect(404);
    expect(fileText(usersFile)).toBe(before);
  });

  it("changes a user's role and namespaces, in effect on the user's next request", async () => {
    const { app } = await setup();
    const ada = await asAda(app);
    const vera = await signIn(app, VERA.name, VERA.password);
    const session = () => request(app).get('/api/v1/auth/session').set('cookie', vera.cookie).expect(200);
    expect((await session()).body.user).toMatchObject({ role: 'viewer', namespaces: ['bookinfo'] });
    await request(app).get('/api/v1/audit').set('cookie', vera.cookie).expect(403);

    const res = await ada.patch('vera', { role: 'admin', namespaces: ['shop', 'bookinfo'] }).expect(200);
    expect(res.body).toMatchObject({ name: 'vera', role: 'admin', namespaces: ['shop', 'bookinfo'] });
    // The same cookie, now an admin's.
    expect((await session()).body.user).toMatchObject({ role: 'admin' });
    await request(app).get('/api/v1/audit').set('cookie', vera.cookie).expect(200);

    await ada.patch('vera', { role: 'operator' }).expect(200);
    expect((await session()).body.user).toMatchObject({ role: 'operator', namespaces: ['shop', 'bookinfo'] });
    await request(app).get('/api/v1/audit').set('cookie', vera.cookie).expect(403);
  });

  it('disabling ends the sessions and refuses sign-in; enabling lets a new sign-in in, not the old cookie', async () => {
    const { app } = await setup();
    const ada = await asAda(app);
    const vera = await signIn(app, VERA.name, VERA.password);
    await request(app).get('/api/v1/services').set('cookie', vera.cookie).expect(200);

    const res = await ada.patch('vera', { disabled: true }).expect(200);
    expect(res.body).toMatchObject({ name: 'vera', disabled: true });
    await request(app).get('/api/v1/services').set('cookie', vera.cookie).expect(401);
    const refused = await signIn(app, VERA.name, VERA.password);
    expect(refused.res.status).toBe(403);
    expect(refused.res.body.code).toBe('AccountDisabled');
    expect(refused.cookie).toBeUndefined();
    // A wrong password is not told that the account exists and is disabled.
    expect((await signIn(app, VERA.name, 'wrong-password')).res.status).toBe(401);

    await ada.patch('vera', { disabled: false }).expect(200);
    await request(app).get('/api/v1/services').set('cookie', vera.cookie).expect(401);
    const back = await signIn(app, VERA.name, VERA.password);
    expect(back.res.status).toBe(200);
    await request(app).get('/api/v1/services').set('cookie', back.cookie).expect(200);
  });

  it('a reset password ends the sessions and must be changed at the next sign-in', async () => {
    const { app } = await setup();
    const ada = await asAda(app);
    const vera = await signIn(app, VERA.name, VERA.password);
    const res = await ada.patch('vera', { password: 'reset-password-1' }).expect(200);
    expect(res.body).toMatchObject({ mustChangePassword: true });
    await request(app).get('/api/v1/services').set('cookie', vera.cookie).expect(401);
    expect((await signIn(app, VERA.name, VERA.password)).res.status).toBe(401);
    const next = await signIn(app, VERA.name, 'reset-password-1');
    expect(next.res.body.user.mustChangePassword).toBe(true);
    const blocked = await request(app).get('/api/v1/services').set('cookie', next.cookie).expect(403);
    expect(blocked.body.code).toBe('PasswordChangeRequired');
  });

  it('deletes a user: their session ends, they cannot sign in, and a new user of that name starts afresh', async () => {
    const { app, usersFile } = await setup();
    const ada = await asAda(app);
    const vera = await signIn(app, VERA.name, VERA.password);
    await ada.remove('vera').expect(204);
    expect(new LocalAccounts(usersFile).find('vera')).toBeUndefined();
    await request(app).get('/api/v1/services').set('cookie', vera.cookie).expect(401);
    expect((await signIn(app, VERA.name, VERA.password)).res.status).toBe(401);
    await ada.create({ name: 'vera', role: 'admin', namespaces: ['*'], password: VERA.password }).expect(201);
    // The old cookie does not come back with the new account of the same name.
    await request(app).get('/api/v1/services').set('cookie', vera.cookie).expect(401);
  });

  it('refuses an admin demoting, disabling, resetting or deleting themselves, naming the field', async () => {
    const { app, usersFile } = await setup();
    const ada = await asAda(app);
    const before = fileText(usersFile);
    const demote = await ada.patch('ada', { role: 'operator' }).expect(400);
    expect(demote.body).toMatchObject({ code: 'InvalidRequest', field: 'role' });
    const disable = await ada.patch('ada', { disabled: true }).expect(400);
    expect(disable.body).toMatchObject({ field: 'disabled' });
    const reset = await ada.patch('ada', { password: 'my-new-password-1' }).expect(400);
    expect(reset.body).toMatchObject({ field: 'password' });
    const remove = await ada.remove('ada').expect(400);
    expect(remove.body).toMatchObject({ field: 'name' });
    expect(fileText(usersFile)).toBe(before);
    // Their own namespaces may change; it stays admin.
    await ada.patch('ada', { namespaces: ['*'], role: 'admin' }).expect(200);
    // Through the admin token, the last enabled admin cannot go either.
    const last = await request(app)
      .patch('/api/v1/admin/users/ada')
      .set(ADMIN_HEADER)
      .send({ disabled: true })
      .expect(409);
    expect(last.body.code).toBe('LastAdmin');
    await request(app).delete('/api/v1/admin/users/ada').set(ADMIN_HEADER).expect(409);
  });

  it('loses none of several concurrent creates, and keeps the file valid', async () => {
    const { app, usersFile } = await setup();
    const names = Array.from({ length: 6 }, (_, i) => `user-${i}`);
    const results = await Promise.all(
      names.map((name) =>
        request(app)
          .post('/api/v1/admin/users')
          .set(ADMIN_HEADER)
          .send({ name, role: 'viewer', namespaces: ['bookinfo'], password: `password-of-${name}` }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(names.map(() => 201));
    const stored = new LocalAccounts(usersFile).list().map((a) => a.name);
    expect(stored.sort()).toEqual(['ada', 'vera', ...names].sort());
    expect(fs.readdirSync(usersFile.replace(/\/[^/]+$/, ''))).toEqual(['users.yaml']);
  });

  it('refuses with 409 when someone else (the CLI) changed the file during the change, and writes nothing', async () => {
    const { usersFile } = await setup();
    const accounts = new LocalAccounts(usersFile);
    const cli = yaml.dump({ users: [...(yaml.load(fileText(usersFile)) as { users: unknown[] }).users] });
    await expect(
      accounts.transact(async (list) => {
        // Meanwhile another writer replaces the file.
        fs.writeFileSync(usersFile, `${cli}# changed by the CLI\n`);
        return { accounts: list.filter((a) => a.name !== 'vera'), result: undefined };
      }),
    ).rejects.toMatchObject({ status: 409, code: 'AccountsFileChanged' });
    expect(fileText(usersFile)).toContain('# changed by the CLI');
    expect(accounts.find('vera')).toBeDefined();
  });

  it('with OIDC sign-in, answers that users come from the provider', async () => {
    const built = await fullApp(
      plane,
      testAuth({
        kube: plane.kube,
        oidc: {
          issuerUrl: 'http://127.0.0.1:1/',
          clientId: 'mesh-console',
          redirectUrl: 'http://localhost/api/v1/auth/oidc/callback',
          groupsClaim: 'groups',
          groupRoles: [],
          scopes: 'openid',
        },
      }),
    );
    closers.push(built.close);
    const app = built.app;
    const body = { name: 'nina', role: 'viewer', namespaces: ['*'], password: 'long-enough-pass' };
    const res = await request(app).post('/api/v1/admin/users').set(ADMIN_HEADER).send(body).expect(409);
    expect(res.body.code).toBe('UsersFromProvider');
    expect(res.body.message).toContain('identity provider');
    await request(app)
      .patch('/api/v1/admin/users/nina')
      .set(ADMIN_HEADER)
      .send({ role: 'admin' })
      .expect(409);
    await request(app).delete('/api/v1/admin/users/nina').set(ADMIN_HEADER).expect(409);
    expect((await request(app).get('/api/v1/admin/users').set(ADMIN_HEADER).expect(200)).body).toEqual({
      items: [],
    });
  });

  it('records the changes in the audit trail as users.create / users.update / users.delete, with no password', async () => {
    const { app } = await setup();
    const ada = await asAda(app);
    await ada
      .create({ name: 'olga', role: 'viewer', namespaces: ['*'], password: 'olga-password-1' })
      .expect(201);
    await ada.patch('olga', { password: 'olga-password-2', role: 'operator' }).expect(200);
    await ada.remove('olga').expect(204);
    let actions: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await request(app).get('/api/v1/audit?user=ada').set(ADMIN_HEADER).expect(200);
      actions = (res.body.items as { action: string; resource: { name: string } | null }[])
        .filter((r) => r.resource?.name === 'olga')
        .map((r) => r.action);
      if (actions.length >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(actions.sort()).toEqual(['users.create', 'users.delete', 'users.update']);
    const res = await request(app).get('/api/v1/audit?user=ada').set(ADMIN_HEADER).expect(200);
    const update = (res.body.items as { action: string; diff: string | null }[]).find(
      (r) => r.action === 'users.update',
    );
    expect(update?.diff).toBe('-role: viewer\n+role: operator\n+password: reset (one-time)');
    const all = JSON.stringify((await request(app).get('/api/v1/audit').set(ADMIN_HEADER)).body);
    expect(all).not.toContain('olga-password');
  });
});
