import { Typography } from 'antd';
import { useId } from 'react';
import type { RuleEditorDrawerProps } from './RuleEditorDrawer';

/** What a form editor's problems look like to the drawer: every problem by path, and which show. */
interface EditorProblems {
  problems: ReadonlyMap<string, readonly string[]>;
  feedback: { errorsAt(path: string): readonly string[] };
}

/**
 * The footer of a form editor: while a problem shows beside a field, Preview and Submit wait, and
 * the footer names the first such field and says what is wrong (`text`, in the kind's words).
 */
export function useFirstProblemNote(
  editor: EditorProblems,
  text: (path: string, message: string) => string,
): Pick<RuleEditorDrawerProps, 'blocked' | 'note' | 'noteId'> {
  const noteId = useId();
  const first = [...editor.problems].find(([path]) => editor.feedback.errorsAt(path).length > 0);
  return {
    blocked: first !== undefined,
    note: first ? (
      <Typography.Text type="danger" role="status" id={noteId}>
        {text(first[0], first[1].join(' '))}
      </Typography.Text>
    ) : undefined,
    noteId,
  };
}
