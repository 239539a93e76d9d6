import { Card, Flex, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../../components/EmptyState';
import { useDocumentTitle } from '../../lib/useDocumentTitle';

/** Loaded on its route only: the charting library (ECharts) will come with it, not in the first bundle. */
export function MonitoringPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('monitoring.title'));
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('monitoring.title')}
      </Typography.Title>
      <Card>
        <EmptyState title={t('monitoring.emptyTitle')} hint={t('monitoring.emptyHint')} />
      </Card>
    </Flex>
  );
}
