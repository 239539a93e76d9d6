import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { GRAPH_TYPES } from './contract';
import type { GraphType } from './contract';
import type { LayoutName } from './layout';
import { NO_HIDING } from './model';
import type { HideOptions } from './model';

export type LayoutChoice = 'auto' | LayoutName;

export interface TopologyFilters {
  graphType: GraphType;
  namespace: string | null;
  layout: LayoutChoice;
  hide: HideOptions;
}

const DEFAULTS: TopologyFilters = {
  graphType: 'versionedApp',
  namespace: null,
  layout: 'auto',
  hide: NO_HIDING,
};
const LAYOUTS: readonly LayoutChoice[] = ['auto', 'layered', 'fast'];

/**
 * The topology's filters as the URL keeps them (`?graph=app&namespace=shop&layout=fast&hideName=cart&
 * hideErrorsAbove=5&hideIdleNodes=1&hideIdleEdges=1`), like the window: a reload or a shared link shows
 * the same graph. Defaults are left out, so plain /topology stays plain.
 */
function parseTopologyFilters(search: URLSearchParams): TopologyFilters {
  const graph = search.get('graph') as GraphType | null;
  const layout = search.get('layout') as LayoutChoice | null;
  const errorsAbove = Number(search.get('hideErrorsAbove'));
  return {
    graphType: graph && GRAPH_TYPES.includes(graph) ? graph : DEFAULTS.graphType,
    namespace: search.get('namespace') || null,
    layout: layout && LAYOUTS.includes(layout) ? layout : DEFAULTS.layout,
    hide: {
      name: search.get('hideName') ?? '',
      errorRateAbove:
        search.get('hideErrorsAbove') !== null &&
        Number.isFinite(errorsAbove) &&
        errorsAbove >= 0 &&
        errorsAbove <= 100
          ? errorsAbove
          : null,
      idleNodes: search.get('hideIdleNodes') === '1',
      idleEdges: search.get('hideIdleEdges') === '1',
    },
  };
}

function writeTopologyFilters(filters: TopologyFilters, into: URLSearchParams): URLSearchParams {
  const search = new URLSearchParams(into);
  const set = (key: string, value: string | null) =>
    value === null ? search.delete(key) : search.set(key, value);
  set('graph', filters.graphType === DEFAULTS.graphType ? null : filters.graphType);
  set('namespace', filters.namespace);
  set('layout', filters.layout === DEFAULTS.layout ? null : filters.layout);
  set('hideName', filters.hide.name ? filters.hide.name : null);
  set('hideErrorsAbove', filters.hide.errorRateAbove === null ? null : String(filters.hide.errorRateAbove));
  set('hideIdleNodes', filters.hide.idleNodes ? '1' : null);
  set('hideIdleEdges', filters.hide.idleEdges ? '1' : null);
  return search;
}

/** The filters, and a setter that changes some of them in the URL (replacing, not pushing, history). */
export function useTopologyFilters(): [
  TopologyFilters,
  (change: (f: TopologyFilters) => TopologyFilters) => void,
] {
  const [searchParams, setSearchParams] = useSearchParams();
  // One object per address, not per render: the page's memos and effects depend on `hide`.
  const filters = useMemo(() => parseTopologyFilters(searchParams), [searchParams]);
  const update = useCallback(
    (change: (f: TopologyFilters) => TopologyFilters) =>
      setSearchParams((current) => writeTopologyFilters(change(parseTopologyFilters(current)), current), {
        replace: true,
      }),
    [setSearchParams],
  );
  return [filters, update];
}
