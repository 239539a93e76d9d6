import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Checkbox,
  Col,
  Drawer,
  Flex,
  Form,
  Input,
  InputNumber,
  Row,
  Select,
  Typography,
} from 'antd';
import { useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useErrorMessage } from '../../components/QueryErrorAlert';
import { isApiError } from '../../lib/api';
import type { ServiceDetail } from '../../lib/contract';
import { useContractMessage, useFieldProblemText } from '../../lib/messages/translate';
import { serviceVersions } from '../routing/draft';
import { focusFirstField } from '../rules/discard';
import { feedbackFor, itemStatus, mergeProblems } from '../rules/feedback';
import type { ProblemMap } from '../rules/feedback';
import { PreviewPanel } from '../rules/PreviewPanel';
import { MAX_STEPS } from './contract';
import type { PreviewResponse, ReleaseView } from './contract';
import { checkReleaseDraft, initialDraft, stepDraft, suggestedName, toReleaseForm } from './draft';
import type { ReleaseDraft, StepDraft } from './draft';
import { usePreviewRelease, useStartRelease } from './queries';

export interface ReleaseFormDrawerProps {
  service: ServiceDetail;
  open: boolean;
  onClose: () => void;
  /** After the closing animation: the parent may unmount the form. */
  onClosed: () => void;
  onStarted: (release: ReleaseView) => void;
}

/** Fields the form shows a problem beside; any other path's problem goes in the footer. */
const RENDERED = [
  /^(name|stable|canary|steps)$/,
  /^headerCanary\.(name|value|holdSeconds)$/,
  /^steps\.\d+\.(weight|holdSeconds)$/,
  /^gates\.(maxErrorRate|maxP99Ms|minRequests)$/,
];
const isRendered = (path: string) => RENDERED.some((r) => r.test(path));

/**
 * "Start a canary": the release's versions, an optional header stage, the weight steps and the
 * gates, validated with the contract's ReleaseForm as the operator types; then a preview of the
 * first stage's objects, then Start. What was typed stays after the server refuses it.
 */
export function ReleaseFormDrawer({ service, open, onClose, onClosed, onStarted }: ReleaseFormDrawerProps) {
  const { t } = useTranslation('releases');
  const { message } = App.useApp();
  const contractText = useContractMessage();
  const fieldText = useFieldProblemText();
  const versions = useMemo(() => serviceVersions(service), [service]);
  const [draft, setDraft] = useState<ReleaseDraft>(() => initialDraft(versions.map((v) => v.version)));
  const [nameTyped, setNameTyped] = useState(false);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const [serverProblems, setServerProblems] = useState<ProblemMap>(new Map());
  const [preview, setPreview] = useState<{ data: PreviewResponse; form: string } | undefined>();
  const previewRelease = usePreviewRelease(service.id);
  const start = useStartRelease(service.id);
  const [failure, setFailure] = useState<{ during: 'preview' | 'start'; error: unknown } | undefined>();
  const failureText = useErrorMessage(failure?.error);
  const panelRef = useRef<HTMLDivElement>(null);
  const ids = { name: useId(), stable: useId(), canary: useId(), header: useId(), gates: useId() };

  const form = toReleaseForm(draft);
  const formKey = JSON.stringify(form);
  const own = useMemo(() => checkReleaseDraft(draft, t('form.numberRequired')), [draft, t]);
  const problems = useMemo(() => mergeProblems(own, serverProblems), [own, serverProblems]);
  const touch = (path: string) => setTouched((old) => (old.has(path) ? old : new Set(old).add(path)));
  const feedback = feedbackFor(problems, touched, showAll, touch);
  // One problem per field at a time (the contract may say an empty header name twice: "Enter a
  // name", "Enter a header name").
  const errorsAt = (path: string) => feedback.errorsAt(path).slice(0, 1).map(contractText);
  const stale = preview !== undefined && preview.form !== formKey;
  const unplaced = [...problems]
    .filter(([path]) => !isRendered(path) && (showAll || touched.has(path)))
    .flatMap(([, messages]) => messages.map(contractText));

  const change = (next: ReleaseDraft, ...paths: string[]) => {
    setDraft(next);
    for (const path of paths) touch(path);
    // A field the server refused is judged again by the form once it changes.
    if (paths.some((p) => serverProblems.has(p))) {
      setServerProblems((old) => new Map([...old].filter(([p]) => !paths.includes(p))));
    }
  };

  const setStep = (index: number, patch: Partial<StepDraft>, path: string) =>
    change({ ...draft, steps: draft.steps.map((s, i) => (i === index ? { ...s, ...patch } : s)) }, path);

  /** A refusal that names a field goes under it; the rest goes in the footer. */
  const handleFailure = (during: 'preview' | 'start', error: unknown) => {
    if (isApiError(error) && error.status === 400 && error.field && isRendered(error.field)) {
      const field = error.field;
      setServerProblems(new Map([[field, [fieldText({ code: error.code, message: error.message, field })]]]));
      touch(field);
      setFailure(undefined);
      return;
    }
    setFailure({ during, error });
  };

  const handlePreview = async () => {
    setShowAll(true);
    if (own.size > 0) return;
    setFailure(undefined);
    try {
      const data = await previewRelease.mutateAsync(form);
      setPreview({ data, form: formKey });
    } catch (error) {
      handleFailure('preview', error);
    }
  };

  const handleStart = async () => {
    setShowAll(true);
    if (own.size > 0) return;
    setFailure(undefined);
    try {
      const release = await start.mutateAsync(form);
      void message.success(t('form.started', { name: release.name }));
      onStarted(release);
    } catch (error) {
      handleFailure('start', error);
    }
  };

  const versionOptions = versions.map((v) => ({
    value: v.version,
    label: v.ready > 0 ? v.version : `${v.version} (${t('form.notReady')})`,
  }));

  const numberItem = (
    path: string,
    label: string,
    value: number | null,
    onValue: (value: number | null) => void,
    props: { min?: number; max?: number; step?: number; suffix?: string } = {},
    /** In a row of steps: the column heads say what it is; the label stays for screen readers. */
    compact = false,
  ) => (
    <Form.Item
      label={compact ? undefined : label}
      style={compact ? { marginBottom: 8 } : undefined}
      {...itemStatus(errorsAt(path))}
    >
      <InputNumber
        aria-label={label}
        value={value}
        style={{ width: '100%' }}
        {...props}
        onChange={(v) => onValue(typeof v === 'number' ? v : null)}
        onBlur={() => touch(path)}
      />
    </Form.Item>
  );

  const canPreview = !previewRelease.isPending && !start.isPending;
  const canStart = preview !== undefined && !stale && !previewRelease.isPending;
  const blocked = showAll && own.size > 0;

  const footer = (
    <Flex vertical gap={8}>
      {unplaced.length > 0 ? <Alert type="error" showIcon title={unplaced.join(' ')} /> : null}
      {blocked ? (
        <Typography.Text type="danger" role="status">
          {t('form.fixProblems')}
        </Typography.Text>
      ) : !canStart ? (
        <Typography.Text type="secondary">{t('form.previewFirst')}</Typography.Text>
      ) : null}
      {failure ? (
        <Alert
          type="error"
          showIcon
          title={failure.during === 'start' ? t('form.startFailed') : t('form.previewFailed')}
          description={failureText}
        />
      ) : null}
      <Flex justify="end" gap={8}>
        <Button onClick={onClose}>{t('form.cancel')}</Button>
        <Button
          onClick={() => void handlePreview()}
          loading={previewRelease.isPending}
          aria-label={t('form.preview')}
          disabled={!canPreview}
        >
          {t('form.preview')}
        </Button>
        <Button
          type="primary"
          onClick={() => void handleStart()}
          loading={start.isPending}
          aria-label={t('form.start')}
          disabled={!canStart || blocked}
        >
          {t('form.start')}
        </Button>
      </Flex>
    </Flex>
  );

  return (
    <Drawer
      open={open}
      onClose={onClose}
      panelRef={panelRef}
      afterOpenChange={(isOpen) => {
        if (isOpen) focusFirstField(panelRef.current);
        else onClosed();
      }}
      title={t('form.title')}
      size="min(720px, 100vw)"
      footer={footer}
      destroyOnHidden
    >
      <Flex vertical gap={16}>
        <Form layout="vertical" component="div" requiredMark>
          <Form.Item label={t('form.name')} htmlFor={ids.name} required {...itemStatus(errorsAt('name'))}>
            <Input
              id={ids.name}
              aria-label={t('form.name')}
              value={draft.name}
              placeholder={t('form.namePlaceholder')}
              maxLength={63}
              autoComplete="off"
              onChange={(e) => {
                setNameTyped(true);
                change({ ...draft, name: e.target.value }, 'name');
              }}
              onBlur={() => touch('name')}
            />
          </Form.Item>
          <Row gutter={12}>
            <Col xs={24} md={12}>
              <Form.Item
                label={t('form.stable')}
                htmlFor={ids.stable}
                required
                {...itemStatus(errorsAt('stable'))}
              >
                <Select<string>
                  id={ids.stable}
                  aria-label={t('form.stable')}
                  placeholder={t('form.chooseVersion')}
                  value={draft.stable}
                  options={versionOptions}
                  virtual={false}
                  onChange={(stable) => change({ ...draft, stable }, 'stable', 'canary')}
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item
                label={t('form.canary')}
                htmlFor={ids.canary}
                required
                {...itemStatus(errorsAt('canary'))}
              >
                <Select<string>
                  id={ids.canary}
                  aria-label={t('form.canary')}
                  placeholder={t('form.chooseVersion')}
                  value={draft.canary}
                  options={versionOptions}
                  virtual={false}
                  onChange={(canary) =>
                    change(
                      {
                        ...draft,
                        canary,
                        name: nameTyped ? draft.name : suggestedName(service.application, canary),
                      },
                      'canary',
                    )
                  }
                />
              </Form.Item>
            </Col>
          </Row>

          <Form.Item extra={t('form.headerStageHint')}>
            <Checkbox
              checked={draft.header.enabled}
              onChange={(e) => change({ ...draft, header: { ...draft.header, enabled: e.target.checked } })}
            >
              {t('form.headerStage')}
            </Checkbox>
          </Form.Item>
          {draft.header.enabled ? (
            <Row gutter={12} role="group" aria-label={t('form.headerStage')}>
              <Col xs={24} md={9}>
                <Form.Item
                  label={t('form.headerName')}
                  required
                  {...itemStatus(errorsAt('headerCanary.name'))}
                >
                  <Input
                    aria-label={t('form.headerName')}
                    value={draft.header.name}
                    autoComplete="off"
                    onChange={(e) =>
                      change(
                        { ...draft, header: { ...draft.header, name: e.target.value } },
                        'headerCanary.name',
                      )
                    }
                  />
                </Form.Item>
              </Col>
              <Col xs={24} md={9}>
                <Form.Item
                  label={t('form.headerValue')}
                  required
                  {...itemStatus(errorsAt('headerCanary.value'))}
                >
                  <Input
                    aria-label={t('form.headerValue')}
                    value={draft.header.value}
                    autoComplete="off"
                    onChange={(e) =>
                      change(
                        { ...draft, header: { ...draft.header, value: e.target.value } },
                        'headerCanary.value',
                      )
                    }
                  />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                {numberItem('headerCanary.holdSeconds', t('form.headerHold'), draft.header.holdSeconds, (v) =>
                  change(
                    { ...draft, header: { ...draft.header, holdSeconds: v } },
                    'headerCanary.holdSeconds',
                  ),
                )}
              </Col>
            </Row>
          ) : null}

          <Form.Item label={t('form.steps')} extra={t('form.stepsHint')} {...itemStatus(errorsAt('steps'))}>
            <Flex vertical gap={0} role="group" aria-label={t('form.steps')}>
              <Row gutter={12} aria-hidden>
                <Col flex="72px" />
                <Col flex="1">
                  <Typography.Text type="secondary">{t('form.weightHead')}</Typography.Text>
                </Col>
                <Col flex="1">
                  <Typography.Text type="secondary">{t('form.holdHead')}</Typography.Text>
                </Col>
                <Col flex="32px" />
              </Row>
              {draft.steps.map((step, i) => {
                const number = i + 1;
                return (
                  <Row
                    key={step.key}
                    gutter={12}
                    align="top"
                    role="group"
                    aria-label={t('form.stepNumber', { number })}
                  >
                    <Col flex="72px" style={{ paddingTop: 5 }}>
                      <Typography.Text aria-hidden>{t('form.stepNumber', { number })}</Typography.Text>
                    </Col>
                    <Col flex="1">
                      {numberItem(
                        `steps.${i}.weight`,
                        t('form.weight', { number }),
                        step.weight,
                        (weight) => setStep(i, { weight }, `steps.${i}.weight`),
                        { min: 1, max: 100, suffix: '%' },
                        true,
                      )}
                    </Col>
                    <Col flex="1">
                      {numberItem(
                        `steps.${i}.holdSeconds`,
                        t('form.hold', { number }),
                        step.holdSeconds,
                        (holdSeconds) => setStep(i, { holdSeconds }, `steps.${i}.holdSeconds`),
                        { min: 5, suffix: t('form.secondsUnit') },
                        true,
                      )}
                    </Col>
                    <Col flex="none">
                      <Button
                        type="text"
                        danger
                        icon={<DeleteOutlined aria-hidden />}
                        aria-label={t('form.removeStep', { number })}
                        disabled={draft.steps.length <= 1}
                        onClick={() =>
                          change({ ...draft, steps: draft.steps.filter((_, j) => j !== i) }, 'steps')
                        }
                      />
                    </Col>
                  </Row>
                );
              })}
              <Button
                icon={<PlusOutlined aria-hidden />}
                disabled={draft.steps.length >= MAX_STEPS}
                onClick={() => {
                  const last = draft.steps.at(-1);
                  change(
                    { ...draft, steps: [...draft.steps, stepDraft(100, last?.holdSeconds ?? undefined)] },
                    'steps',
                  );
                }}
                style={{ alignSelf: 'flex-start' }}
              >
                {t('form.addStep')}
              </Button>
            </Flex>
          </Form.Item>

          <Typography.Title level={5} id={ids.gates}>
            {t('form.gates')}
          </Typography.Title>
          <Typography.Paragraph type="secondary">{t('form.gatesHint')}</Typography.Paragraph>
          <Row gutter={12} role="group" aria-labelledby={ids.gates}>
            <Col xs={24} md={8}>
              {numberItem(
                'gates.maxErrorRate',
                t('form.maxErrorRate'),
                draft.gates.maxErrorRate,
                (maxErrorRate) =>
                  change({ ...draft, gates: { ...draft.gates, maxErrorRate } }, 'gates.maxErrorRate'),
                { min: 0, max: 100, step: 0.1 },
              )}
            </Col>
            <Col xs={24} md={8}>
              {numberItem(
                'gates.maxP99Ms',
                t('form.maxP99Ms'),
                draft.gates.maxP99Ms,
                (maxP99Ms) => change({ ...draft, gates: { ...draft.gates, maxP99Ms } }, 'gates.maxP99Ms'),
                { min: 1 },
              )}
            </Col>
            <Col xs={24} md={8}>
              {numberItem(
                'gates.minRequests',
                t('form.minRequests'),
                draft.gates.minRequests,
                (minRequests) =>
                  change({ ...draft, gates: { ...draft.gates, minRequests } }, 'gates.minRequests'),
                { min: 0 },
              )}
            </Col>
          </Row>
          <Form.Item label={t('form.onFailure')}>
            <Input aria-label={t('form.onFailure')} value={t('form.rollback')} readOnly variant="filled" />
          </Form.Item>
        </Form>
        {preview ? <PreviewPanel preview={preview.data} stale={stale} showChanges={false} /> : null}
      </Flex>
    </Drawer>
  );
}
