// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { echoDetail } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { server } from '../../test/server';
import type { ServiceMetrics } from './contract';
import {
  ECHO_ID,
  ECHO_V1,
  ECHO_V2,
  MockEventSource,
  UPDATED_AT,
  l4Only,
  serviceMetrics,
  tcpSeries,
  tcpStats,
  traffic,
} from './testing';

const DETAIL_PATH = `/services/${encodeURIComponent(ECHO_ID)}`;

/** Serves EchoService's detail and its metrics (`metrics` in turn, the last from then on). */
function serveService(...metrics: (ServiceMetrics | Response)[]) {
  const windows: string[] = [];
  server.use(
    http.get('*/api/v1/services/:id', () => HttpResponse.json(echoDetail)),
    http.get('*/api/v1/services/:id/metrics', ({ request, params }) => {
      expect(params.id).toBe(ECHO_ID);
      const window = new URL(request.url).searchParams.get('window') ?? '';
      windows.push(window);
      const response = metrics[Math.min(windows.length - 1, metrics.length - 1)];
      if (response instanceof Response) return response.clone();
      return HttpResponse.json({ ...(response as ServiceMetrics), window } as ServiceMetrics);
    }),
  );
  return windows;
}

/** The Metrics card of the detail page. */
function metricsCard(): HTMLElement {
  const card = screen.getByText('Metrics').closest('.ant-card');
  if (!(card instanceof HTMLElement)) throw new Error('No Metrics card');
  return card;
}

function statistic(title: string): HTMLElement {
  const element = within(metricsCard()).getByText(title).closest('.ant-statistic');
  if (!(element instanceof HTMLElement)) throw new Error(`No statistic ${title}`);
  return element;
}

beforeEach(() => {
  MockEventSource.reset();
  vi.stubGlobal('EventSource', MockEventSource);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Service metrics on the service detail page', () => {
  it('shows totals, the observed split and the four charts, and follows the stream in place', async () => {
    const windows = serveService(serviceMetrics());
    renderApp(DETAIL_PATH);

    await screen.findByText('Metrics');
    await within(metricsCard()).findByText('Requests/min');
    expect(within(statistic('Requests/min')).getByText('120')).toBeInTheDocument();
    expect(within(statistic('Error rate')).getByText('1%')).toBeInTheDocument();
    expect(within(statistic('p99 (ms)')).getByText('5')).toBeInTheDocument();
    expect(
      screen.getByText(`Observed split over the last 20 s: ${ECHO_V1} 20% · ${ECHO_V2} 80%`),
    ).toBeInTheDocument();
    // Passed and rate-limited requests per second, as Sentinel shows pass and block QPS.
    const limits = screen.getByRole('region', { name: 'Rate limiting over the last 20 s' });
    expect(within(limits).getByRole('group', { name: 'Passed/s' })).toHaveTextContent(/1\.5$/);
    expect(within(limits).getByRole('group', { name: 'Limited/s' })).toHaveTextContent(/0\.5$/);
    for (const chart of [
      'Request rate by version (requests/min)',
      'Response time, all versions (ms)',
      'Error rate by version',
      'Request and response bytes, all versions (per minute)',
      'Passed and rate-limited requests (per second)',
    ]) {
      expect(screen.getByRole('figure', { name: chart })).toBeInTheDocument();
      expect(screen.getByRole('img', { name: `${chart}, last 5 min` })).toBeInTheDocument();
    }

    const source = MockEventSource.latest();
    expect(source.params.getAll('service')).toEqual([ECHO_ID]);
    expect(source.params.get('overview')).toBe('false');
    source.connect();

    const requests = within(statistic('Requests/min')).getByText('120');
    source.emit(
      'service-metrics',
      serviceMetrics({
        updatedAt: new Date(Date.parse(UPDATED_AT) + 5_000).toISOString(),
        total: { ...serviceMetrics().total, stats: traffic({ requestsPerMinute: 150, errorRate: 0.01 }) },
      }),
    );
    // Another service's event is not ours.
    source.emit('service-metrics', serviceMetrics({ serviceId: 'other@dubbo' }));
    await waitFor(() => expect(within(statistic('Requests/min')).getByText('150')).toBeInTheDocument());
    // The same element shows the new figure: updated in place, not re-mounted.
    expect(requests).toBeInTheDocument();
    expect(requests).toHaveTextContent(/^150$/);
    expect(windows).toEqual(['5m']);
  });

  it('shows a service with only L4 traffic (TCP, or ambient without a waypoint) by its bytes and connections, not as idle', async () => {
    const l4 = serviceMetrics({
      total: { stats: l4Only(), series: tcpSeries([2, 2.5, 3]) },
      versions: [{ version: ECHO_V1, stats: l4Only(), series: tcpSeries([2, 2.5, 3]) }],
      split: {
        intervalSeconds: 20,
        basis: 'connections',
        versions: [{ version: ECHO_V1, share: 1, requestsPerMinute: 0, connectionsOpenedPerSecond: 2.5 }],
      },
      consumers: [
        {
          workload: 'echo-consumer-v1',
          application: 'echo-consumer',
          namespace: 'dubbo-demo',
          version: 'v1',
          requestsPerMinute: 0,
          errorRate: null,
          tcp: tcpStats(),
        },
      ],
    });
    serveService(l4);
    renderApp(DETAIL_PATH);
    await screen.findByText('Metrics');
    const region = await within(metricsCard()).findByRole('region', {
      name: 'L4 (TCP) traffic over the window',
    });
    expect(within(region).getByRole('group', { name: 'TCP bytes sent/s' })).toHaveTextContent(/12\.5 kB$/);
    expect(within(region).getByRole('group', { name: 'TCP bytes received/s' })).toHaveTextContent(/830 B$/);
    expect(within(region).getByRole('group', { name: 'Connections opened/s' })).toHaveTextContent(/2\.5$/);
    expect(within(region).getByRole('group', { name: 'Connections closed/s' })).toHaveTextContent(/2\.4$/);
    expect(within(metricsCard()).getByText(/Only L4 \(TCP\) traffic/)).toBeInTheDocument();
    // A TCP route's weights divide connections: the observed split is of those.
    expect(
      within(metricsCard()).getByText(`Observed split of connections over the last 20 s: ${ECHO_V1} 100%`),
    ).toBeInTheDocument();
    expect(within(metricsCard()).queryByText(/No requests to this service/)).not.toBeInTheDocument();
    for (const chart of ['L4 bytes (per second)', 'L4 connections opened (per second)']) {
      expect(screen.getByRole('figure', { name: chart })).toBeInTheDocument();
      expect(screen.getByRole('img', { name: `${chart}, last 5 min` })).toBeInTheDocument();
    }
  });

  it('draws no L4 charts for a service with requests only, and calls a service with neither idle', async () => {
    serveService(
      serviceMetrics({
        total: {
          stats: traffic({
            requestsPerMinute: 0,
            errorRate: null,
            latencyMs: { avg: null, p50: null, p95: null, p99: null },
          }),
          series: tcpSeries([null, null, null]),
        },
      }),
    );
    renderApp(DETAIL_PATH);
    await screen.findByText('Metrics');
    expect(await within(metricsCard()).findByText(/No requests to this service/)).toBeInTheDocument();
    expect(
      screen.queryByRole('region', { name: 'L4 (TCP) traffic over the window' }),
    ).not.toBeInTheDocument();
    expect(screen.queryByRole('figure', { name: 'L4 bytes (per second)' })).not.toBeInTheDocument();
  });

  it('says over how much data the rates are when the window reaches back before the data', async () => {
    serveService(serviceMetrics({ window: '6h', coveredSeconds: 23 * 60 }));
    renderApp(`${DETAIL_PATH}?window=6h`);
    await screen.findByText('Metrics');
    expect(await within(metricsCard()).findByText('Rates over the last 23 min of data')).toBeInTheDocument();
  });

  it('adds each instance’s traffic to the Providers tab', async () => {
    serveService(serviceMetrics());
    renderApp(DETAIL_PATH);

    const instances = within(await screen.findByRole('region', { name: 'Instances' })).getByRole('table');
    await waitFor(() => {
      const row = within(instances)
        .getAllByRole('row')
        .find((r) => r.textContent?.includes('echo-provider-v1-a'));
      expect(row).toHaveTextContent('24');
      expect(row).toHaveTextContent('2.5');
    });
    expect(within(instances).getByRole('columnheader', { name: 'Requests (/min)' })).toBeInTheDocument();
    expect(
      within(instances).getByRole('columnheader', { name: 'Mean response time (ms)' }),
    ).toBeInTheDocument();
  });

  it('lists the consumers, busiest first, in the chosen window', async () => {
    const windows = serveService(serviceMetrics());
    renderApp(`${DETAIL_PATH}?tab=consumers&window=1h`);

    expect(
      await screen.findByText('The applications that call this service, over the last 1 hour.'),
    ).toBeInTheDocument();
    const table = await screen.findByRole('table', { name: 'Consumers' });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
    const rows = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((r) =>
        within(r)
          .getAllByRole('cell')
          .map((c) => c.textContent),
      );
    expect(rows).toEqual([
      ['echo-consumer', 'echo-consumer-v1', 'dubbo-demo', 'v1', '90', '2%', '—'],
      ['istio-ingressgateway', 'istio-ingressgateway', 'istio-system', 'unknown', '30', '0%', '—'],
    ]);
    expect(windows.every((w) => w === '1h')).toBe(true);
  });

  it('says honestly that there are no consumers to show without telemetry, and why', async () => {
    serveService(
      HttpResponse.json(
        { code: 'TelemetryUnavailable', message: 'No Prometheus is configured (PROMETHEUS_URL)' },
        { status: 503 },
      ),
    );
    const user = userEvent.setup();
    renderApp(`${DETAIL_PATH}?tab=consumers`);

    expect(await screen.findByText('No consumer data yet')).toBeInTheDocument();
    expect(
      screen.getByText(/live telemetry.*No Prometheus is configured \(PROMETHEUS_URL\)/),
    ).toBeInTheDocument();
    // The Metrics section names the problem too, with a retry.
    const banner = screen.getByRole('alert');
    expect(banner).toHaveTextContent('Telemetry is unavailable');
    await user.click(within(banner).getByRole('button', { name: 'Retry' }));
    expect(screen.getByRole('alert')).toBeInTheDocument();
  });
});
