import { Col, Flex, Row, Statistic, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { ServiceMetrics } from './contract';
import { ChartFigure } from './ChartFigure';
import { formatBytes, formatMs, formatNumber, formatPercent } from './format';
import { CoveredSpan } from './CoveredSpan';
import { LiveIndicator } from './LiveIndicator';
import { UpdatedAt } from './UpdatedAt';
import { useLiveServiceMetrics } from './queries';
import {
  bytesOption,
  errorRateOption,
  hasTcpTraffic,
  latencyOption,
  rateLimitOption,
  requestRateOption,
  tcpBytesOption,
  tcpConnectionsOption,
} from './serviceCharts';
import type { ChartTexts } from './serviceCharts';
import { TelemetryBanner } from './TelemetryBanner';
import { useMonitoringWindow } from './useMonitoringWindow';
import { WindowSelector } from './WindowSelector';

export interface ServiceMetricsPanelProps {
  serviceId: string;
}

function Summary({ metrics }: { metrics: ServiceMetrics }) {
  const { t, i18n } = useTranslation(['monitoring', 'common']);
  const language = i18n.language;
  const { stats } = metrics.total;
  const items: [string, string][] = [
    [t('service.stats.requests'), formatNumber(stats.requestsPerMinute, language)],
    [t('service.stats.errorRate'), formatPercent(stats.errorRate, language)],
    [t('service.stats.avg'), formatMs(stats.latencyMs.avg, language)],
    [t('service.stats.p50'), formatMs(stats.latencyMs.p50, language)],
    [t('service.stats.p95'), formatMs(stats.latencyMs.p95, language)],
    [t('service.stats.p99'), formatMs(stats.latencyMs.p99, language)],
    [t('service.stats.inbound'), formatBytes(stats.inboundBytesPerMinute, language)],
    [t('service.stats.outbound'), formatBytes(stats.outboundBytesPerMinute, language)],
  ];
  return (
    <Row gutter={[16, 8]}>
      {items.map(([title, value]) => (
        <Col key={title} xs={12} md={6} xl={3}>
          <Statistic title={title} value={value} styles={{ content: { fontSize: 18 } }} />
        </Col>
      ))}
    </Row>
  );
}

/**
 * L4 (TCP) traffic over the window: bytes each way and connections, as the destination's sidecar or, in
 * ambient mode, ztunnel counted them. Shown when there was any; a TCP service (a database) or an ambient
 * service without a waypoint has only these.
 */
function TcpSummary({ metrics }: { metrics: ServiceMetrics }) {
  const { t, i18n } = useTranslation(['monitoring', 'common']);
  const tcp = metrics.total.stats.tcp;
  if (!tcp) return null;
  const language = i18n.language;
  const label = t('service.tcpStats');
  const figures: [string, string, string][] = [
    ['sent', t('service.stats.tcpSent'), formatBytes(tcp.sentBytesPerSecond, language)],
    ['received', t('service.stats.tcpReceived'), formatBytes(tcp.receivedBytesPerSecond, language)],
    ['opened', t('service.stats.tcpOpened'), formatNumber(tcp.connectionsOpenedPerSecond, language, 2)],
    ['closed', t('service.stats.tcpClosed'), formatNumber(tcp.connectionsClosedPerSecond, language, 2)],
  ];
  return (
    <section aria-label={label}>
      <Row gutter={[16, 8]}>
        {figures.map(([key, title, value]) => (
          <Col key={key} xs={12} md={6} xl={3} role="group" aria-label={title}>
            <Statistic title={title} value={value} styles={{ content: { fontSize: 18 } }} />
          </Col>
        ))}
      </Row>
    </section>
  );
}

/** Passed and rate-limited requests per second over the last rate interval, as Sentinel shows pass and block QPS. */
function RateLimitSummary({ metrics }: { metrics: ServiceMetrics }) {
  const { t, i18n } = useTranslation(['monitoring', 'common']);
  const label = t('service.rateLimitStats', { seconds: metrics.rateIntervalSeconds });
  const shadow = metrics.rateLimit.shadowLimitedPerSecond;
  const figures: [string, string, number][] = [
    ['passed', t('service.passed'), metrics.rateLimit.passedPerSecond],
    ['limited', t('service.limited'), metrics.rateLimit.limitedPerSecond],
    // What a rule in shadow mode would have refused (they passed): shown once there is any.
    ...(shadow !== null && shadow > 0
      ? [['wouldLimit', t('service.wouldLimit'), shadow] as [string, string, number]]
      : []),
  ];
  return (
    <section aria-label={label}>
      <Row gutter={[16, 8]}>
        {figures.map(([key, title, value]) => (
          <Col key={key} xs={12} md={6} xl={3} role="group" aria-label={title}>
            <Statistic
              title={title}
              value={formatNumber(value, i18n.language)}
              styles={{ content: { fontSize: 18 } }}
            />
          </Col>
        ))}
      </Row>
    </section>
  );
}

/** The share of each version over the last rate interval: what a weight split does now. */
function ObservedSplit({ metrics }: { metrics: ServiceMetrics }) {
  const { t, i18n } = useTranslation(['monitoring', 'common']);
  const { split } = metrics;
  if (split.versions.length === 0) return null;
  const shares = split.versions
    .map(
      (v) =>
        `${v.version} ${v.share === null ? t('service.splitNone') : formatPercent(v.share, i18n.language)}`,
    )
    .join(' · ');
  return (
    <Typography.Text type="secondary">
      {t(split.basis === 'connections' ? 'service.splitConnections' : 'service.split', {
        seconds: split.intervalSeconds,
      })}
      : {shares}
    </Typography.Text>
  );
}

function Charts({ metrics }: { metrics: ServiceMetrics }) {
  const { t, i18n } = useTranslation(['monitoring', 'common']);
  const texts: ChartTexts = useMemo(
    () => ({
      language: i18n.language,
      requestBytes: t('service.requestBytes'),
      responseBytes: t('service.responseBytes'),
      passed: t('service.passedSeries'),
      limited: t('service.limitedSeries'),
      wouldLimit: t('service.wouldLimitSeries'),
      tcpSent: t('service.tcpSentSeries'),
      tcpReceived: t('service.tcpReceivedSeries'),
      tcpOpened: t('service.tcpOpenedSeries'),
    }),
    [t, i18n.language],
  );
  const tcp = hasTcpTraffic(metrics);
  // New options only when the figures change, so a re-render for anything else costs the chart nothing.
  const options = useMemo(
    () => ({
      rate: requestRateOption(metrics, texts),
      latency: latencyOption(metrics, texts),
      errors: errorRateOption(metrics, texts),
      bytes: bytesOption(metrics, texts),
      limits: rateLimitOption(metrics, texts),
      tcpBytes: tcpBytesOption(metrics, texts),
      tcpConnections: tcpConnectionsOption(metrics, texts),
    }),
    [metrics, texts],
  );
  const windowText = t(`window.${metrics.window}`);
  const charts: [string, keyof typeof options][] = [
    [t('service.requestRate'), 'rate'],
    [t('service.latency'), 'latency'],
    [t('service.errorRate'), 'errors'],
    [t('service.bytes'), 'bytes'],
    [t('service.rateLimit'), 'limits'],
    // L4 charts once the service has connections (a TCP service, or any ambient one).
    ...(tcp
      ? ([
          [t('service.tcpBytes'), 'tcpBytes'],
          [t('service.tcpConnections'), 'tcpConnections'],
        ] as [string, keyof typeof options][])
      : []),
  ];
  return (
    <Row gutter={[24, 24]}>
      {charts.map(([title, key]) => (
        <Col key={key} xs={24} xl={12}>
          <ChartFigure
            height={220}
            title={title}
            option={options[key]}
            label={t('service.chartLabel', { title, window: windowText })}
          />
        </Col>
      ))}
    </Row>
  );
}

/**
 * One service's traffic over the chosen window: totals, the split the mesh applies now, and time series
 * of request rate by version, latency percentiles, error rate and bytes. Kept current by the stream.
 */
export function ServiceMetricsPanel({ serviceId }: ServiceMetricsPanelProps) {
  const { t } = useTranslation(['monitoring', 'common']);
  const [window, setWindow] = useMonitoringWindow();
  const { query, live, streamState, streamError } = useLiveServiceMetrics(serviceId, window);
  const metrics = query.data;

  return (
    <Flex vertical gap={16}>
      <Flex gap={16} wrap align="center" justify="space-between">
        <Flex gap={16} wrap align="center">
          <UpdatedAt updatedAt={metrics?.updatedAt} />
          {metrics ? <CoveredSpan window={window} coveredSeconds={metrics.coveredSeconds} /> : null}
        </Flex>
        <Flex gap={16} wrap align="center">
          <LiveIndicator state={streamState} live={live} />
          <WindowSelector value={window} onChange={setWindow} />
        </Flex>
      </Flex>
      <TelemetryBanner
        error={query.isError ? query.error : null}
        streamError={streamError}
        shownUpdatedAt={metrics?.updatedAt}
        onRetry={() => void query.refetch()}
        retrying={query.isFetching}
      />
      {query.isPending ? <Typography.Text type="secondary">{t('common:loading')}</Typography.Text> : null}
      {metrics ? (
        <>
          <Summary metrics={metrics} />
          <RateLimitSummary metrics={metrics} />
          <ObservedSplit metrics={metrics} />
          <TcpSummary metrics={metrics} />
          {metrics.total.stats.requestsPerMinute === 0 ? (
            metrics.total.stats.tcp ? (
              <Typography.Text type="secondary">
                {t('service.onlyTcp')}. {t('service.onlyTcpHint')}
              </Typography.Text>
            ) : (
              <Typography.Text type="secondary">
                {t('service.noTraffic')}. {t('service.noTrafficHint')}
              </Typography.Text>
            )
          ) : null}
          <Charts metrics={metrics} />
        </>
      ) : null}
    </Flex>
  );
}
