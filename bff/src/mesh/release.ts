import type {
  DecisionLogEntry,
  DecisionOutcome,
  GateCheck,
  GateEvaluation,
  GateVerdict,
  HeaderCanary,
  ReleaseGates,
  ReleaseSpec,
  ReleaseStatus,
} from '../contract/releases';
import { renderContractText } from '../contract/messages';
import type { ContractMessageKey, ContractText, ContractTextValue } from '../contract/messages';

/**
 * The pure core of a progressive release (issue 17): the gate evaluation and the state machine.
 * No I/O and no clock: the controller passes the time, the telemetry readings and what happened,
 * records the returned status on the release object and performs the returned effects (writing
 * the weights through the same change flow as a manual edit, auditing). Because the state lives on
 * the object, a new driver that takes the Lease continues from the recorded step.
 */

// ---------------------------------------------------------------------------------------------
// Gate evaluation.

/** One version's traffic over the step's window. */
export interface VersionReading {
  requests: number;
  /** 5xx responses. */
  errors: number;
  /** null when the telemetry source does not know it (no histogram yet, too few samples). */
  p99Ms: number | null;
}

export interface GateReadings {
  canary: VersionReading;
  stable: VersionReading;
}

export interface HoldProgress {
  elapsedSeconds: number;
  holdSeconds: number;
}

export interface GateResult {
  verdict: GateVerdict;
  checks: GateCheck[];
  message: string;
  /** `message` as contract messages (the SPA translates them). */
  text: ContractText[];
}

/** One contract message, as a one-part text. */
const say = (key: ContractMessageKey, values: Record<string, ContractTextValue> = {}): ContractText[] => [
  { key, values },
];

/** A text and its English rendering: the `message` (or `reason`) and `text` of the status. */
const worded = (text: ContractText[]) => ({ message: renderContractText(text), text });

/**
 * The gate rule.
 *
 * Thresholds are absolute and inclusive, as Flagger's builtin checks: `request-success-rate`
 * with `thresholdRange.min` (a percentage) and `request-duration` with `thresholdRange.max` (the
 * P99 in milliseconds) pass when the value is within the range, bounds included
 * (https://docs.flagger.app/usage/metrics). So the canary passes with an error rate ≤ maxErrorRate
 * and a p99 ≤ maxP99Ms; maxErrorRate 0 means "no 5xx at all".
 *
 * "Compared with the stable version": the stable version's values over the same window are read
 * and shown beside the canary's, and a canary breach is marked `stableAlsoBreaches` when the
 * stable version is over the same threshold. The verdict is still `fail`: a relative rule would
 * let a canary through whenever the stable version is bad too, while rolling back to an equally
 * bad stable version costs nothing; the mark tells the operator the canary may not be the cause.
 *
 * Too little evidence is not a verdict. Argo Rollouts calls a run that is neither successful nor
 * failed Inconclusive and does not promote on it (https://argoproj.github.io/argo-rollouts/features/analysis/);
 * here the step simply waits: below minRequests (a handful of requests makes a noisy error rate),
 * with an unknown p99, or before the hold time is over. A breach with enough requests fails at
 * once, before the hold is over: the issue asks for an immediate rollback on failure.
 * With minRequests 0 and no traffic at all, the operator asked for no evidence: the error rate
 * passes vacuously and the (unknown) p99 does not hold the step.
 */
export function evaluateGates(readings: GateReadings, gates: ReleaseGates, hold: HoldProgress): GateResult {
  const { canary, stable } = readings;
  const enoughRequests = canary.requests >= gates.minRequests;
  const noTraffic = canary.requests === 0;
  const canaryRate = errorRate(canary);
  const stableRate = errorRate(stable);

  const requests: GateCheck = {
    gate: 'requests',
    outcome: enoughRequests ? 'pass' : 'wait',
    canary: canary.requests,
    stable: stable.requests,
    threshold: gates.minRequests,
    stableAlsoBreaches: false,
  };
  const errorRateCheck: GateCheck = {
    gate: 'errorRate',
    outcome: !enoughRequests
      ? 'wait'
      : canaryRate === null || canaryRate <= gates.maxErrorRate
        ? 'pass'
        : 'fail',
    canary: canaryRate,
    stable: stableRate,
    threshold: gates.maxErrorRate,
    stableAlsoBreaches: stableRate !== null && stableRate > gates.maxErrorRate,
  };
  const p99Check: GateCheck = {
    gate: 'p99',
    outcome: !enoughRequests
      ? 'wait'
      : canary.p99Ms === null
        ? noTraffic
          ? 'pass'
          : 'wait'
        : canary.p99Ms <= gates.maxP99Ms
          ? 'pass'
          : 'fail',
    canary: canary.p99Ms,
    stable: stable.p99Ms,
    threshold: gates.maxP99Ms,
    stableAlsoBreaches: stable.p99Ms !== null && stable.p99Ms > gates.maxP99Ms,
  };
  const checks = [requests, errorRateCheck, p99Check];

  const failed = checks.filter((c) => c.outcome === 'fail');
  if (failed.length > 0) {
    return { verdict: 'fail', checks, ...worded(failed.flatMap(describeCheck)) };
  }
  if (!enoughRequests) {
    return {
      verdict: 'wait',
      checks,
      ...worded(
        say('release.gatesTooFewRequests', {
          requests: count(canary.requests),
          minRequests: count(gates.minRequests),
        }),
      ),
    };
  }
  if (p99Check.outcome === 'wait') {
    return {
      verdict: 'wait',
      checks,
      ...worded(say('release.gatesP99Unknown', { requests: count(canary.requests) })),
    };
  }
  const summary = say('release.gatesPassed', {
    errorRate: describeCheck(errorRateCheck),
    p99: describeCheck(p99Check),
    requests: count(canary.requests),
  });
  if (hold.elapsedSeconds < hold.holdSeconds) {
    return {
      verdict: 'wait',
      checks,
      ...worded(
        say('release.gatesHeld', {
          elapsed: count(Math.floor(hold.elapsedSeconds)),
          hold: count(hold.holdSeconds),
          checks: summary,
        }),
      ),
    };
  }
  return { verdict: 'pass', checks, ...worded(summary) };
}

/** The 5xx percentage; null without requests. */
function errorRate(r: VersionReading): number | null {
  return r.requests > 0 ? (r.errors / r.requests) * 100 : null;
}

const EN_US = 'en-US';
const count = (n: number) => n.toLocaleString(EN_US);

/**
 * A value beside its threshold, with as many decimals as it takes for the two not to look equal
 * when they are not ("0.999% < 1%", never "1% < 1%").
 */
function versus(value: number, threshold: number, minDigits: number): [string, string] {
  const format = (n: number, digits: number) =>
    n.toLocaleString(EN_US, { minimumFractionDigits: 0, maximumFractionDigits: digits });
  let digits = minDigits;
  while (digits < 6 && value !== threshold && format(value, digits) === format(threshold, digits)) digits++;
  return [format(value, digits), format(threshold, digits)];
}

const relation = (value: number, threshold: number) =>
  value < threshold ? '<' : value === threshold ? '≤' : '>';

/** A check of the error rate or the p99 (the requests check is said by the summary's count). */
function describeCheck(c: GateCheck): ContractText[] {
  const errorRate = c.gate === 'errorRate';
  const digits = errorRate ? 2 : 0;
  if (c.canary === null) return say(errorRate ? 'release.errorRateNoRequests' : 'release.p99Unknown');
  const [value, threshold] = versus(c.canary, c.threshold, digits);
  const base = { value, relation: relation(c.canary, c.threshold), threshold };
  if (c.outcome !== 'fail' || c.stable === null)
    return say(errorRate ? 'release.errorRate' : 'release.p99', base);
  const [stable] = versus(c.stable, c.threshold, digits);
  const key = c.stableAlsoBreaches
    ? errorRate
      ? 'release.errorRateStableToo'
      : 'release.p99StableToo'
    : errorRate
      ? 'release.errorRateStable'
      : 'release.p99Stable';
  return say(key, { ...base, stable });
}

// ---------------------------------------------------------------------------------------------
// The plan: the stages a release goes through.

export type ReleaseStage =
  | { kind: 'header'; header: Pick<HeaderCanary, 'name' | 'value'>; holdSeconds: number; canaryWeight: 0 }
  | { kind: 'weight'; holdSeconds: number; canaryWeight: number };

/**
 * The header stage (condition routes: requests with the header go to the canary, the rest stays
 * 100% stable) and then the weight steps. `status.step` indexes this list.
 */
export function releasePlan(spec: ReleaseSpec): ReleaseStage[] {
  const header: ReleaseStage[] = spec.headerCanary
    ? [
        {
          kind: 'header',
          header: { name: spec.headerCanary.name, value: spec.headerCanary.value },
          holdSeconds: spec.headerCanary.holdSeconds,
          canaryWeight: 0,
        },
      ]
    : [];
  return [
    ...header,
    ...spec.steps.map((s): ReleaseStage => ({
      kind: 'weight',
      holdSeconds: s.holdSeconds,
      canaryWeight: s.weight,
    })),
  ];
}

// ---------------------------------------------------------------------------------------------
// The state machine.

export interface Release {
  spec: ReleaseSpec;
  status: ReleaseStatus;
}

export type ReleaseEvent =
  | { kind: 'tick'; readings: GateReadings }
  | { kind: 'pause'; reason: string; by: string }
  | { kind: 'resume'; by: string }
  | { kind: 'promote'; by: string }
  | { kind: 'abort'; by: string }
  /** Someone changed the route outside the release (the driver saw weights it did not write). */
  | { kind: 'manualEdit'; detail: string }
  /** Writing the weights of `status.step` (or the rollback) failed, e.g. a 409 or a refused write. */
  | { kind: 'writeFailed'; error: string }
  /** A new driver (it just took the Lease) picks up the recorded state. */
  | { kind: 'restart' };

/**
 * What the driver does after recording the new status. `setWeights` and `rollback` carry the
 * stage, so a driver compares them with the live route and writes only what differs: re-entering
 * a stage whose weights are already written (a restart) writes nothing twice. `comment` is the
 * revision's audit text ("canary step 3 by release reviews-v3").
 */
export type ReleaseEffect =
  | {
      kind: 'setWeights';
      step: number;
      stable: number;
      canary: number;
      header?: { name: string; value: string };
      comment: string;
    }
  | { kind: 'rollback'; step: number; stable: 100; canary: 0; comment: string }
  | { kind: 'audit'; message: string };

export interface Transition {
  status: ReleaseStatus;
  effects: ReleaseEffect[];
  /** Set when the event does not apply in this phase (the API answers 409 with it). */
  refused?: string;
}

/** The decision log keeps the latest entries only, so the object's status stays small. */
export const DECISION_LOG_LIMIT = 100;

const TERMINAL = new Set<ReleaseStatus['phase']>(['Succeeded', 'RolledBack']);

/** The status and first write of a newly created release. */
export function startRelease(spec: ReleaseSpec, now: Date): Transition {
  const at = now.toISOString();
  const status: ReleaseStatus = {
    phase: 'Progressing',
    step: 0,
    startedAt: at,
    stepStartedAt: at,
    log: [],
  };
  const plan = releasePlan(spec);
  const started = withLog(
    status,
    at,
    0,
    'started',
    say('release.started', { name: spec.name, stage: describeStage(spec, plan, 0) }),
  );
  return { status: started, effects: [stageWeights(spec, plan, 0)] };
}

export function nextState(release: Release, event: ReleaseEvent, now: Date): Transition {
  const { spec, status } = release;
  const at = now.toISOString();
  const plan = releasePlan(spec);
  const step = status.step;
  const label = `step ${step + 1}`;
  const number = step + 1;
  const unchanged = (refused?: string): Transition => ({
    status,
    effects: [],
    ...(refused ? { refused } : {}),
  });

  if (TERMINAL.has(status.phase)) {
    // Nothing moves a finished release. A new driver, or a failed write, only makes sure the final
    // weights are live: the status may have been recorded just before the previous driver died.
    if (event.kind === 'restart' || event.kind === 'writeFailed') {
      return { status, effects: [finalWeights(spec, plan, status)] };
    }
    return unchanged(
      event.kind === 'tick' || event.kind === 'manualEdit'
        ? undefined
        : `release ${spec.name} is ${status.phase}: it cannot ${event.kind}`,
    );
  }

  switch (event.kind) {
    case 'restart':
      // The hold clock is not reset: the new driver continues the step where it was recorded.
      return status.phase === 'Progressing'
        ? { status, effects: [stageWeights(spec, plan, step)] }
        : unchanged();

    case 'tick': {
      if (status.phase === 'Paused') return unchanged();
      const stage = plan[step] as ReleaseStage;
      const elapsedSeconds = Math.max(0, (now.getTime() - Date.parse(status.stepStartedAt)) / 1000);
      const result = evaluateGates(event.readings, spec.gates, {
        elapsedSeconds,
        holdSeconds: stage.holdSeconds,
      });
      const gates: GateEvaluation = { at, ...result };
      if (result.verdict === 'wait') return { status: { ...status, gates }, effects: [] };
      if (result.verdict === 'fail') {
        const failed = say('release.stepFailed', { number, gates: result.text });
        return rolledBack(spec, plan, { ...status, gates }, at, 'failed', failed);
      }
      const passed = withLog(
        { ...status, gates },
        at,
        step,
        'passed',
        say('release.stepPassed', { number, gates: result.text }),
      );
      if (step + 1 >= plan.length) {
        const done = withLog(
          { ...passed, phase: 'Succeeded', reason: undefined, reasonText: undefined },
          at,
          step,
          'succeeded',
          say('release.succeeded', { name: spec.name, canary: spec.canary }),
        );
        return { status: done, effects: [{ kind: 'audit', message: `release ${spec.name} succeeded` }] };
      }
      const next = step + 1;
      const entered = withLog(
        { ...passed, step: next, stepStartedAt: at, gates: undefined },
        at,
        next,
        'started',
        say('release.stepStarted', { number: next + 1, stage: describeStage(spec, plan, next) }),
      );
      return { status: entered, effects: [stageWeights(spec, plan, next)] };
    }

    case 'pause': {
      if (status.phase === 'Paused') return unchanged();
      return paused(status, at, say('release.pausedBy', { user: event.by, reason: event.reason }), [
        { kind: 'audit', message: `release ${spec.name} paused at ${label} by ${event.by}: ${event.reason}` },
      ]);
    }

    case 'manualEdit':
      if (status.phase === 'Paused') return unchanged();
      return paused(status, at, say('release.pausedManualEdit', { detail: event.detail }), [
        {
          kind: 'audit',
          message: `release ${spec.name} paused at ${label}: the route was edited (${event.detail})`,
        },
      ]);

    case 'writeFailed':
      if (status.phase === 'Paused') return unchanged();
      return paused(status, at, say('release.pausedWriteFailed', { number, error: event.error }), [
        {
          kind: 'audit',
          message: `release ${spec.name} paused at ${label}: writing the weights failed (${event.error})`,
        },
      ]);

    case 'resume': {
      if (status.phase === 'Progressing') return unchanged();
      // The step starts over: traffic seen while paused (perhaps under hand-edited weights) is not
      // evidence about this step's weights, which are written again.
      const resumed = withLog(
        {
          ...status,
          phase: 'Progressing',
          reason: undefined,
          reasonText: undefined,
          stepStartedAt: at,
          gates: undefined,
        },
        at,
        step,
        'resumed',
        say('release.resumed', { number, user: event.by }),
      );
      return {
        status: resumed,
        effects: [
          stageWeights(spec, plan, step),
          { kind: 'audit', message: `release ${spec.name} resumed at ${label} by ${event.by}` },
        ],
      };
    }

    case 'promote': {
      const last = plan.length - 1;
      const done = withLog(
        { ...status, phase: 'Succeeded', step: last, reason: undefined, reasonText: undefined },
        at,
        step,
        'promoted',
        say('release.promoted', { number, user: event.by, canary: spec.canary }),
      );
      return {
        status: done,
        effects: [
          stageWeights(spec, plan, last, `canary promoted by ${event.by} (release ${spec.name})`),
          { kind: 'audit', message: `release ${spec.name} promoted at ${label} by ${event.by}` },
        ],
      };
    }

    case 'abort':
      return rolledBack(
        spec,
        plan,
        status,
        at,
        'aborted',
        say('release.aborted', { number, user: event.by }),
      );
  }
}

function paused(
  status: ReleaseStatus,
  at: string,
  why: ContractText[],
  effects: ReleaseEffect[],
): Transition {
  const { message: reason, text: reasonText } = worded(why);
  return {
    status: withLog({ ...status, phase: 'Paused', reason, reasonText }, at, status.step, 'paused', why),
    effects,
  };
}

function rolledBack(
  spec: ReleaseSpec,
  plan: ReleaseStage[],
  status: ReleaseStatus,
  at: string,
  outcome: DecisionOutcome,
  decision: ContractText[],
): Transition {
  const why = say('release.rolledBack', { decision, stable: spec.stable });
  const { message: reason, text: reasonText } = worded(why);
  const next = withLog({ ...status, phase: 'RolledBack', reason, reasonText }, at, status.step, outcome, why);
  return {
    status: next,
    effects: [finalWeights(spec, plan, next), { kind: 'audit', message: `release ${spec.name}: ${reason}` }],
  };
}

/** The weights of a finished release: 100% canary when it succeeded, 100% stable when rolled back. */
function finalWeights(spec: ReleaseSpec, plan: ReleaseStage[], status: ReleaseStatus): ReleaseEffect {
  return status.phase === 'RolledBack'
    ? {
        kind: 'rollback',
        step: status.step,
        stable: 100,
        canary: 0,
        comment: `rollback by release ${spec.name}`,
      }
    : stageWeights(spec, plan, plan.length - 1);
}

function stageWeights(
  spec: ReleaseSpec,
  plan: ReleaseStage[],
  step: number,
  comment?: string,
): ReleaseEffect {
  const stage = plan[step] as ReleaseStage;
  return {
    kind: 'setWeights',
    step,
    stable: 100 - stage.canaryWeight,
    canary: stage.canaryWeight,
    ...(stage.kind === 'header' ? { header: stage.header } : {}),
    comment: comment ?? `canary step ${step + 1} by release ${spec.name}`,
  };
}

function describeStage(spec: ReleaseSpec, plan: ReleaseStage[], step: number): ContractText[] {
  const stage = plan[step] as ReleaseStage;
  return stage.kind === 'header'
    ? say('release.headerStage', { name: stage.header.name, value: stage.header.value, canary: spec.canary })
    : say('release.weightStage', {
        canaryWeight: stage.canaryWeight,
        canary: spec.canary,
        stableWeight: 100 - stage.canaryWeight,
        stable: spec.stable,
      });
}

function withLog(
  status: ReleaseStatus,
  at: string,
  step: number,
  outcome: DecisionOutcome,
  text: ContractText[],
): ReleaseStatus {
  const entry: DecisionLogEntry = { at, step, outcome, ...worded(text) };
  const { reason, reasonText, gates, ...rest } = status;
  return {
    ...rest,
    ...(gates ? { gates } : {}),
    ...(reason ? { reason } : {}),
    ...(reason && reasonText ? { reasonText } : {}),
    log: [...status.log, entry].slice(-DECISION_LOG_LIMIT),
  };
}
