import { Alert, App } from 'antd';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { ServiceDetail } from '../../lib/contract';
import { RuleEditorDrawer } from '../rules/RuleEditorDrawer';
import { useFirstProblemNote } from '../rules/problemNote';
import { useRuleEditor } from '../rules/useRuleEditor';
import type { AccessCheck, AccessDraft } from './accessDraft';
import { accessDraftFromForm, checkAccessDraft, isAccessRenderedPath, newAccessDraft } from './accessDraft';
import { AccessPolicyFormFields } from './AccessPolicyFormFields';
import type {
  AccessPolicyFormInput,
  AccessPolicyFormValue,
  AccessPolicyList,
  AccessPolicyPreview,
  AccessPolicyRule,
  CallerVerdict,
} from './contract';
import { callerName } from './callers';
import { ACCESS_RESOURCE } from './queries';

export type AccessPolicyTarget =
  | { mode: 'create'; form?: AccessPolicyFormValue | undefined }
  | { mode: 'edit'; rule: AccessPolicyRule & { form: AccessPolicyFormValue } };

const RULE_FIELD = /^rules\.(\d+)(?:\.(from|to|when)(?:\.\d+\.(\w+))?)?/;

/** Observed callers the change would refuse, with their rate: shown in the preview, before Submit. */
function RefusedCallers({ refused }: { refused: readonly CallerVerdict[] }) {
  const { t } = useTranslation('security');
  if (refused.length === 0)
    return <Alert type="success" showIcon role="note" title={t('accessForm.noneRefused')} />;
  return (
    <Alert
      type="warning"
      showIcon
      title={t('accessForm.refused')}
      description={
        <ul aria-label={t('accessForm.refused')} style={{ margin: 0, paddingInlineStart: 18 }}>
          {refused.map((v) => (
            <li key={`${v.caller.namespace ?? ''}/${v.caller.name}/${v.caller.version ?? ''}`}>
              {t('accessForm.refusedLine', {
                caller: callerName(v.caller),
                rpm: Math.round(v.caller.requestsPerMinute * 10) / 10,
              })}
            </li>
          ))}
        </ul>
      }
    />
  );
}

export interface AccessPolicyEditorDrawerProps {
  service: ServiceDetail;
  list: AccessPolicyList;
  target: AccessPolicyTarget;
  open: boolean;
  onClose: () => void;
  onClosed: () => void;
}

/**
 * Create or edit an AuthorizationPolicy on the shared rule editor: checked as the operator types
 * with the contract's schema; the preview lists the observed callers the change would refuse.
 */
export function AccessPolicyEditorDrawer({
  service,
  list,
  target,
  open,
  onClose,
  onClosed,
}: AccessPolicyEditorDrawerProps) {
  const { t } = useTranslation('security');
  const { message } = App.useApp();
  const existing = target.mode === 'edit' ? target.rule : undefined;

  const fieldName = (path: string): string => {
    const named: Record<string, string> = {
      name: t('accessForm.name'),
      action: t('accessForm.action'),
      rules: t('accessForm.rules'),
      dryRun: t('accessForm.dryRun'),
      comment: t('accessForm.comment'),
    };
    if (named[path]) return named[path];
    const m = RULE_FIELD.exec(path);
    if (!m) return path;
    const rule = t('accessForm.rule', { index: Number(m[1]) + 1 });
    const part = m[3] ?? m[2];
    const parts: Record<string, string> = {
      namespaces: t('accessForm.namespaces'),
      principals: t('accessForm.principals'),
      methods: t('accessForm.methods'),
      paths: t('accessForm.paths'),
      ports: t('accessForm.ports'),
      from: t('accessForm.sources'),
      to: t('accessForm.operations'),
      when: t('accessForm.conditions'),
      key: t('accessForm.conditions'),
      values: t('accessForm.conditions'),
    };
    return part && parts[part] ? `${rule}: ${parts[part]}` : rule;
  };

  const check = useCallback(
    (draft: AccessDraft, resourceVersion: string | undefined) => checkAccessDraft(draft, resourceVersion),
    [],
  );

  const editor = useRuleEditor<
    AccessDraft,
    AccessPolicyFormInput,
    AccessCheck,
    AccessPolicyPreview,
    AccessPolicyRule
  >({
    resource: ACCESS_RESOURCE,
    serviceId: service.id,
    existing,
    initialDraft: () =>
      existing
        ? accessDraftFromForm(existing.form)
        : target.mode === 'create' && target.form
          ? accessDraftFromForm(target.form)
          : newAccessDraft(),
    check,
    rendersPath: isAccessRenderedPath,
    onSaved: (saved) => void message.success(t('accessForm.saved', { name: saved.name })),
    onClose,
  });
  const { feedback, setDraft } = editor;
  const footer = useFirstProblemNote(editor, (path, message) =>
    t('accessForm.invalid', { field: fieldName(path), message }),
  );

  return (
    <RuleEditorDrawer
      editor={editor}
      open={open}
      title={existing ? t('accessForm.titleEdit') : t('accessForm.titleAdd')}
      size="min(820px, 100vw)"
      {...footer}
      failedTitle={{ save: t('accessForm.saveFailed'), preview: t('accessForm.previewFailed') }}
      preview={
        editor.preview && {
          data: { dialect: 'istio', ...editor.preview.data },
          stale: editor.preview.stale,
        }
      }
      previewNote={editor.preview ? <RefusedCallers refused={editor.preview.data.refused} /> : undefined}
      showChanges={existing !== undefined}
      onClose={onClose}
      onClosed={onClosed}
    >
      {existing && existing.keptFields.length > 0 ? (
        <Alert
          type="info"
          showIcon
          role="note"
          title={t('accessForm.kept', { fields: existing.keptFields.join(', ') })}
        />
      ) : null}
      <AccessPolicyFormFields
        draft={editor.draft}
        onChange={(update, path) => setDraft(update, path)}
        callers={list.callers}
        editing={existing !== undefined}
        feedback={feedback}
      />
    </RuleEditorDrawer>
  );
}
