import type { ServiceDetail } from '../../lib/contract';
import { RouteForm, WEIGHT_TOTAL, checkRouteForService, unreachableConditions } from './contract';
import type { RouteApiChoice, RouteFormValue, RouteServiceInfo, RpcDialect } from './contract';
import type { RouteDraft } from './draft';
import { toRouteForm } from './draft';
import { totalOf } from './rebalance';
import { addProblem as add } from '../rules/feedback';
import type { ProblemMap } from '../rules/feedback';

interface WeightTotal {
  /** `destinations` or `matches.<i>.destinations`. */
  path: string;
  total: number;
}

export interface DraftCheck {
  form: RouteFormValue;
  problems: ProblemMap;
  totals: WeightTotal[];
  /** Every weight list totals exactly 100: until then Submit waits. */
  weightsOk: boolean;
  /** Conditions after a catch-all, by index. */
  unreachable: number[];
}

export interface LabelMessages {
  keyRequired: string;
  duplicate: (key: string) => string;
}

/** Which API the rule is written with: Istio's VirtualService, or the Kubernetes Gateway API. */
export type RouteApiName = RouteApiChoice['api'];

export function serviceInfo(service: ServiceDetail, dialect: RpcDialect): RouteServiceInfo {
  return {
    protocol: service.protocol,
    dialect,
    versions: service.versionDetails.map((v) => ({ version: v.version, ready: v.ready })),
  };
}

function isWeightTotalIssue(issue: unknown): boolean {
  const params = (issue as { params?: { reason?: unknown } }).params;
  return params?.reason === 'weightTotal';
}

/**
 * Checks the draft with the contract: the zod schema (names, duplicates, whole numbers, …) and
 * the service checks (versions that exist and have ready instances, match fields that fit the
 * protocol). The weight-total problem is left out of the field messages: the editor shows the
 * live total and Submit's own message instead.
 */
export function checkDraft(
  draft: RouteDraft,
  info: RouteServiceInfo,
  labels: LabelMessages,
  resourceVersion?: string,
  api: RouteApiName = 'istio',
): DraftCheck {
  const form = toRouteForm(draft, resourceVersion);
  const problems = new Map<string, string[]>();
  const parsed = RouteForm.safeParse(form);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (isWeightTotalIssue(issue)) continue;
      add(problems, issue.path.map(String).join('.'), issue.message);
    }
  }
  for (const problem of checkRouteForService(form, info)) add(problems, problem.field, problem.message);

  // Source labels are rows on screen and a map in the contract: rows the map cannot hold are
  // flagged here, before they would silently collapse.
  if (draft.routeType === 'condition') {
    draft.conditions.forEach((c, i) => {
      const seen = new Set<string>();
      c.sourceLabels.forEach((l, j) => {
        const at = `matches.${i}.match.sourceLabels.${j}.name`;
        if (l.name === '' && l.value !== '') add(problems, at, labels.keyRequired);
        else if (l.name !== '' && seen.has(l.name)) add(problems, at, labels.duplicate(l.name));
        seen.add(l.name);
      });
    });
  }

  const totals: WeightTotal[] = [];
  if (draft.trafficSplit)
    totals.push({ path: 'destinations', total: totalOf(draft.rows.map((r) => r.weight)) });
  form.matches.forEach((m, i) =>
    totals.push({ path: `matches.${i}.destinations`, total: totalOf(m.destinations.map((d) => d.weight)) }),
  );
  return {
    form,
    problems,
    totals,
    weightsOk: totals.every((t) => t.total === WEIGHT_TOTAL),
    // The Gateway API tries the most specific match first, whatever its place: a catch-all never
    // hides the conditions after it (the preview warns when the order changes).
    unreachable:
      draft.routeType === 'condition' && api === 'istio' ? unreachableConditions(form.matches) : [],
  };
}

const RENDERED: RegExp[] = [
  /^(name|comment|yaml|routeType)$/,
  /^gateways(\.\d+)?$/,
  /^(matches\.\d+\.)?destinations(\.\d+\.(version|weight))?$/,
  /^matches(\.\d+(\.match(\.(headers|queryParams|attachments)(\.\d+\.(name|type|value))?|\.(uri|method)(\.(type|value))?|\.rpcMethod|\.sourceLabels(\.\d+\.name)?)?)?)?$/,
];

/** Whether the form shows problems of this path beside a field (else they go in the summary). */
export const isRenderedPath = (path: string) => RENDERED.some((r) => r.test(path));
