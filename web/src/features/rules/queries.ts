import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiPath, apiPost, apiPut } from '../../lib/api';
import type { RevisionList } from './contract';

/**
 * The kinds of rule, by their path under `/services/{id}/` (the BFF's `RuleKindDoc.path`). Each has
 * the same life (preview, create, read, update, delete, revisions, rollback), so the editor, the
 * history drawer and these queries serve all of them.
 */
export type ChangeResource = 'routes' | 'ratelimits' | 'peer-authentications' | 'access-policies';

/** Each kind keeps its queries under its own root key, its path (routing's name predates this). */
const rootOf = (resource: ChangeResource) => (resource === 'routes' ? 'routing' : resource);

/**
 * Hierarchical keys: everything of one kind on one service lives under `[root, serviceId]`, so a
 * write invalidates the list, the rules and their histories at once.
 */
export const changeKeys = {
  service: (resource: ChangeResource, serviceId: string) => [rootOf(resource), serviceId] as const,
  rule: (resource: ChangeResource, serviceId: string, name: string) =>
    [...changeKeys.service(resource, serviceId), 'rule', name] as const,
  revisions: (resource: ChangeResource, serviceId: string, name: string) =>
    [...changeKeys.service(resource, serviceId), 'revisions', name] as const,
};

export const rulePath = (resource: ChangeResource, serviceId: string, ...rest: (string | number)[]) =>
  apiPath(['services', serviceId, resource, ...rest]);

/** One rule as it is live now; always fetched fresh (it is what a conflict is resolved against). */
export function ruleQuery<Rule>(resource: ChangeResource, serviceId: string, name: string) {
  return queryOptions({
    queryKey: changeKeys.rule(resource, serviceId, name),
    queryFn: ({ signal }) => apiGet<Rule>(rulePath(resource, serviceId, name), { signal }),
    staleTime: 0,
  });
}

export function revisionsQuery(resource: ChangeResource, serviceId: string, name: string) {
  return queryOptions({
    queryKey: changeKeys.revisions(resource, serviceId, name),
    queryFn: ({ signal }) =>
      apiGet<RevisionList>(rulePath(resource, serviceId, name, 'revisions'), { signal }),
    staleTime: 0,
  });
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('The server answered without a body');
  return value;
}

/** Plans a change and shows it, after the control plane's dry run; nothing is written. */
export function usePreviewRule<Body, Preview>(resource: ChangeResource, serviceId: string) {
  return useMutation({
    mutationFn: async (body: Body) =>
      required(await apiPost<Preview>(rulePath(resource, serviceId, 'preview'), body)),
  });
}

export interface SaveRuleInput<Body> {
  /** The rule's name when it exists (PUT); absent to create it (POST). */
  existing?: string | undefined;
  body: Body;
}

export function useSaveRule<Body, Rule>(resource: ChangeResource, serviceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ existing, body }: SaveRuleInput<Body>) =>
      required(
        existing === undefined
          ? await apiPost<Rule>(rulePath(resource, serviceId), body)
          : await apiPut<Rule>(rulePath(resource, serviceId, existing), body),
      ),
    // A conflict means the list is stale too, so refresh after failures as well.
    onSettled: () => queryClient.invalidateQueries({ queryKey: changeKeys.service(resource, serviceId) }),
  });
}

export interface RollbackInput {
  name: string;
  revision: number;
  comment?: string;
}

/** Restores a revision; resolves with the rule, or undefined when the restored state is "deleted". */
export function useRollbackRule(resource: ChangeResource, serviceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ name, revision, comment }: RollbackInput) =>
      apiPost<unknown>(rulePath(resource, serviceId, name, 'revisions', revision, 'rollback'), {
        ...(comment ? { comment } : {}),
      }),
    // The operator is told as soon as the control plane took the rollback: the rules and the
    // history are read again behind that notice, not before it (the promise is not returned).
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: changeKeys.service(resource, serviceId) });
    },
  });
}
