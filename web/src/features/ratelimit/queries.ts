import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { apiDelete, apiGet, apiPath, apiPost, apiPut } from '../../lib/api';
import { changeKeys } from '../routing/queries';
import type { RateLimitFormValue, RateLimitListResponse, RateLimitPreview, RateLimitRule } from './contract';

/**
 * Hierarchical keys: everything of one service lives under `['ratelimits', serviceId]` (shared with
 * the history drawer), so a write invalidates the list and the histories at once.
 */
export const rateLimitKeys = {
  service: (serviceId: string) => changeKeys.service('ratelimits', serviceId),
  list: (serviceId: string) => [...rateLimitKeys.service(serviceId), 'list'] as const,
};

const path = (serviceId: string, ...rest: (string | number)[]) =>
  apiPath(['services', serviceId, 'ratelimits', ...rest]);

export function rateLimitListQuery(serviceId: string) {
  return queryOptions({
    queryKey: rateLimitKeys.list(serviceId),
    queryFn: ({ signal }) => apiGet<RateLimitListResponse>(path(serviceId), { signal }),
  });
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('The server answered without a body');
  return value;
}

/** Plans a change and shows it, after the control plane's dry run; nothing is written. */
export function usePreviewRateLimit(serviceId: string) {
  return useMutation({
    mutationFn: async (body: RateLimitFormValue) =>
      required(await apiPost<RateLimitPreview>(path(serviceId, 'preview'), body)),
  });
}

export function useSaveRateLimit(serviceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ existing, body }: { existing?: string; body: RateLimitFormValue }) =>
      required(
        existing === undefined
          ? await apiPost<RateLimitRule>(path(serviceId), body)
          : await apiPut<RateLimitRule>(path(serviceId, existing), body),
      ),
    // A conflict means the list is stale too, so refresh after failures as well.
    onSettled: () => queryClient.invalidateQueries({ queryKey: rateLimitKeys.service(serviceId) }),
  });
}

export function useDeleteRateLimit(serviceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ name, resourceVersion }: { name: string; resourceVersion: string }) => {
      await apiDelete(apiPath(['services', serviceId, 'ratelimits', name], { resourceVersion }));
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: rateLimitKeys.service(serviceId) }),
  });
}
