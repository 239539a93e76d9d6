import { COMMENT_MAX_LENGTH } from '../../../../bff/src/contract/limits';
import {
  Alert,
  App,
  Button,
  Drawer,
  Flex,
  Form,
  Input,
  InputNumber,
  Radio,
  Select,
  Switch,
  Typography,
} from 'antd';
import { useId, useMemo, useRef, useState } from 'react';
import { useErrorMessage } from '../../components/QueryErrorAlert';
import { isApiError } from '../../lib/api';
import type { ServiceDetail } from '../../lib/contract';
import { focusFirstField, useDiscardGuard } from '../routing/editorDrawer';
import { PreviewPanel } from '../routing/PreviewPanel';
import type { RateLimitListResponse, RateLimitPreview, RateLimitRule, RateScope, RateUnit } from './contract';
import { HTTP_METHODS, effectiveTotal } from './contract';
import { checkDraft, draftFromForm, newDraft, toInput } from './draft';
import type { RateLimitDraft } from './draft';
import { useFieldName, useRateLimitT } from './i18n';
import { usePreviewRateLimit, useSaveRateLimit } from './queries';

export type RateLimitTarget = { mode: 'create' } | { mode: 'edit'; rule: RateLimitRule };

export interface RateLimitEditorDrawerProps {
  service: ServiceDetail;
  list: RateLimitListResponse;
  target: RateLimitTarget;
  open: boolean;
  onClose: () => void;
  onClosed: () => void;
}

const isRpc = (protocol: string) => protocol === 'dubbo' || protocol === 'sofarpc';

/** Where the contract reports the problems of each field of the draft. */
const FIELD_PATHS: Record<keyof RateLimitDraft, string> = {
  name: 'name',
  version: 'version',
  pathType: 'match.path',
  path: 'match.path',
  method: 'match.method',
  headerName: 'match.header',
  headerValue: 'match.header',
  rpcMethod: 'match.rpcMethod',
  requests: 'limit.requests',
  unit: 'limit.unit',
  burst: 'burst',
  scope: 'scope',
  status: 'response.status',
  responseHeaderName: 'response.header',
  responseHeaderValue: 'response.header',
  enabled: 'enabled',
  shadow: 'shadow',
  comment: 'comment',
};

const related = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

/**
 * Add or edit a rate limit: the form, checked as the operator types with the contract the BFF
 * checks again (a problem shows once its field was changed or a preview or submit was tried; then
 * Submit stays disabled, naming the field, until it is fixed; a second rule with the same match is
 * a conflict shown here); Preview shows the EnvoyFilters and their diff after
 * the control plane's dry run; Submit writes at once (the BFF checks again, the control plane refuses
 * what the dry run would, earlier writes are undone if a later one fails), so the audit records a
 * refused submit as the write it was, not as a preview.
 */
export function RateLimitEditorDrawer({
  service,
  list,
  target,
  open,
  onClose,
  onClosed,
}: RateLimitEditorDrawerProps) {
  const t = useRateLimitT();
  const fieldName = useFieldName();
  const { message } = App.useApp();
  const id = useId();
  const existing = target.mode === 'edit' ? target.rule : undefined;
  const [initialDraft] = useState<RateLimitDraft>(() =>
    existing ? draftFromForm(existing.form) : newDraft(),
  );
  const [draft, setDraft] = useState<RateLimitDraft>(initialDraft);
  const panelRef = useRef<HTMLDivElement>(null);
  // Cancel, the close icon, Escape and the mask ask before unsaved edits are dropped.
  const requestClose = useDiscardGuard(JSON.stringify(draft) !== JSON.stringify(initialDraft), onClose);
  const [preview, setPreview] = useState<{ data: RateLimitPreview; key: string }>();
  const [failure, setFailure] = useState<{ error: unknown; key: string }>();
  const [submitting, setSubmitting] = useState(false);
  const previewRule = usePreviewRateLimit(service.id);
  const saveRule = useSaveRateLimit(service.id);

  // A problem shows once its field was changed, or after a preview or submit was tried, as in the
  // route editor: a new form does not open covered in red. An existing rule's show at once.
  const [touched, setTouched] = useState<ReadonlySet<string>>(() => new Set());
  const [showAll, setShowAll] = useState(existing !== undefined);
  const set = <K extends keyof RateLimitDraft>(key: K, value: RateLimitDraft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    const path = FIELD_PATHS[key];
    setTouched((prev) => (prev.has(path) ? prev : new Set(prev).add(path)));
  };

  const others = useMemo(
    () => list.items.filter((r) => r.name !== existing?.name).map((r) => r.form),
    [list.items, existing?.name],
  );
  const serviceInfo = useMemo(
    () => ({ protocol: service.protocol, versions: list.versions }),
    [service.protocol, list.versions],
  );
  const check = checkDraft(draft, serviceInfo, others, existing?.resourceVersion);
  const body = check.ok ? check.form : undefined;
  const bodyKey = JSON.stringify(toInput(draft, existing?.resourceVersion));
  const current = failure?.key === bodyKey ? failure.error : undefined;
  const failureMessage = useErrorMessage(current);
  const rpc = isRpc(service.protocol);
  const readyInstances =
    draft.version === ''
      ? list.readyInstances
      : (list.versions.find((v) => v.version === draft.version)?.ready ?? 0);

  // The contract's first problem, once the operator has been at its field or tried to go on.
  const shown =
    !check.ok && (showAll || [...touched].some((path) => related(path, check.problem.field)))
      ? check.problem
      : undefined;

  /** Shows every problem; the body to send when there is none. */
  const ready = () => {
    setShowAll(true);
    return body;
  };

  const runPreview = async (): Promise<boolean> => {
    const form = ready();
    if (!form) return false;
    try {
      const data = await previewRule.mutateAsync(form);
      setPreview({ data, key: bodyKey });
      return true;
    } catch (err) {
      setFailure({ error: err, key: bodyKey });
      return false;
    }
  };

  const handleSubmit = async () => {
    if (!ready() || !body) return;
    setSubmitting(true);
    try {
      const saved = await saveRule.mutateAsync(existing ? { existing: existing.name, body } : { body });
      void message.success(t('form.saved', { name: saved.name }));
      onClose();
    } catch (err) {
      setFailure({ error: err, key: bodyKey });
    } finally {
      setSubmitting(false);
    }
  };

  const problemField = shown?.field;
  const statusOf = (...fields: string[]) =>
    problemField !== undefined && fields.some((f) => problemField === f || problemField.startsWith(`${f}.`))
      ? ('error' as const)
      : undefined;
  const unitText = t(`unit.${draft.unit}`);

  const footer = (
    <Flex vertical gap={8}>
      {shown ? (
        <Typography.Text type="danger" role="status">
          {t('form.invalid', { field: fieldName(shown.field), message: shown.message })}
        </Typography.Text>
      ) : null}
      {current !== undefined ? (
        <Alert
          type="error"
          showIcon
          title={isApiError(current) && current.status === 409 ? t('form.conflict') : t('form.saveFailed')}
          description={failureMessage}
        />
      ) : null}
      <Flex justify="end" gap={8}>
        <Button onClick={requestClose}>{t('form.cancel')}</Button>
        <Button
          onClick={() => void runPreview()}
          disabled={shown !== undefined}
          loading={previewRule.isPending && !submitting}
        >
          {t('form.preview')}
        </Button>
        <Button
          type="primary"
          onClick={() => void handleSubmit()}
          disabled={shown !== undefined}
          loading={submitting}
        >
          {t('form.submit')}
        </Button>
      </Flex>
    </Flex>
  );

  return (
    <Drawer
      open={open}
      onClose={requestClose}
      panelRef={panelRef}
      afterOpenChange={(isOpen) => {
        if (isOpen) focusFirstField(panelRef.current);
        else onClosed();
      }}
      title={existing ? t('form.titleEdit') : t('form.titleAdd')}
      size="min(760px, 100vw)"
      footer={footer}
      destroyOnHidden
    >
      <Form layout="vertical" component="div">
        <Form.Item label={t('form.name')} htmlFor={`${id}-name`} validateStatus={statusOf('name')}>
          <Input
            id={`${id}-name`}
            value={draft.name}
            disabled={existing !== undefined}
            placeholder={t('form.namePlaceholder')}
            onChange={(e) => set('name', e.target.value)}
          />
        </Form.Item>
        <Form.Item label={t('form.version')} htmlFor={`${id}-version`} validateStatus={statusOf('version')}>
          <Select
            id={`${id}-version`}
            value={draft.version}
            onChange={(v: string) => set('version', v)}
            options={[
              { value: '', label: t('form.allVersions') },
              ...list.versions.map((v) => ({ value: v.version, label: v.version })),
            ]}
          />
        </Form.Item>
        <fieldset style={{ border: 0, padding: 0, margin: 0 }} aria-describedby={`${id}-matchhint`}>
          <legend style={{ fontSize: 14, marginBottom: 4 }}>{t('form.match')}</legend>
          <Typography.Paragraph type="secondary" id={`${id}-matchhint`} style={{ marginBottom: 8 }}>
            {t('form.matchHint')}
          </Typography.Paragraph>
          {rpc ? (
            <Form.Item
              label={t('form.rpcMethod')}
              htmlFor={`${id}-rpc`}
              validateStatus={statusOf('match.rpcMethod', 'match')}
            >
              <Input
                id={`${id}-rpc`}
                value={draft.rpcMethod}
                onChange={(e) => set('rpcMethod', e.target.value)}
              />
            </Form.Item>
          ) : (
            <>
              <Flex gap={8}>
                <Form.Item label={t('form.pathType')} htmlFor={`${id}-pathtype`}>
                  <Select
                    id={`${id}-pathtype`}
                    style={{ width: 120 }}
                    value={draft.pathType}
                    onChange={(v: 'exact' | 'prefix') => set('pathType', v)}
                    options={[
                      { value: 'prefix', label: t('form.prefix') },
                      { value: 'exact', label: t('form.exact') },
                    ]}
                  />
                </Form.Item>
                <Form.Item
                  label={t('form.path')}
                  htmlFor={`${id}-path`}
                  style={{ flex: 1 }}
                  validateStatus={statusOf('match.path', 'match')}
                >
                  <Input
                    id={`${id}-path`}
                    value={draft.path}
                    placeholder="/api"
                    onChange={(e) => set('path', e.target.value)}
                  />
                </Form.Item>
                <Form.Item label={t('form.method')} htmlFor={`${id}-method`}>
                  <Select
                    id={`${id}-method`}
                    style={{ width: 140 }}
                    value={draft.method}
                    onChange={(v: string) => set('method', v)}
                    options={[
                      { value: '', label: t('form.anyMethod') },
                      ...HTTP_METHODS.map((m) => ({ value: m, label: m })),
                    ]}
                  />
                </Form.Item>
              </Flex>
              <Flex gap={8}>
                <Form.Item
                  label={t('form.headerName')}
                  htmlFor={`${id}-hname`}
                  style={{ flex: 1 }}
                  validateStatus={statusOf('match.header')}
                >
                  <Input
                    id={`${id}-hname`}
                    value={draft.headerName}
                    onChange={(e) => set('headerName', e.target.value)}
                  />
                </Form.Item>
                <Form.Item
                  label={t('form.headerValue')}
                  htmlFor={`${id}-hvalue`}
                  style={{ flex: 1 }}
                  validateStatus={statusOf('match.header')}
                >
                  <Input
                    id={`${id}-hvalue`}
                    value={draft.headerValue}
                    onChange={(e) => set('headerValue', e.target.value)}
                  />
                </Form.Item>
              </Flex>
            </>
          )}
        </fieldset>
        <Flex gap={8} wrap>
          <Form.Item
            label={t('form.requests')}
            htmlFor={`${id}-requests`}
            validateStatus={statusOf('limit.requests')}
          >
            <InputNumber
              id={`${id}-requests`}
              value={draft.requests}
              onChange={(v) => set('requests', typeof v === 'number' ? v : null)}
            />
          </Form.Item>
          <Form.Item
            label={t('form.unit')}
            htmlFor={`${id}-unit`}
            validateStatus={statusOf('limit.unit', 'limit.window')}
          >
            <Select
              id={`${id}-unit`}
              style={{ width: 140 }}
              value={draft.unit}
              onChange={(v: RateUnit) => set('unit', v)}
              options={(['second', 'minute', 'hour'] as const).map((u) => ({
                value: u,
                label: t(`form.units.${u}`),
              }))}
            />
          </Form.Item>
          <Form.Item
            label={t('form.burst')}
            htmlFor={`${id}-burst`}
            tooltip={t('form.burstHint')}
            validateStatus={statusOf('burst')}
          >
            <InputNumber
              id={`${id}-burst`}
              value={draft.burst}
              onChange={(v) => set('burst', typeof v === 'number' ? v : null)}
            />
          </Form.Item>
        </Flex>
        <Form.Item label={t('form.scope')} validateStatus={statusOf('scope')}>
          <Radio.Group
            aria-label={t('form.scope')}
            value={draft.scope}
            onChange={(e) => set('scope', e.target.value as RateScope)}
            options={[
              { value: 'instance', label: t('form.scopeInstance') },
              { value: 'global', label: t('form.scopeGlobal') },
            ]}
          />
        </Form.Item>
        {draft.requests !== null && draft.requests > 0 ? (
          <Alert
            type="info"
            showIcon
            role="note"
            style={{ marginBottom: 16 }}
            title={
              draft.scope === 'instance'
                ? t('form.effective', {
                    total: effectiveTotal(
                      { scope: 'instance', limit: { requests: draft.requests, unit: draft.unit } },
                      readyInstances,
                    ),
                    requests: draft.requests,
                    instances: readyInstances,
                    unit: unitText,
                  })
                : t('form.effectiveGlobal', { requests: draft.requests, unit: unitText })
            }
          />
        ) : null}
        <Flex gap={8} wrap>
          <Form.Item
            label={t('form.status')}
            htmlFor={`${id}-status`}
            validateStatus={statusOf('response.status')}
          >
            <InputNumber
              id={`${id}-status`}
              value={draft.status}
              onChange={(v) => set('status', typeof v === 'number' ? v : null)}
            />
          </Form.Item>
          <Form.Item
            label={t('form.responseHeaderName')}
            htmlFor={`${id}-rhname`}
            validateStatus={statusOf('response.header')}
          >
            <Input
              id={`${id}-rhname`}
              value={draft.responseHeaderName}
              onChange={(e) => set('responseHeaderName', e.target.value)}
            />
          </Form.Item>
          <Form.Item
            label={t('form.responseHeaderValue')}
            htmlFor={`${id}-rhvalue`}
            validateStatus={statusOf('response.header')}
          >
            <Input
              id={`${id}-rhvalue`}
              value={draft.responseHeaderValue}
              onChange={(e) => set('responseHeaderValue', e.target.value)}
            />
          </Form.Item>
        </Flex>
        <Flex gap={24} wrap>
          <Form.Item label={t('form.enabled')} htmlFor={`${id}-enabled`}>
            <Switch id={`${id}-enabled`} checked={draft.enabled} onChange={(v) => set('enabled', v)} />
          </Form.Item>
          <Form.Item label={t('form.shadow')} htmlFor={`${id}-shadow`} tooltip={t('form.shadowHint')}>
            <Switch id={`${id}-shadow`} checked={draft.shadow} onChange={(v) => set('shadow', v)} />
          </Form.Item>
        </Flex>
        <Form.Item label={t('form.comment')} htmlFor={`${id}-comment`}>
          <Input.TextArea
            id={`${id}-comment`}
            value={draft.comment}
            maxLength={COMMENT_MAX_LENGTH}
            placeholder={t('form.commentPlaceholder')}
            onChange={(e) => set('comment', e.target.value)}
          />
        </Form.Item>
      </Form>
      {preview ? (
        // The warnings are inside the panel, so scrolling to its heading shows them too.
        <PreviewPanel
          preview={{ dialect: 'istio', objects: preview.data.objects, warnings: preview.data.warnings }}
          stale={preview.key !== bodyKey}
          showChanges={existing !== undefined}
          reveal={!submitting}
        />
      ) : null}
    </Drawer>
  );
}
