import { Alert, Button, ConfigProvider, Drawer, Flex, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useRef } from 'react';
import { useErrorMessage } from '../../components/QueryErrorAlert';
import { useServerProblemText } from '../../lib/messages/translate';
import { focusFirstField } from './discard';
import { useTranslation } from 'react-i18next';
import { PreviewPanel } from './PreviewPanel';
import type { PreviewPanelProps } from './PreviewPanel';
import type { RuleEditor } from './useRuleEditor';

/** The part of `useRuleEditor`'s state the drawer shows (any kind's). */
type RuleEditorView = Pick<
  RuleEditor<unknown, unknown, never, unknown>,
  | 'failure'
  | 'conflict'
  | 'reloadError'
  | 'reloading'
  | 'submitting'
  | 'previewing'
  | 'requestClose'
  | 'handlePreview'
  | 'handleSubmit'
  | 'handleReload'
>;

export interface RuleEditorDrawerProps {
  editor: RuleEditorView;
  open: boolean;
  title: string;
  /** The drawer's width (CSS). */
  size: string;
  /**
   * Why the user may not change the rule: the drawer then shows it read-only, without Preview and
   * Submit, and says why in their place.
   */
  readOnly?: string | undefined;
  /** Preview and Submit wait (the kind says why in `note`). */
  blocked: boolean;
  /** What the footer says above its buttons (why Submit waits); `noteId` describes the buttons. */
  note?: ReactNode;
  noteId?: string;
  /** The kind's words for a failed write or dry run. */
  failedTitle: { save: string; preview: string };
  /** The last preview, as the panel shows it; `showChanges` opens it on the diff. */
  preview: { data: PreviewPanelProps['preview']; stale: boolean } | undefined;
  /** Shown inside the preview, under its heading. */
  previewNote?: ReactNode;
  showChanges: boolean;
  onClose: () => void;
  /** After the closing animation: the parent may unmount the editor. */
  onClosed: () => void;
  /** The kind's form fields. */
  children: ReactNode;
}

/**
 * The drawer every rule editor shares: the kind's form, the preview below it (scrolled into view
 * when it arrives), and a footer that always shows what went wrong (a conflict with its reload, a
 * failure no field shows) above Cancel, Preview and Submit. The first field takes focus on open.
 */
export function RuleEditorDrawer({
  editor,
  open,
  title,
  size,
  readOnly,
  blocked,
  note,
  noteId,
  failedTitle,
  preview,
  previewNote,
  showChanges,
  onClose,
  onClosed,
  children,
}: RuleEditorDrawerProps) {
  const { t } = useTranslation('rules');
  const panelRef = useRef<HTMLDivElement>(null);
  const { failure, conflict, reloadError, reloading, submitting } = editor;
  const failureMessage = useErrorMessage(failure?.error);
  const reloadMessage = useErrorMessage(reloadError);
  const serverText = useServerProblemText();
  const describedBy = blocked && note !== undefined ? noteId : undefined;

  const conflictAlert = conflict ? (
    conflict.reloaded ? (
      <Alert type="info" showIcon title={t('conflict.reloaded')} />
    ) : (
      <Alert
        type="warning"
        showIcon
        title={conflict.code === 'Conflict' ? t('conflict.title') : t('conflict.preconditionTitle')}
        description={
          conflict.code === 'Conflict'
            ? t('conflict.description')
            : serverText({ code: conflict.code, message: conflict.message })
        }
        action={
          <Button
            size="small"
            onClick={() => void editor.handleReload()}
            loading={reloading}
            aria-label={t('conflict.reload')}
          >
            {t('conflict.reload')}
          </Button>
        }
      />
    )
  ) : null;

  // Buttons that show a spinner carry their name explicitly: antd's spinner icon is labelled
  // "loading" and can linger in the DOM while it animates out, which would rename the button.
  const footer = readOnly ? (
    <Flex justify="space-between" align="center" gap={8} wrap>
      <Typography.Text type="secondary" role="note">
        {readOnly}
      </Typography.Text>
      <Button onClick={onClose}>{t('editor.close')}</Button>
    </Flex>
  ) : (
    <Flex vertical gap={8}>
      {note}
      {conflictAlert}
      {reloadError !== undefined ? (
        <Alert type="error" showIcon title={t('conflict.reloadFailed', { message: reloadMessage })} />
      ) : null}
      {failure ? (
        <Alert
          type="error"
          showIcon
          title={failure.during === 'save' ? failedTitle.save : failedTitle.preview}
          description={failureMessage}
        />
      ) : null}
      <Flex justify="end" gap={8}>
        <Button onClick={editor.requestClose}>{t('editor.cancel')}</Button>
        <Button
          onClick={() => void editor.handlePreview()}
          loading={editor.previewing}
          aria-label={t('editor.preview')}
          disabled={blocked || submitting || reloading}
          aria-describedby={describedBy}
        >
          {t('editor.preview')}
        </Button>
        <Button
          type="primary"
          onClick={() => void editor.handleSubmit()}
          loading={submitting}
          aria-label={t('editor.submit')}
          disabled={blocked || reloading}
          aria-describedby={describedBy}
        >
          {t('editor.submit')}
        </Button>
      </Flex>
    </Flex>
  );

  return (
    <Drawer
      open={open}
      onClose={readOnly ? onClose : editor.requestClose}
      panelRef={panelRef}
      afterOpenChange={(isOpen) => {
        if (isOpen) focusFirstField(panelRef.current);
        else onClosed();
      }}
      title={title}
      size={size}
      footer={footer}
      destroyOnHidden
    >
      {/* Read-only: every control of the form is disabled, not just the buttons. */}
      <ConfigProvider componentDisabled={readOnly !== undefined}>
        <Flex vertical gap={16}>
          {children}
          {preview ? (
            // The warnings are inside the panel, so scrolling to its heading shows them too.
            <PreviewPanel
              preview={preview.data}
              stale={preview.stale}
              showChanges={showChanges}
              reveal={!submitting}
              note={previewNote}
            />
          ) : null}
        </Flex>
      </ConfigProvider>
    </Drawer>
  );
}
