// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { renderApp } from '../../test/render';
import { server } from '../../test/server';
import { ECHO_ID as ECHO } from '../../test/fixtures';
import { echoGraph, echoGraphWithDatabase } from './testing';

// The canvas (G6) does not run in jsdom: a stand-in records what the page asks it to draw.
const drawn = vi.hoisted(() => ({ shows: [] as { nodes: number }[], updates: 0 }));
vi.mock('./renderer', () => ({
  createRenderer: () => ({
    graph: null,
    show: async (view: { nodes: unknown[] }) => {
      drawn.shows.push({ nodes: view.nodes.length });
    },
    update: async () => {
      drawn.updates++;
    },
    select: async () => undefined,
    focus: async () => undefined,
    labelsShown: () => true,
    destroy: () => undefined,
  }),
}));

const graph = echoGraph();

describe('the topology page', () => {
  it('draws the graph, and a found node opens its panel with its callers and links to its pages', async () => {
    server.use(http.get('*/api/v1/topology', () => HttpResponse.json(graph)));
    renderApp('/topology');
    expect(await screen.findByText('2 nodes, 1 edges')).toBeInTheDocument();
    await waitFor(() => expect(drawn.shows.at(-1)).toEqual({ nodes: 2 }));

    await userEvent.type(screen.getByRole('searchbox', { name: 'Find' }), 'echo-prov');
    const results = await screen.findByRole('region', { name: 'Nodes found' });
    await userEvent.click(within(results).getByRole('button', { name: 'echo-provider' }));
    // antd's drawer opens with a motion; its name is its title.
    const panel = await screen.findByRole('dialog', {}, { timeout: 5000 });
    expect(within(panel).getAllByText('echo-provider').length).toBeGreaterThan(0);
    expect(within(panel).getByRole('link', { name: 'Routes' })).toHaveAttribute(
      'href',
      `/services/${encodeURIComponent(ECHO)}?tab=routes`,
    );
    expect(within(panel).getByRole('link', { name: 'Rate limits' })).toHaveAttribute(
      'href',
      `/services/${encodeURIComponent(ECHO)}?tab=rate-limits`,
    );
    const callers = within(panel).getByRole('region', { name: 'Called by' });
    expect(within(callers).getByRole('button', { name: 'echo-consumer' })).toBeInTheDocument();
  });

  it('shows a database reached over TCP alone (L4: connections, no requests) with its bytes and connections', async () => {
    server.use(http.get('*/api/v1/topology', () => HttpResponse.json(echoGraphWithDatabase())));
    renderApp('/topology');
    expect(await screen.findByText('3 nodes, 2 edges')).toBeInTheDocument();
    await userEvent.type(screen.getByRole('searchbox', { name: 'Find' }), 'mysql');
    const results = await screen.findByRole('region', { name: 'Nodes found' });
    await userEvent.click(within(results).getByRole('button', { name: 'mysql' }));
    const panel = await screen.findByRole('dialog', {}, { timeout: 5000 });
    expect(within(panel).getByText('Connections opened/s').closest('tr')).toHaveTextContent('2');
    expect(within(panel).getByText('TCP bytes sent/s').closest('tr')).toHaveTextContent('9 kB');
    // Its caller is listed though it sent no requests: by the bytes of the connections.
    const callers = within(panel).getByRole('region', { name: 'Called by' });
    expect(within(callers).getByRole('button', { name: 'echo-consumer' })).toBeInTheDocument();
    expect(callers).toHaveTextContent('TCP 9.5 kB/s');
  });

  it('keeps its filters in the URL, starts from them, and shows found nodes over the page, not in its flow', async () => {
    const asked: URLSearchParams[] = [];
    server.use(
      http.get('*/api/v1/topology', ({ request }) => {
        asked.push(new URL(request.url).searchParams);
        return HttpResponse.json(graph);
      }),
    );
    const user = userEvent.setup();
    const { location } = renderApp('/topology?graph=app&namespace=dubbo-demo&hideIdleNodes=1&hideName=zzz');
    await screen.findByText(/nodes?, 1 edges|nodes?, 0 edges/);
    expect(asked.at(-1)?.get('graphType')).toBe('app');
    expect(asked.at(-1)?.get('namespace')).toBe('dubbo-demo');
    expect(screen.getByRole('checkbox', { name: 'Hide idle nodes' })).toBeChecked();
    expect(screen.getByRole('textbox', { name: 'Hide by name' })).toHaveValue('zzz');

    await user.click(screen.getByRole('checkbox', { name: 'Hide idle edges' }));
    await waitFor(() => expect(location.search.get('hideIdleEdges')).toBe('1'));
    await user.click(screen.getByRole('checkbox', { name: 'Hide idle nodes' }));
    await waitFor(() => expect(location.search.get('hideIdleNodes')).toBeNull());
    expect(location.search.get('graph')).toBe('app');

    await user.type(screen.getByRole('searchbox', { name: 'Find' }), 'echo');
    const results = await screen.findByRole('region', { name: 'Nodes found' });
    expect(results).toHaveStyle({ position: 'absolute' });
  });

  it('says when there is nothing to draw', async () => {
    server.use(http.get('*/api/v1/topology', () => HttpResponse.json({ ...graph, nodes: [], edges: [] })));
    renderApp('/topology');
    expect(await screen.findByText('Nothing to draw')).toBeInTheDocument();
  });

  it('shows the server’s message when telemetry is unavailable', async () => {
    server.use(
      http.get('*/api/v1/topology', () =>
        HttpResponse.json(
          { code: 'TelemetryUnavailable', message: 'No telemetry: set PROMETHEUS_URL' },
          { status: 503 },
        ),
      ),
    );
    renderApp('/topology');
    expect(await screen.findByText('Could not load the topology')).toBeInTheDocument();
    expect(screen.getByText('No telemetry: set PROMETHEUS_URL')).toBeInTheDocument();
  });
});
