import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { apiDelete, apiGet, apiPath, apiPost, apiPut } from '../../lib/api';
import type {
  PreviewResponse,
  RevisionList,
  RouteFormValue,
  RouteListResponse,
  RouteRule,
  RouteYamlBody,
} from './contract';

/** What a write sends: the form, or YAML for a rule the form cannot show. */
export type RouteWriteBody = RouteFormValue | RouteYamlBody;

/**
 * Hierarchical keys: everything of one service lives under `['routing', serviceId]`, so a write
 * invalidates the list, the rules and their histories at once.
 */
export const routingKeys = {
  all: ['routing'] as const,
  service: (serviceId: string) => [...routingKeys.all, serviceId] as const,
  list: (serviceId: string) => [...routingKeys.service(serviceId), 'list'] as const,
  rule: (serviceId: string, name: string) => [...routingKeys.service(serviceId), 'rule', name] as const,
  revisions: (serviceId: string, name: string) =>
    [...routingKeys.service(serviceId), 'revisions', name] as const,
};

const routesPath = (serviceId: string, ...rest: (string | number)[]) =>
  apiPath(['services', serviceId, 'routes', ...rest]);

/**
 * The kinds of rule with the same revision history and rollback API (routes, rate limits), so the
 * history drawer serves both. Each keeps its queries under its own root key.
 */
export type ChangeResource = 'routes' | 'ratelimits';

export const changeKeys = {
  service: (resource: ChangeResource, serviceId: string) =>
    resource === 'routes' ? routingKeys.service(serviceId) : (['ratelimits', serviceId] as const),
  revisions: (resource: ChangeResource, serviceId: string, name: string) =>
    resource === 'routes'
      ? routingKeys.revisions(serviceId, name)
      : ([...changeKeys.service(resource, serviceId), 'revisions', name] as const),
};

export function routeListQuery(serviceId: string) {
  return queryOptions({
    queryKey: routingKeys.list(serviceId),
    queryFn: ({ signal }) => apiGet<RouteListResponse>(routesPath(serviceId), { signal }),
  });
}

/** One rule as it is live now; always fetched fresh (it is what a conflict is resolved against). */
export function routeRuleQuery(serviceId: string, name: string) {
  return queryOptions({
    queryKey: routingKeys.rule(serviceId, name),
    queryFn: ({ signal }) => apiGet<RouteRule>(routesPath(serviceId, name), { signal }),
    staleTime: 0,
  });
}

export function revisionsQuery(serviceId: string, name: string, resource: ChangeResource = 'routes') {
  return queryOptions({
    queryKey: changeKeys.revisions(resource, serviceId, name),
    queryFn: ({ signal }) =>
      apiGet<RevisionList>(apiPath(['services', serviceId, resource, name, 'revisions']), { signal }),
    staleTime: 0,
  });
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('The server answered without a body');
  return value;
}

/** Plans a change and shows it; nothing is written. */
export function usePreviewRoute(serviceId: string) {
  return useMutation({
    mutationFn: async (body: RouteWriteBody) =>
      required(await apiPost<PreviewResponse>(routesPath(serviceId, 'preview'), body)),
  });
}

export interface SaveRouteInput {
  /** The rule's name when it exists (PUT); absent to create it (POST). */
  existing?: string;
  body: RouteWriteBody;
}

export function useSaveRoute(serviceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ existing, body }: SaveRouteInput) =>
      required(
        existing === undefined
          ? await apiPost<RouteRule>(routesPath(serviceId), body)
          : await apiPut<RouteRule>(routesPath(serviceId, existing), body),
      ),
    // A conflict means the list is stale too, so refresh after failures as well.
    onSettled: () => queryClient.invalidateQueries({ queryKey: routingKeys.service(serviceId) }),
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

export interface RollbackInput {
  name: string;
  revision: number;
  comment?: string;
}

/** Restores a revision; resolves with the rule, or undefined when the restored state is "deleted". */
export function useRollbackRoute(serviceId: string, resource: ChangeResource = 'routes') {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ name, revision, comment }: RollbackInput) =>
      apiPost<unknown>(apiPath(['services', serviceId, resource, name, 'revisions', revision, 'rollback']), {
        ...(comment ? { comment } : {}),
      }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: changeKeys.service(resource, serviceId) }),
  });
}
