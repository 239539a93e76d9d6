// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/render';
import { server } from '../../test/server';
import type { ApiToken } from '../auth/contract';
import { must, setupUser } from '../routing/testing';

const TOKENS = '*/api/v1/admin/tokens';

function token(id: string, name: string, overrides: Partial<ApiToken> = {}): ApiToken {
  return {
    id,
    name,
    role: 'operator',
    namespaces: ['dubbo-demo'],
    createdBy: 'admin',
    createdAt: '2026-01-02T10:00:00.000Z',
    lastUsedAt: null,
    ...overrides,
  };
}

/** An in-memory token store behind the API, recording the writes. */
function serveTokens(initial: ApiToken[]) {
  let items = [...initial];
  const writes: { method: string; path: string; body: unknown }[] = [];
  server.use(
    http.get(TOKENS, () => HttpResponse.json({ items })),
    http.post(TOKENS, async ({ request }) => {
      const body = (await request.json()) as Pick<ApiToken, 'name' | 'role' | 'namespaces'>;
      writes.push({ method: 'POST', path: new URL(request.url).pathname, body });
      const created = token(String(items.length + 10), body.name, {
        role: body.role,
        namespaces: body.namespaces,
      });
      items = [...items, created];
      return HttpResponse.json({ token: created, secret: 'mct_s3cr3t' }, { status: 201 });
    }),
    http.delete(`${TOKENS}/:id`, ({ request, params }) => {
      writes.push({ method: 'DELETE', path: new URL(request.url).pathname, body: undefined });
      items = items.filter((t) => t.id !== params.id);
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return writes;
}

/** The dialog whose title is `title` (found by text: role queries over antd's whole DOM are slow). */
async function dialogTitled(title: string): Promise<HTMLElement> {
  return must((await screen.findByText(title)).closest<HTMLElement>('[role=dialog]'));
}

describe('API tokens page', () => {
  it('lists the tokens', async () => {
    serveTokens([token('1', 'ci-deploy', { lastUsedAt: '2026-01-03T10:00:00.000Z' })]);
    renderApp('/admin/tokens');
    const tokens = await screen.findByLabelText('API tokens', { selector: 'section' });
    const row = must((await within(tokens).findByText('ci-deploy')).closest('tr'));
    expect(within(row).getByText('Operator')).toBeInTheDocument();
    expect(within(row).getByText('dubbo-demo')).toBeInTheDocument();
    expect(within(row).queryByText('Never')).not.toBeInTheDocument();
  });

  it('creates a token and shows its secret once', async () => {
    const writes = serveTokens([]);
    renderApp('/admin/tokens');
    const user = setupUser();

    await user.click(await screen.findByText('Create token'));
    const dialog = await dialogTitled('Create API token');
    await user.click(within(dialog).getByText('Create'));
    expect(await within(dialog).findByText('Enter a name')).toBeInTheDocument();
    await user.type(within(dialog).getByLabelText('Token name'), 'nightly');
    await user.click(within(dialog).getByLabelText('All namespaces'));
    await user.type(within(dialog).getByLabelText('Namespaces'), 'shop{Enter}');
    await user.click(within(dialog).getByText('Create'));

    const created = await dialogTitled('Token nightly created');
    expect(within(created).getByLabelText('Secret of token nightly')).toHaveTextContent('mct_s3cr3t');
    expect(within(created).getByText(/shown only this once/)).toBeInTheDocument();
    expect(writes).toEqual([
      {
        method: 'POST',
        path: '/api/v1/admin/tokens',
        body: { name: 'nightly', role: 'viewer', namespaces: ['shop'] },
      },
    ]);
    await user.click(within(created).getByText('Done'));
    const tokens = screen.getByLabelText('API tokens', { selector: 'section' });
    expect(await within(tokens).findByText('nightly')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText('mct_s3cr3t')).not.toBeInTheDocument());
  });

  it('revokes a token after confirmation', async () => {
    const writes = serveTokens([token('1', 'ci-deploy'), token('2', 'nightly')]);
    renderApp('/admin/tokens');
    const user = setupUser();
    const tokens = await screen.findByLabelText('API tokens', { selector: 'section' });
    await user.click(await within(tokens).findByLabelText('Revoke ci-deploy'));
    expect(writes).toEqual([]);
    const confirm = must(
      (await screen.findByText('Revoke token ci-deploy?')).closest<HTMLElement>('.ant-popover'),
    );
    await user.click(within(confirm).getByText('Revoke'));
    await waitFor(() => expect(within(tokens).queryByText('ci-deploy')).not.toBeInTheDocument());
    expect(within(tokens).getByText('nightly')).toBeInTheDocument();
    expect(writes).toEqual([{ method: 'DELETE', path: '/api/v1/admin/tokens/1', body: undefined }]);
  });

  it('says there are no tokens yet', async () => {
    serveTokens([]);
    renderApp('/admin/tokens');
    expect(await screen.findByText('No API tokens yet')).toBeInTheDocument();
  });
});
