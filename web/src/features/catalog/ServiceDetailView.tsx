import { Alert, Card, Descriptions, Flex, Spin, Tabs, Typography } from 'antd';
import type { DescriptionsProps, TabsProps } from 'antd';
import { Suspense, lazy } from 'react';
import { useTranslation } from 'react-i18next';
import type { Instance, ServiceDetail } from '../../lib/contract';
import { ConsumersPanel } from '../monitoring/ConsumersPanel';
import { useInstanceStatsColumns } from '../monitoring/InstanceStats';
import { ServiceMetricsPanel } from '../monitoring/ServiceMetricsPanel';
import type { DetailTab } from './detailTabs';
import { ProvidersPanel } from './ProvidersPanel';
import {
  DATA_PLANE_MODES,
  DataPlaneTag,
  PlatformTags,
  ProtocolTag,
  ServiceNamespace,
  VersionTags,
  WaypointName,
} from './tags';

// The routing form carries the shared zod contract and js-yaml: loaded with the tab, not the app.
const RoutesTab = lazy(() => import('../routing/RoutesTab').then((m) => ({ default: m.RoutesTab })));
const RateLimitsTab = lazy(() =>
  import('../ratelimit/RateLimitsTab').then((m) => ({ default: m.RateLimitsTab })),
);
const SecurityTab = lazy(() => import('../security/SecurityTab').then((m) => ({ default: m.SecurityTab })));

export interface ServiceDetailViewProps {
  service: ServiceDetail;
  activeTab: DetailTab;
  onTabChange: (tab: DetailTab) => void;
}

export function ServiceDetailView({ service, activeTab, onTabChange }: ServiceDetailViewProps) {
  const { t } = useTranslation(['catalog', 'common', 'monitoring']);
  const instanceStatsColumns = useInstanceStatsColumns<Instance>(service.id, (i) => i.name);

  const info: DescriptionsProps['items'] = [
    {
      key: 'id',
      label: t('detail.fields.id'),
      children: <Typography.Text copyable>{service.id}</Typography.Text>,
      span: 'filled',
    },
    { key: 'application', label: t('detail.fields.application'), children: service.application },
    {
      key: 'protocol',
      label: t('detail.fields.protocol'),
      children: <ProtocolTag protocol={service.protocol} />,
    },
    {
      key: 'namespace',
      label: t('detail.fields.namespace'),
      children: <ServiceNamespace service={service} />,
    },
    {
      key: 'host',
      label: t('detail.fields.host'),
      children: <Typography.Text code>{service.host}</Typography.Text>,
    },
    {
      key: 'platforms',
      label: t('detail.fields.platforms'),
      children: <PlatformTags platforms={service.platforms} />,
    },
    {
      key: 'versions',
      label: t('detail.fields.versions'),
      children: <VersionTags versions={service.versions} />,
    },
    {
      key: 'dataPlane',
      label: t('detail.fields.dataPlane'),
      children: service.dataPlane?.modes.length ? (
        <Flex gap={4} wrap>
          {DATA_PLANE_MODES.filter((m) => service.dataPlane?.modes.includes(m)).map((m) => (
            <DataPlaneTag key={m} mode={m} />
          ))}
        </Flex>
      ) : (
        <Typography.Text type="secondary">{t('dataPlane.none')}</Typography.Text>
      ),
    },
    {
      key: 'waypoint',
      label: t('detail.fields.waypoint'),
      children: <WaypointName dataPlane={service.dataPlane} />,
    },
    {
      key: 'ports',
      label: t('detail.fields.ports'),
      children: service.ports.length
        ? service.ports.map((p) => `${p.port} (${p.name || t(`common:protocol.${p.protocol}`)})`).join(', ')
        : '—',
      span: 'filled',
    },
  ];

  const tabs: TabsProps['items'] = [
    {
      key: 'providers',
      label: t('detail.tabs.providers'),
      children: (
        <ProvidersPanel
          versions={service.versionDetails}
          providers={service.providers}
          extraInstanceColumns={instanceStatsColumns}
        />
      ),
    },
    {
      key: 'consumers',
      label: t('detail.tabs.consumers'),
      children: <ConsumersPanel serviceId={service.id} />,
    },
    {
      key: 'rate-limits',
      label: t('detail.tabs.rateLimits'),
      children: (
        <Suspense fallback={<Spin aria-label={t('common:loading')} />}>
          <RateLimitsTab service={service} />
        </Suspense>
      ),
    },
    {
      key: 'routes',
      label: t('detail.tabs.routes'),
      children: (
        <Suspense fallback={<Spin aria-label={t('detail.routes.loading')} />}>
          <RoutesTab service={service} />
        </Suspense>
      ),
    },
    {
      key: 'security',
      label: t('detail.tabs.security'),
      children: (
        <Suspense fallback={<Spin aria-label={t('common:loading')} />}>
          <SecurityTab service={service} />
        </Suspense>
      ),
    },
  ];

  return (
    <Flex vertical gap={16}>
      <Typography.Title level={3} style={{ margin: 0, wordBreak: 'break-all' }}>
        {service.name}
      </Typography.Title>
      {service.conflict && (
        <Alert
          type="error"
          showIcon
          title={`${t('conflict.tag')}: ${t('conflict.noOwner')}`}
          description={t('conflict.explanation', {
            namespaces: service.conflict.namespaces.join(', '),
          })}
        />
      )}
      <Card title={t('detail.basicInfo')} size="small">
        <Descriptions items={info} column={{ xs: 1, md: 2 }} size="small" />
      </Card>
      <Card size="small">
        <Tabs
          aria-label={t('detail.tabs.label')}
          activeKey={activeTab}
          onChange={(key) => onTabChange(key as DetailTab)}
          items={tabs}
        />
      </Card>
      <Card title={t('monitoring:service.title')} size="small">
        <ServiceMetricsPanel serviceId={service.id} />
      </Card>
    </Flex>
  );
}
