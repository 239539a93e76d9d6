// @vitest-environment jsdom
import '../../test/setup';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderApp } from '../../test/render';
import { server } from '../../test/server';
import type { MonitoringOverview } from './contract';
import { formatDateTime } from './format';
import { monitoringKeys } from './queries';
import {
  MockEventSource,
  TALK_ROWS,
  UPDATED_AT,
  appRow,
  l4Only,
  overview,
  serveApplications,
  traffic,
} from './testing';

const OVERVIEW = '*/api/v1/monitoring/overview';

/** Serves `responses` in turn (the last one from then on) and records the windows asked for. */
function serveOverview(...responses: (MonitoringOverview | Response)[]) {
  const windows: string[] = [];
  server.use(
    http.get(OVERVIEW, ({ request }) => {
      const window = new URL(request.url).searchParams.get('window') ?? '';
      windows.push(window);
      const response = responses[Math.min(windows.length - 1, responses.length - 1)];
      if (response instanceof Response) return response.clone();
      return HttpResponse.json({ ...(response as MonitoringOverview), window } as MonitoringOverview);
    }),
  );
  return windows;
}

/** The query of each request for a page of the table, as name=value pairs. */
function pageQueries(requests: URLSearchParams[]): Record<string, string>[] {
  return requests.map((r) => Object.fromEntries(r));
}

const FIRST_PAGE = { window: '5m', sort: 'application', order: 'asc', page: '1', pageSize: '10' };

function telemetryDown(message: string): Response {
  return HttpResponse.json({ code: 'TelemetryUnavailable', message }, { status: 503 });
}

/** Waits for the table to show the overview's rows. */
async function findTable(): Promise<HTMLElement> {
  const region = await screen.findByRole('region', { name: 'Application services' });
  await within(region).findAllByRole('link');
  return table();
}

function region(): HTMLElement {
  return screen.getByRole('region', { name: 'Application services' });
}

function table(): HTMLElement {
  return within(region()).getByRole('table');
}

/** The applications in the table's rows, in order. */
function applications(): string[] {
  return within(table())
    .getAllByRole('row')
    .slice(1)
    .map((r) => within(r).queryAllByRole('cell')[0]?.textContent ?? '');
}

/** Whether the table shows itself as loading (antd's spinner over it). */
function tableBusy(): boolean {
  return table().closest('[aria-busy="true"]') !== null;
}

/** The row of an application, and its cells by column header. */
function row(application: string): Record<string, HTMLElement> {
  const headers = within(table())
    .getAllByRole('columnheader')
    .map((h) => h.textContent ?? '');
  const tr = within(table())
    .getAllByRole('row')
    .find((r) => within(r).queryAllByRole('cell')[0]?.textContent === application);
  if (!tr) throw new Error(`No row for ${application}`);
  const cells = within(tr).getAllByRole('cell');
  return Object.fromEntries(headers.map((h, i) => [h, cells[i] as HTMLElement]));
}

function topList(name: string): string[] {
  return within(screen.getByRole('list', { name }))
    .getAllByRole('listitem')
    .map((li) => li.textContent ?? '');
}

beforeEach(() => {
  MockEventSource.reset();
  vi.stubGlobal('EventSource', MockEventSource);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Monitoring page', () => {
  it('shows when the figures were measured, the three Top 5 lists and the applications table', async () => {
    const windows = serveOverview(overview());
    const { requests } = serveApplications();
    renderApp('/monitoring');

    expect(await screen.findByRole('heading', { name: 'Monitoring', level: 3 })).toBeInTheDocument();
    await screen.findByRole('list', { name: 'Top 5 by requests (per minute)' });
    expect(screen.getByText(formatDateTime(UPDATED_AT))).toHaveAttribute('datetime', UPDATED_AT);
    expect(windows).toEqual(['5m']);

    expect(topList('Top 5 by requests (per minute)')).toEqual([
      '1shpre-sofa-service60',
      '2shpre-sofa-service-260',
      '3sc-service-new-0917-130',
      '4sc-service-test-229',
      '5shpre-dubbo-service-20',
    ]);
    expect(topList('Top 5 by response time')[0]).toBe('1shpre-sofa-service-2298.4ms');
    expect(topList('Top 5 by error rate').slice(0, 2)).toEqual([
      '1shpre-sofa-service-250%',
      '2shpre-sofa-service18.33%',
    ]);

    // The first page, by application, asked for once; numbers as the talk writes them; a dash
    // where there is nothing to measure.
    await findTable();
    expect(pageQueries(requests)).toEqual([FIRST_PAGE]);
    expect(applications()).toEqual([...TALK_ROWS.map((r) => r.application)].sort());
    expect(within(region()).getByText('5 applications')).toBeInTheDocument();
    const sofa = row('shpre-sofa-service');
    expect(sofa['Requests (/min)']).toHaveTextContent('60');
    expect(sofa['Response time (ms)']).toHaveTextContent('143.47');
    expect(sofa['Error rate']).toHaveTextContent('18.33%');
    expect(sofa['Inbound (bytes/min)']).toHaveTextContent('13,989.6');
    expect(row('shpre-dubbo-service-2')['Error rate']).toHaveTextContent('—');
    expect(
      within(sofa.Application as HTMLElement).getByRole('link', { name: 'shpre-sofa-service' }),
    ).toHaveAttribute('href', `/services/${encodeURIComponent('shpre-sofa-service.demo.svc.cluster.local')}`);
  });

  it('shows an application with only L4 traffic (a database, ambient without a waypoint) by its bytes and connections', async () => {
    const rows = [
      ...TALK_ROWS,
      appRow('mysql', { traffic: l4Only({ sentBytesPerSecond: 12_000, receivedBytesPerSecond: 500 }) }),
    ];
    serveOverview(overview({ rows }));
    serveApplications({ rows });
    renderApp('/monitoring');
    await findTable();
    const mysql = row('mysql');
    // 12.5 kB a second each way together, 2.5 connections a second; no requests.
    expect(mysql['L4 (TCP)']).toHaveTextContent('12.5 kB/s · 2.5 conn/s');
    expect(mysql['Requests (/min)']).toHaveTextContent('0');
    // An application with requests only has no L4 figures.
    expect(row('shpre-sofa-service')['L4 (TCP)']).toHaveTextContent('—');
  });

  it('links each Top 5 entry to its service’s page, from the entry’s own services', async () => {
    // The busiest applications are not on the table's first page: the links come from the overview.
    const rows = [
      ...Array.from({ length: 10 }, (_, i) =>
        appRow(`app-${i}`, { traffic: traffic({ requestsPerMinute: 1 }) }),
      ),
      appRow('zz-busiest', { traffic: traffic({ requestsPerMinute: 500 }) }),
      appRow('zz-gateway', {
        services: ['zz-gateway.demo.svc.cluster.local', 'com.example.Gateway@dubbo'],
        traffic: traffic({ requestsPerMinute: 400 }),
      }),
      appRow('zz-unknown', { services: [], traffic: traffic({ requestsPerMinute: 300 }) }),
    ];
    serveOverview(overview({ rows }));
    serveApplications({ rows });
    renderApp('/monitoring');
    const list = await screen.findByRole('list', { name: 'Top 5 by requests (per minute)' });
    await findTable();
    expect(applications()).not.toContain('zz-busiest');

    expect(within(list).getByRole('link', { name: 'zz-busiest' })).toHaveAttribute(
      'href',
      `/services/${encodeURIComponent('zz-busiest.demo.svc.cluster.local')}`,
    );
    // Several services: the catalog, searched for the application in its namespace.
    expect(within(list).getByRole('link', { name: 'zz-gateway' })).toHaveAttribute(
      'href',
      '/services?q=zz-gateway&namespace=demo',
    );
    // An application the catalog knows no service of has nowhere to go.
    expect(within(list).getByText('zz-unknown')).toBeInTheDocument();
    expect(within(list).queryByRole('link', { name: 'zz-unknown' })).not.toBeInTheDocument();
  });

  it('says over how much data the rates are when the window reaches back before the data', async () => {
    serveOverview(overview({ coveredSeconds: 23 * 60 }));
    serveApplications();
    renderApp('/monitoring?window=6h');
    expect(await screen.findByText('Rates over the last 23 min of data')).toBeInTheDocument();
  });

  it('says nothing of coverage when the data cover the whole window', async () => {
    serveOverview(overview({ coveredSeconds: 300 }));
    serveApplications();
    renderApp('/monitoring');
    await screen.findByRole('list', { name: 'Top 5 by requests (per minute)' });
    expect(screen.queryByText(/of data$/)).not.toBeInTheDocument();
  });

  it('has the server page, sort and search the table, and starts again on page 1 after a change', async () => {
    const rows = Array.from({ length: 25 }, (_, i) =>
      appRow(`app-${String(i).padStart(2, '0')}`, { traffic: traffic({ requestsPerMinute: i }) }),
    );
    serveOverview(overview({ rows }));
    const { requests } = serveApplications({ rows });
    const user = userEvent.setup();
    renderApp('/monitoring');
    await findTable();
    const last = () => pageQueries(requests).at(-1);
    expect(pageQueries(requests)).toEqual([FIRST_PAGE]);
    expect(applications()).toEqual(rows.slice(0, 10).map((r) => r.application));
    expect(within(region()).getByText('25 applications')).toBeInTheDocument();

    // The next page.
    await user.click(within(region()).getByTitle('Next Page'));
    await waitFor(() => expect(applications()[0]).toBe('app-10'));
    expect(last()).toEqual({ ...FIRST_PAGE, page: '2' });

    // By requests, busiest first, from page 1; a second click turns the order round.
    await user.click(within(table()).getByRole('columnheader', { name: /Requests/ }));
    await waitFor(() => expect(applications()[0]).toBe('app-24'));
    expect(last()).toEqual({ ...FIRST_PAGE, sort: 'requests', order: 'desc' });
    expect(within(table()).getByRole('columnheader', { name: /Requests/ })).toHaveAttribute(
      'aria-sort',
      'descending',
    );
    await user.click(within(table()).getByRole('columnheader', { name: /Requests/ }));
    await waitFor(() => expect(applications()[0]).toBe('app-00'));
    expect(last()).toEqual({ ...FIRST_PAGE, sort: 'requests', order: 'asc' });

    // A search from page 2: the box shows the text at once, the request follows once typing
    // pauses, for page 1 of the matches in the chosen order.
    await user.click(within(region()).getByTitle('Next Page'));
    await waitFor(() => expect(last()).toEqual({ ...FIRST_PAGE, sort: 'requests', order: 'asc', page: '2' }));
    const search = screen.getByRole('textbox', { name: 'Search applications' });
    await user.type(search, 'APP-1');
    expect(search).toHaveValue('APP-1');
    expect(requests.some((r) => r.get('q') === 'APP-1')).toBe(false);
    await waitFor(() => expect(last()).toHaveProperty('q', 'APP-1'));
    expect(last()).toEqual({ ...FIRST_PAGE, sort: 'requests', order: 'asc', q: 'APP-1' });
    await waitFor(() => expect(within(region()).getByText('10 applications')).toBeInTheDocument());
    // No search was asked for on page 2.
    expect(requests.filter((r) => r.has('q')).every((r) => r.get('page') === '1')).toBe(true);
    expect(applications()).toEqual(rows.slice(10, 20).map((r) => r.application));

    // Another page size: page 1 again.
    await user.clear(search);
    await waitFor(() => expect(last()).not.toHaveProperty('q'));
    await user.click(within(region()).getByTitle('Next Page'));
    await waitFor(() => expect(last()).toHaveProperty('page', '2'));
    await user.click(within(region()).getByRole('combobox', { name: 'Page Size' }));
    await user.click(await screen.findByTitle('20 / page'));
    await waitFor(() => expect(applications()).toHaveLength(20));
    expect(last()).toEqual({ ...FIRST_PAGE, sort: 'requests', order: 'asc', pageSize: '20' });
  });

  it('tells an empty search from an empty mesh', async () => {
    serveOverview(overview());
    serveApplications();
    const user = userEvent.setup();
    renderApp('/monitoring');
    await findTable();

    await user.type(screen.getByRole('textbox', { name: 'Search applications' }), 'nothing-like-this');
    expect(await within(region()).findByText('No applications match the search')).toBeInTheDocument();
    expect(within(region()).queryByText('No applications in the mesh yet')).not.toBeInTheDocument();
  });

  it('says when the mesh has no applications yet', async () => {
    serveOverview(overview({ rows: [] }));
    serveApplications({ rows: [] });
    renderApp('/monitoring');
    expect(await screen.findByText('No applications in the mesh yet')).toBeInTheDocument();
    expect(screen.queryByText('No applications match the search')).not.toBeInTheDocument();
  });

  it('says the applications could not be loaded, rather than that there are none, and retries', async () => {
    serveOverview(overview());
    const { state, requests } = serveApplications({
      failure: HttpResponse.json({ code: 'Internal', message: 'The page broke' }, { status: 500 }),
    });
    const user = userEvent.setup();
    renderApp('/monitoring');

    const alert = await within(
      await screen.findByRole('region', { name: 'Application services' }),
    ).findByRole('alert');
    expect(alert).toHaveTextContent('Could not load the applications');
    expect(screen.queryByText('No applications in the mesh yet')).not.toBeInTheDocument();
    expect(within(region()).queryByRole('table')).not.toBeInTheDocument();
    // The Top 5 lists come from the overview, which did load.
    expect(topList('Top 5 by requests (per minute)')).toHaveLength(5);

    // Asked again with the next overview, which the stream sends every round.
    const source = MockEventSource.latest();
    source.connect();
    source.emit('overview', overview({ updatedAt: new Date(Date.parse(UPDATED_AT) + 5_000).toISOString() }));
    await waitFor(() => expect(requests).toHaveLength(2));
    expect(within(region()).getByRole('alert')).toHaveTextContent('Could not load the applications');

    delete state.failure;
    await user.click(within(alert).getByRole('button', { name: 'Retry' }));
    await findTable();
    expect(within(region()).queryByRole('alert')).not.toBeInTheDocument();
    expect(row('shpre-sofa-service')['Error rate']).toHaveTextContent('18.33%');
  });

  it('asks for the page again when a newer overview arrives, keeping its rows on screen and in place', async () => {
    const windows = serveOverview(overview());
    const { state, requests } = serveApplications();
    renderApp('/monitoring');
    await findTable();
    const requestsCell = row('sc-service-new-0917-1')['Requests (/min)'] as HTMLElement;
    expect(requestsCell).toHaveTextContent(/^30$/);
    expect(requests).toHaveLength(1);

    const source = MockEventSource.latest();
    expect(source.params.get('window')).toBe('5m');
    expect(source.params.get('overview')).toBe('true');
    source.connect();
    expect(await screen.findByRole('status')).toHaveTextContent('Live');

    // The next round: new figures, and a server slow to answer the page.
    const later = new Date(Date.parse(UPDATED_AT) + 5_000).toISOString();
    const rows = TALK_ROWS.map((r) =>
      r.application === 'sc-service-new-0917-1'
        ? { ...r, traffic: { ...r.traffic, requestsPerMinute: 45 } }
        : r,
    );
    let answer = () => {};
    Object.assign(state, { rows, updatedAt: later, delay: new Promise<void>((r) => (answer = r)) });
    source.emit('overview', overview({ rows, updatedAt: later }));

    // The same page asked for again; meanwhile the last rows stay, with no loading state.
    await waitFor(() => expect(requests).toHaveLength(2));
    expect(pageQueries(requests)[1]).toEqual(FIRST_PAGE);
    await new Promise((r) => setTimeout(r, 300));
    expect(screen.getByText(formatDateTime(later))).toBeInTheDocument();
    expect(requestsCell).toHaveTextContent(/^30$/);
    expect(tableBusy()).toBe(false);

    answer();
    await waitFor(() => expect(requestsCell).toHaveTextContent(/^45$/));
    // The same cell, still in the document: updated, not re-mounted.
    expect(row('sc-service-new-0917-1')['Requests (/min)']).toBe(requestsCell);
    expect(requestsCell).toBeInTheDocument();
    expect(tableBusy()).toBe(false);
    expect(windows).toEqual(['5m']);

    // An older event (delivered late) neither undoes the newer figures nor asks again.
    source.emit('overview', overview());
    await new Promise((r) => setTimeout(r, 400));
    expect(requestsCell).toHaveTextContent(/^45$/);
    expect(requests).toHaveLength(2);
  });

  it('asks once per overview when the page answered is still older than it', async () => {
    serveOverview(overview());
    const { requests } = serveApplications();
    renderApp('/monitoring');
    await findTable();
    const source = MockEventSource.latest();
    source.connect();

    // The page's figures lag behind the overview's: one more request, not a loop.
    source.emit('overview', overview({ updatedAt: new Date(Date.parse(UPDATED_AT) + 5_000).toISOString() }));
    await waitFor(() => expect(requests).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 400));
    expect(requests).toHaveLength(2);

    // The next round asks again.
    source.emit('overview', overview({ updatedAt: new Date(Date.parse(UPDATED_AT) + 10_000).toISOString() }));
    await waitFor(() => expect(requests).toHaveLength(3));
  });

  it('goes to the last page when a live round leaves fewer applications than the page on screen', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => appRow(`app-${String(i).padStart(2, '0')}`));
    serveOverview(overview({ rows }));
    const { state, requests } = serveApplications({ rows });
    const user = userEvent.setup();
    renderApp('/monitoring');
    await findTable();
    const source = MockEventSource.latest();
    source.connect();
    await user.click(within(region()).getByTitle('Next Page'));
    await waitFor(() => expect(applications()).toEqual(['app-10', 'app-11']));

    const later = new Date(Date.parse(UPDATED_AT) + 5_000).toISOString();
    Object.assign(state, { rows: rows.slice(0, 5), updatedAt: later });
    source.emit('overview', overview({ rows: rows.slice(0, 5), updatedAt: later }));
    await waitFor(() => expect(applications()).toEqual(rows.slice(0, 5).map((r) => r.application)));
    expect(pageQueries(requests).at(-1)).toEqual(FIRST_PAGE);
    expect(within(region()).getByText('5 applications')).toBeInTheDocument();
    expect(screen.queryByText('No applications in the mesh yet')).not.toBeInTheDocument();
  });

  it('says telemetry is unavailable, keeps the last figures, and recovers on the next round', async () => {
    serveOverview(overview());
    serveApplications();
    renderApp('/monitoring');
    await findTable();
    const source = MockEventSource.latest();
    source.connect();

    source.emit('telemetry-error', {
      topic: 'overview',
      code: 'TelemetryUnavailable',
      message: 'Prometheus at http://prometheus:9090 did not answer within 5 s',
    });

    const banner = await screen.findByRole('alert');
    expect(banner).toHaveTextContent('Telemetry is unavailable');
    expect(banner).toHaveTextContent('Prometheus at http://prometheus:9090 did not answer within 5 s');
    expect(banner).toHaveTextContent(`The figures shown are from ${formatDateTime(UPDATED_AT)}.`);
    expect(banner).toHaveTextContent('Retrying automatically.');
    expect(row('shpre-sofa-service')['Error rate']).toHaveTextContent('18.33%');
    expect(screen.getByRole('list', { name: 'Top 5 by error rate' })).toBeInTheDocument();

    source.emit('overview', overview({ updatedAt: new Date(Date.parse(UPDATED_AT) + 10_000).toISOString() }));
    await waitFor(() => expect(screen.queryByRole('alert')).not.toBeInTheDocument());
  });

  it('keeps the figures when a refresh fails with 503, and retries on request', async () => {
    serveOverview(overview(), telemetryDown('Prometheus answered 500: query timed out'), overview());
    serveApplications();
    const user = userEvent.setup();
    const { queryClient } = renderApp('/monitoring');
    await findTable();

    // What polling does while the stream is not open.
    await act(() => queryClient.refetchQueries({ queryKey: monitoringKeys.overviews() }));

    const banner = await screen.findByRole('alert');
    expect(banner).toHaveTextContent('Telemetry is unavailable');
    expect(banner).toHaveTextContent('Prometheus answered 500: query timed out');
    expect(row('shpre-sofa-service')['Response time (ms)']).toHaveTextContent('143.47');

    await user.click(within(banner).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.queryByRole('alert')).not.toBeInTheDocument());
    expect(row('shpre-sofa-service')['Response time (ms)']).toHaveTextContent('143.47');
  });

  it('explains a 503 on the first load, and shows the figures once telemetry is back', async () => {
    serveOverview(telemetryDown('No Prometheus is configured (PROMETHEUS_URL)'), overview());
    serveApplications();
    const user = userEvent.setup();
    renderApp('/monitoring');

    const banner = await screen.findByRole('alert');
    expect(banner).toHaveTextContent('Telemetry is unavailable');
    expect(banner).toHaveTextContent('No Prometheus is configured (PROMETHEUS_URL)');
    expect(screen.queryByRole('region', { name: 'Application services' })).not.toBeInTheDocument();

    await user.click(within(banner).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('region', { name: 'Application services' })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('asks again with the chosen window, keeps it in the URL, and reopens the stream on it', async () => {
    const windows = serveOverview(overview());
    const { requests } = serveApplications();
    const user = userEvent.setup();
    const { location } = renderApp('/monitoring');
    await findTable();
    MockEventSource.latest().connect();

    const selector = screen.getByRole('radiogroup', { name: 'Time window' });
    expect(within(selector).getByRole('radio', { name: '5 min' })).toBeChecked();
    // antd draws the radios' labels over zero-sized inputs: click the label, as a user does.
    await user.click(within(selector).getByText('1 hour'));

    await waitFor(() => expect(windows).toEqual(['5m', '1h']));
    await waitFor(() => expect(pageQueries(requests).at(-1)).toEqual({ ...FIRST_PAGE, window: '1h' }));
    expect(location.search.get('window')).toBe('1h');
    await waitFor(() => expect(MockEventSource.latest().params.get('window')).toBe('1h'));
    expect(MockEventSource.open()).toHaveLength(1);
    expect(within(selector).getByRole('radio', { name: '1 hour' })).toBeChecked();
  });
});
