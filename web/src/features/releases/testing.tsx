import { render, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import type { UserEvent } from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { AppProviders } from '../../app/AppProviders';
import { createTestQueryClient } from '../../test/render';
import { server } from '../../test/server';
import { sessionHandler } from '../../test/session';
import type { Session } from '../auth/contract';
import type { ReleaseList } from './contract';
import { reviews } from './fixtures';
import { ReleasesSection } from './ReleasesSection';

export { release, reviews } from './fixtures';

// Test helpers for progressive delivery: fixtures in the contract's shapes and an in-memory API.

export const RELEASES = '*/api/v1/services/:id/releases';

/** Serves the releases API from `list`; returns the writes it received. */
export function serveReleases(list: ReleaseList | (() => ReleaseList)) {
  const writes: { path: string; body: unknown }[] = [];
  const current = () => (typeof list === 'function' ? list() : list);
  server.use(
    http.get(RELEASES, () => HttpResponse.json(current())),
    http.get(`${RELEASES}/:name`, ({ params }) => {
      const found = current().items.find((r) => r.name === params.name);
      return found
        ? HttpResponse.json(found)
        : HttpResponse.json({ code: 'NotFound', message: 'No such release' }, { status: 404 });
    }),
  );
  return { writes };
}

export function renderSection(ui: ReactElement | null = null, session?: Session, service = reviews) {
  if (session) server.use(sessionHandler(session));
  const queryClient = createTestQueryClient(session ? { session } : {});
  return {
    ...render(
      <AppProviders queryClient={queryClient}>
        <MemoryRouter>{ui ?? <ReleasesSection service={service} />}</MemoryRouter>
      </AppProviders>,
    ),
    queryClient,
  };
}

export const setupUser = () => userEvent.setup({ pointerEventsCheck: PointerEventsCheckLevel.Never });

function must<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('Expected a value');
  return value;
}

/** Chooses an option of an antd Select by its text. */
export async function choose(user: UserEvent, select: HTMLElement, label: string) {
  await user.click(select);
  const option = await waitFor(() =>
    must(
      // The dropdown open now (an earlier select's stays in the DOM, hidden).
      [
        ...(
          [
            ...document.querySelectorAll<HTMLElement>(
              '.ant-select-dropdown:not(.ant-select-dropdown-hidden)',
            ),
          ].at(-1) ?? document
        ).querySelectorAll<HTMLElement>('.ant-select-item-option'),
      ].find((o) => o.textContent === label && o.getAttribute('aria-disabled') !== 'true'),
    ),
  );
  await user.click(option);
}

/** Replaces a number field's value with one input event. */
export async function typeNumber(user: UserEvent, input: HTMLElement, value: number | string) {
  await user.clear(input);
  if (value !== '') {
    await user.click(input);
    await user.paste(String(value));
  }
}

export const footerOf = (drawer: HTMLElement) =>
  within(must(drawer.querySelector<HTMLElement>('.ant-drawer-footer')));
