import { COMMENT_MAX_LENGTH } from './limits';
import { contractMessage as msg } from './messages';
import { z } from 'zod';
import {
  headerFormatProblem,
  headerNameProblem,
  matchValueProblem,
  pathProblem,
  responseHeaderNameProblem,
} from './envoy-values';
import type { Problem } from './envoy-values';
import { ObjectRef, PlannedObject, RuleName } from './routing';

/**
 * The rate-limit form: one contract for the browser (validating as the operator types) and the BFF
 * (validating again before anything is written).
 */

export const RateUnit = z.enum(['second', 'minute', 'hour']);
export type RateUnit = z.infer<typeof RateUnit>;

export const UNIT_SECONDS: Record<RateUnit, number> = { second: 1, minute: 60, hour: 3600 };

export const RateScope = z.enum(['instance', 'global']);
export type RateScope = z.infer<typeof RateScope>;

/** A zod refinement from one of `envoy-values.ts`'s predicates. */
const valid =
  (check: (value: string) => Problem) =>
  (value: string, ctx: z.RefinementCtx): void => {
    if (value.length === 0) return;
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };

const PathMatch = z.object({
  type: z.enum(['exact', 'prefix']),
  value: z.string().min(1, msg('envoy.pathRequired')).superRefine(valid(pathProblem)),
});
type PathMatch = z.infer<typeof PathMatch>;

/** A request header to match: an HTTP token that is not a pseudo-header, and a value Envoy can compare. */
const HeaderMatch = z.object({
  name: z.string().min(1, msg('envoy.headerNameRequired')).superRefine(valid(headerNameProblem)),
  value: z.string().min(1, msg('ratelimit.headerValueRequired')).superRefine(valid(matchValueProblem)),
});
type HeaderMatch = z.infer<typeof HeaderMatch>;

/**
 * A header added to the limited response: one Envoy lets a filter add (no pseudo-headers, `host`,
 * framing or connection headers; no `set-cookie`), and a value in Envoy's header format (`%%` for
 * a percent sign, `%VARIABLE%` otherwise).
 */
const ResponseHeader = z.object({
  name: z.string().min(1, msg('envoy.headerNameRequired')).superRefine(valid(responseHeaderNameProblem)),
  value: z.string().min(1, msg('ratelimit.headerValueRequired')).superRefine(valid(headerFormatProblem)),
});
type ResponseHeader = z.infer<typeof ResponseHeader>;

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

/**
 * Which requests a rule counts. HTTP: path (exact or prefix), method, one header. Dubbo and SOFARPC:
 * the method name. Every condition given must hold; no match at all counts every request.
 */
export const RateLimitMatch = z
  .object({
    path: PathMatch.optional(),
    method: z.enum(HTTP_METHODS).optional(),
    header: HeaderMatch.optional(),
    rpcMethod: z
      .string()
      .min(1, msg('ratelimit.methodNameRequired'))
      .max(200, msg('common.atMostCharacters', { max: 200 }))
      .superRefine(valid(matchValueProblem))
      .optional(),
  })
  .meta({ id: 'RateLimitMatch' });
export type RateLimitMatch = z.infer<typeof RateLimitMatch>;

export function isEmptyMatch(m: RateLimitMatch | undefined): boolean {
  return !m || (!m.path && !m.method && !m.header && m.rpcMethod === undefined);
}

/** A stable text of a match: two rules with the same key count the same requests. */
function matchKey(m: RateLimitMatch | undefined): string {
  if (isEmptyMatch(m) || !m) return '*';
  return JSON.stringify([
    m.path?.type ?? null,
    m.path?.value ?? null,
    m.method ?? null,
    m.header?.name.toLowerCase() ?? null,
    m.header?.value ?? null,
    m.rpcMethod ?? null,
  ]);
}

const MAX_REQUESTS = 1_000_000;

export const RateLimitForm = z
  .object({
    name: RuleName,
    version: z.string().min(1).optional().describe('Limit only this version of the service'),
    match: RateLimitMatch.optional(),
    limit: z.object({
      requests: z
        .number({ error: msg('ratelimit.requestsRequired') })
        .int(msg('common.wholeNumber'))
        .min(1, msg('ratelimit.atLeastOneRequest'))
        .max(MAX_REQUESTS, msg('common.atMost', { max: MAX_REQUESTS })),
      unit: RateUnit,
      window: z
        .number()
        .int(msg('common.wholeNumber'))
        .min(1, msg('ratelimit.windowMin'))
        .max(3600, msg('ratelimit.windowMax', { max: 3600 }))
        .optional()
        .describe('The window in units (default 1): "100 per 5 seconds"'),
    }),
    burst: z
      .number()
      .int(msg('common.wholeNumber'))
      .min(0, msg('common.atLeast', { min: 0 }))
      .max(MAX_REQUESTS, msg('common.atMost', { max: MAX_REQUESTS }))
      .optional()
      .describe('Requests allowed above the limit in a burst (per-instance limits: the bucket size)'),
    scope: RateScope.describe(
      'instance: each instance enforces the limit (Envoy local rate limit); global: one limit shared by all (Envoy global rate limit service)',
    ),
    response: z
      .object({
        status: z
          .number()
          .int(msg('common.wholeNumber'))
          .min(400, msg('ratelimit.statusRange'))
          .max(599, msg('ratelimit.statusRange')),
        header: ResponseHeader.optional().describe('A header added to limited responses'),
      })
      .default({ status: 429 }),
    enabled: z.boolean(),
    shadow: z.boolean().describe('Count what would be limited without refusing anything'),
    resourceVersion: z
      .string()
      .optional()
      .describe('The resourceVersion of the EnvoyFilter this edit is based on; a stale one is a 409'),
    comment: z
      .string()
      .max(COMMENT_MAX_LENGTH, msg('common.atMostCharacters', { max: COMMENT_MAX_LENGTH }))
      .optional()
      .describe('Recorded with the revision in the history'),
  })
  .superRefine((form, ctx) => {
    if (form.scope === 'global' && form.burst !== undefined && form.burst > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['burst'],
        message: msg('ratelimit.globalBurst'),
      });
    }
    if (form.scope === 'global' && (form.limit.window ?? 1) !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['limit', 'window'],
        message: msg('ratelimit.globalWindow'),
      });
    }
    if (form.scope === 'global' && form.response.header) {
      ctx.addIssue({
        code: 'custom',
        path: ['response', 'header'],
        message: msg('ratelimit.globalResponseHeader'),
      });
    }
  })
  .meta({ id: 'RateLimitForm' });
export type RateLimitForm = z.infer<typeof RateLimitForm>;
export type RateLimitFormInput = z.input<typeof RateLimitForm>;

/** What the checks that need the service know of it. */
export interface RateLimitServiceInfo {
  protocol: string;
  versions: { version: string | null; ready: number }[];
}

export interface RateLimitProblem {
  field: string;
  message: string;
}

const isRpc = (p: string) => p === 'dubbo' || p === 'sofarpc';

/**
 * The checks that need the service and its other rules: a version that exists, match fields that fit
 * the protocol, and no second rule with the same match (the two would fight over the same requests).
 */
export function checkRateLimitForService(
  form: RateLimitForm,
  service: RateLimitServiceInfo,
  others: { name: string; version?: string | undefined; match?: RateLimitMatch | undefined }[],
): RateLimitProblem[] {
  const problems: RateLimitProblem[] = [];
  if (form.version !== undefined && !service.versions.some((v) => v.version === form.version)) {
    problems.push({ field: 'version', message: msg('routing.versionUnknown', { version: form.version }) });
  }
  const m = form.match;
  if (m) {
    if (isRpc(service.protocol) && (m.path || m.method || m.header)) {
      problems.push({
        field: 'match',
        message: msg('ratelimit.httpMatchOnRpc'),
      });
    }
    if (!isRpc(service.protocol) && m.rpcMethod !== undefined) {
      problems.push({
        field: 'match.rpcMethod',
        message: msg('ratelimit.rpcMethodOnHttp'),
      });
    }
  }
  const key = matchKey(form.match);
  const clash = others.find(
    (o) => o.name !== form.name && matchKey(o.match) === key && (o.version ?? '') === (form.version ?? ''),
  );
  if (clash) {
    problems.push({
      field: 'match',
      message: msg('ratelimit.duplicateMatch', { name: clash.name }),
    });
  }
  return problems;
}

/** The per-instance limit multiplied out: what the service as a whole lets through. */
export function effectiveTotal(form: Pick<RateLimitForm, 'limit' | 'scope'>, readyInstances: number) {
  return form.scope === 'instance' ? form.limit.requests * readyInstances : form.limit.requests;
}

// ---------------------------------------------------------------------------------------------
// The API's responses.

export const RateLimitRule = z
  .object({
    name: z.string(),
    objects: z
      .array(ObjectRef)
      .describe('The EnvoyFilters (and, for a global limit, the ConfigMap) of the rule'),
    resourceVersion: z.string().describe("The EnvoyFilter's resourceVersion"),
    form: RateLimitForm,
    yaml: z.string(),
  })
  .meta({ id: 'RateLimitRule' });
export type RateLimitRule = z.infer<typeof RateLimitRule>;

const ForeignEnvoyFilter = z
  .object({ ref: ObjectRef, yaml: z.string() })
  .meta({ id: 'ForeignEnvoyFilter' })
  .describe('An EnvoyFilter on the service the console did not write: shown read-only');

const OtherEnvoyFilter = z
  .object({
    ref: ObjectRef,
    yaml: z.string(),
    from: z
      .enum(['root', 'namespace'])
      .describe(
        "root: from Istio's config root namespace (istio-system), so it applies in every namespace; namespace: from the namespace of the service's instances",
      ),
    selector: z
      .record(z.string(), z.string())
      .nullable()
      .describe(
        'The workloadSelector labels that select the service’s instances; null: no selector, so every workload in its scope (the mesh for the root namespace)',
      ),
    instances: z
      .object({ selected: z.number().int(), total: z.number().int() })
      .describe(
        'How many of the service’s instances (Pods and WorkloadEntries, which have sidecars) it selects',
      ),
    rateLimiting: z
      .boolean()
      .describe(
        'A patch names envoy.filters.http.local_ratelimit or envoy.filters.http.ratelimit (or their config types), or adds route rate_limits',
      ),
  })
  .meta({ id: 'OtherEnvoyFilter' })
  .describe(
    'An EnvoyFilter that istiod attaches to the service’s sidecars and that is not one of its rules: shown read-only, in the order Istio applies them',
  );
export type OtherEnvoyFilter = z.infer<typeof OtherEnvoyFilter>;

const OtherEnvoyFilters = z
  .object({
    items: z.array(OtherEnvoyFilter),
    hidden: z
      .number()
      .int()
      .describe(
        'More EnvoyFilters that apply to the service, in namespaces the caller may not read: counted only',
      ),
    unavailable: z
      .array(z.string())
      .describe('Namespaces (that the caller may read) whose EnvoyFilters could not be read just now'),
  })
  .meta({ id: 'OtherEnvoyFilters' });

export const RateLimitListResponse = z
  .object({
    items: z.array(RateLimitRule),
    foreign: z.array(ForeignEnvoyFilter),
    others: OtherEnvoyFilters.describe(
      'EnvoyFilters of the root namespace and hand-written ones of the instances’ namespace that select the service’s instances, not listed in items or foreign',
    ),
    readyInstances: z.number().int().describe('Ready instances of the service, for the effective total'),
    versions: z.array(z.object({ version: z.string(), ready: z.number().int() })),
  })
  .meta({ id: 'RateLimitList' });
export type RateLimitListResponse = z.infer<typeof RateLimitListResponse>;

export const RateLimitPreview = z
  .object({ objects: z.array(PlannedObject), warnings: z.array(z.object({ message: z.string() })) })
  .meta({ id: 'RateLimitPreview' });
export type RateLimitPreview = z.infer<typeof RateLimitPreview>;
