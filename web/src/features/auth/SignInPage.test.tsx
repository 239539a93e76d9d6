// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { echoSummary, listResponse } from '../../test/fixtures';
import { createTestQueryClient, renderApp } from '../../test/render';
import { server } from '../../test/server';
import {
  SESSION_URL,
  TEST_CSRF_TOKEN,
  sessionAs,
  sessionHandler,
  signedOutSession,
} from '../../test/session';
import { setupUser } from '../routing/testing';
import type { Session } from './contract';

const LOGIN = '*/api/v1/auth/login';

/** Renders the console signed out (the BFF says so too). */
function renderSignedOut(path: string, session: Session = signedOutSession()) {
  server.use(sessionHandler(session));
  return renderApp(path, createTestQueryClient({ session }));
}

function serveServices() {
  server.use(http.get('*/api/v1/services', () => HttpResponse.json(listResponse([echoSummary]))));
}

describe('Sign-in', () => {
  it('sends a signed-out user to sign in, and back where they were afterwards', async () => {
    serveServices();
    const logins: unknown[] = [];
    server.use(
      http.post(LOGIN, async ({ request }) => {
        logins.push(await request.json());
        return HttpResponse.json(sessionAs('operator', ['dubbo-demo']));
      }),
    );
    const { location } = renderSignedOut('/services?q=echo');
    const user = setupUser();

    await screen.findByText('Sign in', { selector: 'h3' });
    expect(location.pathname).toBe('/signin');
    expect(location.search.get('returnTo')).toBe('/services?q=echo');

    await user.type(screen.getByLabelText('User name'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByLabelText('Sign in', { selector: 'button' }));

    await screen.findByText('Services', { selector: 'h3' });
    expect(logins).toEqual([{ username: 'alice', password: 'correct horse' }]);
    expect(location.pathname).toBe('/services');
    expect(location.search.get('q')).toBe('echo');
    expect(screen.getByLabelText('Account: operator-user')).toBeInTheDocument();
  });

  it('says so when single sign-on came back with an error', async () => {
    renderSignedOut('/signin?error=SessionTooLarge', {
      ...signedOutSession(),
      methods: { local: true, oidc: true },
    });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Single sign-on did not complete (SessionTooLarge)');
    expect(screen.getByRole('link', { name: /single sign-on/i })).toBeInTheDocument();
  });

  it('says when the password is wrong and stays on the page; asks for both fields first', async () => {
    let calls = 0;
    server.use(
      http.post(LOGIN, () => {
        calls += 1;
        return HttpResponse.json(
          { code: 'InvalidCredentials', message: 'Wrong user name or password' },
          { status: 401 },
        );
      }),
    );
    const { location } = renderSignedOut('/signin?returnTo=%2Fmonitoring');
    const user = setupUser();
    await user.click(await screen.findByLabelText('Sign in', { selector: 'button' }));
    expect(await screen.findByText('Enter your user name')).toBeInTheDocument();
    expect(screen.getByText('Enter your password')).toBeInTheDocument();
    expect(calls).toBe(0);

    await user.type(screen.getByLabelText('User name'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByLabelText('Sign in', { selector: 'button' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The user name or password is wrong.');
    expect(calls).toBe(1);
    expect(location.pathname).toBe('/signin');
  });

  it('shows the server message for too many attempts', async () => {
    server.use(
      http.post(LOGIN, () =>
        HttpResponse.json(
          {
            code: 'TooManyRequests',
            message:
              'Too many failed sign-in attempts for this user from your address; try again in 900 seconds',
          },
          { status: 429, headers: { 'retry-after': '900' } },
        ),
      ),
    );
    renderSignedOut('/signin');
    const user = setupUser();
    await user.type(await screen.findByLabelText('User name'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'x');
    await user.click(screen.getByLabelText('Sign in', { selector: 'button' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not sign in: Too many failed sign-in attempts for this user from your address; try again in 900 seconds',
    );
  });

  it('offers single sign-on when configured, keeping where to come back to; never another site', async () => {
    renderSignedOut(
      '/signin?returnTo=https%3A%2F%2Fevil.example%2F',
      signedOutSession({ local: false, oidc: true }),
    );
    const link = await screen.findByRole('link', { name: 'Sign in with single sign-on' });
    expect(link).toHaveAttribute('href', '/api/v1/auth/oidc/login?returnTo=%2Fservices');
    expect(screen.queryByLabelText('User name')).not.toBeInTheDocument();
  });

  it('makes a one-time password be changed before anything else, then goes on', async () => {
    serveServices();
    const first = sessionAs('admin', ['*'], { mustChangePassword: true });
    let current: Session = first;
    const changes: { body: unknown; csrf: string | null }[] = [];
    server.use(
      sessionHandler(() => current),
      http.post('*/api/v1/auth/password', async ({ request }) => {
        changes.push({ body: await request.json(), csrf: request.headers.get('x-csrf-token') });
        current = sessionAs('admin');
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { location } = renderApp('/services', createTestQueryClient({ session: first }));
    const user = setupUser();

    await screen.findByText('Choose a new password', { selector: 'h3' });
    expect(location.pathname).toBe('/signin');
    await user.type(screen.getByLabelText('Current password'), 'one-time-secret');
    await user.type(screen.getByLabelText('New password'), 'short');
    await user.type(screen.getByLabelText('Repeat the new password'), 'different');
    await user.click(screen.getByLabelText('Change password', { selector: 'button' }));
    expect(await screen.findByText('Use at least 12 characters')).toBeInTheDocument();
    expect(screen.getByText('The two passwords differ')).toBeInTheDocument();
    expect(changes).toEqual([]);

    await user.clear(screen.getByLabelText('New password'));
    await user.type(screen.getByLabelText('New password'), 'a long new password');
    await user.clear(screen.getByLabelText('Repeat the new password'));
    await user.type(screen.getByLabelText('Repeat the new password'), 'a long new password');
    await user.click(screen.getByLabelText('Change password', { selector: 'button' }));

    await screen.findByText('Services', { selector: 'h3' });
    expect(changes).toEqual([
      {
        body: { currentPassword: 'one-time-secret', newPassword: 'a long new password' },
        csrf: TEST_CSRF_TOKEN,
      },
    ]);
    expect(location.pathname).toBe('/services');
  });

  it('goes to sign in when any API answers 401, remembering the page', async () => {
    server.use(
      http.get('*/api/v1/services', () =>
        HttpResponse.json({ code: 'Unauthenticated', message: 'Sign in first' }, { status: 401 }),
      ),
      sessionHandler(signedOutSession()),
    );
    const { location } = renderApp('/services?protocol=dubbo');
    await screen.findByText('Sign in', { selector: 'h3' });
    await waitFor(() => expect(location.pathname).toBe('/signin'));
    expect(location.search.get('returnTo')).toBe('/services?protocol=dubbo');
  });

  it('says when the session cannot be checked, and retries', async () => {
    serveServices();
    let up = false;
    server.use(
      http.get(SESSION_URL, () =>
        up
          ? HttpResponse.json(sessionAs('admin'))
          : HttpResponse.json({ code: 'Unavailable', message: 'The console is starting' }, { status: 503 }),
      ),
    );
    renderApp('/services', createTestQueryClient({ session: null }));
    expect(await screen.findByText('The console is starting')).toBeInTheDocument();
    expect(screen.getByText('Could not check your session')).toBeInTheDocument();
    up = true;
    await setupUser().click(screen.getByText('Retry'));
    expect(await screen.findByText('Services', { selector: 'h3' })).toBeInTheDocument();
  });

  it('signs out from the account menu', async () => {
    serveServices();
    let signedOut = 0;
    server.use(
      http.post('*/api/v1/auth/logout', ({ request }) => {
        if (request.headers.get('x-csrf-token') === TEST_CSRF_TOKEN) signedOut += 1;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { location } = renderApp('/services');
    const user = setupUser();
    await user.click(await screen.findByLabelText('Account: admin'));
    await user.click(await screen.findByText('Sign out'));
    await screen.findByText('Sign in', { selector: 'h3' });
    expect(signedOut).toBe(1);
    expect(location.pathname).toBe('/signin');
  });
});
