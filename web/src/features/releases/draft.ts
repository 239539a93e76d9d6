import { ReleaseForm } from './contract';
import type { ReleaseFormInput } from './contract';
import { addProblem } from '../rules/feedback';
import type { ProblemMap } from '../rules/feedback';

/** A number field as the operator left it: null while it is empty. */
type Entry = number | null;

export interface StepDraft {
  /** Stable across adds and removes, for React's keys. */
  key: number;
  weight: Entry;
  holdSeconds: Entry;
}

/** What the release form holds while the operator types. */
export interface ReleaseDraft {
  name: string;
  stable: string | undefined;
  canary: string | undefined;
  header: { enabled: boolean; name: string; value: string; holdSeconds: Entry };
  steps: StepDraft[];
  gates: { maxErrorRate: Entry; maxP99Ms: Entry; minRequests: Entry };
}

const DEFAULT_WEIGHTS = [5, 10, 25, 50, 100];
const DEFAULT_HOLD_SECONDS = 60;

let nextKey = 0;
export const stepDraft = (weight: Entry, holdSeconds: Entry = DEFAULT_HOLD_SECONDS): StepDraft => ({
  key: nextKey++,
  weight,
  holdSeconds,
});

export function initialDraft(versions: readonly string[]): ReleaseDraft {
  return {
    name: '',
    stable: versions[0],
    canary: undefined,
    header: { enabled: false, name: '', value: '', holdSeconds: DEFAULT_HOLD_SECONDS },
    steps: DEFAULT_WEIGHTS.map((w) => stepDraft(w)),
    gates: { maxErrorRate: 1, maxP99Ms: 500, minRequests: 20 },
  };
}

/** The name a release of `canary` is offered (the issue's "release reviews-v3"), while none is typed. */
export function suggestedName(application: string, canary: string): string {
  return `${application}-${canary}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/** The draft as the API takes it (empty numbers as 0: their problem is told as "Enter a number"). */
export function toReleaseForm(draft: ReleaseDraft): ReleaseFormInput {
  return {
    name: draft.name.trim(),
    stable: draft.stable ?? '',
    canary: draft.canary ?? '',
    ...(draft.header.enabled
      ? {
          headerCanary: {
            name: draft.header.name.trim(),
            value: draft.header.value,
            holdSeconds: draft.header.holdSeconds ?? 0,
          },
        }
      : {}),
    steps: draft.steps.map((s) => ({ weight: s.weight ?? 0, holdSeconds: s.holdSeconds ?? 0 })),
    gates: {
      maxErrorRate: draft.gates.maxErrorRate ?? 0,
      maxP99Ms: draft.gates.maxP99Ms ?? 0,
      minRequests: draft.gates.minRequests ?? 0,
    },
    onFailure: 'rollback',
  };
}

/** The number fields left empty, by path. */
function emptyNumbers(draft: ReleaseDraft): string[] {
  const paths: string[] = [];
  if (draft.header.enabled && draft.header.holdSeconds === null) paths.push('headerCanary.holdSeconds');
  draft.steps.forEach((s, i) => {
    if (s.weight === null) paths.push(`steps.${i}.weight`);
    if (s.holdSeconds === null) paths.push(`steps.${i}.holdSeconds`);
  });
  for (const [gate, value] of Object.entries(draft.gates)) if (value === null) paths.push(`gates.${gate}`);
  return paths;
}

/**
 * Every problem of the draft by dotted path, as the contract's ReleaseForm (the BFF's own check)
 * words them in English; `numberRequired` is the text for an empty number field.
 */
export function checkReleaseDraft(draft: ReleaseDraft, numberRequired: string): ProblemMap {
  const problems = new Map<string, string[]>();
  const empty = new Set(emptyNumbers(draft));
  for (const path of empty) addProblem(problems, path, numberRequired);
  const parsed = ReleaseForm.safeParse(toReleaseForm(draft));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      // An empty field's 0 says nothing the "Enter a number" does not.
      if (empty.has(path)) continue;
      addProblem(problems, path, issue.message);
    }
  }
  return problems;
}
