import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Flex, Form, Input, Radio, Select, Typography } from 'antd';
import { useCallback, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { COMMENT_MAX_LENGTH } from '../../../../bff/src/contract/limits';
import type { ServiceDetail } from '../../lib/contract';
import { itemStatus } from '../rules/feedback';
import { RuleEditorDrawer } from '../rules/RuleEditorDrawer';
import { useFirstProblemNote } from '../rules/problemNote';
import { useRuleEditor } from '../rules/useRuleEditor';
import { callerName } from './callers';
import type {
  MtlsMode,
  ObservedCaller,
  PeerAuthenticationFormInput,
  PeerAuthenticationFormValue,
  PeerAuthenticationList,
  PeerAuthenticationPreview,
  PeerAuthenticationRule,
} from './contract';
import type { MtlsCheck, MtlsDraft } from './mtlsDraft';
import {
  checkMtlsDraft,
  isMtlsRenderedPath,
  mtlsDraftFromForm,
  newMtlsDraft,
  newPortDraft,
} from './mtlsDraft';
import { MTLS_RESOURCE } from './queries';

const MODES: readonly MtlsMode[] = ['STRICT', 'PERMISSIVE', 'DISABLE', 'UNSET'];

export type MtlsTarget =
  { mode: 'create' } | { mode: 'edit'; rule: PeerAuthenticationRule & { form: PeerAuthenticationFormValue } };

/** Plaintext callers the change would refuse: shown in the preview, before Submit. */
function RefusedPlaintext({ refused }: { refused: readonly ObservedCaller[] }) {
  const { t } = useTranslation('security');
  if (refused.length === 0) return null;
  return (
    <Alert
      type="warning"
      showIcon
      title={t('mtlsForm.refused')}
      description={
        <ul aria-label={t('mtlsForm.refused')} style={{ margin: 0, paddingInlineStart: 18 }}>
          {refused.map((c) => (
            <li key={callerName(c)}>
              {t('accessForm.refusedLine', {
                caller: callerName(c),
                rpm: Math.round(c.requestsPerMinute * 10) / 10,
              })}
            </li>
          ))}
        </ul>
      }
    />
  );
}

export interface MtlsEditorDrawerProps {
  service: ServiceDetail;
  list: PeerAuthenticationList;
  target: MtlsTarget;
  open: boolean;
  onClose: () => void;
  onClosed: () => void;
}

/** A suggested name for a new workload-level PeerAuthentication: the Service's own name. */
function defaultName(list: PeerAuthenticationList, service: ServiceDetail): string {
  const fromSources = service.sources?.find((s) => s.kind === 'Service')?.name;
  return list.items.some((i) => i.name === fromSources) ? '' : (fromSources ?? '');
}

/** Create or edit the service's PeerAuthentication: scope, mode, port-level modes, with preview. */
export function MtlsEditorDrawer({ service, list, target, open, onClose, onClosed }: MtlsEditorDrawerProps) {
  const { t } = useTranslation('security');
  const { message } = App.useApp();
  const id = useId();
  const existing = target.mode === 'edit' ? target.rule : undefined;

  const check = useCallback(
    (draft: MtlsDraft, resourceVersion: string | undefined) => checkMtlsDraft(draft, resourceVersion),
    [],
  );
  const editor = useRuleEditor<
    MtlsDraft,
    PeerAuthenticationFormInput,
    MtlsCheck,
    PeerAuthenticationPreview,
    PeerAuthenticationRule
  >({
    resource: MTLS_RESOURCE,
    serviceId: service.id,
    existing,
    initialDraft: () =>
      existing ? mtlsDraftFromForm(existing.form) : newMtlsDraft(defaultName(list, service)),
    check,
    rendersPath: isMtlsRenderedPath,
    onSaved: (saved) => void message.success(t('mtlsForm.saved', { name: saved.name })),
    onClose,
  });
  const { feedback, setDraft, draft } = editor;
  const { errorsUnder } = feedback;
  const footer = useFirstProblemNote(editor, (path, message) =>
    t('mtlsForm.invalid', { field: fieldName(path), message }),
  );
  const fieldName = (path: string) => {
    const m = /^portLevel\.(\d+)/.exec(path);
    if (m) return t('mtlsForm.port', { index: Number(m[1]) + 1 });
    const names: Record<string, string> = {
      name: t('mtlsForm.name'),
      scope: t('mtlsForm.scope'),
      mode: t('mtlsForm.mode'),
      portLevel: t('mtlsForm.portLevel'),
      comment: t('mtlsForm.comment'),
    };
    return names[path] ?? path;
  };
  const set = <K extends keyof MtlsDraft>(key: K, value: MtlsDraft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }), key);
  const modeOptions = MODES.map((m) => ({ value: m, label: t(`mtls.modes.${m}`) }));

  return (
    <RuleEditorDrawer
      editor={editor}
      open={open}
      title={existing ? t('mtlsForm.titleEdit', { name: existing.name }) : t('mtlsForm.titleAdd')}
      size="min(640px, 100vw)"
      {...footer}
      failedTitle={{ save: t('mtlsForm.saveFailed'), preview: t('mtlsForm.previewFailed') }}
      preview={
        editor.preview && { data: { dialect: 'istio', ...editor.preview.data }, stale: editor.preview.stale }
      }
      previewNote={editor.preview ? <RefusedPlaintext refused={editor.preview.data.refused} /> : undefined}
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
      <Form layout="vertical" component="div">
        <Form.Item label={t('mtlsForm.name')} htmlFor={`${id}-name`} {...itemStatus(errorsUnder('name'))}>
          <Input
            id={`${id}-name`}
            value={draft.name}
            disabled={existing !== undefined}
            onChange={(e) => set('name', e.target.value)}
          />
        </Form.Item>
        <Form.Item label={t('mtlsForm.scope')} {...itemStatus(errorsUnder('scope'))}>
          <Radio.Group
            aria-label={t('mtlsForm.scope')}
            value={draft.scope}
            onChange={(e) => {
              const scope = e.target.value as MtlsDraft['scope'];
              // Istio keeps one namespace-wide policy, conventionally named default.
              setDraft(
                (d) => ({ ...d, scope, name: scope === 'namespace' && d.name === '' ? 'default' : d.name }),
                'scope',
              );
            }}
            options={[
              { value: 'workload', label: t('mtlsForm.scopeWorkload') },
              { value: 'namespace', label: t('mtlsForm.scopeNamespace') },
            ]}
          />
        </Form.Item>
        <Form.Item label={t('mtlsForm.mode')} {...itemStatus(errorsUnder('mode'))}>
          <Radio.Group
            aria-label={t('mtlsForm.mode')}
            value={draft.mode}
            onChange={(e) => set('mode', e.target.value as MtlsMode)}
            options={modeOptions}
          />
        </Form.Item>
        <fieldset style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
          <legend style={{ fontSize: 14, marginBottom: 4 }}>{t('mtlsForm.portLevel')}</legend>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
            {t('mtlsForm.portLevelHint')}
          </Typography.Paragraph>
          {errorsUnder('portLevel').length > 0 &&
          draft.portLevel.length > 0 &&
          draft.scope === 'namespace' ? (
            <Typography.Text type="danger">{feedback.errorsAt('portLevel').join(' ')}</Typography.Text>
          ) : null}
          {draft.portLevel.map((p, i) => {
            const n = i + 1;
            const update = (patch: Partial<typeof p>) =>
              setDraft(
                (d) => ({
                  ...d,
                  portLevel: d.portLevel.map((q) => (q.id === p.id ? { ...q, ...patch } : q)),
                }),
                `portLevel.${i}`,
              );
            return (
              <Flex key={p.id} gap={8} align="start" wrap>
                <Form.Item
                  label={t('mtlsForm.port', { index: n })}
                  htmlFor={`${id}-port${p.id}`}
                  {...itemStatus(errorsUnder(`portLevel.${i}.port`))}
                >
                  <Select
                    id={`${id}-port${p.id}`}
                    style={{ width: 140 }}
                    value={p.port}
                    onChange={(port: number) => update({ port })}
                    options={list.ports.map((port) => ({ value: port, label: String(port) }))}
                  />
                </Form.Item>
                <Form.Item
                  label={t('mtlsForm.portMode', { index: n })}
                  htmlFor={`${id}-pmode${p.id}`}
                  {...itemStatus(errorsUnder(`portLevel.${i}.mode`))}
                >
                  <Select
                    id={`${id}-pmode${p.id}`}
                    style={{ width: 200 }}
                    value={p.mode}
                    onChange={(mode: MtlsMode) => update({ mode })}
                    options={modeOptions}
                  />
                </Form.Item>
                <Button
                  style={{ marginTop: 30 }}
                  icon={<DeleteOutlined aria-hidden />}
                  aria-label={t('mtlsForm.removePort', { index: n })}
                  onClick={() =>
                    setDraft(
                      (d) => ({ ...d, portLevel: d.portLevel.filter((q) => q.id !== p.id) }),
                      'portLevel',
                    )
                  }
                />
              </Flex>
            );
          })}
          <Button
            icon={<PlusOutlined aria-hidden />}
            disabled={draft.scope === 'namespace'}
            onClick={() =>
              setDraft(
                (d) => ({
                  ...d,
                  portLevel: [
                    ...d.portLevel,
                    newPortDraft(
                      list.ports.find((port) => !d.portLevel.some((q) => q.port === port)) ?? null,
                    ),
                  ],
                }),
                'portLevel',
              )
            }
          >
            {t('mtlsForm.addPort')}
          </Button>
        </fieldset>
        <Form.Item
          style={{ marginTop: 16 }}
          label={t('mtlsForm.comment')}
          htmlFor={`${id}-comment`}
          {...itemStatus(errorsUnder('comment'))}
        >
          <Input.TextArea
            id={`${id}-comment`}
            value={draft.comment}
            maxLength={COMMENT_MAX_LENGTH}
            onChange={(e) => set('comment', e.target.value)}
          />
        </Form.Item>
      </Form>
    </RuleEditorDrawer>
  );
}
