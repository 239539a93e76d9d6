import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { apiDelete, apiGet, apiPath } from '../../lib/api';
import type { ChangeResource } from '../rules/queries';
import { changeKeys, rulePath } from '../rules/queries';
import type { AccessPolicyList, AccessPolicySuggestion, PeerAuthenticationList } from './contract';

/** The two kinds of security rule, by their path under `/services/{id}/`. */
export const MTLS_RESOURCE = 'peer-authentications' satisfies ChangeResource;
export const ACCESS_RESOURCE = 'access-policies' satisfies ChangeResource;

/**
 * Hierarchical keys: everything of one kind on one service lives under `[path, serviceId]` (shared
 * with the editor and the history drawer), so a write invalidates the list and the histories at once.
 */
const securityKeys = {
  service: (resource: ChangeResource, serviceId: string) => changeKeys.service(resource, serviceId),
  list: (resource: ChangeResource, serviceId: string) =>
    [...securityKeys.service(resource, serviceId), 'list'] as const,
};

export function peerAuthenticationListQuery(serviceId: string) {
  return queryOptions({
    queryKey: securityKeys.list(MTLS_RESOURCE, serviceId),
    queryFn: ({ signal }) => apiGet<PeerAuthenticationList>(rulePath(MTLS_RESOURCE, serviceId), { signal }),
  });
}

export function accessPolicyListQuery(serviceId: string) {
  return queryOptions({
    queryKey: securityKeys.list(ACCESS_RESOURCE, serviceId),
    queryFn: ({ signal }) => apiGet<AccessPolicyList>(rulePath(ACCESS_RESOURCE, serviceId), { signal }),
  });
}

/** "Allow what is seen now": an ALLOW policy for the callers observed over `window`. */
export function accessPolicySuggestionQuery(serviceId: string, window = '5m') {
  return queryOptions({
    queryKey: [...securityKeys.service(ACCESS_RESOURCE, serviceId), 'suggestion', window] as const,
    queryFn: ({ signal }) =>
      apiGet<AccessPolicySuggestion>(
        apiPath(['services', serviceId, 'access-policies', 'suggestion'], { window }),
        { signal },
      ),
    staleTime: 0,
  });
}

/** Deletes a rule of either kind, based on the resourceVersion the operator saw. */
export function useDeleteSecurityRule(resource: ChangeResource, serviceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ name, resourceVersion }: { name: string; resourceVersion: string }) => {
      await apiDelete(apiPath(['services', serviceId, resource, name], { resourceVersion }));
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: securityKeys.service(resource, serviceId) }),
  });
}
