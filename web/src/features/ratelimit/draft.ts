import { contractMessage } from '../../../../bff/src/contract/messages';
import { addProblem } from '../rules/feedback';
import type { RuleCheck } from '../rules/useRuleEditor';
import type { RateLimitFormInput, RateLimitFormValue, RateScope, RateUnit } from './contract';
import { RateLimitForm, checkRateLimitForService } from './contract';

/** The form as the operator types it: every field a string or a plain value, empty meaning "not set". */
export interface RateLimitDraft {
  name: string;
  version: string;
  pathType: 'exact' | 'prefix';
  path: string;
  method: string;
  headerName: string;
  headerValue: string;
  rpcMethod: string;
  requests: number | null;
  unit: RateUnit;
  burst: number | null;
  scope: RateScope;
  status: number | null;
  responseHeaderName: string;
  responseHeaderValue: string;
  enabled: boolean;
  shadow: boolean;
  comment: string;
}

export function newDraft(): RateLimitDraft {
  return {
    name: '',
    version: '',
    pathType: 'prefix',
    path: '',
    method: '',
    headerName: '',
    headerValue: '',
    rpcMethod: '',
    requests: 10,
    unit: 'second',
    burst: null,
    scope: 'instance',
    status: 429,
    responseHeaderName: '',
    responseHeaderValue: '',
    enabled: true,
    shadow: false,
    comment: '',
  };
}

export function draftFromForm(form: RateLimitFormValue): RateLimitDraft {
  return {
    ...newDraft(),
    name: form.name,
    version: form.version ?? '',
    pathType: form.match?.path?.type ?? 'prefix',
    path: form.match?.path?.value ?? '',
    method: form.match?.method ?? '',
    headerName: form.match?.header?.name ?? '',
    headerValue: form.match?.header?.value ?? '',
    rpcMethod: form.match?.rpcMethod ?? '',
    requests: form.limit.requests,
    unit: form.limit.unit,
    burst: form.burst ?? null,
    scope: form.scope,
    status: form.response.status,
    responseHeaderName: form.response.header?.name ?? '',
    responseHeaderValue: form.response.header?.value ?? '',
    enabled: form.enabled,
    shadow: form.shadow,
  };
}

/** The draft as the API takes it: empty fields left out, so the contract says what is missing. */
function toInput(d: RateLimitDraft, resourceVersion?: string): RateLimitFormInput {
  const match: NonNullable<RateLimitFormInput['match']> = {};
  if (d.path !== '') match.path = { type: d.pathType, value: d.path };
  if (d.method !== '') match.method = d.method as NonNullable<typeof match.method>;
  if (d.headerName !== '' || d.headerValue !== '')
    match.header = { name: d.headerName, value: d.headerValue };
  if (d.rpcMethod !== '') match.rpcMethod = d.rpcMethod;
  const comment = d.comment.trim();
  return {
    name: d.name,
    ...(d.version !== '' ? { version: d.version } : {}),
    ...(Object.keys(match).length > 0 ? { match } : {}),
    limit: { requests: d.requests as number, unit: d.unit },
    ...(d.burst !== null && d.burst > 0 ? { burst: d.burst } : {}),
    scope: d.scope,
    response: {
      status: d.status as number,
      ...(d.responseHeaderName !== '' || d.responseHeaderValue !== ''
        ? { header: { name: d.responseHeaderName, value: d.responseHeaderValue } }
        : {}),
    },
    enabled: d.enabled,
    shadow: d.shadow,
    ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    ...(comment ? { comment } : {}),
  };
}

export interface DraftCheck extends RuleCheck<RateLimitFormInput> {
  /** The parsed form when the draft passes every check. */
  form: RateLimitFormValue | undefined;
}

/**
 * The contract's own checks: the zod schema, then (once it parses) the service checks the BFF runs
 * again. Every problem, by the contract's path, in the order the contract finds them.
 */
export function checkDraft(
  d: RateLimitDraft,
  service: Parameters<typeof checkRateLimitForService>[1],
  others: Parameters<typeof checkRateLimitForService>[2],
  resourceVersion?: string,
): DraftCheck {
  const input = toInput(d, resourceVersion);
  const problems = new Map<string, string[]>();
  // An emptied number field says what it needs rather than zod's "expected number", in the
  // contract's words (the form shows them in the operator's language).
  if (d.requests === null)
    addProblem(problems, 'limit.requests', contractMessage('ratelimit.requestsRequired'));
  if (d.status === null) addProblem(problems, 'response.status', contractMessage('ratelimit.statusRange'));
  const parsed = RateLimitForm.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      if (!problems.has(path)) addProblem(problems, path, issue.message);
    }
    return { body: input, problems, ready: false, form: undefined };
  }
  for (const problem of checkRateLimitForService(parsed.data, service, others))
    addProblem(problems, problem.field, problem.message);
  return problems.size === 0
    ? { body: parsed.data, problems, ready: true, form: parsed.data }
    : { body: input, problems, ready: false, form: undefined };
}
