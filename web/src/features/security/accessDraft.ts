import { addProblem } from '../rules/feedback';
import type { RuleCheck } from '../rules/useRuleEditor';
import type {
  AccessAction,
  AccessCondition,
  AccessOperation,
  AccessPolicyFormInput,
  AccessPolicyFormValue,
  AccessRule,
  AccessSource,
} from './contract';
import { AccessPolicyForm } from './contract';

/** One condition as the operator types it: a key and its values. */
export interface ConditionDraft {
  key: string;
  values: string[];
  /** What the form does not show of the condition (its `notValues`), kept on write. */
  kept: Omit<AccessCondition, 'key' | 'values'>;
}

/**
 * One rule as the operator types it: its first source and first operation (the form shows one of
 * each); the others, and the fields the form does not show, are kept from `base` on write.
 */
export interface RuleDraft {
  /** A stable key for the rule's row (rows are added and removed). */
  id: number;
  namespaces: string[];
  principals: string[];
  methods: string[];
  paths: string[];
  ports: string[];
  conditions: ConditionDraft[];
  base: AccessRule;
}

/** The access-policy form as the operator types it. */
export interface AccessDraft {
  name: string;
  action: AccessAction;
  rules: RuleDraft[];
  dryRun: boolean;
  comment: string;
}

let nextRuleId = 1;

export function newRuleDraft(): RuleDraft {
  return {
    id: nextRuleId++,
    namespaces: [],
    principals: [],
    methods: [],
    paths: [],
    ports: [],
    conditions: [],
    base: {},
  };
}

export function newAccessDraft(): AccessDraft {
  return { name: '', action: 'ALLOW', rules: [newRuleDraft()], dryRun: false, comment: '' };
}

function ruleDraftFrom(rule: AccessRule): RuleDraft {
  const source = rule.from?.[0];
  const operation = rule.to?.[0];
  return {
    ...newRuleDraft(),
    namespaces: source?.namespaces ?? [],
    principals: source?.principals ?? [],
    methods: operation?.methods ?? [],
    paths: operation?.paths ?? [],
    ports: operation?.ports ?? [],
    conditions: (rule.when ?? []).map(({ key, values, ...kept }) => ({ key, values: values ?? [], kept })),
    base: rule,
  };
}

/** A draft of an existing policy, or of a suggestion ("allow what is seen now"). */
export function accessDraftFromForm(form: AccessPolicyFormValue | AccessPolicyFormInput): AccessDraft {
  return {
    name: form.name,
    action: form.action,
    rules: form.rules.map(ruleDraftFrom),
    dryRun: form.dryRun ?? false,
    comment: '',
  };
}

/** `list` when it has values, else nothing (a missing list matches everything in Istio). */
const some = (list: string[]) => (list.length > 0 ? list : undefined);

/** Drops the undefined fields, so the body says only what the operator gave. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function ruleInput(r: RuleDraft): AccessRule {
  const [firstSource, ...otherSources] = r.base.from ?? [];
  const [firstOperation, ...otherOperations] = r.base.to ?? [];
  const source: AccessSource = defined({
    ...firstSource,
    namespaces: some(r.namespaces),
    principals: some(r.principals),
  });
  const operation: AccessOperation = defined({
    ...firstOperation,
    methods: some(r.methods),
    paths: some(r.paths),
    ports: some(r.ports),
  });
  const from = [...(Object.keys(source).length > 0 ? [source] : []), ...otherSources];
  const to = [...(Object.keys(operation).length > 0 ? [operation] : []), ...otherOperations];
  const when = r.conditions.map((c) => defined({ ...c.kept, key: c.key, values: some(c.values) }));
  return defined({
    ...r.base,
    from: from.length > 0 ? from : undefined,
    to: to.length > 0 ? to : undefined,
    when: when.length > 0 ? when : undefined,
  });
}

/** The draft as the API takes it: empty lists left out, so a rule says only what it matches. */
export function accessInput(d: AccessDraft, resourceVersion?: string): AccessPolicyFormInput {
  const comment = d.comment.trim();
  return {
    name: d.name,
    action: d.action,
    rules: d.rules.map(ruleInput),
    dryRun: d.dryRun,
    ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    ...(comment ? { comment } : {}),
  };
}

export interface AccessCheck extends RuleCheck<AccessPolicyFormInput> {
  form: AccessPolicyFormValue | undefined;
}

/** The contract's checks of the draft: every problem by the contract's path, in its order. */
export function checkAccessDraft(d: AccessDraft, resourceVersion?: string): AccessCheck {
  const input = accessInput(d, resourceVersion);
  const problems = new Map<string, string[]>();
  const parsed = AccessPolicyForm.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      addProblem(problems, issue.path.map(String).join('.'), issue.message);
    return { body: input, problems, ready: false, form: undefined };
  }
  return { body: parsed.data, problems, ready: true, form: parsed.data };
}

const RENDERED = /^(name|action|rules|dryRun|comment)(\.|$)/;

/** Whether the form shows problems of this path beside a field. */
export const isAccessRenderedPath = (path: string) => RENDERED.test(path);
