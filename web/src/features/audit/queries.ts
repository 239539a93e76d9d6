import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { apiGet, apiPath } from '../../lib/api';
import type { AuditList } from '../auth/contract';

/** How many entries one page of the audit log shows (the newest first). */
export const AUDIT_LIMIT = 200;

export interface AuditFilters {
  user: string;
  service: string;
  /** ISO 8601, or '' for no bound. */
  since: string;
  until: string;
}

export function filtersFrom(params: URLSearchParams): AuditFilters {
  return {
    user: params.get('user') ?? '',
    service: params.get('service') ?? '',
    since: params.get('since') ?? '',
    until: params.get('until') ?? '',
  };
}

export function auditQuery(filters: AuditFilters) {
  return queryOptions({
    queryKey: ['audit', filters],
    queryFn: ({ signal }) =>
      apiGet<AuditList>(
        apiPath(['audit'], {
          user: filters.user.trim(),
          service: filters.service.trim(),
          since: filters.since,
          until: filters.until,
          limit: AUDIT_LIMIT,
        }),
        { signal },
      ),
    placeholderData: keepPreviousData,
  });
}
