import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { apiDelete, apiGet, apiPath, apiPost } from '../../lib/api';
import type { ApiTokenList, CreateTokenBody, CreatedToken, LocalUserList } from '../auth/contract';

export const tokensQuery = queryOptions({
  queryKey: ['admin', 'tokens'],
  queryFn: ({ signal }) => apiGet<ApiTokenList>(apiPath(['admin', 'tokens']), { signal }),
});

export const usersQuery = queryOptions({
  queryKey: ['admin', 'users'],
  queryFn: ({ signal }) => apiGet<LocalUserList>(apiPath(['admin', 'users']), { signal }),
});

export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: CreateTokenBody) =>
      (await apiPost<CreatedToken>(apiPath(['admin', 'tokens']), body)) as CreatedToken,
    onSettled: () => queryClient.invalidateQueries({ queryKey: tokensQuery.queryKey }),
  });
}

export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiDelete(apiPath(['admin', 'tokens', id])),
    onSettled: () => queryClient.invalidateQueries({ queryKey: tokensQuery.queryKey }),
  });
}
