// @vitest-environment jsdom
import '../../test/setup';
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { sessionAs } from '../../test/session';
import {
  echoDetail,
  footerOf,
  must,
  listOf,
  renderRoutesTab,
  revision,
  rule,
  serveRoutes,
  setupUser,
} from './testing';
import { http, HttpResponse } from 'msw';
import { server } from '../../test/server';

function serveHistory() {
  server.use(
    http.get('*/api/v1/services/:id/routes/:name/revisions', () =>
      HttpResponse.json({ items: [revision(2), revision(1)] }),
    ),
  );
}

describe('Routes tab by role', () => {
  it('shows a viewer the rules read-only: no Add, Delete, Submit or Rollback, and says why', async () => {
    serveRoutes(listOf([rule()]));
    serveHistory();
    renderRoutesTab(echoDetail, sessionAs('viewer'));
    const user = setupUser();

    const why = 'Your role, viewer, cannot change routes';
    expect(await screen.findByText(why)).toBeInTheDocument();
    await screen.findByText('echo-split');
    expect(screen.queryByText('Add routing rule')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Delete echo-split')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Edit echo-split')).not.toBeInTheDocument();

    await user.click(screen.getByLabelText('View echo-split'));
    const drawer = must((await screen.findByText('Routing rule')).closest<HTMLElement>('[role=dialog]'));
    const footer = within(footerOf(drawer));
    expect(footer.queryByRole('button', { name: 'Submit' })).not.toBeInTheDocument();
    expect(footer.queryByRole('button', { name: 'Preview' })).not.toBeInTheDocument();
    expect(footer.getByRole('note')).toHaveTextContent(why);
    // The form is there to read, not to change.
    expect(within(drawer).getByLabelText('Change note')).toBeDisabled();
    await user.click(footer.getByRole('button', { name: 'Close' }));

    await user.click(screen.getByLabelText('History of echo-split'));
    const history = must(
      (await screen.findByText('History of echo-split')).closest<HTMLElement>('[role=dialog]'),
    );
    await within(history).findByLabelText('Revision 1');
    expect(within(history).getByRole('note')).toHaveTextContent(why);
    expect(within(history).queryByLabelText('Roll back to revision 1')).not.toBeInTheDocument();
  });

  it('lets an operator change routes in its namespaces only', async () => {
    serveRoutes(listOf([rule()]));
    const { unmount } = renderRoutesTab(echoDetail, sessionAs('operator', ['bookinfo']));
    expect(
      await screen.findByText('Your role, operator, cannot change routes in namespace dubbo-demo'),
    ).toBeInTheDocument();
    expect(screen.queryByText('Add routing rule')).not.toBeInTheDocument();
    unmount();

    renderRoutesTab(echoDetail, sessionAs('operator', ['dubbo-demo']));
    expect(await screen.findByText('Add routing rule')).toBeInTheDocument();
    expect(await screen.findByLabelText('Delete echo-split')).toBeInTheDocument();
    expect(screen.getByLabelText('Edit echo-split')).toBeInTheDocument();
    expect(screen.queryByText(/cannot change routes/)).not.toBeInTheDocument();
  });
});
