/** Problems by dotted field path, as the contract's schema, its service checks and the BFF name them. */
export type ProblemMap = ReadonlyMap<string, readonly string[]>;

export const NO_PROBLEMS: ProblemMap = new Map();

/** Adds a message at a path, once. */
export function addProblem(map: Map<string, string[]>, path: string, message: string) {
  const list = map.get(path);
  if (!list) map.set(path, [message]);
  else if (!list.includes(message)) list.push(message);
}

/** Merges problems (the BFF's 400 on top of the form's own). */
export function mergeProblems(...maps: ProblemMap[]): ProblemMap {
  const merged = new Map<string, string[]>();
  for (const map of maps)
    for (const [path, messages] of map) for (const m of messages) addProblem(merged, path, m);
  return merged;
}

/** `a` is `b`, or one holds the other (`match` and `match.path.value`). */
const relatedPaths = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

/** What each field needs to show its problems: those at its path, once the operator has been there. */
export interface FieldFeedback {
  /** The problems at exactly this path. */
  errorsAt: (path: string) => readonly string[];
  /** The problems at this path and every path inside it (`match.header` holds `match.header.name`). */
  errorsUnder: (path: string) => readonly string[];
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
  const visible = (path: string) => showAll || [...touched].some((t) => relatedPaths(t, path));
  return {
    errorsAt: (path) => (visible(path) ? (problems.get(path) ?? NONE) : NONE),
    errorsUnder: (path) =>
      [...problems].flatMap(([at, messages]) =>
        (at === path || at.startsWith(`${path}.`)) && visible(at) ? messages : NONE,
      ),
    touch,
  };
}

/** Props for a Form.Item that shows the problems of one path. */
export function itemStatus(errors: readonly string[]) {
  return errors.length > 0
    ? { validateStatus: 'error' as const, help: errors.join(' ') }
    : { validateStatus: undefined, help: undefined };
}
