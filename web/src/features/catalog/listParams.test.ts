import { describe, expect, it } from 'vitest';
import { hasFilters, listParamsToSearch, parseListParams } from './listParams';
import { catalogKeys } from './queries';

describe('list params in the URL', () => {
  it('reads defaults from an empty query', () => {
    expect(parseListParams(new URLSearchParams())).toEqual({ page: 1, pageSize: 20 });
  });

  it('reads search, filters and paging, and ignores values the API would reject', () => {
    expect(
      parseListParams(new URLSearchParams('q=%20echo%20&protocol=dubbo&namespace=ns&page=3&pageSize=50')),
    ).toEqual({
      q: 'echo',
      protocol: 'dubbo',
      namespace: 'ns',
      page: 3,
      pageSize: 50,
    });
    expect(parseListParams(new URLSearchParams('protocol=smtp&page=-1&pageSize=5000'))).toEqual({
      page: 1,
      pageSize: 20,
    });
  });

  it('writes only what differs from the defaults, and round-trips', () => {
    expect(listParamsToSearch({ page: 1, pageSize: 20 }).toString()).toBe('');
    const params = { q: 'a b', protocol: 'grpc' as const, namespace: 'x', page: 2, pageSize: 50 };
    expect(parseListParams(listParamsToSearch(params))).toEqual(params);
    expect(hasFilters(params)).toBe(true);
    expect(hasFilters({ page: 4, pageSize: 10 })).toBe(false);
  });
});

describe('the data plane filter in the URL', () => {
  it('reads a known data plane, ignores others, and round-trips as a filter', () => {
    expect(parseListParams(new URLSearchParams('dataPlane=ambient'))).toEqual({
      dataPlane: 'ambient',
      page: 1,
      pageSize: 20,
    });
    expect(parseListParams(new URLSearchParams('dataPlane=proxyless'))).toEqual({ page: 1, pageSize: 20 });
    const params = { dataPlane: 'none' as const, page: 1, pageSize: 20 };
    expect(listParamsToSearch(params).toString()).toBe('dataPlane=none');
    expect(parseListParams(listParamsToSearch(params))).toEqual(params);
    expect(hasFilters(params)).toBe(true);
  });
});

describe('catalog query keys', () => {
  it('are hierarchical', () => {
    expect(catalogKeys.list({ page: 1, pageSize: 20 })).toEqual([
      'catalog',
      'services',
      'list',
      { page: 1, pageSize: 20 },
    ]);
    expect(catalogKeys.detail('a@dubbo')).toEqual(['catalog', 'services', 'detail', 'a@dubbo']);
  });
});
