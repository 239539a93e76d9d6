import { RocketOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { App, Button, Card, Flex, Table, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { memo, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryErrorAlert, useErrorText } from '../../components/QueryErrorAlert';
import { QueryStates } from '../../components/QueryStates';
import type { ServiceDetail } from '../../lib/contract';
import { useCan } from '../auth/session';
import { formatDateTime } from '../monitoring/format';
import { useOpened } from '../rules/useOpened';
import type { ReleaseAction, ReleaseView } from './contract';
import {
  isLive,
  releaseListQuery,
  releaseQuery,
  RELEASE_POLL_MS,
  useReleaseAction,
  useReleaseEvents,
} from './queries';
import { ReleaseFormDrawer } from './ReleaseFormDrawer';
import { PhaseTag, ReleasePanel, useStageLabels } from './ReleasePanel';

/** The release the panel shows by default: the one running, else the newest. */
function currentOf(items: readonly ReleaseView[]): ReleaseView | undefined {
  return items.find(isLive) ?? items[0];
}

/** The panel of one release, kept current by its event stream (or by polling while that is closed). */
function LiveRelease({
  service,
  initial,
  readOnly,
}: {
  service: ServiceDetail;
  initial: ReleaseView;
  readOnly: string | undefined;
}) {
  const { t } = useTranslation('releases');
  const { message } = App.useApp();
  const errorText = useErrorText();
  const stream = useReleaseEvents(service.id, initial.name, isLive(initial));
  const query = useQuery({
    ...releaseQuery(service.id, initial.name),
    placeholderData: initial,
    refetchInterval: (q) => {
      const data = q.state.data;
      return data && isLive(data) && stream !== 'open' ? RELEASE_POLL_MS : false;
    },
  });
  const action = useReleaseAction(service.id);
  const release = query.data ?? initial;

  const handleAction = async (name: ReleaseAction) => {
    const label = t(`panel.${name}`);
    try {
      await action.mutateAsync({ name: release.name, action: name });
      void message.success(t('panel.actionDone', { action: label }));
    } catch (error) {
      void message.error(t('panel.actionFailed', { action: label, message: errorText(error) }));
    }
  };

  if (query.isError && !query.data) {
    return (
      <QueryErrorAlert
        title={t('panel.loadFailed', { name: initial.name })}
        error={query.error}
        onRetry={() => void query.refetch()}
        retrying={query.isFetching}
      />
    );
  }
  return (
    <ReleasePanel
      release={release}
      readOnly={readOnly}
      pending={action.isPending ? action.variables.action : undefined}
      onAction={(name) => void handleAction(name)}
      live={stream === 'open'}
    />
  );
}

function FinalStep({ release }: { release: ReleaseView }) {
  const { t } = useTranslation('releases');
  const labels = useStageLabels(release.spec);
  const step = Math.min(release.status.step, labels.length - 1);
  return <>{t('history.stepOf', { number: step + 1, total: labels.length, stage: labels[step] ?? '' })}</>;
}

function ReleaseHistory({
  items,
  shown,
  onOpen,
}: {
  items: readonly ReleaseView[];
  shown: string | undefined;
  onOpen: (name: string) => void;
}) {
  const { t } = useTranslation('releases');
  const columns: TableColumnsType<ReleaseView> = [
    {
      key: 'name',
      title: t('history.name'),
      render: (_, r) =>
        r.name === shown ? (
          <Typography.Text strong aria-current="true" title={t('history.opened')}>
            {r.name}
          </Typography.Text>
        ) : (
          <Button
            type="link"
            size="small"
            style={{ padding: 0 }}
            aria-label={t('history.open', { name: r.name })}
            onClick={() => onOpen(r.name)}
          >
            {r.name}
          </Button>
        ),
    },
    { key: 'phase', title: t('history.phase'), render: (_, r) => <PhaseTag phase={r.status.phase} /> },
    { key: 'startedBy', title: t('history.startedBy'), render: (_, r) => r.createdBy },
    { key: 'startedAt', title: t('history.startedAt'), render: (_, r) => formatDateTime(r.createdAt) },
    { key: 'finalStep', title: t('history.finalStep'), render: (_, r) => <FinalStep release={r} /> },
  ];
  return (
    <section aria-label={t('history.label')}>
      <Table<ReleaseView>
        size="small"
        rowKey="name"
        columns={columns}
        dataSource={[...items]}
        pagination={items.length > 10 ? { pageSize: 10 } : false}
      />
    </section>
  );
}

/**
 * Progressive delivery on the service's Routes tab: "Start a canary" (operators of the namespace),
 * the live panel of the running release (or the one opened from the history), and every release of
 * the service with its outcome. Memoized: the tab re-renders for its own state (the observed split
 * every few seconds, its drawers), which changes nothing here.
 */
export const ReleasesSection = memo(function ReleasesSection({ service }: { service: ServiceDetail }) {
  const { t } = useTranslation('releases');
  const query = useQuery(releaseListQuery(service.id));
  const can = useCan('changeRoutes', service);
  const readOnly = can.allowed ? undefined : can.reason;
  const form = useOpened<null>();
  const [selected, setSelected] = useState<string | undefined>();
  const titleId = useId();
  const runningId = useId();

  const items = query.data?.items ?? [];
  const shown = items.find((r) => r.name === selected) ?? currentOf(items);
  const running = items.some(isLive);

  return (
    <Card
      size="small"
      title={<span id={titleId}>{t('section.title')}</span>}
      extra={
        readOnly === undefined ? (
          <Button
            type="primary"
            icon={<RocketOutlined aria-hidden />}
            disabled={running}
            aria-describedby={running ? runningId : undefined}
            onClick={() => form.show(null)}
          >
            {t('section.start')}
          </Button>
        ) : null
      }
    >
      <section aria-labelledby={titleId}>
        <Flex vertical gap={16}>
          <Typography.Text type="secondary">{t('section.description')}</Typography.Text>
          {running && readOnly === undefined ? (
            <Typography.Text type="secondary" id={runningId}>
              {t('section.running')}
            </Typography.Text>
          ) : null}
          <QueryStates
            query={query}
            errorTitle={t('section.loadFailed')}
            empty={{ title: t('section.empty'), hint: t('section.emptyHint') }}
          >
            {(data) => (
              <Flex vertical gap={24}>
                {shown ? (
                  <LiveRelease key={shown.name} service={service} initial={shown} readOnly={readOnly} />
                ) : null}
                <ReleaseHistory items={data.items} shown={shown?.name} onOpen={setSelected} />
              </Flex>
            )}
          </QueryStates>
        </Flex>
      </section>
      {form.opened ? (
        <ReleaseFormDrawer
          key={form.opened.key}
          service={service}
          open={form.opened.open}
          onClose={form.hide}
          onClosed={form.clear}
          onStarted={(release) => {
            setSelected(release.name);
            form.hide();
          }}
        />
      ) : null}
    </Card>
  );
});
