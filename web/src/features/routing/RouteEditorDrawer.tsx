import { COMMENT_MAX_LENGTH } from '../../../../bff/src/contract/limits';
import { App, Form, Input, Typography } from 'antd';
import { useCallback, useId, useMemo } from 'react';
import type { ServiceDetail } from '../../lib/contract';
import { NO_PROBLEMS, itemStatus } from '../rules/feedback';
import type { ProblemMap } from '../rules/feedback';
import { RuleEditorDrawer } from '../rules/RuleEditorDrawer';
import type { RuleCheck } from '../rules/useRuleEditor';
import { useRuleEditor } from '../rules/useRuleEditor';
import type { PreviewResponse, RouteApiChoice, RouteRule, RpcDialect } from './contract';
import type { RouteDraft } from './draft';
import { draftFromForm, newDraft, serviceVersions } from './draft';
import { useTranslation } from 'react-i18next';
import type { RouteWriteBody } from './queries';
import { RouteFormFields } from './RouteFormFields';
import type { GatewaysContext } from './RouteFormFields';
import { checkDraft, isRenderedPath, serviceInfo } from './validation';
import type { DraftCheck } from './validation';
import { checkYaml } from './yaml';
import { YamlEditor } from './YamlEditor';
import { useContractMessage } from '../../lib/messages/translate';
import { ListAlert } from '../../components/ListAlert';
import type { RouteApiMode } from './match-offer';
import { isGatewayApiRef } from './match-offer';
import { RouteApiNote } from './RouteApiNote';

export type EditorTarget = { mode: 'create' } | { mode: 'edit'; rule: RouteRule };

export interface RouteEditorDrawerProps {
  service: ServiceDetail;
  dialect: RpcDialect;
  /** Every Gateway of the mesh (`namespace/name`), for the Gateways field. */
  gateways: string[];
  /** The API a new rule is written with, and why (the list's choice for the namespace). */
  routeApi?: RouteApiChoice | undefined;
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

/** The routing editor's draft: the form's, or the YAML of a rule the form cannot show. */
interface RouteEditorDraft {
  route: RouteDraft;
  yaml: string;
}

interface RouteCheck extends RuleCheck<RouteWriteBody> {
  /** The form's own check (absent for YAML). */
  form: DraftCheck | undefined;
  /** Every weight list totals 100 (always for YAML): until then Preview and Submit wait. */
  weightsOk: boolean;
}

/**
 * Add or edit a routing rule: the form (or YAML, for a rule the form cannot show) on the shared
 * rule editor (`useRuleEditor`: preview, submit, failures tied to the body sent, 409 with reload).
 */
export function RouteEditorDrawer({
  service,
  dialect,
  gateways,
  routeApi,
  target,
  open,
  readOnly,
  onClose,
  onClosed,
}: RouteEditorDrawerProps) {
  const { t } = useTranslation('routing');
  const contractText = useContractMessage();
  const { message } = App.useApp();
  const ruleId = useId();
  const existing = target.mode === 'edit' ? target.rule : undefined;
  const isYaml = existing !== undefined && existing.form === null;
  const versions = useMemo(() => serviceVersions(service), [service]);
  const info = useMemo(() => serviceInfo(service, dialect), [service, dialect]);
  // An existing rule stays the kind it is (an HTTPRoute is edited as one, whatever a new rule of
  // the namespace would be); a new one is written with the namespace's API.
  const mode = useMemo<RouteApiMode>(
    () =>
      existing
        ? { api: isGatewayApiRef(existing.ref) ? 'gateway-api' : 'istio', kind: existing.ref.kind }
        : { api: routeApi?.api ?? 'istio', kind: routeApi?.kind ?? 'VirtualService' },
    [existing, routeApi],
  );
  // Said only when it is the reason for this rule's API (not for an existing rule of another API).
  const modeReason = routeApi && routeApi.api === mode.api ? routeApi.reason : undefined;
  // Gateways bind Istio's VirtualServices; the RPC dialects' rules have none, and a Gateway API
  // rule's parentRefs are not edited by the form.
  const gatewaysContext = useMemo<GatewaysContext | null>(
    () =>
      dialect === 'istio' && mode.api === 'istio'
        ? {
            known: gateways,
            ruleNamespace: existing?.ref.namespace ?? service.namespace,
            written: existing?.form?.gateways ?? [],
          }
        : null,
    [dialect, mode.api, gateways, existing, service.namespace],
  );

  const check = useCallback(
    (draft: RouteEditorDraft, resourceVersion: string | undefined): RouteCheck => {
      if (isYaml) {
        const comment = draft.route.comment.trim();
        const yaml = checkYaml(draft.yaml);
        const problems: ProblemMap = yaml.ok
          ? NO_PROBLEMS
          : new Map([
              [
                'yaml',
                [
                  yaml.reason === 'parse'
                    ? t('yaml.parseError', { message: yaml.message })
                    : t('yaml.notAnObject'),
                ],
              ],
            ]);
        return {
          body: {
            yaml: draft.yaml,
            ...(resourceVersion !== undefined ? { resourceVersion } : {}),
            ...(comment ? { comment } : {}),
          },
          problems,
          ready: problems.size === 0,
          form: undefined,
          weightsOk: true,
        };
      }
      const form = checkDraft(
        draft.route,
        info,
        {
          keyRequired: t('conditions.labelKeyRequired'),
          duplicate: (key) => t('conditions.labelDuplicate', { key }),
        },
        resourceVersion,
        mode.api,
      );
      return {
        body: form.form,
        problems: form.problems,
        ready: form.weightsOk && form.problems.size === 0,
        form,
        weightsOk: form.weightsOk,
      };
    },
    [isYaml, info, t, mode.api],
  );

  const editor = useRuleEditor<RouteEditorDraft, RouteWriteBody, RouteCheck, PreviewResponse, RouteRule>({
    resource: 'routes',
    serviceId: service.id,
    existing,
    initialDraft: () => ({
      route: existing?.form ? draftFromForm(existing.form) : newDraft(service),
      yaml: existing?.yaml ?? '',
    }),
    check,
    rendersPath: isRenderedPath,
    readOnly: readOnly !== undefined,
    onSaved: (saved) => void message.success(t('form.saved', { name: saved.name })),
    onClose,
  });
  const { draft, setDraft, feedback } = editor;
  const setRoute = (route: RouteDraft) => setDraft((d) => ({ ...d, route }));

  // Problems of paths the form does not show beside a field, once everything shows.
  const otherProblems = editor.showAll
    ? [...editor.problems]
        .filter(([path]) => !isRenderedPath(path))
        .flatMap(([path, messages]) => messages.map((m) => (path ? `${path}: ${m}` : m)))
    : [];
  const weightsBlocked = !editor.check.weightsOk;

  return (
    <RuleEditorDrawer
      editor={editor}
      open={open}
      title={readOnly ? t('form.titleView') : existing ? t('form.titleEdit') : t('form.titleAdd')}
      size="min(960px, 100vw)"
      readOnly={readOnly}
      blocked={weightsBlocked}
      note={
        weightsBlocked ? (
          <Typography.Text type="danger" id={ruleId}>
            {t('form.weightsRule')}
          </Typography.Text>
        ) : undefined
      }
      noteId={ruleId}
      failedTitle={{ save: t('form.saveFailed'), preview: t('form.previewFailed') }}
      preview={editor.preview}
      previewNote={
        editor.preview?.data.routeApi ? (
          <RouteApiNote choice={editor.preview.data.routeApi} label={t('api.previewLabel')} />
        ) : undefined
      }
      showChanges={existing !== undefined}
      onClose={onClose}
      onClosed={onClosed}
    >
      {isYaml && existing ? (
        <>
          <ListAlert type="info" title={t('yaml.reasons')} items={existing.reasons.map(contractText)} />
          <Form layout="vertical" component="div">
            <Form.Item label={t('yaml.editor')} {...itemStatus(feedback.errorsAt('yaml'))}>
              <YamlEditor
                value={draft.yaml}
                onChange={(yaml) => setDraft((d) => ({ ...d, yaml }), 'yaml')}
                label={t('yaml.editor')}
                invalid={feedback.errorsAt('yaml').length > 0}
                readOnly={readOnly !== undefined}
              />
            </Form.Item>
            <Form.Item label={t('form.comment')}>
              <Input.TextArea
                aria-label={t('form.comment')}
                value={draft.route.comment}
                placeholder={t('form.commentPlaceholder')}
                autoSize={{ minRows: 1, maxRows: 4 }}
                maxLength={COMMENT_MAX_LENGTH}
                onChange={(e) => setRoute({ ...draft.route, comment: e.target.value })}
              />
            </Form.Item>
          </Form>
        </>
      ) : editor.check.form ? (
        <>
          {existing && existing.kept.length > 0 ? (
            <ListAlert type="info" title={t('form.kept')} items={existing.kept} />
          ) : null}
          <RouteFormFields
            draft={draft.route}
            onChange={setRoute}
            service={service}
            versions={versions}
            editing={existing !== undefined}
            check={editor.check.form}
            feedback={feedback}
            gateways={gatewaysContext}
            hosts={existing?.scope.hosts}
            mode={mode}
            modeReason={modeReason}
            parentGateways={existing?.scope.appliesAt.gateways}
          />
        </>
      ) : null}
      <ListAlert type="error" title={t('form.problems')} items={otherProblems} />
    </RuleEditorDrawer>
  );
}
