import { DeleteOutlined, EditOutlined, EyeOutlined, HistoryOutlined } from '@ant-design/icons';
import { Button, Flex, Popconfirm } from 'antd';

/** The row's texts, translated by the kind (each kind words its own). */
export interface RuleRowTexts {
  edit: string;
  editRule: string;
  view?: string;
  viewRule?: string;
  history: string;
  historyOf: string;
  delete: string;
  deleteRule: string;
  confirm: string;
  confirmHint?: string;
  ok: string;
  cancel: string;
}

export interface RuleRowActionsProps {
  texts: RuleRowTexts;
  /** Opens the rule read-only; when given, it replaces Edit (a viewer, or a rule the form cannot show). */
  onView?: (() => void) | undefined;
  /** Opens the form; absent: no Edit button. */
  onEdit?: (() => void) | undefined;
  onHistory: () => void;
  /** Deletes after a confirmation; absent: no Delete button. */
  onDelete?: (() => void) | undefined;
  deleting?: boolean;
}

/** A rule's row actions in every kind's table: View or Edit, History, Delete (confirmed). */
export function RuleRowActions({
  texts,
  onView,
  onEdit,
  onHistory,
  onDelete,
  deleting,
}: RuleRowActionsProps) {
  return (
    <Flex gap={4} wrap>
      {onView ? (
        <Button size="small" icon={<EyeOutlined aria-hidden />} aria-label={texts.viewRule} onClick={onView}>
          {texts.view}
        </Button>
      ) : onEdit ? (
        <Button size="small" icon={<EditOutlined aria-hidden />} aria-label={texts.editRule} onClick={onEdit}>
          {texts.edit}
        </Button>
      ) : null}
      <Button
        size="small"
        icon={<HistoryOutlined aria-hidden />}
        aria-label={texts.historyOf}
        onClick={onHistory}
      >
        {texts.history}
      </Button>
      {onDelete ? (
        <Popconfirm
          title={texts.confirm}
          description={texts.confirmHint}
          okText={texts.ok}
          cancelText={texts.cancel}
          onConfirm={onDelete}
        >
          <Button
            size="small"
            danger
            icon={<DeleteOutlined aria-hidden />}
            aria-label={texts.deleteRule}
            loading={deleting}
          >
            {texts.delete}
          </Button>
        </Popconfirm>
      ) : null}
    </Flex>
  );
}
