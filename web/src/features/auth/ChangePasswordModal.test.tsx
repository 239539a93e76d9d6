// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { PASSWORD_MIN_LENGTH } from '../../../../bff/src/contract/password';
import { echoSummary, listResponse } from '../../test/fixtures';
import { createTestQueryClient, renderApp } from '../../test/render';
import { server } from '../../test/server';
import { TEST_CSRF_TOKEN, sessionAs, sessionHandler } from '../../test/session';
import { setupUser } from '../routing/testing';

const PASSWORD_URL = '*/api/v1/auth/password';

function serveServices() {
  server.use(http.get('*/api/v1/services', () => HttpResponse.json(listResponse([echoSummary]))));
}

async function openDialog() {
  const user = setupUser();
  await user.click(await screen.findByLabelText('Account: admin'));
  await user.click(await screen.findByRole('menuitem', { name: /Change password/ }));
  const title = await screen.findByText('Change your password');
  const dialog = title.closest('[role="dialog"]') as HTMLElement;
  expect(dialog).not.toBeNull();
  return { user, dialog: within(dialog) };
}

describe('Change password from the user menu', () => {
  it('checks the fields, shows a refusal under the field it names keeping what was typed, then changes it', async () => {
    serveServices();
    const answers: (() => Response)[] = [
      () =>
        HttpResponse.json(
          {
            code: 'InvalidRequest',
            message: 'currentPassword: the current password is wrong',
            field: 'currentPassword',
          },
          { status: 400 },
        ),
      () => new HttpResponse(null, { status: 204 }),
    ];
    const sent: { body: unknown; csrf: string | null }[] = [];
    server.use(
      http.post(PASSWORD_URL, async ({ request }) => {
        sent.push({ body: await request.json(), csrf: request.headers.get('x-csrf-token') });
        return (answers.shift() as () => Response)();
      }),
    );
    renderApp('/services');
    const { user, dialog } = await openDialog();

    // Checked before sending: the minimum is the BFF's own constant, and the two must match.
    await user.type(dialog.getByLabelText('Current password'), 'my-old-password');
    await user.type(dialog.getByLabelText('New password'), 'x'.repeat(PASSWORD_MIN_LENGTH - 1));
    await user.type(dialog.getByLabelText('Repeat the new password'), 'something else');
    await user.click(dialog.getByRole('button', { name: 'Change password' }));
    expect(await dialog.findByText(`Use at least ${PASSWORD_MIN_LENGTH} characters`)).toBeInTheDocument();
    expect(dialog.getByText('The two passwords differ')).toBeInTheDocument();
    expect(sent).toEqual([]);

    await user.clear(dialog.getByLabelText('New password'));
    await user.type(dialog.getByLabelText('New password'), 'x'.repeat(PASSWORD_MIN_LENGTH));
    await user.clear(dialog.getByLabelText('Repeat the new password'));
    await user.type(dialog.getByLabelText('Repeat the new password'), 'x'.repeat(PASSWORD_MIN_LENGTH));
    await user.click(dialog.getByRole('button', { name: 'Change password' }));

    // The BFF's refusal, under the current password; everything typed is still there.
    expect(await dialog.findByText('the current password is wrong')).toBeInTheDocument();
    expect(dialog.getByLabelText('Current password')).toHaveValue('my-old-password');
    expect(dialog.getByLabelText('New password')).toHaveValue('x'.repeat(PASSWORD_MIN_LENGTH));
    expect(dialog.getByLabelText('Repeat the new password')).toHaveValue('x'.repeat(PASSWORD_MIN_LENGTH));

    await user.clear(dialog.getByLabelText('Current password'));
    await user.type(dialog.getByLabelText('Current password'), 'my-real-password');
    await user.click(dialog.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('Password changed')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText('Change your password')).not.toBeInTheDocument());
    expect(sent).toEqual([
      {
        body: { currentPassword: 'my-old-password', newPassword: 'x'.repeat(PASSWORD_MIN_LENGTH) },
        csrf: TEST_CSRF_TOKEN,
      },
      {
        body: { currentPassword: 'my-real-password', newPassword: 'x'.repeat(PASSWORD_MIN_LENGTH) },
        csrf: TEST_CSRF_TOKEN,
      },
    ]);
  });

  it('says how long to wait when there were too many attempts', async () => {
    serveServices();
    server.use(
      http.post(PASSWORD_URL, () =>
        HttpResponse.json(
          {
            code: 'TooManyRequests',
            message:
              'Too many failed sign-in attempts for this user from your address; try again in 8 seconds',
          },
          { status: 429, headers: { 'retry-after': '8' } },
        ),
      ),
    );
    renderApp('/services');
    const { user, dialog } = await openDialog();
    await user.type(dialog.getByLabelText('Current password'), 'a-guess');
    await user.type(dialog.getByLabelText('New password'), 'a brand new password');
    await user.type(dialog.getByLabelText('Repeat the new password'), 'a brand new password');
    await user.click(dialog.getByRole('button', { name: 'Change password' }));
    expect(await dialog.findByRole('alert')).toHaveTextContent(
      'Could not change the password: Too many failed sign-in attempts for this user from your address; try again in 8 seconds',
    );
    expect(dialog.getByLabelText('Current password')).toHaveValue('a-guess');
  });

  it('is not offered to a single sign-on user, who changes the password at the provider', async () => {
    serveServices();
    const oidc = sessionAs('operator', ['*'], { name: 'dana', via: 'oidc' });
    server.use(sessionHandler(oidc));
    renderApp('/services', createTestQueryClient({ session: oidc }));
    const user = setupUser();
    await user.click(await screen.findByLabelText('Account: dana'));
    expect(await screen.findByRole('menuitem', { name: /Sign out/ })).toBeInTheDocument();
    expect(screen.queryByRole('menuitem', { name: /Change password/ })).not.toBeInTheDocument();
  });
});
