import type { ServiceListParams, ServiceSortKey } from './queries';
import { DATA_PLANE_MODES, PROTOCOLS } from './tags';
import { MAX_PAGE_SIZE, SERVICE_SORT_KEYS } from '../../../../bff/src/contract/catalog-values';
import type { DataPlaneMode, Platform, Protocol } from '../../lib/contract';

const SORT_KEYS: readonly ServiceSortKey[] = SERVICE_SORT_KEYS;
const PLATFORMS: readonly Platform[] = ['kubernetes', 'vm'];

const DEFAULT_PAGE_SIZE = 20;
export const PAGE_SIZE_OPTIONS = [10, 20, 50, 100] as const;

function positiveInt(value: string | null, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : fallback;
}

function isDataPlane(value: string | null): value is DataPlaneMode {
  return value !== null && (DATA_PLANE_MODES as readonly string[]).includes(value);
}

function isProtocol(value: string | null): value is Protocol {
  return value !== null && (PROTOCOLS as readonly string[]).includes(value);
}

/**
 * The list's state lives in the URL (`?q=&protocol=&namespace=&platform=&dataPlane=&sort=&order=&page=&pageSize=`),
 * so reloads keep it.
 */
export function parseListParams(search: URLSearchParams): ServiceListParams {
  const q = search.get('q')?.trim();
  const namespace = search.get('namespace') ?? undefined;
  const protocol = search.get('protocol');
  const platform = search.get('platform') as Platform | null;
  const dataPlane = search.get('dataPlane');
  const sort = search.get('sort') as ServiceSortKey | null;
  const order = search.get('order');
  return {
    ...(q ? { q } : {}),
    ...(namespace ? { namespace } : {}),
    ...(isProtocol(protocol) ? { protocol } : {}),
    ...(platform && PLATFORMS.includes(platform) ? { platform } : {}),
    ...(isDataPlane(dataPlane) ? { dataPlane } : {}),
    ...(sort && SORT_KEYS.includes(sort) && sort !== 'id' ? { sort } : {}),
    ...(order === 'desc' ? { order: 'desc' as const } : {}),
    page: positiveInt(search.get('page'), 1),
    pageSize: positiveInt(search.get('pageSize'), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  };
}

/** The URL query for `params`, leaving out defaults so plain /services stays plain. */
export function listParamsToSearch(params: ServiceListParams): URLSearchParams {
  const search = new URLSearchParams();
  if (params.q) search.set('q', params.q);
  if (params.protocol) search.set('protocol', params.protocol);
  if (params.namespace) search.set('namespace', params.namespace);
  if (params.platform) search.set('platform', params.platform);
  if (params.dataPlane) search.set('dataPlane', params.dataPlane);
  if (params.sort && params.sort !== 'id') search.set('sort', params.sort);
  if (params.order === 'desc') search.set('order', 'desc');
  if (params.page !== 1) search.set('page', String(params.page));
  if (params.pageSize !== DEFAULT_PAGE_SIZE) search.set('pageSize', String(params.pageSize));
  return search;
}

export function hasFilters(params: ServiceListParams): boolean {
  return Boolean(params.q || params.protocol || params.namespace || params.platform || params.dataPlane);
}
