import { App } from 'antd';
import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { ServiceDetail } from '../../lib/contract';
import { RuleEditorDrawer } from '../rules/RuleEditorDrawer';
import { useFirstProblemNote } from '../rules/problemNote';
import { useRuleEditor } from '../rules/useRuleEditor';
import type { RateLimitFormInput, RateLimitListResponse, RateLimitPreview, RateLimitRule } from './contract';
import type { DraftCheck, RateLimitDraft } from './draft';
import { checkDraft, draftFromForm, newDraft } from './draft';
import { FIELD_PATHS, RateLimitFormFields, isRenderedPath } from './RateLimitFormFields';

/** The `fields.…` key that names each field path of the contract (a path not listed is shown as it is). */
const FIELD_NAMES = {
  name: 'fields.name',
  version: 'fields.version',
  match: 'fields.match.itself',
  'match.path.value': 'fields.match.path.value',
  'match.header.name': 'fields.match.header.name',
  'match.header.value': 'fields.match.header.value',
  'match.rpcMethod': 'fields.match.rpcMethod',
  'limit.requests': 'fields.limit.requests',
  'limit.unit': 'fields.limit.unit',
  'limit.window': 'fields.limit.window',
  burst: 'fields.burst',
  scope: 'fields.scope',
  'response.status': 'fields.response.status',
  'response.header': 'fields.response.header.itself',
  'response.header.name': 'fields.response.header.name',
  'response.header.value': 'fields.response.header.value',
} as const;

const isNamedField = (path: string): path is keyof typeof FIELD_NAMES => Object.hasOwn(FIELD_NAMES, path);

export type RateLimitTarget = { mode: 'create' } | { mode: 'edit'; rule: RateLimitRule };

export interface RateLimitEditorDrawerProps {
  service: ServiceDetail;
  list: RateLimitListResponse;
  target: RateLimitTarget;
  open: boolean;
  onClose: () => void;
  onClosed: () => void;
}

/**
 * Add or edit a rate limit on the shared rule editor (`useRuleEditor`). The form is checked as the
 * operator types with the contract the BFF checks again (a second rule with the same match is a
 * problem shown here); a problem shows beside its field once the field was changed or a preview or
 * submit was tried, and then the footer names the first one and Submit waits until it is fixed.
 */
export function RateLimitEditorDrawer({
  service,
  list,
  target,
  open,
  onClose,
  onClosed,
}: RateLimitEditorDrawerProps) {
  const { t } = useTranslation('ratelimit');
  const fieldName = (path: string) => (isNamedField(path) ? t(FIELD_NAMES[path]) : path);
  const { message } = App.useApp();
  const existing = target.mode === 'edit' ? target.rule : undefined;

  const others = useMemo(
    () => list.items.filter((r) => r.name !== existing?.name).map((r) => r.form),
    [list.items, existing?.name],
  );
  const check = useCallback(
    (draft: RateLimitDraft, resourceVersion: string | undefined) =>
      checkDraft(draft, { protocol: service.protocol, versions: list.versions }, others, resourceVersion),
    [service.protocol, list.versions, others],
  );

  const editor = useRuleEditor<
    RateLimitDraft,
    RateLimitFormInput,
    DraftCheck,
    RateLimitPreview,
    RateLimitRule
  >({
    resource: 'ratelimits',
    serviceId: service.id,
    existing,
    initialDraft: () => (existing ? draftFromForm(existing.form) : newDraft()),
    check,
    rendersPath: isRenderedPath,
    onSaved: (saved) => void message.success(t('form.saved', { name: saved.name })),
    onClose,
  });
  const { feedback, setDraft } = editor;

  const footer = useFirstProblemNote(editor, (path, message) =>
    t('form.invalid', { field: fieldName(path), message }),
  );

  return (
    <RuleEditorDrawer
      editor={editor}
      open={open}
      title={existing ? t('form.titleEdit') : t('form.titleAdd')}
      size="min(760px, 100vw)"
      {...footer}
      failedTitle={{ save: t('form.saveFailed'), preview: t('form.previewFailed') }}
      preview={
        editor.preview && {
          data: { dialect: 'istio', ...editor.preview.data },
          stale: editor.preview.stale,
        }
      }
      showChanges={existing !== undefined}
      onClose={onClose}
      onClosed={onClosed}
    >
      <RateLimitFormFields
        draft={editor.draft}
        onChange={(key, value) => setDraft((d) => ({ ...d, [key]: value }), FIELD_PATHS[key])}
        protocol={service.protocol}
        list={list}
        editing={existing !== undefined}
        feedback={feedback}
      />
    </RuleEditorDrawer>
  );
}
