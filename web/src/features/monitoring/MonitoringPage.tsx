import { Card, Col, Flex, Row, Typography } from 'antd';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { ApplicationsTable } from './ApplicationsTable';
import { serviceDetailPath } from '../catalog/ServicesTable';
import type { MonitoringOverview, TopEntry } from './contract';
import { formatMs, formatNumber, formatPercent } from './format';
import { useLiveOverview } from './queries';
import { TelemetryBanner } from './TelemetryBanner';
import { TopList } from './TopList';
import { useMonitoringWindow } from './useMonitoringWindow';
import { LivePageHeader } from './LivePageHeader';

// A Top 5 entry leads to its service's page; an application with several services to the catalog
// listing them (searched by the application's name in its namespace).
function linkOf(entry: TopEntry): string | undefined {
  const [first, ...others] = entry.services;
  if (!first) return undefined;
  if (others.length === 0) return serviceDetailPath(first);
  return `/services?${new URLSearchParams({ q: entry.application, namespace: entry.namespace }).toString()}`;
}

/**
 * The talk's 实时监控 screen: when the figures were measured, the Top 5 applications by requests,
 * response time and error rate, and every application's traffic (a page at a time). Loaded on its
 * route only.
 */
export function MonitoringPage() {
  const { t, i18n } = useTranslation('monitoring');
  useDocumentTitle(t('title'));
  const [window, setWindow] = useMonitoringWindow();
  const { query, live, streamState, streamError } = useLiveOverview(window);
  const tableHeading = useId();
  const language = i18n.language;

  const data: MonitoringOverview | undefined = query.data;
  const retry = () => void query.refetch();

  const banner = (
    <TelemetryBanner
      error={query.isError ? query.error : null}
      streamError={streamError}
      shownUpdatedAt={data?.updatedAt}
      onRetry={retry}
      retrying={query.isFetching}
    />
  );
  // Without any figures, an error is all there is to say: empty lists would claim there is no traffic.
  const failed = query.isError && !data;
  const loading = query.isPending;
  return (
    <Flex vertical gap={16}>
      <LivePageHeader
        title={t('title')}
        data={data}
        streamState={streamState}
        live={live}
        window={window}
        onWindowChange={setWindow}
      />
      {banner}
      {failed ? null : (
        <>
          <Row gutter={[16, 16]}>
            <Col xs={24} lg={8}>
              <TopList
                title={t('top.requests')}
                entries={data?.top.requests}
                format={(v) => formatNumber(v, language)}
                loading={loading}
                linkOf={linkOf}
              />
            </Col>
            <Col xs={24} lg={8}>
              <TopList
                title={t('top.latency')}
                entries={data?.top.latency}
                format={(v) => `${formatMs(v, language)}ms`}
                loading={loading}
                linkOf={linkOf}
              />
            </Col>
            <Col xs={24} lg={8}>
              <TopList
                title={t('top.errorRate')}
                entries={data?.top.errorRate}
                format={(v) => formatPercent(v, language)}
                loading={loading}
                linkOf={linkOf}
              />
            </Col>
          </Row>
          <Card
            title={
              <Typography.Title level={5} id={tableHeading} style={{ margin: 0 }}>
                {t('table.title')}
              </Typography.Title>
            }
          >
            <section aria-labelledby={tableHeading}>
              <ApplicationsTable window={window} updatedAt={data?.updatedAt} />
            </section>
          </Card>
        </>
      )}
    </Flex>
  );
}
