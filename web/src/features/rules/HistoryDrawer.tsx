import { RollbackOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Collapse,
  Drawer,
  Flex,
  Popconfirm,
  Skeleton,
  Tag,
  Typography,
} from 'antd';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../../components/EmptyState';
import { QueryErrorAlert, useErrorMessage } from '../../components/QueryErrorAlert';
import type { Revision } from './contract';
import { DiffView } from './DiffView';
import { revisionsQuery, useRollbackRule } from './queries';
import type { ChangeResource } from './queries';

const ACTION_COLORS: Record<Revision['action'], string> = {
  create: 'green',
  update: 'blue',
  delete: 'red',
  rollback: 'purple',
};

export interface HistoryDrawerProps {
  serviceId: string;
  name: string;
  open: boolean;
  /** Why the user may not roll back (there are then no Rollback buttons). */
  readOnly?: string | undefined;
  /** Whose history: the kind of rule. */
  resource: ChangeResource;
  onClose: () => void;
  onClosed: () => void;
}

function RevisionItem({
  serviceId,
  name,
  revision,
  current,
  readOnly,
  resource,
}: {
  serviceId: string;
  name: string;
  revision: Revision;
  current: boolean;
  readOnly: boolean;
  resource: ChangeResource;
}) {
  const { t, i18n } = useTranslation('rules');
  const { message } = App.useApp();
  const rollback = useRollbackRule(resource, serviceId);
  const rollbackError = useErrorMessage(rollback.error);
  const n = revision.revision;
  const time = new Date(revision.timestamp);
  const when = Number.isNaN(time.getTime())
    ? revision.timestamp
    : new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'medium' }).format(time);

  const handleRollback = async () => {
    try {
      await rollback.mutateAsync({ name, revision: n });
      void message.success(t('history.done', { name, n }));
    } catch {
      // Shown below the revision (rollbackError).
    }
  };

  return (
    <li aria-label={t('history.revision', { n })} style={{ listStyle: 'none' }}>
      <Card size="small">
        <Flex justify="space-between" align="start" gap={8} wrap>
          <Flex vertical gap={4}>
            <Flex gap={8} align="center" wrap>
              <Typography.Text strong>{t('history.revision', { n })}</Typography.Text>
              <Tag color={ACTION_COLORS[revision.action]}>{t(`history.actions.${revision.action}`)}</Tag>
              {revision.fromRevision !== undefined ? (
                <Typography.Text type="secondary">
                  {t('history.restored', { n: revision.fromRevision })}
                </Typography.Text>
              ) : null}
              {current ? <Tag>{t('history.current')}</Tag> : null}
            </Flex>
            <Typography.Text type="secondary">
              {revision.user} · <time dateTime={revision.timestamp}>{when}</time>
            </Typography.Text>
            {revision.comment ? <Typography.Text>{revision.comment}</Typography.Text> : null}
          </Flex>
          {current || readOnly ? null : (
            <Popconfirm
              title={t('history.confirm', { name, n })}
              description={t('history.confirmHint')}
              okText={t('history.ok')}
              cancelText={t('history.cancel')}
              onConfirm={handleRollback}
            >
              <Button
                size="small"
                icon={<RollbackOutlined aria-hidden />}
                loading={rollback.isPending}
                aria-label={t('history.rollbackTo', { n })}
              >
                {t('history.rollback')}
              </Button>
            </Popconfirm>
          )}
        </Flex>
        {rollback.isError ? (
          <Typography.Paragraph type="danger" style={{ margin: '8px 0 0' }}>
            {t('history.failed', { message: rollbackError })}
          </Typography.Paragraph>
        ) : null}
        {revision.diff ? (
          <Collapse
            size="small"
            ghost
            style={{ marginTop: 8 }}
            items={[
              {
                key: 'diff',
                label: t('history.changes'),
                children: (
                  <DiffView
                    diff={revision.diff}
                    label={`${t('history.changes')} · ${t('history.revision', { n })}`}
                  />
                ),
              },
            ]}
          />
        ) : null}
      </Card>
    </li>
  );
}

/** The revisions of one rule, newest first, each with its diff and a rollback to it. */
export function HistoryDrawer({
  serviceId,
  name,
  open,
  readOnly,
  resource,
  onClose,
  onClosed,
}: HistoryDrawerProps) {
  const { t } = useTranslation('rules');
  const query = useQuery({ ...revisionsQuery(resource, serviceId, name), enabled: open });

  let body;
  if (query.isPending) {
    body = <Skeleton active />;
  } else if (query.isError) {
    body = (
      <QueryErrorAlert
        title={t('history.loadFailed')}
        error={query.error}
        onRetry={() => void query.refetch()}
        retrying={query.isFetching}
      />
    );
  } else if (query.data.items.length === 0) {
    body = <EmptyState title={t('history.empty')} />;
  } else {
    body = (
      <ol
        aria-label={t('history.list')}
        style={{ margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: 12 }}
      >
        {query.data.items.map((revision, i) => (
          <RevisionItem
            key={revision.revision}
            serviceId={serviceId}
            name={name}
            revision={revision}
            current={i === 0}
            readOnly={readOnly !== undefined}
            resource={resource}
          />
        ))}
      </ol>
    );
  }

  return (
    <Drawer
      open={open}
      onClose={onClose}
      afterOpenChange={(isOpen) => {
        if (!isOpen) onClosed();
      }}
      title={t('history.title', { name })}
      size="min(820px, 100vw)"
      destroyOnHidden
    >
      {readOnly ? (
        <Alert type="info" showIcon title={readOnly} role="note" style={{ marginBottom: 12 }} />
      ) : null}
      {body}
    </Drawer>
  );
}
