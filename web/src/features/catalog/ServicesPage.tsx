import { useQuery } from '@tanstack/react-query';
import { Card, Flex, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { QueryErrorAlert } from '../../components/QueryErrorAlert';
import type { Protocol } from '../../lib/contract';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { hasFilters, listParamsToSearch, parseListParams } from './listParams';
import type { ServiceListParams } from './queries';
import { serviceListQuery } from './queries';
import { ServiceFilters } from './ServiceFilters';
import { ServicesTable } from './ServicesTable';

const SEARCH_DEBOUNCE_MS = 300;

/** The service catalog: search, filters and paging, all kept in the URL. */
export function ServicesPage() {
  const { t } = useTranslation('catalog');
  useDocumentTitle(t('list.title'));
  const [searchParams, setSearchParams] = useSearchParams();
  const params = parseListParams(searchParams);
  const query = useQuery(serviceListQuery(params));

  const update = useCallback(
    (change: (current: ServiceListParams) => ServiceListParams) => {
      // Replace, not push: typing and paging should not fill the back button's history.
      setSearchParams((current) => listParamsToSearch(change(parseListParams(current))), { replace: true });
    },
    [setSearchParams],
  );

  // The box shows what is typed at once; the URL (and so the request) follows once typing pauses.
  const urlSearch = params.q ?? '';
  const [search, setSearch] = useState(urlSearch);
  const debouncedSearch = useDebouncedValue(search, SEARCH_DEBOUNCE_MS).trim();
  const lastPushedSearch = useRef(debouncedSearch);
  const [syncedUrlSearch, setSyncedUrlSearch] = useState(urlSearch);
  if (urlSearch !== syncedUrlSearch) {
    setSyncedUrlSearch(urlSearch);
    // Changed from outside the box (back button, a link, Clear): show it. Our own pushes are
    // left alone, or a pause after "echo " would eat the space being typed.
    if (urlSearch !== lastPushedSearch.current) setSearch(urlSearch);
  }
  useEffect(() => {
    if (lastPushedSearch.current === debouncedSearch) return;
    lastPushedSearch.current = debouncedSearch;
    update((current) =>
      (current.q ?? '') === debouncedSearch
        ? current
        : { ...current, q: debouncedSearch || undefined, page: 1 },
    );
  }, [debouncedSearch, update]);

  const handleClear = () => {
    setSearch('');
    update((current) => ({
      page: 1,
      pageSize: current.pageSize,
      ...(current.sort ? { sort: current.sort } : {}),
      ...(current.order ? { order: current.order } : {}),
    }));
  };

  const facets = query.data?.facets;
  return (
    <Flex vertical gap={16}>
      <div>
        <Typography.Title level={3} style={{ marginBottom: 4 }}>
          {t('list.title')}
        </Typography.Title>
        <Typography.Text type="secondary">{t('list.description')}</Typography.Text>
      </div>
      <Card>
        <Flex vertical gap={16}>
          <ServiceFilters
            search={search}
            onSearchChange={setSearch}
            protocol={params.protocol}
            onProtocolChange={(protocol: Protocol | undefined) =>
              update((current) => ({ ...current, protocol, page: 1 }))
            }
            namespace={params.namespace}
            onNamespaceChange={(namespace) => update((current) => ({ ...current, namespace, page: 1 }))}
            platform={params.platform}
            onPlatformChange={(platform) => update((current) => ({ ...current, platform, page: 1 }))}
            dataPlane={params.dataPlane}
            onDataPlaneChange={(dataPlane) => update((current) => ({ ...current, dataPlane, page: 1 }))}
            namespaceDataPlanes={facets?.namespaceDataPlanes ?? []}
            protocols={facets?.protocols ?? (params.protocol ? [params.protocol] : [])}
            namespaces={facets?.namespaces ?? (params.namespace ? [params.namespace] : [])}
            onClear={handleClear}
          />
          {query.isError ? (
            <QueryErrorAlert
              title={t('list.loadFailed')}
              error={query.error}
              onRetry={() => void query.refetch()}
              retrying={query.isFetching}
            />
          ) : null}
          {query.isError && !query.data ? null : (
            <ServicesTable
              data={query.data}
              loading={query.isPending || query.isPlaceholderData}
              page={params.page}
              pageSize={params.pageSize}
              onPageChange={(page, pageSize) =>
                update((current) => ({
                  ...current,
                  page: pageSize === current.pageSize ? page : 1,
                  pageSize,
                }))
              }
              filtered={hasFilters(params)}
              sort={params.sort ?? 'id'}
              order={params.order ?? 'asc'}
              onSortChange={(sort, order) =>
                update((current) => {
                  const { sort: _s, order: _o, ...rest } = current;
                  return {
                    ...rest,
                    ...(sort !== 'id' ? { sort } : {}),
                    ...(order === 'desc' ? { order } : {}),
                    page: 1,
                  };
                })
              }
            />
          )}
        </Flex>
      </Card>
    </Flex>
  );
}
