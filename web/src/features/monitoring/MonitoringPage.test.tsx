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
import { MockEventSource, TALK_ROWS, UPDATED_AT, appRow, l4Only, overview, traffic } from './testing';

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

function telemetryDown(message: string): Response {
  return HttpResponse.json({ code: 'TelemetryUnavailable', message }, { status: 503 });
}

/** Waits for the table to show the overview's rows. */
async function findTable(): Promise<HTMLElement> {
  const region = await screen.findByRole('region', { name: 'Application services' });
  await within(region).findAllByRole('link');
  return table();
}

function table(): HTMLElement {
  return within(screen.getByRole('region', { name: 'Application services' })).getByRole('table');
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

    // Sorted by application; numbers as the talk writes them; a dash where there is nothing to measure.
    const names = within(table())
      .getAllByRole('row')
      .slice(1)
      .map((r) => within(r).getAllByRole('cell')[0]?.textContent);
    expect(names).toEqual([...TALK_ROWS.map((r) => r.application)].sort());
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
    serveOverview(
      overview({
        applications: [
          ...TALK_ROWS,
          appRow('mysql', { traffic: l4Only({ sentBytesPerSecond: 12_000, receivedBytesPerSecond: 500 }) }),
        ],
      }),
    );
    renderApp('/monitoring');
    await findTable();
    const mysql = row('mysql');
    // 12.5 kB a second each way together, 2.5 connections a second; no requests.
    expect(mysql['L4 (TCP)']).toHaveTextContent('12.5 kB/s · 2.5 conn/s');
    expect(mysql['Requests (/min)']).toHaveTextContent('0');
    // An application with requests only has no L4 figures.
    expect(row('shpre-sofa-service')['L4 (TCP)']).toHaveTextContent('—');
  });

  it('links each Top 5 entry to its service’s page', async () => {
    serveOverview(overview());
    renderApp('/monitoring');
    const list = await screen.findByRole('list', { name: 'Top 5 by requests (per minute)' });
    expect(within(list).getByRole('link', { name: 'shpre-sofa-service' })).toHaveAttribute(
      'href',
      `/services/${encodeURIComponent('shpre-sofa-service.demo.svc.cluster.local')}`,
    );
    // An application the catalog knows no service of has nowhere to go.
    expect(within(list).queryByRole('link', { name: 'shpre-dubbo-service-2' })).not.toBeInTheDocument();
  });

  it('says over how much data the rates are when the window reaches back before the data', async () => {
    serveOverview(overview({ coveredSeconds: 23 * 60 }));
    renderApp('/monitoring?window=6h');
    expect(await screen.findByText('Rates over the last 23 min of data')).toBeInTheDocument();
  });

  it('says nothing of coverage when the data cover the whole window', async () => {
    serveOverview(overview({ coveredSeconds: 300 }));
    renderApp('/monitoring');
    await screen.findByRole('list', { name: 'Top 5 by requests (per minute)' });
    expect(screen.queryByText(/of data$/)).not.toBeInTheDocument();
  });

  it('searches, sorts and pages the table', async () => {
    const many = Array.from({ length: 12 }, (_, i) =>
      appRow(`app-${String(i).padStart(2, '0')}`, { traffic: traffic({ requestsPerMinute: i }) }),
    );
    serveOverview(overview({ applications: many }));
    const user = userEvent.setup();
    renderApp('/monitoring');
    await screen.findByRole('region', { name: 'Application services' });
    await waitFor(() => expect(within(table()).getAllByRole('row')).toHaveLength(11));
    expect(screen.getByText('12 applications')).toBeInTheDocument();

    await user.click(screen.getByRole('columnheader', { name: /Requests/ }));
    await waitFor(() => expect(within(table()).getAllByRole('row')[1]).toHaveTextContent('app-11'));

    await user.type(screen.getByRole('textbox', { name: 'Search applications' }), 'app-0');
    await waitFor(() => expect(within(table()).getAllByRole('row')).toHaveLength(11));
    expect(screen.getByText('10 applications')).toBeInTheDocument();
    expect(within(table()).getAllByRole('row')[1]).toHaveTextContent('app-09');
  });

  it('merges live overview events into the table in place, without asking the server again', async () => {
    const windows = serveOverview(overview());
    renderApp('/monitoring');
    await findTable();
    const requestsCell = row('sc-service-new-0917-1')['Requests (/min)'] as HTMLElement;
    expect(requestsCell).toHaveTextContent(/^30$/);

    const source = MockEventSource.latest();
    expect(source.params.get('window')).toBe('5m');
    expect(source.params.get('overview')).toBe('true');
    source.connect();
    expect(await screen.findByRole('status')).toHaveTextContent('Live');

    const later = new Date(Date.parse(UPDATED_AT) + 5_000).toISOString();
    source.emit(
      'overview',
      overview({
        updatedAt: later,
        applications: TALK_ROWS.map((r) =>
          r.application === 'sc-service-new-0917-1'
            ? { ...r, traffic: { ...r.traffic, requestsPerMinute: 45 } }
            : r,
        ),
      }),
    );

    await waitFor(() => expect(requestsCell).toHaveTextContent(/^45$/));
    // The same cell, still in the document: updated, not re-mounted.
    expect(row('sc-service-new-0917-1')['Requests (/min)']).toBe(requestsCell);
    expect(requestsCell).toBeInTheDocument();
    expect(screen.getByText(formatDateTime(later))).toBeInTheDocument();
    expect(windows).toEqual(['5m']);

    // An older event (delivered late) does not undo the newer figures.
    source.emit('overview', overview());
    await new Promise((r) => setTimeout(r, 400));
    expect(requestsCell).toHaveTextContent(/^45$/);
  });

  it('says telemetry is unavailable, keeps the last figures, and recovers on the next round', async () => {
    serveOverview(overview());
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
    const user = userEvent.setup();
    const { location } = renderApp('/monitoring');
    await findTable();
    MockEventSource.latest().connect();

    const selector = screen.getByRole('radiogroup', { name: 'Time window' });
    expect(within(selector).getByRole('radio', { name: '5 min' })).toBeChecked();
    // antd draws the radios' labels over zero-sized inputs: click the label, as a user does.
    await user.click(within(selector).getByText('1 hour'));

    await waitFor(() => expect(windows).toEqual(['5m', '1h']));
    expect(location.search.get('window')).toBe('1h');
    await waitFor(() => expect(MockEventSource.latest().params.get('window')).toBe('1h'));
    expect(MockEventSource.open()).toHaveLength(1);
    expect(within(selector).getByRole('radio', { name: '1 hour' })).toBeChecked();
  });
});
