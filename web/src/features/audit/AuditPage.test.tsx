// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ECHO_ID } from '../../test/fixtures';
import { createTestQueryClient, renderApp } from '../../test/render';
import { server } from '../../test/server';
import { sessionAs, sessionHandler } from '../../test/session';
import type { AuditEntry } from '../auth/contract';
import { must, setupUser } from '../routing/testing';
import { auditEntry } from './testing';

const entry = (id: string, overrides: Partial<AuditEntry> = {}): AuditEntry =>
  auditEntry(id, {
    action: 'Create routing rule',
    diff: '--- /dev/null\n+++ new/echo-split\n@@ -0,0 +1 @@\n+          weight: 20\n',
    ...overrides,
  });

const RETENTION = { changeDays: 90, refusals: 10_000 };

function serveAudit(items: AuditEntry[], dropped = { refusals: 0, before: null as string | null }) {
  const requests: URLSearchParams[] = [];
  server.use(
    http.get('*/api/v1/audit', ({ request }) => {
      requests.push(new URL(request.url).searchParams);
      return HttpResponse.json({ items, retention: RETENTION, dropped });
    }),
  );
  return requests;
}

describe('Audit page', () => {
  it('lists entries newest first with their outcome, and shows the diff of one on demand', async () => {
    serveAudit([
      entry('2', {
        user: 'bob',
        role: 'viewer',
        outcome: 'denied',
        status: 403,
        message: 'Your role, viewer, cannot change routes',
        diff: null,
        time: '2026-01-02T11:00:00.000Z',
      }),
      entry('1'),
    ]);
    renderApp('/audit');
    const table = within(await screen.findByLabelText('Audit entries', { selector: 'section' })).getByRole(
      'table',
    );
    const rows = [...table.querySelectorAll<HTMLElement>('tbody tr[data-row-key]')];
    expect(rows.map((r) => r.getAttribute('data-row-key'))).toEqual(['2', '1']);
    const [denied, created] = rows.map((r) => within(r));
    expect(must(denied).getByText('Denied')).toBeInTheDocument();
    expect(must(denied).getByText('bob')).toBeInTheDocument();
    expect(must(created).getByText('Succeeded')).toBeInTheDocument();
    expect(must(created).getByText(ECHO_ID)).toBeInTheDocument();

    const user = setupUser();
    await user.click(must(created).getByRole('button', { name: /expand row/i }));
    expect(await screen.findByLabelText('Changes · 1')).toHaveTextContent(/^.*\+\s+weight: 20$/);
  });

  it('filters by user, service and time through the API, and keeps the filters in the address', async () => {
    const requests = serveAudit([entry('1')]);
    const { location } = renderApp('/audit?since=2026-01-01T00%3A00%3A00.000Z');
    await screen.findByLabelText('Audit entries', { selector: 'section' });
    expect(requests[0]?.get('since')).toBe('2026-01-01T00:00:00.000Z');
    expect(requests[0]?.get('user')).toBeNull();

    const user = setupUser();
    await user.type(screen.getByLabelText('Filter by user'), 'alice');
    await waitFor(() => expect(requests.at(-1)?.get('user')).toBe('alice'));
    await user.click(screen.getByLabelText('Filter by service'));
    await user.paste(ECHO_ID);
    await waitFor(() => expect(requests.at(-1)?.get('service')).toBe(ECHO_ID));
    expect(requests.at(-1)?.get('since')).toBe('2026-01-01T00:00:00.000Z');
    expect(location.search.get('user')).toBe('alice');
    expect(location.search.get('service')).toBe(ECHO_ID);

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(location.search.toString()).toBe(''));
    await waitFor(() => expect(requests.at(-1)?.get('user')).toBeNull());
  });

  it('says when refused requests were removed, and shows counted ones as one entry', async () => {
    serveAudit(
      [
        entry('9', {
          user: 'mallory',
          role: 'viewer',
          action: 'audit.suppressed',
          outcome: 'denied',
          status: 403,
          repeated: 10_280,
          message: '10280 more refused requests by mallory were counted',
        }),
      ],
      { refusals: 1234, before: '2026-01-01T00:00:00.000Z' },
    );
    renderApp('/audit');
    expect(await screen.findByText(/1234 older refused requests were removed/)).toBeInTheDocument();
    expect(screen.getByText('Refused requests, counted')).toBeInTheDocument();
    expect(screen.getByText('+10280 not stored one by one')).toBeInTheDocument();
  });

  it('says when nothing matches, and shows errors', async () => {
    server.use(
      http.get('*/api/v1/audit', ({ request }) =>
        new URL(request.url).searchParams.get('user')
          ? HttpResponse.json({ items: [], retention: RETENTION, dropped: { refusals: 0, before: null } })
          : HttpResponse.json({ code: 'Unavailable', message: 'The audit store is down' }, { status: 503 }),
      ),
    );
    renderApp('/audit');
    expect(await screen.findByText('The audit store is down')).toBeInTheDocument();
    const user = setupUser();
    await user.type(screen.getByLabelText('Filter by user'), 'nobody');
    expect(await screen.findByText('No entries match the filters')).toBeInTheDocument();
  });

  it('is for admins only: others are told why, and nothing is asked of the API', async () => {
    const requests = serveAudit([entry('1')]);
    const viewer = sessionAs('operator', ['*']);
    server.use(sessionHandler(viewer));
    renderApp('/audit', createTestQueryClient({ session: viewer }));
    expect(await screen.findByText('Only admins can see the audit log')).toBeInTheDocument();
    expect(screen.getByText('Only admins can do this; your role is operator')).toBeInTheDocument();
    expect(within(screen.getByLabelText('Main navigation')).queryByText('Audit log')).not.toBeInTheDocument();
    expect(requests).toEqual([]);
  });
});
