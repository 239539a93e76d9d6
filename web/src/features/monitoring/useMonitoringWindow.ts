import { useCallback } from 'react';
import { useSearchParams } from 'react-router';
import { DEFAULT_WINDOW, isMonitoringWindow } from './contract';
import type { MonitoringWindow } from './contract';

const WINDOW_PARAM = 'window';

/**
 * The time window, kept in the URL (`?window=1h`) like the catalog's filters: a reload or a shared link
 * keeps it, and every panel of a page (the service's metrics and its consumers) reads the same one, so
 * they share one query and one stream.
 */
export function useMonitoringWindow(): [MonitoringWindow, (window: MonitoringWindow) => void] {
  const [searchParams, setSearchParams] = useSearchParams();
  const param = searchParams.get(WINDOW_PARAM);
  const window = isMonitoringWindow(param) ? param : DEFAULT_WINDOW;
  const setWindow = useCallback(
    (next: MonitoringWindow) => {
      setSearchParams(
        (current) => {
          const search = new URLSearchParams(current);
          if (next === DEFAULT_WINDOW) search.delete(WINDOW_PARAM);
          else search.set(WINDOW_PARAM, next);
          return search;
        },
        { replace: true },
      );
    },
    [setSearchParams],
  );
  return [window, setWindow];
}
