import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { apiGet, apiPath } from '../../lib/api';
import type { Protocol, ServiceDetail, ServiceListResponse } from '../../lib/contract';

/** What the services list asks for; absent fields are not sent. */
export interface ServiceListParams {
  q?: string;
  namespace?: string;
  protocol?: Protocol;
  page: number;
  pageSize: number;
}

/** Hierarchical keys: invalidating `catalogKeys.all` refreshes every catalog query. */
export const catalogKeys = {
  all: ['catalog'] as const,
  services: () => [...catalogKeys.all, 'services'] as const,
  lists: () => [...catalogKeys.services(), 'list'] as const,
  list: (params: ServiceListParams) => [...catalogKeys.lists(), params] as const,
  details: () => [...catalogKeys.services(), 'detail'] as const,
  detail: (id: string) => [...catalogKeys.details(), id] as const,
};

export function serviceListQuery(params: ServiceListParams) {
  return queryOptions({
    queryKey: catalogKeys.list(params),
    queryFn: ({ signal }) =>
      apiGet<ServiceListResponse>(
        apiPath(['services'], {
          q: params.q,
          namespace: params.namespace,
          protocol: params.protocol,
          page: params.page,
          pageSize: params.pageSize,
        }),
        { signal },
      ),
    // Paging and typing keep the previous rows on screen until the next ones arrive.
    placeholderData: keepPreviousData,
  });
}

export function serviceDetailQuery(id: string) {
  return queryOptions({
    queryKey: catalogKeys.detail(id),
    queryFn: ({ signal }) => apiGet<ServiceDetail>(apiPath(['services', id]), { signal }),
  });
}
