import { CONTRACT_MESSAGES, contractMessage as msg } from './messages';
import type { ContractMessageKey, ContractText as ContractTextShape } from './messages';
import { headerNameProblem, matchValueProblem } from './envoy-values';
import type { Problem } from './envoy-values';
import { z } from 'zod';

/**
 * Progressive delivery (issue 17): the release form, shared by the SPA (validating as the
 * operator types) and the BFF (validating again before the release object is created), and the
 * status the release controller records on the object, so that any replica can continue it.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const MAX_STEPS = 20;
const MIN_HOLD_SECONDS = 5;
const MAX_HOLD_SECONDS = 86_400;

const valid =
  (check: (value: string) => Problem) =>
  (value: string, ctx: z.RefinementCtx): void => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };

const wholeBetween = (min: number, max: number) =>
  z
    .number()
    .int(msg('common.wholeNumber'))
    .min(min, msg('common.atLeast', { min }))
    .max(max, msg('common.atMost', { max }));

const HoldSeconds = wholeBetween(MIN_HOLD_SECONDS, MAX_HOLD_SECONDS).describe(
  'How long the step is held, in seconds, before its gates can pass it',
);

export const ReleaseStep = z
  .object({
    weight: wholeBetween(1, 100).describe('The percentage of traffic sent to the canary'),
    holdSeconds: HoldSeconds,
  })
  .meta({ id: 'ReleaseStep' });
export type ReleaseStep = z.infer<typeof ReleaseStep>;

export const ReleaseGates = z
  .object({
    maxErrorRate: z
      .number()
      .min(0, msg('common.atLeast', { min: 0 }))
      .max(100, msg('common.atMost', { max: 100 }))
      .describe(
        'The highest error rate (5xx responses) the canary may show, as a percentage 0..100: 1 means 1%',
      ),
    maxP99Ms: z
      .number()
      .positive(msg('common.atLeast', { min: 1 }))
      .describe('The highest p99 latency the canary may show, in milliseconds'),
    minRequests: z
      .number()
      .int(msg('common.wholeNumber'))
      .min(0, msg('common.atLeast', { min: 0 }))
      .describe('How many canary requests a step needs in its window before it can pass'),
  })
  .meta({ id: 'ReleaseGates' });
export type ReleaseGates = z.infer<typeof ReleaseGates>;

export const HeaderCanary = z
  .object({
    name: z.string().min(1, msg('common.nameRequired')).superRefine(valid(headerNameProblem)),
    value: z.string().min(1, msg('common.valueRequired')).superRefine(valid(matchValueProblem)),
    holdSeconds: HoldSeconds,
  })
  .meta({ id: 'ReleaseHeaderCanary' });
export type HeaderCanary = z.infer<typeof HeaderCanary>;

const ReleaseFormShape = z.object({
  name: z
    .string()
    .min(1, msg('common.nameRequired'))
    .max(63, msg('common.atMostCharacters', { max: 63 }))
    .regex(DNS1123_LABEL, msg('kubernetes.dns1123Label')),
  stable: z.string().min(1, msg('routing.versionRequired')).describe('The version serving traffic now'),
  canary: z.string().min(1, msg('routing.versionRequired')).describe('The version being released'),
  headerCanary: HeaderCanary.optional().describe(
    'A first stage before the weights: only requests with this header (exact value) go to the canary',
  ),
  steps: z
    .array(ReleaseStep)
    .describe('The canary weights in order, each held for its time; the last is 100'),
  gates: ReleaseGates,
  onFailure: z
    .literal('rollback')
    .default('rollback')
    .describe('What a failed gate does: send 100% to the stable version at once'),
});

export const ReleaseForm = ReleaseFormShape.superRefine((form, ctx) => {
  if (form.canary.length > 0 && form.canary === form.stable) {
    ctx.addIssue({
      code: 'custom',
      path: ['canary'],
      message: msg('release.canaryIsStable', { version: form.stable }),
    });
  }
  if (form.steps.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['steps'], message: msg('release.stepRequired') });
    return;
  }
  if (form.steps.length > MAX_STEPS) {
    ctx.addIssue({
      code: 'custom',
      path: ['steps'],
      message: msg('release.atMostSteps', { max: MAX_STEPS }),
    });
  }
  form.steps.forEach((step, i) => {
    const previous = form.steps[i - 1];
    if (previous && step.weight <= previous.weight) {
      ctx.addIssue({
        code: 'custom',
        path: ['steps', i, 'weight'],
        message: msg('release.weightsIncrease', { number: i + 1, previous: previous.weight }),
      });
    }
  });
  const last = form.steps[form.steps.length - 1] as ReleaseStep;
  if (last.weight !== 100) {
    ctx.addIssue({
      code: 'custom',
      path: ['steps', form.steps.length - 1, 'weight'],
      message: msg('release.lastStepFull', { weight: last.weight }),
    });
  }
}).meta({ id: 'ReleaseForm' });
/** A validated release: what the release object's spec holds. */
export type ReleaseSpec = z.infer<typeof ReleaseForm>;
export type ReleaseFormInput = z.input<typeof ReleaseForm>;

// ---------------------------------------------------------------------------------------------
// The release's status, as recorded on the object.

export const ReleasePhase = z
  .enum(['Progressing', 'Paused', 'Succeeded', 'RolledBack'])
  .meta({ id: 'ReleasePhase' });
export type ReleasePhase = z.infer<typeof ReleasePhase>;

export const GateVerdict = z.enum(['pass', 'wait', 'fail']);
export type GateVerdict = z.infer<typeof GateVerdict>;

export const GateCheck = z
  .object({
    gate: z.enum(['requests', 'errorRate', 'p99']),
    outcome: GateVerdict,
    canary: z.number().nullable().describe('The canary’s value; null when unknown'),
    stable: z.number().nullable().describe('The stable version’s value over the same window'),
    threshold: z.number(),
    stableAlsoBreaches: z
      .boolean()
      .describe('The stable version is over the threshold too: the canary may not be the cause'),
  })
  .meta({ id: 'ReleaseGateCheck' });
export type GateCheck = z.infer<typeof GateCheck>;

const isContractKey = (key: string): key is ContractMessageKey => {
  const [group = '', name = ''] = key.split('.');
  const messages: Record<string, object> = CONTRACT_MESSAGES;
  return Object.hasOwn(messages, group) && Object.hasOwn(messages[group] as object, name);
};

/**
 * A text of the state machine as contract messages (their keys and values), so that the SPA says it
 * in the operator's language; the English `message` or `reason` beside it is these, rendered.
 */
const ContractText: z.ZodType<readonly ContractTextShape[]> = z
  .array(
    z.object({
      key: z.string().refine(isContractKey, 'Not a contract message key'),
      values: z.record(z.string(), z.union([z.string(), z.number(), z.lazy(() => ContractText)])).optional(),
    }),
  )
  .meta({ id: 'ContractText' });

export const GateEvaluation = z
  .object({
    at: z.iso.datetime(),
    verdict: GateVerdict,
    checks: z.array(GateCheck),
    message: z.string(),
    text: ContractText.optional().describe('`message` as contract messages, to translate'),
  })
  .meta({ id: 'ReleaseGateEvaluation' });
export type GateEvaluation = z.infer<typeof GateEvaluation>;

export const DecisionOutcome = z.enum([
  'started',
  'passed',
  'failed',
  'paused',
  'resumed',
  'promoted',
  'aborted',
  'succeeded',
]);
export type DecisionOutcome = z.infer<typeof DecisionOutcome>;

export const DecisionLogEntry = z
  .object({
    at: z.iso.datetime(),
    step: z.number().int().min(0).describe('The stage index (0-based) the decision was made at'),
    outcome: DecisionOutcome,
    message: z
      .string()
      .describe('e.g. "step 3 passed: error rate 0.4% < 1%, p99 180 ms < 400 ms, 1,240 requests"'),
    text: ContractText.optional().describe('`message` as contract messages, to translate'),
  })
  .meta({ id: 'ReleaseDecision' });
export type DecisionLogEntry = z.infer<typeof DecisionLogEntry>;

export const ReleaseStatus = z
  .object({
    phase: ReleasePhase,
    step: z
      .number()
      .int()
      .min(0)
      .describe('The current stage, 0-based: the header stage (when there is one), then the weight steps'),
    startedAt: z.iso.datetime(),
    stepStartedAt: z.iso.datetime().describe('When the current stage’s hold began'),
    gates: GateEvaluation.optional().describe('The latest gate evaluation of the current stage'),
    log: z.array(DecisionLogEntry).describe('The decisions, oldest first (the latest ones only)'),
    reason: z.string().optional().describe('Why the release is Paused or RolledBack'),
    reasonText: ContractText.optional().describe('`reason` as contract messages, to translate'),
  })
  .meta({ id: 'ReleaseStatus' });
export type ReleaseStatus = z.infer<typeof ReleaseStatus>;

export const ReleaseAction = z.enum(['pause', 'resume', 'promote', 'abort']).meta({ id: 'ReleaseAction' });
export type ReleaseAction = z.infer<typeof ReleaseAction>;

// ---------------------------------------------------------------------------------------------
// What the API answers (shared by the BFF's routes and the SPA's release panel).

/** One version's traffic over a gate window, as the panel charts it. */
export const ReleaseVersionReading = z
  .object({
    requests: z.number().min(0),
    errorRate: z.number().nullable().describe('5xx responses as a percentage 0..100; null with no requests'),
    p99Ms: z.number().nullable(),
  })
  .meta({ id: 'ReleaseVersionReading' });
export type ReleaseVersionReading = z.infer<typeof ReleaseVersionReading>;

/** One sample of the gates over time (the controller takes one per evaluation). */
export const ReleaseSample = z
  .object({
    at: z.iso.datetime(),
    step: z.number().int().min(0),
    canary: ReleaseVersionReading,
    stable: ReleaseVersionReading,
    targetCanaryWeight: z
      .number()
      .min(0)
      .max(100)
      .describe('The weight the current stage sends to the canary'),
    observedCanaryShare: z
      .number()
      .nullable()
      .describe('The canary’s share of the requests actually served in the window, 0..100'),
  })
  .meta({ id: 'ReleaseSample' });
export type ReleaseSample = z.infer<typeof ReleaseSample>;

export const ReleaseView = z
  .object({
    name: z.string(),
    namespace: z.string(),
    serviceId: z.string(),
    spec: ReleaseForm,
    status: ReleaseStatus,
    route: z
      .object({ kind: z.enum(['VirtualService', 'HTTPRoute']), name: z.string() })
      .describe('The route rule whose weights the release moves'),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    resourceVersion: z.string(),
    samples: z
      .array(ReleaseSample)
      .describe('The latest gate samples, oldest first (for the charts), bounded'),
  })
  .meta({ id: 'Release' });
export type ReleaseView = z.infer<typeof ReleaseView>;

export const ReleaseList = z.object({ items: z.array(ReleaseView) }).meta({ id: 'ReleaseList' });
export type ReleaseList = z.infer<typeof ReleaseList>;
