import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { apiGet, apiPath } from '../../lib/api';
import { ISTIO_CONFIG_KINDS } from './contract';
import type { IstioConfigKind, IstioConfigList } from './contract';

/** The severities the page filters by ("only objects with errors", "… with warnings"). */
export const SEVERITY_FILTERS = ['error', 'warning'] as const;
type SeverityFilter = (typeof SEVERITY_FILTERS)[number];

/** What the list asks for (`GET /istio-config`'s `IstioConfigQuery`); absent fields are not sent. */
export interface IstioConfigFilters {
  namespace?: string;
  kind?: IstioConfigKind;
  /** A catalog service's ID. */
  service?: string;
  severity?: SeverityFilter;
}

const FILTER_KEYS = ['namespace', 'kind', 'service', 'severity'] as const;

const isKind = (value: string | null): value is IstioConfigKind =>
  value !== null && (ISTIO_CONFIG_KINDS as readonly string[]).includes(value);
const isSeverity = (value: string | null): value is SeverityFilter =>
  value !== null && (SEVERITY_FILTERS as readonly string[]).includes(value);

/**
 * The filters live in the address (`?namespace=&kind=&service=&severity=`), so that a link shows
 * the same view. A value the page does not know (an old link, a typo) is left out, not sent.
 */
export function filtersFrom(search: URLSearchParams): IstioConfigFilters {
  const namespace = search.get('namespace')?.trim();
  const kind = search.get('kind');
  const service = search.get('service')?.trim();
  const severity = search.get('severity');
  return {
    ...(namespace ? { namespace } : {}),
    ...(isKind(kind) ? { kind } : {}),
    ...(service ? { service } : {}),
    ...(isSeverity(severity) ? { severity } : {}),
  };
}

/** `search` with the filters of `next` written in (an absent or empty one removed), others kept. */
export function withFilters(search: URLSearchParams, next: Partial<IstioConfigFilters>): URLSearchParams {
  const out = new URLSearchParams(search);
  for (const key of FILTER_KEYS) {
    if (!(key in next)) continue;
    const value = next[key];
    if (value) out.set(key, value);
    else out.delete(key);
  }
  return out;
}

export const hasFilters = (filters: IstioConfigFilters): boolean => FILTER_KEYS.some((k) => filters[k]);

/** Hierarchical keys: invalidating `istioConfigKeys.all` refreshes every view of the list. */
const istioConfigKeys = {
  all: ['istio-config'] as const,
  list: (filters: IstioConfigFilters) => [...istioConfigKeys.all, 'list', filters] as const,
};

export function istioConfigQuery(filters: IstioConfigFilters) {
  return queryOptions({
    queryKey: istioConfigKeys.list(filters),
    queryFn: ({ signal }) =>
      apiGet<IstioConfigList>(
        apiPath(['istio-config'], {
          namespace: filters.namespace,
          kind: filters.kind,
          service: filters.service,
          severity: filters.severity,
        }),
        { signal },
      ),
    // A change of filter keeps the previous rows on screen until the next ones arrive.
    placeholderData: keepPreviousData,
  });
}
