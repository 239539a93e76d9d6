// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Instance } from '../../lib/contract';
import { ECHO_ID, ECHO_V1, ECHO_V2, echoDetail, listResponse } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { server } from '../../test/server';

const DETAIL_PATH = `/services/${encodeURIComponent(ECHO_ID)}`;

/** Serves the detail of EchoService and records the raw paths it was asked for. */
function serveDetail() {
  const paths: string[] = [];
  server.use(
    http.get('*/api/v1/services/:id/routes', () =>
      HttpResponse.json({ dialect: 'istio', items: [], destinationRules: [], warnings: [] }),
    ),
    http.get('*/api/v1/services/:id/releases', () => HttpResponse.json({ items: [] })),
    http.get('*/api/v1/services/:id/ratelimits', () =>
      HttpResponse.json({ items: [], foreign: [], readyInstances: 1, versions: [] }),
    ),
    // The detail page shows live metrics too; these tests are about the catalog, without telemetry.
    http.get('*/api/v1/services/:id/metrics', () =>
      HttpResponse.json(
        { code: 'TelemetryUnavailable', message: 'No telemetry in this test' },
        { status: 503 },
      ),
    ),
    http.get('*/api/v1/services/:id', ({ request, params }) => {
      paths.push(new URL(request.url).pathname);
      return params.id === ECHO_ID
        ? HttpResponse.json(echoDetail)
        : HttpResponse.json(
            { code: 'NotFound', message: `Service ${String(params.id)} was not found` },
            { status: 404 },
          );
    }),
  );
  return paths;
}

function rowsOf(table: HTMLElement): HTMLElement[] {
  return within(table).getAllByRole('row').slice(1); // Without the header row.
}

describe('Service detail page', () => {
  it('says when the service is in conflict: no owner, which namespaces claim it, who may change it', async () => {
    serveDetail();
    server.use(
      http.get('*/api/v1/services/:id', () =>
        HttpResponse.json({
          ...echoDetail,
          namespace: '',
          conflict: { namespaces: ['bookinfo', 'dubbo-demo'] },
        }),
      ),
    );
    renderApp(DETAIL_PATH);

    const card = (await screen.findByText('Basic information')).closest('.ant-card') as HTMLElement;
    expect(within(card).getByText('Conflict')).toBeInTheDocument();
    expect(within(card).getByText('bookinfo, dubbo-demo')).toBeInTheDocument();
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Conflict: No owner');
    expect(alert).toHaveTextContent('Namespaces bookinfo, dubbo-demo each define this service');
    expect(alert).toHaveTextContent('only an admin may change it');
  });

  it('shows the basic information, with the ID URL-encoded in the request', async () => {
    const paths = serveDetail();
    renderApp(DETAIL_PATH);

    const info = await screen.findByText('Basic information');
    const card = info.closest('.ant-card') as HTMLElement;
    expect(within(card).getByText(ECHO_ID)).toBeInTheDocument();
    expect(within(card).getByText('echo-provider')).toBeInTheDocument();
    expect(within(card).getByText('Dubbo')).toBeInTheDocument();
    expect(within(card).getByText(echoDetail.host)).toBeInTheDocument();
    expect(paths).toEqual([`/api/v1/services/${encodeURIComponent(ECHO_ID)}`]);
    const breadcrumb = screen.getByRole('navigation', { name: 'Breadcrumb' });
    expect(within(breadcrumb).getByRole('link', { name: 'Services' })).toHaveAttribute('href', '/services');
  });

  it('shows providers grouped by version, with a summary per version', async () => {
    serveDetail();
    renderApp(DETAIL_PATH);

    expect(await screen.findByRole('tab', { name: 'Providers', selected: true })).toBeInTheDocument();
    const versionsTable = within(screen.getByRole('region', { name: 'Versions' })).getByRole('table');
    const instancesTable = within(screen.getByRole('region', { name: 'Instances' })).getByRole('table');

    const summary = rowsOf(versionsTable).map((r) =>
      within(r)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    );
    expect(summary).toEqual([
      [ECHO_V1, '2', '1', 'Kubernetes'],
      [ECHO_V2, '1', '1', 'VM'],
    ]);

    const instances = rowsOf(instancesTable).map((r) => {
      const cells = within(r).getAllByRole('cell');
      return [cells[0]?.textContent, cells[2]?.textContent];
    });
    expect(instances).toEqual([
      ['echo-provider-v1-a', ECHO_V1],
      ['echo-provider-v1-b', ECHO_V1],
      ['echo-provider-v2-vm-1', ECHO_V2],
    ]);
    const notReady = rowsOf(instancesTable)[1] as HTMLElement;
    expect(within(notReady).getByText('Not ready')).toBeInTheDocument();
    expect(within(notReady).getByText('10.1.0.3:20880')).toBeInTheDocument();
  });

  it('shows the waypoint and the data plane of the service and of each provider', async () => {
    serveDetail();
    const [vm, podB, podA] = echoDetail.providers as [Instance, Instance, Instance];
    server.use(
      http.get('*/api/v1/services/:id', () =>
        HttpResponse.json({
          ...echoDetail,
          dataPlane: {
            modes: ['ambient', 'sidecar'],
            waypoint: { namespace: 'dubbo-demo', name: 'echo-waypoint' },
            waypointMissing: false,
          },
          providers: [
            { ...vm, dataPlane: 'sidecar' },
            { ...podB, dataPlane: 'ambient' },
            { ...podA, dataPlane: 'ambient' },
          ],
        }),
      ),
    );
    renderApp(DETAIL_PATH);

    const card = (await screen.findByText('Basic information')).closest('.ant-card') as HTMLElement;
    expect(within(card).getByText('dubbo-demo/echo-waypoint')).toBeInTheDocument();
    expect(within(card).getByText('Ambient')).toBeInTheDocument();
    expect(within(card).getByText('Sidecar')).toBeInTheDocument();
    expect(within(card).queryByRole('img', { name: /no such waypoint/ })).toBeNull();

    const instancesTable = within(screen.getByRole('region', { name: 'Instances' })).getByRole('table');
    expect(within(instancesTable).getByRole('columnheader', { name: 'Data plane' })).toBeInTheDocument();
    const modes = rowsOf(instancesTable).map((r) => [
      within(r).getAllByRole('cell')[0]?.textContent,
      within(r).queryByText(/^(Ambient|Sidecar|Outside the mesh)$/)?.textContent,
    ]);
    expect(modes).toEqual([
      ['echo-provider-v1-a', 'Ambient'],
      ['echo-provider-v1-b', 'Ambient'],
      ['echo-provider-v2-vm-1', 'Sidecar'],
    ]);
  });

  it('says when a service has no waypoint, and when the one it names is missing', async () => {
    serveDetail();
    server.use(
      http.get('*/api/v1/services/:id', () =>
        HttpResponse.json({ ...echoDetail, dataPlane: { modes: ['sidecar'], waypoint: null } }),
      ),
    );
    const { unmount } = renderApp(DETAIL_PATH);
    const card = (await screen.findByText('Basic information')).closest('.ant-card') as HTMLElement;
    expect(within(card).getByText('No waypoint')).toBeInTheDocument();
    unmount();

    server.use(
      http.get('*/api/v1/services/:id', () =>
        HttpResponse.json({
          ...echoDetail,
          dataPlane: { modes: [], waypoint: { namespace: 'infra', name: 'gone' }, waypointMissing: true },
        }),
      ),
    );
    renderApp(DETAIL_PATH);
    const again = (await screen.findByText('Basic information')).closest('.ant-card') as HTMLElement;
    expect(within(again).getByText('infra/gone')).toBeInTheDocument();
    expect(
      within(again).getByRole('img', {
        name: 'Waypoint infra/gone is named, but no such waypoint Gateway exists',
      }),
    ).toBeInTheDocument();
  });

  it('keeps labels collapsed until asked', async () => {
    serveDetail();
    const user = userEvent.setup();
    renderApp(DETAIL_PATH);

    const [show] = await screen.findAllByRole('button', { name: 'Show labels (2)' });
    expect(screen.queryByText('app=echo-provider')).not.toBeInTheDocument();
    await user.click(show as HTMLElement);
    expect(await screen.findByText('app=echo-provider')).toBeInTheDocument();
    expect(screen.getByText(`version=${ECHO_V1}`)).toBeInTheDocument();
  });

  it('keeps the active tab in the URL and explains the tabs that have no data', async () => {
    serveDetail();
    const user = userEvent.setup();
    const { location } = renderApp(`${DETAIL_PATH}?tab=consumers`);

    expect(await screen.findByRole('tab', { name: 'Consumers', selected: true })).toBeInTheDocument();
    expect(await screen.findByText('No consumer data yet')).toBeInTheDocument();
    expect(screen.getByText(/live telemetry/)).toBeInTheDocument();

    await user.click(screen.getByRole('tab', { name: 'Routes' }));
    await waitFor(() => expect(location.search.get('tab')).toBe('routes'));
    expect(await screen.findByText('No routing rules yet')).toBeInTheDocument();

    await user.click(screen.getByRole('tab', { name: 'Rate limits' }));
    await waitFor(() => expect(location.search.get('tab')).toBe('rate-limits'));
    expect(await screen.findByText('No rate limits yet')).toBeInTheDocument();

    await user.click(screen.getByRole('tab', { name: 'Providers' }));
    await waitFor(() => expect(location.search.get('tab')).toBeNull());
  });

  it('says the service was not found, with a way back', async () => {
    serveDetail();
    server.use(http.get('*/api/v1/services', () => HttpResponse.json(listResponse([]))));
    const user = userEvent.setup();
    const { location } = renderApp(`/services/${encodeURIComponent('no.such.Service@dubbo')}`);

    expect(await screen.findByText('Service not found')).toBeInTheDocument();
    expect(
      screen.getByText(/no\.such\.Service@dubbo/, { selector: '.ant-result-subtitle' }),
    ).toBeInTheDocument();
    await user.click(screen.getByRole('link', { name: 'Back to services' }));
    expect(location.pathname).toBe('/services');
  });

  it('shows other errors with a retry', async () => {
    server.use(
      http.get('*/api/v1/services/:id', () =>
        HttpResponse.json(
          { code: 'Internal', message: 'Internal error; the details are in the server log' },
          { status: 500 },
        ),
      ),
    );
    renderApp(DETAIL_PATH);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load the service');
    expect(alert).toHaveTextContent('Internal error; the details are in the server log');
    expect(within(alert).getByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });
});
