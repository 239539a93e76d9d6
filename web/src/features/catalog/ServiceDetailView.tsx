import { Card, Descriptions, Flex, Tabs, Typography } from 'antd';
import type { DescriptionsProps, TabsProps } from 'antd';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../../components/EmptyState';
import type { ServiceDetail } from '../../lib/contract';
import type { DetailTab } from './detailTabs';
import { ProvidersPanel } from './ProvidersPanel';
import { PlatformTags, ProtocolTag, VersionTags } from './tags';

export interface ServiceDetailViewProps {
  service: ServiceDetail;
  activeTab: DetailTab;
  onTabChange: (tab: DetailTab) => void;
}

export function ServiceDetailView({ service, activeTab, onTabChange }: ServiceDetailViewProps) {
  const { t } = useTranslation();

  const info: DescriptionsProps['items'] = [
    {
      key: 'id',
      label: t('catalog.detail.fields.id'),
      children: <Typography.Text copyable>{service.id}</Typography.Text>,
      span: 'filled',
    },
    { key: 'application', label: t('catalog.detail.fields.application'), children: service.application },
    {
      key: 'protocol',
      label: t('catalog.detail.fields.protocol'),
      children: <ProtocolTag protocol={service.protocol} />,
    },
    { key: 'namespace', label: t('catalog.detail.fields.namespace'), children: service.namespace },
    {
      key: 'host',
      label: t('catalog.detail.fields.host'),
      children: <Typography.Text code>{service.host}</Typography.Text>,
    },
    {
      key: 'platforms',
      label: t('catalog.detail.fields.platforms'),
      children: <PlatformTags platforms={service.platforms} />,
    },
    {
      key: 'versions',
      label: t('catalog.detail.fields.versions'),
      children: <VersionTags versions={service.versions} />,
    },
    {
      key: 'ports',
      label: t('catalog.detail.fields.ports'),
      children: service.ports.length
        ? service.ports.map((p) => `${p.port} (${p.name || t(`protocol.${p.protocol}`)})`).join(', ')
        : '—',
      span: 'filled',
    },
  ];

  const tabs: TabsProps['items'] = [
    {
      key: 'providers',
      label: t('catalog.detail.tabs.providers'),
      children: <ProvidersPanel versions={service.versionDetails} providers={service.providers} />,
    },
    {
      key: 'consumers',
      label: t('catalog.detail.tabs.consumers'),
      children: (
        <EmptyState title={t('catalog.detail.consumers.title')} hint={t('catalog.detail.consumers.hint')} />
      ),
    },
    {
      key: 'rate-limits',
      label: t('catalog.detail.tabs.rateLimits'),
      children: (
        <EmptyState title={t('catalog.detail.rateLimits.title')} hint={t('catalog.detail.rateLimits.hint')} />
      ),
    },
    {
      key: 'routes',
      label: t('catalog.detail.tabs.routes'),
      children: (
        <EmptyState title={t('catalog.detail.routes.title')} hint={t('catalog.detail.routes.hint')} />
      ),
    },
  ];

  return (
    <Flex vertical gap={16}>
      <Typography.Title level={3} style={{ margin: 0, wordBreak: 'break-all' }}>
        {service.name}
      </Typography.Title>
      <Card title={t('catalog.detail.basicInfo')} size="small">
        <Descriptions items={info} column={{ xs: 1, md: 2 }} size="small" />
      </Card>
      <Card size="small">
        <Tabs
          aria-label={t('catalog.detail.tabs.label')}
          activeKey={activeTab}
          onChange={(key) => onTabChange(key as DetailTab)}
          items={tabs}
        />
      </Card>
    </Flex>
  );
}
