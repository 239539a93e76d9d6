// @vitest-environment jsdom
import '../../test/setup';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { renderApp } from '../../test/render';
import { server } from '../../test/server';
import { ECHO_ID as ECHO } from '../../test/fixtures';
import { echoGraph, echoGraphWithDatabase } from './testing';

// The canvas (G6) does not run in jsdom: a stand-in records what the page asks it to draw.
const drawn = vi.hoisted(() => ({
  shows: [] as { nodes: number }[],
  updates: 0,
  /** What a click on the canvas calls. */
  onSelect: null as ((s: { kind: 'node' | 'edge'; id: string } | null) => void) | null,
}));
vi.mock('./renderer', () => ({
  createRenderer: (_container: unknown, events: { onSelect: typeof drawn.onSelect }) => {
    drawn.onSelect = events.onSelect;
    return {
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
    };
  },
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

  it('marks an mTLS edge with a lock: on the canvas, in its node’s panel and in its own', async () => {
    server.use(http.get('*/api/v1/topology', () => HttpResponse.json(echoGraphWithDatabase())));
    renderApp('/topology');
    expect(await screen.findByText('3 nodes, 2 edges')).toBeInTheDocument();
    const canvas = screen.getByTestId('topology-canvas');
    // What the canvas draws a lock on, by the nodes' namespace and label; the L4 edge says nothing.
    expect(canvas).toHaveAttribute('data-mtls-edges', 'dubbo-demo/echo-consumer → dubbo-demo/echo-provider');
    expect(canvas).toHaveAttribute('data-plaintext-edges', '');

    await userEvent.type(screen.getByRole('searchbox', { name: 'Find' }), 'echo-consumer');
    const results = await screen.findByRole('region', { name: 'Nodes found' });
    await userEvent.click(within(results).getByRole('button', { name: 'echo-consumer' }));
    const panel = await screen.findByRole('dialog', {}, { timeout: 5000 });
    const calls = within(panel).getByRole('region', { name: 'Calls' });
    const toProvider = within(calls).getByRole('button', { name: 'echo-provider' }).closest('li');
    expect(within(toProvider as HTMLElement).getByRole('img', { name: 'mTLS' })).toBeInTheDocument();
    const toDatabase = within(calls).getByRole('button', { name: 'mysql' }).closest('li');
    expect(within(toDatabase as HTMLElement).queryByRole('img', { name: /mTLS|plaintext/ })).toBeNull();
  });

  it('an edge’s panel says how its requests arrived', async () => {
    const graph = echoGraphWithDatabase();
    server.use(http.get('*/api/v1/topology', () => HttpResponse.json(graph)));
    drawn.onSelect = null;
    renderApp('/topology');
    expect(await screen.findByText('3 nodes, 2 edges')).toBeInTheDocument();
    // This page's canvas is ready (its renderer made).
    await waitFor(() => expect(drawn.onSelect).not.toBeNull());
    const [secured, l4] = graph.edges;
    // A click on the edge in the canvas.
    act(() => drawn.onSelect?.({ kind: 'edge', id: secured?.id ?? '' }));
    const panel = await screen.findByRole('dialog', {}, { timeout: 5000 });
    expect(within(panel).getByText('echo-consumer → echo-provider')).toBeInTheDocument();
    const row = within(panel).getByText('Security').closest('tr') as HTMLElement;
    expect(within(row).getByRole('img', { name: 'mTLS' })).toBeInTheDocument();
    act(() => drawn.onSelect?.({ kind: 'edge', id: l4?.id ?? '' }));
    await waitFor(() => expect(screen.getByText('echo-consumer → mysql')).toBeInTheDocument());
    const l4Panel = screen.getByRole('dialog');
    expect(within(l4Panel).getByText('Security').closest('tr')).toHaveTextContent(/Not known/);
  });

  it('says "plaintext" on an edge whose requests came in plaintext, and "mTLS" on one over mutual TLS', async () => {
    const g = echoGraph();
    const [edge] = g.edges;
    if (!edge) throw new Error('no edge');
    server.use(
      http.get('*/api/v1/topology', () =>
        HttpResponse.json({ ...g, edges: [{ ...edge, security: 'none' }] }),
      ),
    );
    renderApp('/topology');
    expect(await screen.findByText('2 nodes, 1 edges')).toBeInTheDocument();
    const canvas = screen.getByTestId('topology-canvas');
    expect(canvas).toHaveAttribute(
      'data-plaintext-edges',
      'dubbo-demo/echo-consumer → dubbo-demo/echo-provider',
    );
    expect(canvas).toHaveAttribute('data-mtls-edges', '');
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
