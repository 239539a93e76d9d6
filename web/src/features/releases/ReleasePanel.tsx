import { Alert, Button, Col, Flex, Popconfirm, Row, Steps, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useContractText } from '../../lib/messages/translate';
import { ChartFigure } from '../monitoring/ChartFigure';
import { formatDateTime, formatNumber } from '../monitoring/format';
import type { GateCheck, ReleaseAction, ReleasePhase, ReleaseSpec, ReleaseView } from './contract';
import { releaseChartOptions } from './releaseCharts';
import type { ReleaseChartOptions } from './releaseCharts';

// Preset colours, whose text the theme darkens to WCAG AA contrast (the status colours are not).
const PHASE_COLORS: Record<ReleasePhase, string> = {
  Progressing: 'blue',
  Paused: 'gold',
  Succeeded: 'green',
  RolledBack: 'red',
};

export function PhaseTag({ phase }: { phase: ReleasePhase }) {
  const { t } = useTranslation('releases');
  return <Tag color={PHASE_COLORS[phase]}>{t(`phase.${phase}`)}</Tag>;
}

/** What each phase lets an operator do (the BFF answers 409 for anything else). */
function actionsOf(phase: ReleasePhase): ReleaseAction[] {
  switch (phase) {
    case 'Progressing':
      return ['pause', 'promote', 'abort'];
    case 'Paused':
      return ['resume', 'promote', 'abort'];
    default:
      return [];
  }
}

/** The stages of a release: the header stage when there is one, then the weight steps. */
export function useStageLabels(spec: Pick<ReleaseSpec, 'headerCanary' | 'steps'>): string[] {
  const { t } = useTranslation('releases');
  return [
    ...(spec.headerCanary
      ? [t('panel.headerStage', { name: spec.headerCanary.name, value: spec.headerCanary.value })]
      : []),
    ...spec.steps.map((s) => t('panel.weightStage', { weight: s.weight })),
  ];
}

function holdsOf(spec: Pick<ReleaseSpec, 'headerCanary' | 'steps'>): number[] {
  return [
    ...(spec.headerCanary ? [spec.headerCanary.holdSeconds] : []),
    ...spec.steps.map((s) => s.holdSeconds),
  ];
}

export interface ReleasePanelProps {
  release: ReleaseView;
  /** Why the user may not act on it; undefined when they may. */
  readOnly?: string | undefined;
  /** The action on its way to the server. */
  pending?: ReleaseAction | undefined;
  onAction: (action: ReleaseAction) => void;
  /** The stream sends this release's changes as they happen (else the page polls). */
  live: boolean;
}

const STEP_STATUS: Record<ReleasePhase, 'process' | 'wait' | 'finish' | 'error'> = {
  Progressing: 'process',
  Paused: 'wait',
  Succeeded: 'finish',
  RolledBack: 'error',
};

/** Seconds since `since`, ticking every second while mounted. */
function useElapsedSeconds(since: string): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return Math.max(0, Math.floor((now - Date.parse(since)) / 1_000));
}

/** How long the current stage has been held, against its hold. */
function HeldFor({ since, hold }: { since: string; hold: number }) {
  const { t } = useTranslation('releases');
  const elapsed = useElapsedSeconds(since);
  return <>{t('panel.heldFor', { elapsed, hold })}</>;
}

function Ladder({ release }: { release: ReleaseView }) {
  const { t } = useTranslation('releases');
  const { spec, status } = release;
  const labels = useStageLabels(spec);
  const holds = holdsOf(spec);
  const total = labels.length;
  const step = Math.min(status.step, total - 1);
  const stage = labels[step] ?? '';
  const number = step + 1;
  const summary =
    status.phase === 'Succeeded'
      ? t('panel.done', { total, canary: spec.canary })
      : status.phase === 'RolledBack'
        ? t('panel.stoppedAt', { number, total, stage })
        : t('panel.current', { number, total, stage });
  return (
    <section aria-label={t('panel.ladder', { name: release.name })}>
      <Typography.Paragraph strong aria-live="polite" data-testid="release-step" style={{ marginBottom: 8 }}>
        {summary}
        {status.phase === 'Progressing' ? (
          <Typography.Text type="secondary">
            {' · '}
            <HeldFor since={status.stepStartedAt} hold={holds[step] ?? 0} />
          </Typography.Text>
        ) : status.phase === 'Paused' ? (
          <Typography.Text type="secondary">
            {' · '}
            {t('panel.heldSince', { at: formatDateTime(status.stepStartedAt) })}
          </Typography.Text>
        ) : null}
      </Typography.Paragraph>
      <Steps
        size="small"
        current={status.phase === 'Succeeded' ? total : step}
        status={STEP_STATUS[status.phase]}
        items={labels.map((label, i) => ({
          key: i,
          title: label,
          content: t('panel.holdOf', { seconds: holds[i] }),
        }))}
      />
    </section>
  );
}

function Actions({
  release,
  pending,
  onAction,
}: Pick<ReleasePanelProps, 'release' | 'pending' | 'onAction'>) {
  const { t } = useTranslation('releases');
  const actions = actionsOf(release.status.phase);
  if (actions.length === 0) return null;
  const button = (action: ReleaseAction, danger = false, onClick?: () => void) => (
    <Button
      key={action}
      danger={danger}
      loading={pending === action}
      disabled={pending !== undefined && pending !== action}
      aria-label={t(`panel.${action}`)}
      onClick={onClick}
    >
      {t(`panel.${action}`)}
    </Button>
  );
  return (
    <Flex gap={8} wrap role="group" aria-label={t('panel.actions', { name: release.name })}>
      {actions.map((action) => {
        if (action === 'promote' || action === 'abort') {
          const values = { name: release.name, canary: release.spec.canary, stable: release.spec.stable };
          return (
            <Popconfirm
              key={action}
              title={t(action === 'promote' ? 'panel.promoteConfirm' : 'panel.abortConfirm', values)}
              description={t(action === 'promote' ? 'panel.promoteHint' : 'panel.abortHint', values)}
              okText={t(`panel.${action}`)}
              cancelText={t('panel.confirmCancel')}
              okButtonProps={{ danger: action === 'abort' }}
              onConfirm={() => onAction(action)}
            >
              {button(action, action === 'abort')}
            </Popconfirm>
          );
        }
        return button(action, false, () => onAction(action));
      })}
    </Flex>
  );
}

function formatGate(check: Pick<GateCheck, 'gate'>, value: number | null, language: string): string {
  if (value === null) return '—';
  switch (check.gate) {
    case 'errorRate':
      return `${formatNumber(value, language, 2)}%`;
    case 'p99':
      return `${formatNumber(value, language, 0)} ms`;
    default:
      return formatNumber(value, language, 0);
  }
}

const VERDICT_COLORS = { pass: 'green', wait: 'default', fail: 'red' } as const;

function GateTable({ release }: { release: ReleaseView }) {
  const { t, i18n } = useTranslation('releases');
  const text = useContractText();
  const gates = release.status.gates;
  const columns: TableColumnsType<GateCheck> = [
    { key: 'gate', title: t('panel.gate'), render: (_, c) => t(`panel.gateName.${c.gate}`) },
    {
      key: 'canary',
      title: t('panel.canaryValue'),
      render: (_, c) => formatGate(c, c.canary, i18n.language),
    },
    {
      key: 'stable',
      title: t('panel.stableValue'),
      render: (_, c) => formatGate(c, c.stable, i18n.language),
    },
    {
      key: 'threshold',
      title: t('panel.threshold'),
      render: (_, c) => `${c.gate === 'requests' ? '≥' : '≤'} ${formatGate(c, c.threshold, i18n.language)}`,
    },
    {
      key: 'outcome',
      title: t('panel.outcome'),
      render: (_, c) => (
        <Flex gap={4} wrap align="center">
          <Tag color={VERDICT_COLORS[c.outcome]}>{t(`panel.verdict.${c.outcome}`)}</Tag>
          {c.stableAlsoBreaches ? (
            <Typography.Text type="secondary">{t('panel.stableAlsoBreaches')}</Typography.Text>
          ) : null}
        </Flex>
      ),
    },
  ];
  return (
    <section aria-label={t('panel.gates')}>
      <Typography.Text strong>{t('panel.gates')}</Typography.Text>
      {gates ? (
        <>
          <Table<GateCheck>
            size="small"
            rowKey="gate"
            columns={columns}
            dataSource={gates.checks}
            pagination={false}
            style={{ marginTop: 8 }}
          />
          <Typography.Text type="secondary">{text(gates.message, gates.text)}</Typography.Text>
        </>
      ) : (
        <Typography.Paragraph type="secondary">{t('panel.noGates')}</Typography.Paragraph>
      )}
    </section>
  );
}

function Charts({ release }: { release: ReleaseView }) {
  const { t, i18n } = useTranslation('releases');
  const { samples, spec } = release;
  const texts = useMemo(
    () => ({
      language: i18n.language,
      canary: t('panel.canarySeries', { version: spec.canary }),
      stable: t('panel.stableSeries', { version: spec.stable }),
      threshold: t('panel.thresholdSeries'),
      target: t('panel.targetSeries'),
      observed: t('panel.observedSeries'),
    }),
    [t, i18n.language, spec.canary, spec.stable],
  );
  // New options only when the samples change: the stream's other updates cost the charts nothing.
  const options = useMemo(() => releaseChartOptions(samples, spec, texts), [samples, spec, texts]);
  const charts: [keyof ReleaseChartOptions, string][] = [
    ['errorRate', t('panel.errorRateChart')],
    ['p99', t('panel.p99Chart')],
    ['requests', t('panel.requestsChart')],
    ['share', t('panel.shareChart')],
  ];
  return (
    <section aria-label={t('panel.charts')}>
      {samples.length === 0 ? (
        <Typography.Paragraph type="secondary">{t('panel.noSamples')}</Typography.Paragraph>
      ) : null}
      <Row gutter={[24, 24]}>
        {charts.map(([key, title]) => (
          <Col key={key} xs={24} xl={12}>
            <ChartFigure
              height={200}
              title={title}
              option={options[key]}
              label={t('panel.chartLabel', { title, name: release.name })}
            />
          </Col>
        ))}
      </Row>
    </section>
  );
}

function DecisionLog({ release }: { release: ReleaseView }) {
  const { t } = useTranslation('releases');
  const text = useContractText();
  const entries = [...release.status.log].reverse();
  return (
    <section aria-label={t('panel.log')}>
      <Typography.Text strong>{t('panel.log')}</Typography.Text>
      {entries.length === 0 ? (
        <Typography.Paragraph type="secondary">{t('panel.logEmpty')}</Typography.Paragraph>
      ) : (
        <ol aria-label={t('panel.log')} style={{ listStyle: 'none', paddingLeft: 0, margin: '8px 0 0' }}>
          {entries.map((entry, i) => (
            <li key={`${entry.at}-${i}`} style={{ padding: '4px 0' }}>
              <Typography.Text type="secondary">{formatDateTime(entry.at)}</Typography.Text>{' '}
              <Typography.Text>{text(entry.message, entry.text)}</Typography.Text>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/**
 * One release as it runs: its phase, the step ladder, the actions its phase and the user's role
 * allow, a banner when it paused or rolled back (with why), the gates now and over time, and the
 * decision log, newest first. Props only: the container keeps it current from the stream.
 */
export function ReleasePanel({ release, readOnly, pending, onAction, live }: ReleasePanelProps) {
  const { t } = useTranslation('releases');
  const text = useContractText();
  const { status, spec } = release;
  // The BFF's words, in the operator's language when sent as contract messages (or as one).
  const reason = status.reason ? text(status.reason, status.reasonText) : t('panel.noReason');
  return (
    <section aria-label={t('panel.label', { name: release.name })}>
      <Flex vertical gap={16}>
        <Flex justify="space-between" align="center" gap={12} wrap>
          <Flex gap={8} align="center" wrap>
            <Typography.Title level={5} style={{ margin: 0 }}>
              {release.name}
            </Typography.Title>
            <PhaseTag phase={status.phase} />
            <Typography.Text>
              {t('panel.versions', { stable: spec.stable, canary: spec.canary })}
            </Typography.Text>
            <Typography.Text type="secondary">
              {t('panel.startedBy', { user: release.createdBy, at: formatDateTime(release.createdAt) })}
            </Typography.Text>
            {status.phase === 'Progressing' || status.phase === 'Paused' ? (
              <Tag color={live ? 'green' : 'default'}>{live ? t('panel.live') : t('panel.polling')}</Tag>
            ) : null}
          </Flex>
          {readOnly === undefined ? (
            <Actions release={release} pending={pending} onAction={onAction} />
          ) : null}
        </Flex>
        {status.phase === 'RolledBack' ? (
          <Alert
            type="error"
            role="alert"
            showIcon
            title={t('panel.rolledBack', { stable: spec.stable })}
            description={reason}
          />
        ) : status.phase === 'Paused' ? (
          <Alert type="warning" role="alert" showIcon title={t('panel.paused')} description={reason} />
        ) : null}
        {readOnly !== undefined && actionsOf(status.phase).length > 0 ? (
          <Typography.Text type="secondary" role="note">
            {t('panel.readOnly', { reason: readOnly })}
          </Typography.Text>
        ) : null}
        <Ladder release={release} />
        <GateTable release={release} />
        <Charts release={release} />
        <DecisionLog release={release} />
      </Flex>
    </section>
  );
}
