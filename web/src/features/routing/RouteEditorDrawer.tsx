import { COMMENT_MAX_LENGTH } from '../../../../bff/src/contract/limits';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, ConfigProvider, Drawer, Flex, Form, Input, Typography } from 'antd';
import { useId, useMemo, useRef, useState } from 'react';
import { useErrorMessage } from '../../components/QueryErrorAlert';
import { isApiError } from '../../lib/api';
import type { ServiceDetail } from '../../lib/contract';
import type { PreviewResponse, RouteRule, RpcDialect } from './contract';
import type { RouteDraft } from './draft';
import { draftFromForm, newDraft, serviceVersions, toRouteForm } from './draft';
import { focusFirstField, useDiscardGuard } from './editorDrawer';
import { feedbackFor, itemStatus } from './feedback';
import { useRoutingT } from './i18n';
import { PreviewPanel } from './PreviewPanel';
import { routeRuleQuery, usePreviewRoute, useSaveRoute } from './queries';
import type { RouteWriteBody } from './queries';
import { RouteFormFields } from './RouteFormFields';
import { checkDraft, isRenderedPath, mergeProblems, serviceInfo } from './validation';
import type { ProblemMap } from './validation';
import { checkYaml } from './yaml';
import { YamlEditor } from './YamlEditor';

export type EditorTarget = { mode: 'create' } | { mode: 'edit'; rule: RouteRule };

export interface RouteEditorDrawerProps {
  service: ServiceDetail;
  dialect: RpcDialect;
  target: EditorTarget;
  open: boolean;
  /**
   * Why the user may not change the rule: the drawer then shows it read-only, without Preview and
   * Submit, and says why in their place.
   */
  readOnly?: string | undefined;
  onClose: () => void;
  /** After the closing animation: the parent may unmount the editor. */
  onClosed: () => void;
}

/** A failure tied to the body it was about: once the operator changes the form it no longer shows. */
interface KeyedError {
  error: unknown;
  key: string;
  /** What failed: the Preview button's dry run, or the write. */
  during: 'preview' | 'save';
}

const NO_PROBLEMS: ProblemMap = new Map();

/**
 * Add or edit a routing rule: the form (or YAML, for a rule the form cannot show), preview,
 * submit. Preview is a server-side dry run; Submit writes at once (the BFF runs the same checks,
 * the control plane refuses what the dry run would, and earlier writes are undone if a later one
 * fails), so the audit records a refused submit as the write it was, not as a preview. A 409
 * Conflict keeps everything typed and offers to reload the live rule and preview against it.
 */
export function RouteEditorDrawer({
  service,
  dialect,
  target,
  open,
  readOnly,
  onClose,
  onClosed,
}: RouteEditorDrawerProps) {
  const t = useRoutingT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const ruleId = useId();
  const existing = target.mode === 'edit' ? target.rule : undefined;
  const isYaml = existing !== undefined && existing.form === null;

  const [initialDraft] = useState<RouteDraft>(() =>
    existing?.form ? draftFromForm(existing.form) : newDraft(service),
  );
  const [draft, setDraft] = useState<RouteDraft>(initialDraft);
  const [yamlText, setYamlText] = useState(existing?.yaml ?? '');
  const panelRef = useRef<HTMLDivElement>(null);
  const dirty =
    readOnly === undefined &&
    (yamlText !== (existing?.yaml ?? '') || JSON.stringify(draft) !== JSON.stringify(initialDraft));
  // Cancel, the close icon, Escape and the mask ask before unsaved edits are dropped.
  const requestClose = useDiscardGuard(dirty, onClose);
  const [basedOn, setBasedOn] = useState(existing?.resourceVersion);
  const [touched, setTouched] = useState<ReadonlySet<string>>(() => new Set());
  // An existing rule's problems show at once; a new form waits until the operator has been there.
  const [showAll, setShowAll] = useState(existing !== undefined);
  const [failure, setFailure] = useState<KeyedError>();
  const [conflict, setConflict] = useState<'conflict' | 'reloaded'>();
  const [reloadError, setReloadError] = useState<unknown>();
  const [reloading, setReloading] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [preview, setPreview] = useState<{ data: PreviewResponse; key: string }>();
  const previewRoute = usePreviewRoute(service.id);
  const saveRoute = useSaveRoute(service.id);

  const versions = useMemo(() => serviceVersions(service), [service]);
  const info = useMemo(() => serviceInfo(service, dialect), [service, dialect]);
  const check = useMemo(
    () =>
      checkDraft(
        draft,
        info,
        {
          keyRequired: t('conditions.labelKeyRequired'),
          duplicate: (key) => t('conditions.labelDuplicate', { key }),
        },
        basedOn,
      ),
    [draft, info, t, basedOn],
  );
  const yamlCheck = useMemo(() => checkYaml(yamlText), [yamlText]);

  const comment = draft.comment.trim();
  const bodyFor = (resourceVersion: string | undefined): RouteWriteBody =>
    isYaml
      ? {
          yaml: yamlText,
          ...(resourceVersion !== undefined ? { resourceVersion } : {}),
          ...(comment ? { comment } : {}),
        }
      : toRouteForm(draft, resourceVersion);
  const body = bodyFor(basedOn);
  const bodyKey = JSON.stringify(body);

  // What the BFF said about this very body (a 400 names the field).
  const current = failure?.key === bodyKey ? failure.error : undefined;
  const serverField = isApiError(current) ? current.field : undefined;
  const serverProblems: ProblemMap =
    isApiError(current) && serverField ? new Map([[serverField, [current.message]]]) : NO_PROBLEMS;
  const failureMessage = useErrorMessage(current);
  const generalFailure = current !== undefined && !(serverField && isRenderedPath(serverField));
  const reloadMessage = useErrorMessage(reloadError);

  const yamlProblems: ProblemMap = isYaml
    ? yamlCheck.ok
      ? NO_PROBLEMS
      : new Map([
          [
            'yaml',
            [
              yamlCheck.reason === 'parse'
                ? t('yaml.parseError', { message: yamlCheck.message })
                : t('yaml.notAnObject'),
            ],
          ],
        ])
    : NO_PROBLEMS;
  const clientProblems = isYaml ? yamlProblems : check.problems;
  const problems = mergeProblems(clientProblems, serverProblems);
  const handleTouch = (path: string) =>
    setTouched((prev) => (prev.has(path) ? prev : new Set(prev).add(path)));
  const feedback = feedbackFor(problems, touched, showAll, handleTouch);
  const otherProblems = showAll
    ? [...clientProblems]
        .filter(([path]) => !isRenderedPath(path))
        .flatMap(([path, messages]) => messages.map((m) => (path ? `${path}: ${m}` : m)))
    : [];

  const weightsBlocked = !isYaml && !check.weightsOk;
  const busy = submitting || reloading;

  const handleFailure = (err: unknown, key: string, during: KeyedError['during']) => {
    if (isApiError(err) && err.status === 409 && err.code === 'Conflict') {
      setConflict('conflict');
      return;
    }
    setFailure({ error: err, key, during });
  };

  const runPreview = async (forBody: RouteWriteBody): Promise<PreviewResponse | undefined> => {
    const key = JSON.stringify(forBody);
    try {
      const data = await previewRoute.mutateAsync(forBody);
      setPreview({ data, key });
      return data;
    } catch (err) {
      handleFailure(err, key, 'preview');
      return undefined;
    }
  };

  /** Shows every problem; true when there is none the browser can see. */
  const ready = () => {
    setShowAll(true);
    return !weightsBlocked && clientProblems.size === 0;
  };

  const handlePreview = async () => {
    if (!ready()) return;
    await runPreview(body);
  };

  const handleSubmit = async () => {
    if (!ready()) return;
    setSubmitting(true);
    try {
      const saved = await saveRoute.mutateAsync(existing ? { existing: existing.name, body } : { body });
      void message.success(t('form.saved', { name: saved.name }));
      onClose();
    } catch (err) {
      handleFailure(err, bodyKey, 'save');
    } finally {
      setSubmitting(false);
    }
  };

  const handleReload = async () => {
    if (!existing) return;
    setReloading(true);
    setReloadError(undefined);
    try {
      const live = await queryClient.fetchQuery(routeRuleQuery(service.id, existing.name));
      setBasedOn(live.resourceVersion);
      setConflict('reloaded');
      // The preview's diff is from the live rule to the operator's: exactly what applying adds.
      await runPreview(bodyFor(live.resourceVersion));
    } catch (err) {
      setReloadError(err);
    } finally {
      setReloading(false);
    }
  };

  // Buttons that show a spinner carry their name explicitly: antd's spinner icon is labelled
  // "loading" and can linger in the DOM while it animates out, which would rename the button.
  const footer = readOnly ? (
    <Flex justify="space-between" align="center" gap={8} wrap>
      <Typography.Text type="secondary" role="note">
        {readOnly}
      </Typography.Text>
      <Button onClick={onClose}>{t('form.close')}</Button>
    </Flex>
  ) : (
    <Flex vertical gap={8}>
      {weightsBlocked ? (
        <Typography.Text type="danger" id={ruleId}>
          {t('form.weightsRule')}
        </Typography.Text>
      ) : null}
      <Flex justify="end" gap={8}>
        <Button onClick={requestClose}>{t('form.cancel')}</Button>
        <Button
          onClick={() => void handlePreview()}
          loading={previewRoute.isPending && !submitting}
          aria-label={t('form.preview')}
          disabled={weightsBlocked || busy}
          aria-describedby={weightsBlocked ? ruleId : undefined}
        >
          {t('form.preview')}
        </Button>
        <Button
          type="primary"
          onClick={() => void handleSubmit()}
          loading={submitting}
          aria-label={t('form.submit')}
          disabled={weightsBlocked || reloading}
          aria-describedby={weightsBlocked ? ruleId : undefined}
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
      title={readOnly ? t('form.titleView') : existing ? t('form.titleEdit') : t('form.titleAdd')}
      size="min(960px, 100vw)"
      footer={footer}
      destroyOnHidden
    >
      {/* Read-only: every control of the form is disabled, not just the buttons. */}
      <ConfigProvider componentDisabled={readOnly !== undefined}>
        <Flex vertical gap={16}>
          {conflict === 'conflict' ? (
            <Alert
              type="warning"
              showIcon
              title={t('conflict.title')}
              description={t('conflict.description')}
              action={
                <Button
                  size="small"
                  onClick={() => void handleReload()}
                  loading={reloading}
                  aria-label={t('conflict.reload')}
                >
                  {t('conflict.reload')}
                </Button>
              }
            />
          ) : null}
          {conflict === 'reloaded' ? <Alert type="info" showIcon title={t('conflict.reloaded')} /> : null}
          {reloadError !== undefined ? (
            <Alert type="error" showIcon title={t('conflict.reloadFailed', { message: reloadMessage })} />
          ) : null}
          {generalFailure ? (
            <Alert
              type="error"
              showIcon
              title={failure?.during === 'save' ? t('form.saveFailed') : t('form.previewFailed')}
              description={failureMessage}
            />
          ) : null}
          {isYaml && existing ? (
            <>
              {existing.reasons.length > 0 ? (
                <Alert
                  type="info"
                  showIcon
                  title={t('yaml.reasons')}
                  description={
                    <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                      {existing.reasons.map((r) => (
                        <li key={r}>{r}</li>
                      ))}
                    </ul>
                  }
                />
              ) : null}
              <Form layout="vertical" component="div">
                <Form.Item label={t('yaml.editor')} {...itemStatus(feedback.errorsAt('yaml'))}>
                  <YamlEditor
                    value={yamlText}
                    onChange={(text) => {
                      setYamlText(text);
                      handleTouch('yaml');
                    }}
                    label={t('yaml.editor')}
                    invalid={feedback.errorsAt('yaml').length > 0}
                    readOnly={readOnly !== undefined}
                  />
                </Form.Item>
                <Form.Item label={t('form.comment')}>
                  <Input.TextArea
                    aria-label={t('form.comment')}
                    value={draft.comment}
                    placeholder={t('form.commentPlaceholder')}
                    autoSize={{ minRows: 1, maxRows: 4 }}
                    maxLength={COMMENT_MAX_LENGTH}
                    onChange={(e) => setDraft({ ...draft, comment: e.target.value })}
                  />
                </Form.Item>
              </Form>
            </>
          ) : (
            <RouteFormFields
              draft={draft}
              onChange={setDraft}
              service={service}
              versions={versions}
              editing={existing !== undefined}
              check={check}
              feedback={feedback}
            />
          )}
          {otherProblems.length > 0 ? (
            <Alert
              type="error"
              showIcon
              title={t('form.problems')}
              description={
                <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                  {otherProblems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              }
            />
          ) : null}
          {preview ? (
            <PreviewPanel
              preview={preview.data}
              stale={preview.key !== bodyKey}
              showChanges={existing !== undefined}
              reveal={!submitting}
            />
          ) : null}
        </Flex>
      </ConfigProvider>
    </Drawer>
  );
}
