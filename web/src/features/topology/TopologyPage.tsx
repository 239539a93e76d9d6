import { Card, Flex, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../../components/EmptyState';
import { useDocumentTitle } from '../../lib/useDocumentTitle';

/** Loaded on its route only: the graph library (G6) will come with it, not in the first bundle. */
export function TopologyPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('topology.title'));
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('topology.title')}
      </Typography.Title>
      <Card>
        <EmptyState title={t('topology.emptyTitle')} hint={t('topology.emptyHint')} />
      </Card>
    </Flex>
  );
}
