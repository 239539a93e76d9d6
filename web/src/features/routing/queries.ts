import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { apiDelete, apiGet, apiPath } from '../../lib/api';
import { changeKeys, rulePath } from '../rules/queries';
import type { RouteFormValue, RouteListResponse, RouteYamlBody } from './contract';

/** What a write sends: the form, or YAML for a rule the form cannot show. */
export type RouteWriteBody = RouteFormValue | RouteYamlBody;

/**
 * Hierarchical keys: everything of one service lives under `['routing', serviceId]`, so a write
 * invalidates the list, the rules and their histories at once (`changeKeys` of the rules).
 */
const routingKeys = {
  service: (serviceId: string) => changeKeys.service('routes', serviceId),
  list: (serviceId: string) => [...routingKeys.service(serviceId), 'list'] as const,
};

export function routeListQuery(serviceId: string) {
  return queryOptions({
    queryKey: routingKeys.list(serviceId),
    queryFn: ({ signal }) => apiGet<RouteListResponse>(rulePath('routes', serviceId), { signal }),
  });
}

export interface DeleteRouteInput {
  name: string;
  resourceVersion: string;
  comment?: string;
}

export function useDeleteRoute(serviceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ name, resourceVersion, comment }: DeleteRouteInput) => {
      await apiDelete(apiPath(['services', serviceId, 'routes', name], { resourceVersion, comment }));
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: routingKeys.service(serviceId) }),
  });
}
