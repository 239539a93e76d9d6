import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { apiGet, apiPath } from '../../lib/api';
import type {
  DataPlaneMode,
  Platform,
  Protocol,
  ServiceDetail,
  ServiceListResponse,
} from '../../lib/contract';

/** The columns the list can be ordered by (the contract's SERVICE_SORT_KEYS). */
export type ServiceSortKey =
  'id' | 'application' | 'protocol' | 'namespace' | 'versions' | 'instances' | 'health';

/** What the services list asks for; absent fields are not sent. */
export interface ServiceListParams {
  q?: string;
  namespace?: string;
  protocol?: Protocol;
  platform?: Platform;
  /** Services with an instance of this data plane. */
  dataPlane?: DataPlaneMode;
  /** Absent: by ID, ascending. */
  sort?: ServiceSortKey;
  order?: 'asc' | 'desc';
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
          platform: params.platform,
          dataPlane: params.dataPlane,
          sort: params.sort,
          order: params.order,
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
