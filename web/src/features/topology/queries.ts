import { keepPreviousData, queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiPath } from '../../lib/api';
import { useLiveSubscription } from '../../lib/sse';
import type { MonitoringWindow } from '../monitoring/contract';
import { STREAM_EVENTS } from '../monitoring/contract';
import { POLL_INTERVAL_MS } from '../monitoring/queries';
import type { GraphType, TopologyGraph } from './contract';

export interface TopologyParams {
  graphType: GraphType;
  window: MonitoringWindow;
  namespace: string | null;
}

const topologyKeys = {
  all: ['topology'] as const,
  graph: (p: TopologyParams) => [...topologyKeys.all, p.graphType, p.window, p.namespace ?? ''] as const,
};

/** A graph fetched this recently is not refreshed by a stream event. */
const FRESH_FOR_MS = 2000;

function topologyQuery(p: TopologyParams) {
  return queryOptions({
    queryKey: topologyKeys.graph(p),
    queryFn: ({ signal }) =>
      apiGet<TopologyGraph>(
        apiPath(['topology'], { graphType: p.graphType, window: p.window, namespace: p.namespace }),
        { signal },
      ),
    // Another graph type or window keeps the old graph on screen until the new one arrives.
    placeholderData: keepPreviousData,
  });
}

/**
 * The graph, refreshed when the monitoring stream says new figures are in (its overview event, about
 * every 5 s): the graph is asked again and applied in place by the canvas. Without the stream it polls.
 */
export function useLiveTopology(p: TopologyParams) {
  const queryClient = useQueryClient();
  const { live, state } = useLiveSubscription({ window: p.window, overview: true }, (event) => {
    if (event.type !== STREAM_EVENTS.overview) return [];
    // The stream's first event comes as it connects, right after the page fetched the graph: a graph
    // younger than that is not asked (and drawn) again.
    const fetchedAt = queryClient.getQueryState(topologyKeys.graph(p))?.dataUpdatedAt ?? 0;
    if (Date.now() - fetchedAt >= FRESH_FOR_MS) {
      void queryClient.invalidateQueries({ queryKey: topologyKeys.graph(p), exact: true });
    }
    return [];
  });
  const query = useQuery({ ...topologyQuery(p), refetchInterval: live ? false : POLL_INTERVAL_MS });
  return { query, live, streamState: state };
}
