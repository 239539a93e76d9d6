import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { CreateUserBody, UpdateUserBody } from '../../../../bff/src/contract/auth';
import { apiDelete, apiGet, apiPatch, apiPath, apiPost } from '../../lib/api';
import type { ApiTokenList, CreateTokenBody, CreatedToken, LocalUser, LocalUserList } from '../auth/contract';

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

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: CreateUserBody) =>
      (await apiPost<LocalUser>(apiPath(['admin', 'users']), body)) as LocalUser,
    onSettled: () => queryClient.invalidateQueries({ queryKey: usersQuery.queryKey }),
  });
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ name, change }: { name: string; change: UpdateUserBody }) =>
      (await apiPatch<LocalUser>(apiPath(['admin', 'users', name]), change)) as LocalUser,
    onSettled: () => queryClient.invalidateQueries({ queryKey: usersQuery.queryKey }),
  });
}

export function useDeleteUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => apiDelete(apiPath(['admin', 'users', name])),
    onSettled: () => queryClient.invalidateQueries({ queryKey: usersQuery.queryKey }),
  });
}
