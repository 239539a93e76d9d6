import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { API_BASE, apiGet, apiPath, apiPost } from '../../lib/api';
import { changeKeys } from '../rules/queries';
import type { PreviewResponse, ReleaseAction, ReleaseFormInput, ReleaseList, ReleaseView } from './contract';

/** Everything of the service's routes: a release writes their weights. */
const ROUTES_KEY = (serviceId: string) => changeKeys.service('routes', serviceId);

/** How often a release is asked for while its event stream is not open (connecting, or given up). */
export const RELEASE_POLL_MS = 5_000;

/** Hierarchical keys: everything of one service's releases lives under `['releases', serviceId]`. */
const releaseKeys = {
  service: (serviceId: string) => ['releases', serviceId] as const,
  list: (serviceId: string) => [...releaseKeys.service(serviceId), 'list'] as const,
  release: (serviceId: string, name: string) => [...releaseKeys.service(serviceId), 'release', name] as const,
};

const releasesPath = (serviceId: string, ...rest: string[]) =>
  apiPath(['services', serviceId, 'releases', ...rest]);

/** A release can still change: its stream is worth keeping open. */
export const isLive = (release: Pick<ReleaseView, 'status'>) =>
  release.status.phase === 'Progressing' || release.status.phase === 'Paused';

export function releaseListQuery(serviceId: string) {
  return queryOptions({
    queryKey: releaseKeys.list(serviceId),
    queryFn: ({ signal }) => apiGet<ReleaseList>(releasesPath(serviceId), { signal }),
  });
}

export function releaseQuery(serviceId: string, name: string) {
  return queryOptions({
    queryKey: releaseKeys.release(serviceId, name),
    queryFn: ({ signal }) => apiGet<ReleaseView>(releasesPath(serviceId, name), { signal }),
  });
}

/** A release's new state into the cache: its own entry and its row of the list, in place. */
function writeRelease(client: QueryClient, serviceId: string, release: ReleaseView): void {
  client.setQueryData(releaseKeys.release(serviceId, release.name), release);
  client.setQueryData<ReleaseList>(releaseKeys.list(serviceId), (old) => {
    if (!old) return old;
    const at = old.items.findIndex((r) => r.name === release.name);
    return at < 0
      ? { items: [release, ...old.items] }
      : { items: old.items.map((r, i) => (i === at ? release : r)) };
  });
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('The server answered without a body');
  return value;
}

/** The first stage's objects, after the control plane's dry run; nothing is written. */
export function usePreviewRelease(serviceId: string) {
  return useMutation({
    mutationFn: async (form: ReleaseFormInput) =>
      required(await apiPost<PreviewResponse>(releasesPath(serviceId, 'preview'), form)),
  });
}

export function useStartRelease(serviceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (form: ReleaseFormInput) =>
      required(await apiPost<ReleaseView>(releasesPath(serviceId), form)),
    onSuccess: (release) => writeRelease(queryClient, serviceId, release),
    // A 409 (one is already running) means the list is stale too; the routes change with a release.
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: releaseKeys.list(serviceId) }),
        queryClient.invalidateQueries({ queryKey: ROUTES_KEY(serviceId) }),
      ]),
  });
}

export function useReleaseAction(serviceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ name, action }: { name: string; action: ReleaseAction }) =>
      required(await apiPost<ReleaseView>(releasesPath(serviceId, name, action), {})),
    onSuccess: (release) => writeRelease(queryClient, serviceId, release),
    onSettled: (_data, _error, { name }) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: releaseKeys.release(serviceId, name) }),
        queryClient.invalidateQueries({ queryKey: ROUTES_KEY(serviceId) }),
      ]),
  });
}

/** `connecting` until the first event or open, `open`, or `closed` (not live, or no EventSource here). */
export type ReleaseStreamState = 'connecting' | 'open' | 'closed';

const MAX_BACKOFF_MS = 30_000;

/**
 * A release's events (`GET .../releases/{name}/events`) into the react-query cache while the release
 * can still change: each `release` event is the whole view, written over the release's entry and its
 * row of the list, so the panel and its charts update in place. A browser's EventSource gives up on
 * an HTTP error, so a closed stream is reopened with backoff; meanwhile the caller polls.
 */
export function useReleaseEvents(serviceId: string, name: string, enabled: boolean): ReleaseStreamState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<ReleaseStreamState>('closed');

  useEffect(() => {
    const EventSourceImpl = globalThis.EventSource as typeof EventSource | undefined;
    if (!enabled || typeof EventSourceImpl !== 'function') {
      setState('closed');
      return undefined;
    }
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let stopped = false;
    const url = `${API_BASE}/services/${encodeURIComponent(serviceId)}/releases/${encodeURIComponent(name)}/events`;

    const open = () => {
      setState('connecting');
      const current = new EventSourceImpl(url);
      source = current;
      current.onopen = () => {
        failures = 0;
        setState('open');
      };
      current.onerror = () => {
        // The browser retries a dropped connection itself; a refused one ends the stream for good.
        if (current.readyState !== 2 || stopped) return;
        setState('closed');
        failures += 1;
        const delay = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** (failures - 1));
        timer = setTimeout(open, delay / 2 + (Math.random() * delay) / 2);
      };
      current.addEventListener('release', (event) => {
        let release: ReleaseView;
        try {
          release = JSON.parse((event as MessageEvent<string>).data) as ReleaseView;
        } catch {
          return; // Not ours to show; the next event will do.
        }
        if (release.name !== name) return;
        setState('open');
        const before = queryClient.getQueryData<ReleaseView>(releaseKeys.release(serviceId, name));
        writeRelease(queryClient, serviceId, release);
        // A new stage wrote new weights: the Routes tab's rules show them too.
        if (before?.status.step !== release.status.step || before.status.phase !== release.status.phase) {
          void queryClient.invalidateQueries({ queryKey: ROUTES_KEY(serviceId) });
        }
      });
      // The release object is gone (deleted with kubectl): the list says what is left.
      current.addEventListener('deleted', () => {
        void queryClient.invalidateQueries({ queryKey: releaseKeys.list(serviceId) });
      });
    };
    open();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      source?.close();
    };
  }, [queryClient, serviceId, name, enabled]);

  return enabled ? state : 'closed';
}
