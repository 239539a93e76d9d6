import { COMMENT_MAX_LENGTH } from './limits';
import { contractMessage as msg } from './messages';
import { z } from 'zod';
import {
  headerNameProblem,
  labelKeyProblem,
  labelValueProblem,
  matchValueProblem,
  methodProblem,
  pathProblem,
  regexProblem,
} from './envoy-values';
import type { Problem } from './envoy-values';

/**
 * The routing form: one contract for the browser (validating as the operator types) and the BFF
 * (validating again before anything is written). Every rule of the form lives here, once.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const RuleName = z
  .string()
  .min(1, msg('routing.ruleNameRequired'))
  .max(63, msg('common.atMostCharacters', { max: 63 }))
  .regex(DNS1123_LABEL, msg('kubernetes.dns1123Label'));

export const WEIGHT_TOTAL = 100;

const COMMENT_TOO_LONG = msg('common.atMostCharacters', { max: COMMENT_MAX_LENGTH });

export const Destination = z
  .object({
    version: z.string().min(1, msg('routing.versionRequired')),
    weight: z
      .number()
      .int(msg('common.wholeNumber'))
      .min(0, msg('common.atLeast', { min: 0 }))
      .max(100, msg('common.atMost', { max: 100 })),
  })
  .meta({ id: 'RouteDestination' });
export type Destination = z.infer<typeof Destination>;

export const StringMatchType = z.enum(['exact', 'prefix', 'regex']);
export type StringMatchType = z.infer<typeof StringMatchType>;

/** A zod refinement from one of `envoy-values.ts`'s predicates. */
const valid =
  (check: (value: string) => Problem) =>
  (value: string, ctx: z.RefinementCtx): void => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };

const StringMatchShape = z.object({
  type: StringMatchType,
  value: z.string().min(1, msg('common.valueRequired')),
});

/**
 * The value of a match, checked as Envoy will read it: a regex compiles as RE2 within Envoy's
 * limits, and an exact or prefix value passes `literal` (by default: no control characters).
 */
const checkMatchValue =
  (literal: (value: string) => Problem = matchValueProblem) =>
  (m: { type: StringMatchType; value: string }, ctx: z.RefinementCtx): void => {
    if (m.value.length === 0) return;
    const problem = m.type === 'regex' ? regexProblem(m.value) : literal(m.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  };

export const StringMatch = StringMatchShape.superRefine(checkMatchValue());
export type StringMatch = z.infer<typeof StringMatch>;

/** An RPC attachment (Dubbo, SOFARPC): any name without control characters. */
export const KeyedMatch = StringMatchShape.extend({
  name: z.string().min(1, msg('common.nameRequired')).superRefine(valid(matchValueProblem)),
}).superRefine(checkMatchValue());
export type KeyedMatch = z.infer<typeof KeyedMatch>;

/** An HTTP header condition: the name is an HTTP token and not a pseudo-header. */
const HeaderCondition = StringMatchShape.extend({
  name: z.string().min(1, msg('common.nameRequired')).superRefine(valid(headerNameProblem)),
}).superRefine(checkMatchValue());
type HeaderCondition = z.infer<typeof HeaderCondition>;

/** A query parameter condition: any name without control characters. */
const QueryParamCondition = StringMatchShape.extend({
  name: z.string().min(1, msg('common.nameRequired')).superRefine(valid(matchValueProblem)),
}).superRefine(checkMatchValue());

/** The request path: an exact or prefix value starts with "/". */
const UriMatch = StringMatchShape.superRefine(checkMatchValue(pathProblem));

/** The request method: an HTTP token (a prefix of one, for a prefix match). */
const MethodMatch = StringMatchShape.superRefine(checkMatchValue(methodProblem));

/**
 * What a condition matches. HTTP and gRPC: headers, URI, method. Dubbo and SOFARPC: the RPC
 * method name and attachments. Any protocol: the labels of the calling workload. Every condition
 * in one match must hold; an empty match matches everything (a catch-all).
 */
export const RouteMatch = z
  .object({
    headers: z.array(HeaderCondition).default([]),
    uri: UriMatch.optional(),
    method: MethodMatch.optional(),
    queryParams: z
      .array(QueryParamCondition)
      .default([])
      .describe('HTTP query parameters (`?name=value`): each must match'),
    rpcMethod: z
      .string()
      .min(1, msg('ratelimit.methodNameRequired'))
      .superRefine(valid(matchValueProblem))
      .optional(),
    attachments: z.array(KeyedMatch).default([]),
    sourceLabels: z
      .record(z.string().min(1), z.string())
      .superRefine((labels, ctx) => {
        for (const [key, value] of Object.entries(labels)) {
          const problem = labelKeyProblem(key) ?? labelValueProblem(value);
          if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
        }
      })
      .default({}),
  })
  .meta({ id: 'RouteMatch' });
export type RouteMatch = z.infer<typeof RouteMatch>;

export function isCatchAll(m: RouteMatch): boolean {
  return (
    m.headers.length === 0 &&
    m.uri === undefined &&
    m.method === undefined &&
    // Optional here: a match built in code before query parameters existed has none.
    ((m.queryParams as RouteMatch['queryParams'] | undefined) ?? []).length === 0 &&
    m.rpcMethod === undefined &&
    m.attachments.length === 0 &&
    Object.keys(m.sourceLabels).length === 0
  );
}

/** Checks a destination list: at least one, unique versions, weights totalling exactly 100. */
function checkDestinations(
  dests: Destination[],
  ctx: z.RefinementCtx,
  path: (string | number)[],
  split: boolean,
) {
  if (dests.length === 0) {
    ctx.addIssue({ code: 'custom', path, message: msg('routing.destinationRequired') });
    return;
  }
  if (!split && dests.length > 1) {
    ctx.addIssue({ code: 'custom', path, message: msg('routing.oneDestination') });
  }
  const seen = new Map<string, number>();
  dests.forEach((d, i) => {
    const first = seen.get(d.version);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, i, 'version'],
        message: msg('routing.versionTwice', { version: d.version }),
      });
    } else seen.set(d.version, i);
  });
  const total = dests.reduce((sum, d) => sum + d.weight, 0);
  if (total !== WEIGHT_TOTAL) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: msg('routing.weightTotal', { total }),
      params: { reason: 'weightTotal', total },
    });
  }
}

export const ConditionRoute = z
  .object({
    name: z
      .string()
      .max(63, msg('common.atMostCharacters', { max: 63 }))
      .optional(),
    match: RouteMatch,
    destinations: z.array(Destination),
  })
  .meta({ id: 'ConditionRoute' });
export type ConditionRoute = z.infer<typeof ConditionRoute>;

export const RouteType = z.enum(['version', 'condition']);
export type RouteType = z.infer<typeof RouteType>;

const RouteFormShape = z.object({
  name: RuleName,
  routeType: RouteType,
  trafficSplit: z
    .boolean()
    .describe('On: split traffic across versions by weight. Off: send it all to one version'),
  destinations: z
    .array(Destination)
    .describe('The version split; for a condition route, where traffic that matches no condition goes'),
  matches: z
    .array(ConditionRoute)
    .default([])
    .describe('Condition routes only: conditions tried in order, each with its own destinations'),
  transport: z
    .enum(['http', 'tcp'])
    .optional()
    .describe(
      'Which routes the form edits: http (HTTP and gRPC; the default) or tcp (TCP traffic shifting: a version split without conditions, as Istio’s tcp-traffic-shifting task)',
    ),
  gateways: z
    .array(z.string().min(1).max(253))
    .max(32)
    .optional()
    .describe(
      "Where the rule applies: `mesh` (the sidecars) and/or gateways as namespace/name. Unset keeps the rule's own (new rules: the mesh only)",
    ),
  resourceVersion: z
    .string()
    .optional()
    .describe(
      'The resourceVersion of the routing object (VirtualService, HTTPRoute, GRPCRoute, TCPRoute) this edit is based on; a stale one is a 409',
    ),
  comment: z
    .string()
    .max(COMMENT_MAX_LENGTH, COMMENT_TOO_LONG)
    .optional()
    .describe('Recorded with the revision in the history'),
});

export const RouteForm = RouteFormShape.superRefine((form, ctx) => {
  checkDestinations(form.destinations, ctx, ['destinations'], form.trafficSplit);
  if (form.routeType === 'version' && form.matches.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['matches'],
      message: msg('routing.versionRouteConditions'),
    });
  }
  if (form.transport === 'tcp' && form.routeType === 'condition') {
    ctx.addIssue({ code: 'custom', path: ['routeType'], message: msg('routing.tcpConditions') });
  }
  if (form.routeType === 'condition' && form.matches.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['matches'], message: msg('routing.conditionRequired') });
  }
  form.matches.forEach((m, i) =>
    checkDestinations(m.destinations, ctx, ['matches', i, 'destinations'], true),
  );
}).meta({ id: 'RouteForm' });
export type RouteForm = z.infer<typeof RouteForm>;
export type RouteFormInput = z.input<typeof RouteForm>;

/** Conditions that can never match because an earlier condition matches everything. */
export function unreachableConditions(matches: readonly ConditionRoute[]): number[] {
  const firstCatchAll = matches.findIndex((m) => isCatchAll(m.match));
  if (firstCatchAll < 0) return [];
  return matches.map((_, i) => i).filter((i) => i > firstCatchAll);
}

// ---------------------------------------------------------------------------------------------
// The routing API's responses.

export const WriteAction = z.enum(['create', 'update', 'delete', 'unchanged']);
export type WriteAction = z.infer<typeof WriteAction>;

const RouteWarning = z
  .object({
    code: z.enum([
      'second-route-on-host',
      'subset-matches-no-instance',
      'unreachable-condition',
      'pruned-by-istio',
      'version-without-instances',
      'rules-in-unreadable-namespaces',
      'applies-to-every-interface',
      'reordered-by-gateway-api',
      'backend-service-created',
    ]),
    message: z.string(),
    field: z.string().optional(),
  })
  .meta({ id: 'RouteWarning' });
type RouteWarning = z.infer<typeof RouteWarning>;

export const ObjectRef = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
});
export type ObjectRef = z.infer<typeof ObjectRef>;

export const PlannedObject = ObjectRef.extend({
  action: WriteAction,
  yaml: z.string().describe('The object as it will be written (for delete: as it is now)'),
  diff: z.string().describe('A unified diff from the live object to this one; empty when unchanged'),
}).meta({ id: 'PlannedObject' });
export type PlannedObject = z.infer<typeof PlannedObject>;

export const RpcDialect = z.enum(['istio', 'dubbo', 'sofa']);
export type RpcDialect = z.infer<typeof RpcDialect>;

const RouteApi = z.enum(['istio', 'gateway-api']);

export const RouteApiChoice = z
  .object({
    api: RouteApi,
    kind: z.string().describe('The routing kind written: VirtualService, HTTPRoute, GRPCRoute, TCPRoute'),
    reason: z
      .string()
      .describe(
        'Why this API for this namespace (the setting, the namespace’s ambient enrolment and waypoint, or the routes it already has)',
      ),
  })
  .meta({ id: 'RouteApiChoice' });
export type RouteApiChoice = z.infer<typeof RouteApiChoice>;

export const PreviewResponse = z
  .object({
    dialect: RpcDialect.describe(
      "How the rule is written: Istio routes, Apache Dubbo mesh rules, or SOFA's format",
    ),
    objects: z.array(PlannedObject),
    warnings: z.array(RouteWarning),
    routeApi: RouteApiChoice.optional(),
  })
  .meta({ id: 'RoutePreview' });
export type PreviewResponse = z.infer<typeof PreviewResponse>;

/** A rule written as YAML, for what the form cannot show. */
export const RouteYamlBody = z
  .object({
    yaml: z
      .string()
      .min(1, msg('routing.yamlRequired'))
      .max(512 * 1024),
    resourceVersion: z.string().optional(),
    comment: z.string().max(COMMENT_MAX_LENGTH, COMMENT_TOO_LONG).optional(),
  })
  .meta({ id: 'RouteYaml' });
export type RouteYamlBody = z.infer<typeof RouteYamlBody>;

const RuleRef = z.object({ namespace: z.string(), name: z.string() });

export const RouteScope = z
  .object({
    namespace: z.string().describe("The rule's namespace"),
    match: z
      .enum(['exact', 'wildcard', 'destination', 'delegate'])
      .describe(
        "How it reaches the service: its hosts name the service, a wildcard host covers it, its routes send to it (a gateway's rule for another host), or it is a delegate of a root that does",
      ),
    host: z
      .string()
      .describe('The host entry that matched (for destination and delegate: the root’s first host)'),
    hosts: z
      .array(z.string())
      .optional()
      .describe("The rule's spec.hosts as written (a gateway's rule: the outside names it routes)"),
    appliesAt: z
      .object({ mesh: z.boolean(), gateways: z.array(z.string()) })
      .describe('Sidecars (mesh) and/or gateways as namespace/name'),
    exportTo: z.array(z.string()).describe("spec.exportTo as written; ['*'] when unset"),
    effect: z
      .enum(['in-effect', 'ignored', 'partly', 'hidden', 'gateway', 'delegate', 'unattached'])
      .describe(
        'For the mesh: in effect for every caller, ignored (another rule on the host wins), partly, hidden (exported to none of the callers); gateway: applies at gateways only; delegate: used through its root; unattached: a delegate no root names (istiod ignores it)',
      ),
    ignoredFor: RuleRef.extend({ reason: z.string() })
      .optional()
      .describe('When ignored or partly: the rule in effect instead, and why'),
    delegateOf: RuleRef.optional().describe('For a delegate: its root'),
    missingGateways: z.array(z.string()).describe('Gateways it names that do not exist'),
    sharedWith: z
      .array(z.string())
      .optional()
      .describe(
        "An RPC interface routed with Istio's rules: the application's other interfaces, which share its host and so this rule",
      ),
    editable: z
      .boolean()
      .describe("Edited from this service's tab: in the service's namespace and naming its host exactly"),
  })
  .meta({ id: 'RouteScope' });
export type RouteScope = z.infer<typeof RouteScope>;

export const RouteRule = z
  .object({
    name: z.string(),
    ref: ObjectRef,
    resourceVersion: z.string(),
    managedByConsole: z.boolean().describe('Written by this console (app.kubernetes.io/managed-by)'),
    managedBy: z
      .string()
      .describe(
        'Who manages the object: mesh-console, kubectl, Helm, Argo CD, Flux, another managed-by label, or unknown',
      ),
    form: RouteForm.nullable().describe('The rule in the form, when the form can show it'),
    reasons: z.array(z.string()).describe('Why the form cannot show the rule (then it opens as YAML)'),
    scope: RouteScope,
    kept: z
      .array(z.string())
      .describe(
        'What the rule holds that the form does not show, by place (http[0].fault, http[1].retries, rules[0].filters, …): kept as it is on every save',
      ),
    problems: z
      .array(z.string())
      .describe(
        'What is wrong with the rule as it is live: weights not totalling 100, a subset no DestinationRule defines or that selects no ready instance',
      ),
    yaml: z.string(),
  })
  .meta({ id: 'RouteRule' });
export type RouteRule = z.infer<typeof RouteRule>;

const RouteSubsetObject = z.object({ ref: ObjectRef, yaml: z.string(), subsets: z.array(z.string()) });

export const MergedSubsets = z
  .object({
    subsets: z.array(
      z.object({
        name: z.string(),
        labels: z.record(z.string(), z.string()),
        from: RuleRef,
        version: z.string().nullable().describe('The version it selects exactly, if one'),
      }),
    ),
    trafficPolicy: z
      .object({ yaml: z.string(), from: RuleRef })
      .nullable()
      .describe('The top-level traffic policy in force, and the DestinationRule it comes from'),
    ignored: z
      .array(RuleRef.extend({ what: z.string() }))
      .describe(
        'Parts of other DestinationRules that the merge leaves out (a subset defined twice, a second policy), or whole rules not used',
      ),
  })
  .describe("The host's DestinationRules as Istio merges them for callers in the service's namespace")
  .meta({ id: 'MergedSubsets' });
export type MergedSubsets = z.infer<typeof MergedSubsets>;

export const RouteListResponse = z
  .object({
    dialect: RpcDialect,
    items: z.array(RouteRule),
    destinationRules: z.array(RouteSubsetObject),
    merged: MergedSubsets.nullable(),
    gateways: z
      .array(z.string())
      .describe('Every Gateway of the mesh, as namespace/name (the form offers them)'),
    warnings: z.array(RouteWarning),
    routeApi: RouteApiChoice.optional(),
  })
  .meta({ id: 'RouteList' });
export type RouteListResponse = z.infer<typeof RouteListResponse>;

const RevisionAction = z.enum(['create', 'update', 'delete', 'rollback']);

export const Revision = z
  .object({
    revision: z.number().int(),
    action: RevisionAction,
    user: z.string(),
    timestamp: z.string(),
    comment: z.string().optional(),
    fromRevision: z.number().int().optional().describe('For a rollback: the revision it restored'),
    objects: z.array(ObjectRef.extend({ yaml: z.string() })),
    diff: z.string(),
  })
  .meta({ id: 'Revision' });
export type Revision = z.infer<typeof Revision>;

export const RevisionList = z.object({ items: z.array(Revision) }).meta({ id: 'RevisionList' });
export type RevisionList = z.infer<typeof RevisionList>;

/** The query of a DELETE of any kind of rule: the version the operator saw, and a comment. */
export const DeleteRuleQuery = z.object({
  resourceVersion: z.string().optional(),
  comment: z.string().max(COMMENT_MAX_LENGTH, COMMENT_TOO_LONG).optional(),
});
export type DeleteRuleQuery = z.infer<typeof DeleteRuleQuery>;

/** The body of a rollback of any kind of rule. */
export const RollbackBody = z
  .object({ comment: z.string().max(COMMENT_MAX_LENGTH, COMMENT_TOO_LONG).optional() })
  .default({});
