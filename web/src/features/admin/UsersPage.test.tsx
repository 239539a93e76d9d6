// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createTestQueryClient, renderApp } from '../../test/render';
import { server } from '../../test/server';
import { sessionAs, sessionHandler } from '../../test/session';
import type { LocalUser } from '../auth/contract';
import { must, setupUser } from '../routing/testing';

const USERS = '*/api/v1/admin/users';

function localUser(name: string, overrides: Partial<LocalUser> = {}): LocalUser {
  return {
    name,
    role: 'viewer',
    namespaces: ['*'],
    source: 'local',
    disabled: false,
    mustChangePassword: false,
    ...overrides,
  };
}

interface Write {
  method: string;
  path: string;
  body: unknown;
}

/**
 * An in-memory users store behind the API, recording the writes. `refuse` answers the next POST
 * with that error instead.
 */
function serveUsers(initial: LocalUser[]) {
  let items = [...initial];
  const writes: Write[] = [];
  const state: { refuse: { status: number; body: unknown } | null } = { refuse: null };
  server.use(
    http.get(USERS, () => HttpResponse.json({ items })),
    http.post(USERS, async ({ request }) => {
      const body = (await request.json()) as Pick<LocalUser, 'name' | 'role' | 'namespaces'>;
      writes.push({ method: 'POST', path: new URL(request.url).pathname, body });
      if (state.refuse) {
        const { status, body: error } = state.refuse;
        state.refuse = null;
        return HttpResponse.json(error as object, { status });
      }
      const created = localUser(body.name, {
        role: body.role,
        namespaces: body.namespaces,
        mustChangePassword: true,
      });
      items = [...items, created];
      return HttpResponse.json(created, { status: 201 });
    }),
    http.patch(`${USERS}/:name`, async ({ request, params }) => {
      const body = (await request.json()) as Partial<LocalUser> & { password?: string };
      writes.push({ method: 'PATCH', path: new URL(request.url).pathname, body });
      const { password, ...change } = body;
      items = items.map((u) =>
        u.name === params.name
          ? { ...u, ...change, ...(password !== undefined ? { mustChangePassword: true } : {}) }
          : u,
      );
      return HttpResponse.json(items.find((u) => u.name === params.name));
    }),
    http.delete(`${USERS}/:name`, ({ request, params }) => {
      writes.push({ method: 'DELETE', path: new URL(request.url).pathname, body: undefined });
      items = items.filter((u) => u.name !== params.name);
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return { writes, state };
}

/** The dialog titled `title` (the page may show the same words on a button). */
async function dialogTitled(title: string): Promise<HTMLElement> {
  const found = await screen.findAllByText(title);
  return must(found.map((el) => el.closest<HTMLElement>('[role=dialog]')).find(Boolean));
}

async function rowOf(name: string): Promise<HTMLElement> {
  const table = await screen.findByLabelText('Local users', { selector: 'section' });
  return must((await within(table).findByText(name)).closest<HTMLElement>('tr'));
}

const START = [
  localUser('admin', { role: 'admin' }),
  localUser('olga', { role: 'operator', namespaces: ['dubbo-demo', 'shop'] }),
];

describe('Users page', () => {
  it('lists the users with role, namespaces and status; the signed-in admin cannot act on themselves', async () => {
    serveUsers([...START, localUser('vic', { disabled: true, mustChangePassword: true })]);
    renderApp('/admin/users');
    const olga = await rowOf('olga');
    expect(within(olga).getByText('Operator')).toBeInTheDocument();
    expect(within(olga).getByText('dubbo-demo, shop')).toBeInTheDocument();
    expect(within(olga).getByText('Enabled')).toBeInTheDocument();
    expect(within(olga).getByLabelText('Delete olga')).toBeInTheDocument();
    const vic = await rowOf('vic');
    expect(within(vic).getByText('Disabled')).toBeInTheDocument();
    expect(within(vic).getByText('Must change password')).toBeInTheDocument();
    expect(within(vic).getByLabelText('Enable vic')).toBeInTheDocument();
    const me = await rowOf('admin');
    expect(within(me).getByText('you')).toBeInTheDocument();
    expect(within(me).getByText('All namespaces')).toBeInTheDocument();
    expect(within(me).queryByLabelText('Delete admin')).not.toBeInTheDocument();
    expect(within(me).queryByLabelText('Disable admin')).not.toBeInTheDocument();
    expect(within(me).getByLabelText('Edit admin')).toBeInTheDocument();
  });

  it('adds a user; a refusal naming a field is shown under it and keeps what was typed', async () => {
    const { writes, state } = serveUsers(START);
    renderApp('/admin/users');
    const user = setupUser();
    await user.click(must((await screen.findByText('Add user')).closest('button')));
    const dialog = await dialogTitled('Add user');

    await user.click(must(within(dialog).getByText('Add').closest('button')));
    expect(await within(dialog).findByText('Enter a user name')).toBeInTheDocument();
    expect(within(dialog).getByText('At least 12 characters')).toBeInTheDocument();
    expect(writes).toEqual([]);

    await user.type(within(dialog).getByLabelText('User name'), 'Nina Q');
    await user.click(within(dialog).getByLabelText('All namespaces'));
    await user.type(within(dialog).getByLabelText('Namespaces'), 'shop{Enter}');
    await user.type(within(dialog).getByLabelText('One-time password'), 'first-password-1');
    state.refuse = {
      status: 400,
      body: {
        code: 'InvalidRequest',
        field: 'name',
        message: 'name: letters, digits, dots, dashes, underscores and @, starting with a letter or digit',
      },
    };
    await user.click(must(within(dialog).getByText('Add').closest('button')));
    expect(await within(dialog).findByText(/^letters, digits, dots/)).toBeInTheDocument();
    expect(within(dialog).getByLabelText('User name')).toHaveValue('Nina Q');
    expect(within(dialog).getByLabelText('One-time password')).toHaveValue('first-password-1');
    expect(within(dialog).getByText('shop')).toBeInTheDocument();

    await user.clear(within(dialog).getByLabelText('User name'));
    await user.type(within(dialog).getByLabelText('User name'), 'nina');
    await user.click(must(within(dialog).getByText('Add').closest('button')));
    const nina = await rowOf('nina');
    expect(within(nina).getByText('Must change password')).toBeInTheDocument();
    expect(writes.map((w) => w.body)).toEqual([
      { name: 'Nina Q', role: 'viewer', namespaces: ['shop'], password: 'first-password-1' },
      { name: 'nina', role: 'viewer', namespaces: ['shop'], password: 'first-password-1' },
    ]);
    await waitFor(() => expect(document.querySelector('.ant-modal-wrap [role=dialog]')).toBeNull());
  });

  it("edits a user's role and namespaces", async () => {
    const { writes } = serveUsers(START);
    renderApp('/admin/users');
    const user = setupUser();
    await user.click(within(await rowOf('olga')).getByLabelText('Edit olga'));
    const dialog = await dialogTitled('Edit olga');
    expect(within(dialog).getByText('dubbo-demo')).toBeInTheDocument();
    await user.click(within(dialog).getByLabelText('Role'));
    await user.click(await screen.findByTitle('Admin'));
    await user.click(within(dialog).getByLabelText('All namespaces'));
    await user.click(must(within(dialog).getByText('Save').closest('button')));
    await waitFor(() =>
      expect(
        within(screen.getByText('olga').closest('tr') as HTMLElement).getByText('Admin'),
      ).toBeInTheDocument(),
    );
    expect(writes).toEqual([
      { method: 'PATCH', path: '/api/v1/admin/users/olga', body: { role: 'admin', namespaces: ['*'] } },
    ]);
  });

  it('resets a password, disables after confirmation, enables, and deletes after confirmation', async () => {
    const { writes } = serveUsers(START);
    renderApp('/admin/users');
    const user = setupUser();

    await user.click(within(await rowOf('olga')).getByLabelText('Reset the password of olga'));
    const dialog = await dialogTitled('Reset the password of olga');
    await user.type(within(dialog).getByLabelText('One-time password'), 'reset-password-1');
    await user.click(must(within(dialog).getByText('Reset password').closest('button')));
    expect(await within(await rowOf('olga')).findByText('Must change password')).toBeInTheDocument();

    await user.click(within(await rowOf('olga')).getByLabelText('Disable olga'));
    expect(writes).toHaveLength(1);
    const confirm = must((await screen.findByText('Disable olga?')).closest<HTMLElement>('.ant-popover'));
    await user.click(must(within(confirm).getByText('Disable').closest('button')));
    expect(await within(await rowOf('olga')).findByText('Disabled')).toBeInTheDocument();

    await user.click(within(await rowOf('olga')).getByLabelText('Enable olga'));
    expect(await within(await rowOf('olga')).findByText('Enabled')).toBeInTheDocument();

    await user.click(within(await rowOf('olga')).getByLabelText('Delete olga'));
    expect(writes).toHaveLength(3);
    const sure = must((await screen.findByText('Delete user olga?')).closest<HTMLElement>('.ant-popover'));
    await user.click(must(within(sure).getByText('Delete').closest('button')));
    await waitFor(() => expect(screen.queryByText('olga')).not.toBeInTheDocument());

    expect(writes).toEqual([
      { method: 'PATCH', path: '/api/v1/admin/users/olga', body: { password: 'reset-password-1' } },
      { method: 'PATCH', path: '/api/v1/admin/users/olga', body: { disabled: true } },
      { method: 'PATCH', path: '/api/v1/admin/users/olga', body: { disabled: false } },
      { method: 'DELETE', path: '/api/v1/admin/users/olga', body: undefined },
    ]);
  });

  it('with single sign-on, says users come from the provider and offers no Add', async () => {
    serveUsers([]);
    const session = { ...sessionAs('admin'), methods: { local: false, oidc: true } };
    server.use(sessionHandler(session));
    renderApp('/admin/users', createTestQueryClient({ session }));
    expect(await screen.findByText(/Users come from the identity provider/)).toBeInTheDocument();
    expect(screen.queryByText('Add user')).not.toBeInTheDocument();
  });

  it('is refused to a viewer', async () => {
    const session = sessionAs('viewer');
    server.use(sessionHandler(session));
    renderApp('/admin/users', createTestQueryClient({ session }));
    expect(await screen.findByText('Only admins can manage users')).toBeInTheDocument();
  });
});
