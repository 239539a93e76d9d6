import type { ProblemMap } from './validation';

/** What each field needs to show its problems: those at its path, once the operator has been there. */
export interface FieldFeedback {
  errorsAt: (path: string) => readonly string[];
  touch: (path: string) => void;
}

const NONE: readonly string[] = [];

/**
 * A problem shows when its field (or a field inside or around it) was touched, or after the
 * operator tried to preview or submit, so a new form does not open covered in red.
 */
export function feedbackFor(
  problems: ProblemMap,
  touched: ReadonlySet<string>,
  showAll: boolean,
  touch: (path: string) => void,
): FieldFeedback {
  const visible = (path: string) => {
    if (showAll) return true;
    for (const t of touched) {
      if (t === path || path.startsWith(`${t}.`) || t.startsWith(`${path}.`)) return true;
    }
    return false;
  };
  return {
    errorsAt: (path) => (visible(path) ? (problems.get(path) ?? NONE) : NONE),
    touch,
  };
}

/** Props for a Form.Item that shows the problems of one path. */
export function itemStatus(errors: readonly string[]) {
  return errors.length > 0
    ? { validateStatus: 'error' as const, help: errors.join(' ') }
    : { validateStatus: undefined, help: undefined };
}
