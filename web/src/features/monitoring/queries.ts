import { keepPreviousData, queryOptions, skipToken, useQuery } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { apiGet, apiPath, isApiError } from '../../lib/api';
import { cacheWrite, useLiveSubscription } from '../../lib/sse';
import type { StreamCacheWrite, StreamEvent } from '../../lib/sse';
import { STREAM_EVENTS } from './contract';
import type {
  ApplicationList,
  ApplicationListQuery,
  MonitoringOverview,
  MonitoringWindow,
  ServiceMetrics,
  TelemetryStreamError,
} from './contract';

/** What the applications table asks for beside the window: search, order and page. */
export type ApplicationListParams = Omit<ApplicationListQuery, 'window'>;

/** How often to ask when the stream is not sending (closed, reconnecting, or on another window). */
export const POLL_INTERVAL_MS = 10_000;

/** The stream's topic of the overview; a service's topic is its ID. */
const OVERVIEW_TOPIC = 'overview';

/** Hierarchical keys: invalidating `monitoringKeys.all` refreshes every monitoring query. */
export const monitoringKeys = {
  all: ['monitoring'] as const,
  overviews: () => [...monitoringKeys.all, 'overview'] as const,
  overview: (window: MonitoringWindow) => [...monitoringKeys.overviews(), window] as const,
  applicationLists: () => [...monitoringKeys.all, 'applications'] as const,
  applications: (window: MonitoringWindow, params: ApplicationListParams) =>
    [...monitoringKeys.applicationLists(), window, params] as const,
  services: () => [...monitoringKeys.all, 'service'] as const,
  service: (id: string, window: MonitoringWindow) => [...monitoringKeys.services(), id, window] as const,
  /** The last `telemetry-error` of a topic, null once an update of it succeeded. Only the stream writes it. */
  streamError: (topic: string) => [...monitoringKeys.all, 'stream-error', topic] as const,
};

interface Timestamped {
  updatedAt: string;
}

/** The later of two answers for the same key: a slow request must not undo a newer stream event. */
function newer<T extends Timestamped>(current: T | undefined, next: T): T {
  return current && Date.parse(current.updatedAt) > Date.parse(next.updatedAt) ? current : next;
}

function clearStreamError(client: QueryClient, topic: string): void {
  if (client.getQueryData(monitoringKeys.streamError(topic))) {
    client.setQueryData(monitoringKeys.streamError(topic), null);
  }
}

function overviewQuery(window: MonitoringWindow) {
  return queryOptions({
    queryKey: monitoringKeys.overview(window),
    queryFn: async ({ signal, client, queryKey }) => {
      const fresh = await apiGet<MonitoringOverview>(apiPath(['monitoring', 'overview'], { window }), {
        signal,
      });
      clearStreamError(client, OVERVIEW_TOPIC);
      return newer(client.getQueryData<MonitoringOverview>(queryKey), fresh);
    },
    // A new window keeps the old figures on screen until its own arrive.
    placeholderData: keepPreviousData,
  });
}

function applicationListQuery(window: MonitoringWindow, params: ApplicationListParams) {
  return queryOptions({
    queryKey: monitoringKeys.applications(window, params),
    queryFn: async ({ signal, client, queryKey }) => {
      const fresh = await apiGet<ApplicationList>(
        apiPath(['monitoring', 'applications'], {
          window,
          q: params.q,
          sort: params.sort,
          order: params.order,
          page: params.page,
          pageSize: params.pageSize,
        }),
        { signal },
      );
      return newer(client.getQueryData<ApplicationList>(queryKey), fresh);
    },
    // Typing, sorting and paging keep the previous rows on screen until the next ones arrive.
    placeholderData: keepPreviousData,
  });
}

export function serviceMetricsQuery(serviceId: string, window: MonitoringWindow) {
  return queryOptions({
    queryKey: monitoringKeys.service(serviceId, window),
    queryFn: async ({ signal, client, queryKey }) => {
      const fresh = await apiGet<ServiceMetrics>(apiPath(['services', serviceId, 'metrics'], { window }), {
        signal,
      });
      clearStreamError(client, serviceId);
      return newer(client.getQueryData<ServiceMetrics>(queryKey), fresh);
    },
    placeholderData: keepPreviousData,
  });
}

function errorWrites(event: StreamEvent, topic: string): StreamCacheWrite[] {
  const error = event.data as TelemetryStreamError;
  if (event.type !== STREAM_EVENTS.error || error.topic !== topic) return [];
  return [cacheWrite<TelemetryStreamError | null>(monitoringKeys.streamError(topic), () => error)];
}

// Only when there is an error to clear, so a healthy stream does not touch the entry every round.
function clearErrorWrite(topic: string): StreamCacheWrite {
  return cacheWrite<TelemetryStreamError | null>(monitoringKeys.streamError(topic), (old) =>
    old ? null : undefined,
  );
}

/** The cache writes an event implies for the overview. */
function overviewWrites(event: StreamEvent): StreamCacheWrite[] {
  if (event.type !== STREAM_EVENTS.overview) return errorWrites(event, OVERVIEW_TOPIC);
  const overview = event.data as MonitoringOverview;
  return [
    cacheWrite<MonitoringOverview>(monitoringKeys.overview(overview.window), (old) => newer(old, overview)),
    clearErrorWrite(OVERVIEW_TOPIC),
  ];
}

/** The cache writes an event implies for one service's metrics. */
function serviceMetricsWrites(event: StreamEvent, serviceId: string): StreamCacheWrite[] {
  if (event.type !== STREAM_EVENTS.serviceMetrics) return errorWrites(event, serviceId);
  const metrics = event.data as ServiceMetrics;
  if (metrics.serviceId !== serviceId) return [];
  return [
    cacheWrite<ServiceMetrics>(monitoringKeys.service(serviceId, metrics.window), (old) =>
      newer(old, metrics),
    ),
    clearErrorWrite(serviceId),
  ];
}

/** The last stream error of a topic, read from the cache. */
function useStreamError(topic: string): TelemetryStreamError | null {
  const { data } = useQuery<TelemetryStreamError | null>({
    queryKey: monitoringKeys.streamError(topic),
    queryFn: skipToken,
  });
  return data ?? null;
}

/** The overview over a window: fetched once, then kept current by the stream (or by polling without it). */
export function useLiveOverview(window: MonitoringWindow) {
  const { live, state } = useLiveSubscription({ window, overview: true }, overviewWrites);
  const query = useQuery({ ...overviewQuery(window), refetchInterval: live ? false : POLL_INTERVAL_MS });
  const streamError = useStreamError(OVERVIEW_TOPIC);
  return { query, live, streamState: state, streamError };
}

/** One service's metrics over a window, kept current like the overview. */
export function useLiveServiceMetrics(serviceId: string, window: MonitoringWindow) {
  const { live, state } = useLiveSubscription({ window, services: [serviceId] }, (event) =>
    serviceMetricsWrites(event, serviceId),
  );
  const query = useQuery({
    ...serviceMetricsQuery(serviceId, window),
    refetchInterval: live ? false : POLL_INTERVAL_MS,
  });
  const streamError = useStreamError(serviceId);
  return { query, live, streamState: state, streamError };
}

/**
 * A page of the applications table. The stream carries only the overview (every row at 20,000
 * applications was megabytes a round), so the page follows it: when the overview on screen was
 * measured after the page, the page is asked for again, its rows kept on screen meanwhile (a
 * refetch of the same key is no placeholder, so nothing shows as loading). A page that failed is
 * asked for again with the next overview, unless the request itself was wrong (4xx).
 */
export function useApplicationList(
  window: MonitoringWindow,
  params: ApplicationListParams,
  overviewUpdatedAt: string | undefined,
) {
  const query = useQuery(applicationListQuery(window, params));
  const { data, isPlaceholderData, isError, error, refetch } = query;
  const pageUpdatedAt = isPlaceholderData ? undefined : data?.updatedAt;
  const retryable = isError && !data && !(isApiError(error) && error.isClientError);
  const pageKey = JSON.stringify(monitoringKeys.applications(window, params));
  // What the page was last asked again for: once per page, overview and page answer, so a BFF
  // whose page is still older than the overview is not asked in a loop.
  const asked = useRef<string | null>(null);
  useEffect(() => {
    if (!overviewUpdatedAt) return;
    const behind = pageUpdatedAt ? Date.parse(overviewUpdatedAt) > Date.parse(pageUpdatedAt) : retryable;
    if (!behind) return;
    const attempt = `${pageKey} ${overviewUpdatedAt} ${pageUpdatedAt ?? 'failed'}`;
    if (asked.current === attempt) return;
    asked.current = attempt;
    void refetch({ cancelRefetch: false });
  }, [overviewUpdatedAt, pageUpdatedAt, retryable, pageKey, refetch]);
  return query;
}
