import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { apiDelete, apiGet, apiPath } from '../../lib/api';
import { changeKeys, rulePath } from '../rules/queries';
import type { RateLimitListResponse } from './contract';

/**
 * Hierarchical keys: everything of one service lives under `['ratelimits', serviceId]` (shared with
 * the editor and the history drawer), so a write invalidates the list and the histories at once.
 */
const rateLimitKeys = {
  service: (serviceId: string) => changeKeys.service('ratelimits', serviceId),
  list: (serviceId: string) => [...rateLimitKeys.service(serviceId), 'list'] as const,
};

export function rateLimitListQuery(serviceId: string) {
  return queryOptions({
    queryKey: rateLimitKeys.list(serviceId),
    queryFn: ({ signal }) => apiGet<RateLimitListResponse>(rulePath('ratelimits', serviceId), { signal }),
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
