// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { server } from '../../test/server';
import type { RouteRule } from './contract';
import {
  ECHO_ID,
  ECHO_V1,
  ECHO_V2,
  ROUTES,
  listOf,
  renderRoutesTab,
  revision,
  rule,
  serveRoutes,
  setupUser,
  must,
  ownScope,
} from './testing';

function cellsOf(row: HTMLElement): string[] {
  return [...row.querySelectorAll('td')].map((td) => td.textContent ?? '');
}

describe('Routes tab', () => {
  it('lists every rule with its type, split and manager, and the warnings', async () => {
    const conditionRule: RouteRule = rule({
      name: 'by-method',
      managedByConsole: false,
      managedBy: 'kubectl',
      form: {
        name: 'by-method',
        routeType: 'condition',
        trafficSplit: false,
        destinations: [{ version: ECHO_V1, weight: 100 }],
        matches: [
          {
            match: { headers: [], queryParams: [], attachments: [], sourceLabels: {}, rpcMethod: 'echo' },
            destinations: [{ version: ECHO_V2, weight: 100 }],
          },
        ],
      },
    });
    // Two rules on the host for the mesh: the older is in effect, the other ignored (on both rows).
    const ignored = rule({
      scope: ownScope({
        effect: 'ignored',
        ignoredFor: { namespace: 'dubbo-demo', name: 'by-method', reason: 'older' },
      }),
    });
    const { requests } = serveRoutes(
      listOf([conditionRule, ignored], {
        warnings: [{ code: 'second-route-on-host', message: '2 VirtualServices route this service' }],
      }),
    );
    renderRoutesTab();

    const table = within(await screen.findByLabelText('Routing rules', { selector: 'section' })).getByRole(
      'table',
    );
    // The observed split arrives from telemetry beside the configured one, on the row of the rule
    // in effect only.
    await waitFor(() =>
      expect(within(table).getAllByText(`${ECHO_V1} 20% · ${ECHO_V2} 80%`)).toHaveLength(2),
    );
    const rows = [...table.querySelectorAll<HTMLElement>('tbody tr[data-row-key]')];
    expect(rows.map(cellsOf).map((cells) => cells.slice(0, 7))).toEqual([
      [
        'by-method',
        'echo-provider',
        'Condition route',
        `1 condition, then ${ECHO_V1} 100%`,
        `${ECHO_V1} 20% · ${ECHO_V2} 80%`,
        'MeshIn effectdubbo-demo/echo-split on the same host is ignored',
        'kubectl',
      ],
      [
        'echo-split',
        'echo-provider',
        'Version route',
        `${ECHO_V1} 20% · ${ECHO_V2} 80%`,
        'Not in effect',
        'MeshIgnored: dubbo-demo/by-method is used insteadBecause it was created earlier (Istio uses the oldest)',
        'Console',
      ],
    ]);
    expect([...table.querySelectorAll('thead th')].map((th) => th.textContent)).toEqual([
      'Rule name',
      'Application',
      'Route type',
      'Version weights',
      'Observed split',
      'Applies at',
      'Managed by',
      'Actions',
    ]);
    expect(screen.getByText('2 VirtualServices route this service')).toBeInTheDocument();
    expect(requests[0]?.path).toBe(`/api/v1/services/${ECHO_ID}/routes`);
  });

  it('says no traffic is observed when telemetry is down, keeping the rules', async () => {
    serveRoutes(listOf([rule()]), { telemetryDown: true });
    renderRoutesTab();
    const table = within(await screen.findByLabelText('Routing rules', { selector: 'section' })).getByRole(
      'table',
    );
    expect(await within(table).findByText('No traffic observed')).toBeInTheDocument();
    expect(within(table).getByText(`${ECHO_V1} 20% · ${ECHO_V2} 80%`)).toBeInTheDocument();
  });

  it("flags a broken rule on the list with its problems, in the operator's language", async () => {
    const broken = rule({
      name: 'half-split',
      managedByConsole: false,
      managedBy: 'kubectl',
      problems: ['spec.http[0]: the weights total 90, not 100'],
    });
    serveRoutes(listOf([broken, rule()]));
    renderRoutesTab();
    const problems = await screen.findByRole('list', { name: 'Problems of half-split' });
    expect(within(problems).getByRole('listitem')).toHaveTextContent(
      'spec.http[0]: the weights total 90, not 100',
    );
    const row = must(problems.closest('tr'));
    expect(within(row).getByText('Broken')).toBeInTheDocument();
    // The sound rule has no such mark.
    expect(screen.queryByRole('list', { name: 'Problems of echo-split' })).toBeNull();
    expect(screen.getAllByText('Broken')).toHaveLength(1);
  });

  it('links to the Istio config page filtered to this service', async () => {
    serveRoutes(listOf([rule()]));
    renderRoutesTab();
    expect(await screen.findByRole('link', { name: 'Validate in Istio config' })).toHaveAttribute(
      'href',
      `/istio-config?service=${encodeURIComponent(ECHO_ID)}`,
    );
  });

  it('has an empty state with the add button', async () => {
    serveRoutes(listOf([]));
    renderRoutesTab();
    expect(await screen.findByText('No routing rules yet')).toBeInTheDocument();
    expect(screen.getByText('Add routing rule').closest('button')).toBeEnabled();
  });

  it('shows the error and retries', async () => {
    let calls = 0;
    server.use(
      http.get('*/api/v1/services/:id/metrics', () =>
        HttpResponse.json({ code: 'TelemetryUnavailable', message: 'down' }, { status: 503 }),
      ),
      http.get(ROUTES, () => {
        calls += 1;
        return calls === 1
          ? HttpResponse.json(
              { code: 'Unavailable', message: 'The control plane is not reachable' },
              { status: 503 },
            )
          : HttpResponse.json(listOf([rule()]));
      }),
      http.get('*/api/v1/services/:id/releases', () => HttpResponse.json({ items: [] })),
    );
    const user = setupUser();
    renderRoutesTab();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load the routing rules');
    expect(alert).toHaveTextContent('The control plane is not reachable');
    await user.click(within(alert).getByText('Retry'));
    expect(await screen.findByText('echo-split')).toBeInTheDocument();
  });

  it('deletes a rule after confirmation, sending its resourceVersion', async () => {
    let items = [rule()];
    const { requests, record } = serveRoutes(() => listOf(items));
    server.use(
      http.delete(`${ROUTES}/:name`, async ({ request }) => {
        await record(request);
        items = [];
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const user = setupUser();
    renderRoutesTab();
    await user.click(await screen.findByLabelText('Delete echo-split'));
    const confirm = await screen.findByText('Delete routing rule echo-split?');
    const popover = must(confirm.closest<HTMLElement>('.ant-popover'));
    // The only rule of the host: calls go back to every version.
    expect(popover).toHaveTextContent('Calls go back to every version as soon as it is deleted.');
    await user.click(within(popover).getByText('Delete'));

    expect(await screen.findByText('Routing rule echo-split deleted')).toBeInTheDocument();
    const del = requests.find((r) => r.method === 'DELETE');
    expect(del?.path).toBe(`/api/v1/services/${ECHO_ID}/routes/echo-split`);
    expect(del?.search.get('resourceVersion')).toBe('101');
    expect(await screen.findByText('No routing rules yet')).toBeInTheDocument();
  });

  it('says which other rules still route the host when deleting one, and only then', async () => {
    serveRoutes(listOf([rule(), rule({ name: 'echo-canary' })]));
    const user = setupUser();
    renderRoutesTab();
    await user.click(await screen.findByLabelText('Delete echo-split'));
    const popover = must(
      (await screen.findByText('Delete routing rule echo-split?')).closest<HTMLElement>('.ant-popover'),
    );
    expect(popover).toHaveTextContent(
      'Rule echo-canary still routes this host: calls follow it once this one is deleted.',
    );
    expect(popover).not.toHaveTextContent(/every version/);
  });

  it('shows the history with diffs and rolls back to a revision after confirmation', async () => {
    const { requests, record } = serveRoutes(listOf([rule()]));
    server.use(
      http.get(`${ROUTES}/:name/revisions`, async ({ request }) => {
        await record(request);
        return HttpResponse.json({
          items: [
            revision(3, { action: 'rollback', fromRevision: 1, comment: 'back to 20/80' }),
            revision(2),
            revision(1),
          ],
        });
      }),
      http.post(`${ROUTES}/:name/revisions/:revision/rollback`, async ({ request }) => {
        await record(request);
        return HttpResponse.json(rule());
      }),
    );
    const user = setupUser();
    renderRoutesTab();
    await user.click(await screen.findByLabelText('History of echo-split'));
    const drawer = await screen.findByRole('dialog', { name: 'History of echo-split' });

    const list = await within(drawer).findByLabelText('Revisions');
    const items = [...list.querySelectorAll<HTMLElement>(':scope > li')];
    expect(items.map((li) => li.getAttribute('aria-label'))).toEqual([
      'Revision 3',
      'Revision 2',
      'Revision 1',
    ]);
    expect(within(must(items[0])).getByText('Rolled back')).toBeInTheDocument();
    expect(within(must(items[0])).getByText('restored revision 1')).toBeInTheDocument();
    expect(within(must(items[0])).getByText('back to 20/80')).toBeInTheDocument();
    expect(within(must(items[0])).getByText('Current')).toBeInTheDocument();
    expect(within(must(items[0])).queryByLabelText('Roll back to revision 3')).not.toBeInTheDocument();

    await user.click(within(must(items[1])).getByText('Changes'));
    const diff = await within(must(items[1])).findByLabelText('Changes · Revision 2');
    expect(diff.querySelector('[data-diff="added"]')).toHaveTextContent('+weight: 20');
    expect(diff.querySelector('[data-diff="removed"]')).toHaveTextContent('-weight: 20');

    await user.click(within(must(items[2])).getByLabelText('Roll back to revision 1'));
    const confirm = await screen.findByText('Roll back echo-split to revision 1?');
    await user.click(within(must(confirm.closest<HTMLElement>('.ant-popover'))).getByText('Roll back'));
    expect(await screen.findByText('Rolled back echo-split to revision 1')).toBeInTheDocument();
    await waitFor(() =>
      expect(requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
        `/api/v1/services/${ECHO_ID}/routes/echo-split/revisions/1/rollback`,
      ]),
    );
    // The history is fetched again after the rollback.
    await waitFor(() => expect(requests.filter((r) => r.path.endsWith('/revisions'))).toHaveLength(2));
  });

  it('says a rollback is done when the control plane took it, while the lists are still being read again', async () => {
    let rolledBack = false;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    serveRoutes(listOf([rule()]));
    server.use(
      // After the rollback, reading the rules again does not answer until the test says so.
      http.get(ROUTES, async () => {
        if (rolledBack) await held;
        return HttpResponse.json(listOf([rule()]));
      }),
      http.get(`${ROUTES}/:name/revisions`, () => HttpResponse.json({ items: [revision(2), revision(1)] })),
      http.post(`${ROUTES}/:name/revisions/:revision/rollback`, () => {
        rolledBack = true;
        return HttpResponse.json(rule());
      }),
    );
    const user = setupUser();
    renderRoutesTab();
    await user.click(await screen.findByLabelText('History of echo-split'));
    const drawer = await screen.findByRole('dialog', { name: 'History of echo-split' });
    await user.click(await within(drawer).findByLabelText('Roll back to revision 1'));
    const confirm = await screen.findByText('Roll back echo-split to revision 1?');
    await user.click(within(must(confirm.closest<HTMLElement>('.ant-popover'))).getByText('Roll back'));

    expect(await screen.findByText('Rolled back echo-split to revision 1')).toBeInTheDocument();
    expect(rolledBack).toBe(true);
    release();
  });
});
