import { z } from 'zod';

/**
 * The routing form: one contract for the browser (validating as the operator types) and the BFF
 * (validating again before anything is written). Every rule of the form lives here, once.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const RuleName = z
  .string()
  .min(1, 'Enter a rule name')
  .max(63, 'At most 63 characters')
  .regex(DNS1123_LABEL, 'Lower-case letters, digits and "-", starting and ending with a letter or digit');

export const WEIGHT_TOTAL = 100;

export const Destination = z
  .object({
    version: z.string().min(1, 'Choose a version'),
    weight: z.number().int('A whole number').min(0, 'At least 0').max(100, 'At most 100'),
  })
  .meta({ id: 'RouteDestination' });
export type Destination = z.infer<typeof Destination>;

export const StringMatchType = z.enum(['exact', 'prefix', 'regex']);
export type StringMatchType = z.infer<typeof StringMatchType>;

export const StringMatch = z.object({ type: StringMatchType, value: z.string().min(1, 'Enter a value') });
export type StringMatch = z.infer<typeof StringMatch>;

export const KeyedMatch = StringMatch.extend({ name: z.string().min(1, 'Enter a name') });
export type KeyedMatch = z.infer<typeof KeyedMatch>;

/**
 * What a condition matches. HTTP and gRPC: headers, URI, method. Dubbo and SOFARPC: the RPC
 * method name and attachments. Any protocol: the labels of the calling workload. Every condition
 * in one match must hold; an empty match matches everything (a catch-all).
 */
export const RouteMatch = z
  .object({
    headers: z.array(KeyedMatch).default([]),
    uri: StringMatch.optional(),
    method: StringMatch.optional(),
    rpcMethod: z.string().min(1).optional(),
    attachments: z.array(KeyedMatch).default([]),
    sourceLabels: z.record(z.string().min(1), z.string()).default({}),
  })
  .meta({ id: 'RouteMatch' });
export type RouteMatch = z.infer<typeof RouteMatch>;

export function isCatchAll(m: RouteMatch): boolean {
  return (
    m.headers.length === 0 &&
    m.uri === undefined &&
    m.method === undefined &&
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
    ctx.addIssue({ code: 'custom', path, message: 'Add at least one destination' });
    return;
  }
  if (!split && dests.length > 1) {
    ctx.addIssue({ code: 'custom', path, message: 'Without a traffic split, route to exactly one version' });
  }
  const seen = new Map<string, number>();
  dests.forEach((d, i) => {
    const first = seen.get(d.version);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, i, 'version'],
        message: `Version ${d.version} appears twice`,
      });
    } else seen.set(d.version, i);
  });
  const total = dests.reduce((sum, d) => sum + d.weight, 0);
  if (total !== WEIGHT_TOTAL) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `Weights must total 100% (now ${total}%)`,
      params: { reason: 'weightTotal', total },
    });
  }
}

export const ConditionRoute = z
  .object({
    name: z.string().max(63).optional(),
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
  resourceVersion: z
    .string()
    .optional()
    .describe('The resourceVersion of the VirtualService this edit is based on; a stale one is a 409'),
  comment: z.string().max(500).optional().describe('Recorded with the revision in the history'),
});

export const RouteForm = RouteFormShape.superRefine((form, ctx) => {
  checkDestinations(form.destinations, ctx, ['destinations'], form.trafficSplit);
  if (form.routeType === 'version' && form.matches.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['matches'],
      message: 'A version route has no conditions; choose a condition route',
    });
  }
  if (form.routeType === 'condition' && form.matches.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['matches'], message: 'Add at least one condition' });
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
