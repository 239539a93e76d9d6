// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ECHO_ID, echoSummary, listResponse, reviewsSummary } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { server } from '../../test/server';

const SERVICES = '*/api/v1/services';

/** Answers the list with `body` and records every query string it was asked with. */
function serveList(body = listResponse([echoSummary, reviewsSummary])) {
  const requests: URLSearchParams[] = [];
  server.use(
    http.get(SERVICES, ({ request }) => {
      requests.push(new URL(request.url).searchParams);
      return HttpResponse.json(body);
    }),
  );
  return requests;
}

describe('Services page', () => {
  it('tags a service in conflict, naming the namespaces that claim it, instead of an owner', async () => {
    const conflict = { namespaces: ['bookinfo', 'dubbo-demo'] };
    serveList(listResponse([{ ...echoSummary, namespace: '', conflict }, reviewsSummary]));
    renderApp('/services');

    const row = (await screen.findByRole('link', { name: ECHO_ID })).closest('tr') as HTMLElement;
    expect(within(row).getByText('Conflict')).toBeInTheDocument();
    expect(within(row).getByText('bookinfo, dubbo-demo')).toBeInTheDocument();
    const other = screen.getByRole('link', { name: reviewsSummary.id }).closest('tr') as HTMLElement;
    expect(within(other).queryByText('Conflict')).toBeNull();
    expect(within(other).getByText('bookinfo')).toBeInTheDocument();
  });

  it('renders a row per service from the API response', async () => {
    serveList();
    renderApp('/services');

    const link = await screen.findByRole('link', { name: ECHO_ID });
    expect(link).toHaveAttribute('href', `/services/${encodeURIComponent(ECHO_ID)}`);
    const row = link.closest('tr');
    expect(row).not.toBeNull();
    const cells = within(row as HTMLElement);
    expect(cells.getByText('echo-provider')).toBeInTheDocument();
    expect(cells.getByText('Dubbo')).toBeInTheDocument();
    expect(cells.getByText('dubbo-demo')).toBeInTheDocument();
    expect(cells.getByText('20191115224823305.fvxo1wbt')).toBeInTheDocument();
    expect(cells.getByText('2/3')).toBeInTheDocument();
    expect(cells.getByRole('img', { name: 'Kubernetes' })).toBeInTheDocument();
    expect(cells.getByRole('img', { name: 'VM' })).toBeInTheDocument();

    expect(screen.getByRole('link', { name: reviewsSummary.id })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Services' })).toBeInTheDocument();
    expect(screen.getByText('2 services')).toBeInTheDocument();
  });

  it('sends the typed search as q, once typing pauses, and keeps it in the URL', async () => {
    const requests = serveList();
    const user = userEvent.setup();
    const { location } = renderApp('/services');
    await screen.findByRole('link', { name: ECHO_ID });

    await user.type(screen.getByRole('textbox', { name: 'Search services' }), 'EchoService');

    await waitFor(() => expect(requests.at(-1)?.get('q')).toBe('EchoService'));
    // Debounced: no request for a half-typed word.
    expect(requests.map((r) => r.get('q')).filter(Boolean)).toEqual(['EchoService']);
    expect(location.search.get('q')).toBe('EchoService');

    // A pause after a space must not eat the space once the URL catches up.
    const box = screen.getByRole('textbox', { name: 'Search services' });
    await user.clear(box);
    await user.type(box, 'echo ');
    await waitFor(() => expect(location.search.get('q')).toBe('echo'));
    await user.type(box, 's');
    expect(box).toHaveValue('echo s');
    await waitFor(() => expect(location.search.get('q')).toBe('echo s'));
  });

  it('starts from the search, filters and page in the URL', async () => {
    const requests = serveList(listResponse([echoSummary], { total: 41, page: 3, pageSize: 10 }));
    renderApp('/services?q=echo&protocol=dubbo&namespace=dubbo-demo&page=3&pageSize=10');

    await screen.findByRole('link', { name: ECHO_ID });
    const sent = requests.at(-1);
    expect(sent?.get('q')).toBe('echo');
    expect(sent?.get('protocol')).toBe('dubbo');
    expect(sent?.get('namespace')).toBe('dubbo-demo');
    expect(sent?.get('page')).toBe('3');
    expect(sent?.get('pageSize')).toBe('10');
    expect(screen.getByRole('textbox', { name: 'Search services' })).toHaveValue('echo');
  });

  it('filters by protocol from the facets', async () => {
    const requests = serveList();
    const user = userEvent.setup();
    const { location } = renderApp('/services');
    await screen.findByRole('link', { name: ECHO_ID });

    await user.click(screen.getByRole('combobox', { name: 'Protocol' }));
    await user.click(await screen.findByTitle('Dubbo'));

    await waitFor(() => expect(requests.at(-1)?.get('protocol')).toBe('dubbo'));
    expect(location.search.get('protocol')).toBe('dubbo');
  });

  it('shows each service’s health, sorts by a column on the server and filters Kubernetes or VMs, all kept in the URL', async () => {
    const requests = serveList();
    const user = userEvent.setup();
    const { location } = renderApp('/services');
    const link = await screen.findByRole('link', { name: ECHO_ID });
    // 2 of 3 instances ready.
    expect(within(link.closest('tr') as HTMLElement).getByText('Degraded')).toBeInTheDocument();
    expect(screen.getByRole('columnheader', { name: /Health/ })).toBeInTheDocument();

    await user.click(screen.getByRole('columnheader', { name: /Application/ }));
    await waitFor(() => expect(requests.at(-1)?.get('sort')).toBe('application'));
    expect(location.search.get('sort')).toBe('application');
    await user.click(screen.getByRole('columnheader', { name: /Application/ }));
    await waitFor(() => expect(requests.at(-1)?.get('order')).toBe('desc'));
    expect(location.search.get('order')).toBe('desc');

    await user.click(screen.getByRole('combobox', { name: 'Platform' }));
    await user.click(await screen.findByTitle('VM'));
    await waitFor(() => expect(requests.at(-1)?.get('platform')).toBe('vm'));
    expect(location.search.get('platform')).toBe('vm');
    expect(requests.at(-1)?.get('sort')).toBe('application');
  });

  it('tags each service’s data plane, naming an ambient service’s waypoint and warning of a missing one', async () => {
    const ambient = {
      ...reviewsSummary,
      dataPlane: {
        modes: ['ambient' as const],
        waypoint: { namespace: 'bookinfo', name: 'reviews-waypoint' },
        waypointMissing: true,
      },
    };
    const sidecar = { ...echoSummary, dataPlane: { modes: ['sidecar' as const], waypoint: null } };
    const bare = {
      ...reviewsSummary,
      id: 'details.bookinfo.svc.cluster.local',
      instances: { total: 0, ready: 0 },
      dataPlane: { modes: [], waypoint: null },
    };
    serveList(listResponse([sidecar, ambient, bare]));
    renderApp('/services');

    const echoRow = (await screen.findByRole('link', { name: ECHO_ID })).closest('tr') as HTMLElement;
    expect(within(echoRow).getByText('Sidecar')).toBeInTheDocument();
    expect(within(echoRow).queryByText(/Ambient/)).toBeNull();
    const reviewsRow = screen.getByRole('link', { name: reviewsSummary.id }).closest('tr') as HTMLElement;
    expect(within(reviewsRow).getByText('Ambient + waypoint reviews-waypoint')).toBeInTheDocument();
    expect(
      within(reviewsRow).getByRole('img', {
        name: 'Waypoint bookinfo/reviews-waypoint is named, but no such waypoint Gateway exists',
      }),
    ).toBeInTheDocument();
    expect(within(echoRow).queryByRole('img', { name: /no such waypoint/ })).toBeNull();
    expect(screen.getByRole('columnheader', { name: 'Data plane' })).toBeInTheDocument();
    const bareRow = screen.getByRole('link', { name: bare.id }).closest('tr') as HTMLElement;
    expect(
      within(bareRow).getByRole('img', { name: 'No data plane: the service has no instances' }),
    ).toBeInTheDocument();
  });

  it('filters by data plane, kept in the URL, and shows each namespace’s data plane in the namespace filter', async () => {
    const requests = serveList(
      listResponse([echoSummary, reviewsSummary], {
        facets: {
          namespaces: ['bookinfo', 'dubbo-demo'],
          protocols: ['dubbo', 'http'],
          namespaceDataPlanes: [
            { name: 'bookinfo', dataPlane: 'ambient', waypoint: { namespace: 'bookinfo', name: 'waypoint' } },
            { name: 'dubbo-demo', dataPlane: 'sidecar', waypoint: null },
          ],
        },
      }),
    );
    const user = userEvent.setup();
    const { location } = renderApp('/services');
    await screen.findByRole('link', { name: ECHO_ID });

    await user.click(screen.getByRole('combobox', { name: 'Data plane' }));
    await user.click(await screen.findByTitle('Ambient'));
    await waitFor(() => expect(requests.at(-1)?.get('dataPlane')).toBe('ambient'));
    expect(location.search.get('dataPlane')).toBe('ambient');

    await user.click(screen.getByRole('combobox', { name: 'Namespace' }));
    expect(await screen.findByTitle('bookinfo · Ambient')).toBeInTheDocument();
    expect(screen.getByTitle('dubbo-demo · Sidecar')).toBeInTheDocument();
  });

  it('shows the API error message and retries', async () => {
    let calls = 0;
    server.use(
      http.get(SERVICES, () => {
        calls += 1;
        return calls === 1
          ? HttpResponse.json(
              { code: 'InvalidRequest', message: 'pageSize must be at most 200' },
              { status: 400 },
            )
          : HttpResponse.json(listResponse([echoSummary]));
      }),
    );
    const user = userEvent.setup();
    renderApp('/services');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load the services');
    expect(alert).toHaveTextContent('pageSize must be at most 200');

    await user.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('link', { name: ECHO_ID })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('never shows what a failing proxy sent', async () => {
    server.use(
      http.get(
        SERVICES,
        () =>
          new HttpResponse('<html>Traceback: secret internals</html>', {
            status: 502,
            headers: { 'content-type': 'text/html' },
          }),
      ),
    );
    renderApp('/services');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The request failed with HTTP status 502');
    expect(alert).not.toHaveTextContent('secret internals');
  });

  it('says the mesh has no services, or that nothing matches the filters', async () => {
    serveList(listResponse([], { facets: { namespaces: [], protocols: [] } }));
    const { unmount } = renderApp('/services');
    expect(await screen.findByText('No services in the mesh yet')).toBeInTheDocument();
    unmount();

    serveList(listResponse([]));
    const user = userEvent.setup();
    const { location } = renderApp('/services?q=nothing');
    expect(await screen.findByText('No services match the search and filters')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(location.search.get('q')).toBeNull());
    expect(screen.getByRole('textbox', { name: 'Search services' })).toHaveValue('');
  });
});
