import { useQuery } from '@tanstack/react-query';
import { Breadcrumb, Card, Flex, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { QueryErrorAlert } from '../../components/QueryErrorAlert';
import { isApiError } from '../../lib/api';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { DEFAULT_DETAIL_TAB, parseDetailTab } from './detailTabs';
import type { DetailTab } from './detailTabs';
import { serviceDetailQuery } from './queries';
import { ServiceDetailView } from './ServiceDetailView';

/** One service: basic information, then providers, consumers, rate limits and routes in tabs. */
export function ServiceDetailPage() {
  const { t } = useTranslation(['catalog', 'app']);
  const id = useParams().id ?? '';
  const [searchParams, setSearchParams] = useSearchParams();
  const activeTab = parseDetailTab(searchParams.get('tab'));
  const query = useQuery(serviceDetailQuery(id));
  useDocumentTitle(id || t('detail.title'));

  const handleTabChange = (tab: DetailTab) => {
    setSearchParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (tab === DEFAULT_DETAIL_TAB) next.delete('tab');
        else next.set('tab', tab);
        return next;
      },
      { replace: true },
    );
  };

  const backLink = <Link to="/services">{t('app:nav.services')}</Link>;
  let body;
  if (query.isPending) {
    body = <Card loading />;
  } else if (query.isError && isApiError(query.error) && query.error.isNotFound) {
    body = (
      <Result
        status="404"
        title={t('detail.notFound')}
        subTitle={t('detail.notFoundHint', { id })}
        extra={<Link to="/services">{t('detail.backToServices')}</Link>}
      />
    );
  } else if (query.isError) {
    body = (
      <QueryErrorAlert
        title={t('detail.loadFailed')}
        error={query.error}
        onRetry={() => void query.refetch()}
        retrying={query.isFetching}
      />
    );
  } else {
    body = <ServiceDetailView service={query.data} activeTab={activeTab} onTabChange={handleTabChange} />;
  }

  return (
    <Flex vertical gap={16}>
      <Breadcrumb
        aria-label={t('app:breadcrumb')}
        items={[
          { key: 'services', title: backLink },
          { key: 'service', title: id },
        ]}
      />
      {body}
    </Flex>
  );
}
