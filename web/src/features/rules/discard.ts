import { App } from 'antd';
import { useCallback, useRef } from 'react';
import { useTranslation } from 'react-i18next';

/** The fields an operator can type into or change, in document order. */
const EDITABLE =
  'input:not([disabled]):not([readonly]):not([type="hidden"]):not([type="radio"]),' +
  'input[type="radio"]:checked:not([disabled]),' +
  'textarea:not([disabled]):not([readonly]),' +
  'button[role="switch"]:not([disabled]),' +
  '[contenteditable="true"]';

/**
 * Focuses the first field in the body of an editor drawer (nothing when all are read-only).
 * `panel` is the Drawer's `panelRef`.
 */
export function focusFirstField(panel: HTMLElement | null) {
  const body = panel?.querySelector<HTMLElement>('.ant-drawer-body') ?? panel;
  body?.querySelector<HTMLElement>(EDITABLE)?.focus();
}

/**
 * Closing an editor drawer (Cancel, the close icon, Escape, a click on the mask) with unsaved
 * edits asks first; without edits it closes at once. A save closes with `onClose` directly.
 */
export function useDiscardGuard(dirty: boolean, onClose: () => void): () => void {
  const { t } = useTranslation('rules');
  const { modal } = App.useApp();
  const asking = useRef(false);
  return useCallback(() => {
    if (!dirty) {
      onClose();
      return;
    }
    // Escape pressed twice, or a second click on the mask, does not stack confirmations.
    if (asking.current) return;
    asking.current = true;
    modal.confirm({
      title: t('discard.title'),
      content: t('discard.content'),
      okText: t('discard.ok'),
      okButtonProps: { danger: true },
      cancelText: t('discard.cancel'),
      onOk: () => {
        asking.current = false;
        onClose();
      },
      onCancel: () => {
        asking.current = false;
      },
    });
  }, [dirty, onClose, modal, t]);
}
