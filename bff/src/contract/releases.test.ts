import { describe, expect, it } from 'vitest';
import {
  DecisionLogEntry,
  GateCheck,
  GateEvaluation,
  GateVerdict,
  HeaderCanary,
  MAX_STEPS,
  ReleaseAction,
  ReleaseForm,
  ReleaseGates,
  ReleasePhase,
  ReleaseStatus,
  ReleaseStep,
  DecisionOutcome,
} from './releases';
import type { ReleaseFormInput } from './releases';

const form = (over: Partial<ReleaseFormInput> = {}): ReleaseFormInput => ({
  name: 'reviews-v3',
  stable: 'v2',
  canary: 'v3',
  steps: [5, 10, 25, 50, 100].map((weight) => ({ weight, holdSeconds: 60 })),
  gates: { maxErrorRate: 1, maxP99Ms: 400, minRequests: 100 },
  ...over,
});

/** The issues of a form as `path: message`, so a test names the field it expects. */
function issues(input: unknown): string[] {
  const result = ReleaseForm.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the release form', () => {
  it('accepts the issue’s example and defaults onFailure to rollback', () => {
    const parsed = ReleaseForm.parse(form());
    expect(parsed.onFailure).toBe('rollback');
    expect(parsed.steps.map((s) => s.weight)).toEqual([5, 10, 25, 50, 100]);
  });

  it.each([
    ['Reviews', 'name'],
    ['-reviews', 'name'],
    ['reviews.v3', 'name'],
    ['a'.repeat(64), 'name'],
    ['', 'name'],
  ])('refuses the name %j (not a DNS-1123 label) on the name field', (name, field) => {
    expect(issues(form({ name })).some((i) => i.startsWith(`${field}: `))).toBe(true);
  });

  it('refuses a canary equal to the stable version, on the canary field', () => {
    expect(issues(form({ canary: 'v2' }))).toEqual([
      'canary: The canary version must differ from the stable version (v2)',
    ]);
  });

  it('asks for both versions', () => {
    expect(issues(form({ stable: '', canary: '' }))).toEqual([
      'stable: Choose a version',
      'canary: Choose a version',
    ]);
  });

  it('needs 1 to MAX_STEPS steps', () => {
    expect(issues(form({ steps: [] }))).toEqual(['steps: Add at least one step']);
    expect(issues(form({ steps: [{ weight: 100, holdSeconds: 5 }] }))).toEqual([]);
    const many = Array.from({ length: MAX_STEPS + 1 }, (_, i) => ({ weight: i + 80, holdSeconds: 5 }));
    expect(issues(form({ steps: many }))).toEqual([`steps: At most ${MAX_STEPS} steps`]);
    expect(issues(form({ steps: many.slice(1) }))).toEqual([]);
  });

  it('needs strictly increasing weights, naming the step that does not increase', () => {
    const steps = [10, 10, 5, 100].map((weight) => ({ weight, holdSeconds: 60 }));
    expect(issues(form({ steps }))).toEqual([
      'steps.1.weight: Step 2: the weight must be above the previous step’s 10%',
      'steps.2.weight: Step 3: the weight must be above the previous step’s 10%',
    ]);
  });

  it('needs the last step at 100%', () => {
    const steps = [10, 50].map((weight) => ({ weight, holdSeconds: 60 }));
    expect(issues(form({ steps }))).toEqual([
      'steps.1.weight: The last step must send 100% to the canary (now 50%)',
    ]);
  });

  it.each([
    [{ weight: 0, holdSeconds: 60 }, 'steps.0.weight: At least 1'],
    [{ weight: 101, holdSeconds: 60 }, 'steps.0.weight: At most 100'],
    [{ weight: 2.5, holdSeconds: 60 }, 'steps.0.weight: A whole number'],
    [{ weight: 5, holdSeconds: 4 }, 'steps.0.holdSeconds: At least 5'],
    [{ weight: 5, holdSeconds: 86_401 }, 'steps.0.holdSeconds: At most 86400'],
  ])('checks each step’s bounds: %j', (first, expected) => {
    expect(issues(form({ steps: [first, { weight: 100, holdSeconds: 60 }] }))).toContain(expected);
  });

  it('accepts the bounds themselves', () => {
    const steps = [
      { weight: 1, holdSeconds: 5 },
      { weight: 100, holdSeconds: 86_400 },
    ];
    expect(issues(form({ steps }))).toEqual([]);
  });

  it.each([
    [{ maxErrorRate: -0.1 }, 'gates.maxErrorRate: At least 0'],
    [{ maxErrorRate: 100.5 }, 'gates.maxErrorRate: At most 100'],
    [{ maxP99Ms: 0 }, 'gates.maxP99Ms: At least 1'],
    [{ minRequests: -1 }, 'gates.minRequests: At least 0'],
    [{ minRequests: 1.5 }, 'gates.minRequests: A whole number'],
  ])('checks the gates: %j', (gate, expected) => {
    expect(issues(form({ gates: { maxErrorRate: 1, maxP99Ms: 400, minRequests: 100, ...gate } }))).toEqual([
      expected,
    ]);
  });

  it('takes maxErrorRate as a percentage: 0 and 100 and fractions are allowed', () => {
    for (const maxErrorRate of [0, 0.5, 100]) {
      expect(issues(form({ gates: { maxErrorRate, maxP99Ms: 1, minRequests: 0 } }))).toEqual([]);
    }
    expect(ReleaseGates.shape.maxErrorRate.description).toMatch(/percentage 0\.\.100/);
  });

  it('checks the header canary as an HTTP header condition', () => {
    expect(issues(form({ headerCanary: { name: 'x-canary', value: 'yes', holdSeconds: 30 } }))).toEqual([]);
    const bad = issues(form({ headerCanary: { name: ':authority', value: '', holdSeconds: 1 } }));
    expect(bad.map((i) => i.split(':')[0])).toEqual([
      'headerCanary.name',
      'headerCanary.value',
      'headerCanary.holdSeconds',
    ]);
    expect(HeaderCanary.safeParse({ name: 'x-canary', value: 'a\u0000b', holdSeconds: 5 }).success).toBe(
      false,
    );
  });

  it('has rollback as the only failure action', () => {
    expect(issues(form({ onFailure: 'rollback' }))).toEqual([]);
    expect(issues({ ...form(), onFailure: 'continue' })).toHaveLength(1);
  });

  it('parses one step on its own', () => {
    expect(ReleaseStep.parse({ weight: 5, holdSeconds: 5 })).toEqual({ weight: 5, holdSeconds: 5 });
  });
});

describe('the release status', () => {
  const at = '2026-12-06T01:00:00.000Z';
  const check: GateCheck = {
    gate: 'errorRate',
    outcome: 'pass',
    canary: 0.4,
    stable: 0.2,
    threshold: 1,
    stableAlsoBreaches: false,
  };

  it('round-trips a recorded status (what a new replica reads back)', () => {
    const status: ReleaseStatus = {
      phase: 'Paused',
      step: 2,
      startedAt: at,
      stepStartedAt: at,
      gates: { at, verdict: 'wait', checks: [check], message: '12 of 100 requests' },
      log: [{ at, step: 2, outcome: 'paused', message: 'paused by alice: lunch' }],
      reason: 'paused by alice: lunch',
    };
    expect(ReleaseStatus.parse(JSON.parse(JSON.stringify(status)))).toEqual(status);
  });

  it('refuses a status with an unknown phase, a negative step or a time that is not ISO', () => {
    const base = { phase: 'Progressing', step: 0, startedAt: at, stepStartedAt: at, log: [] };
    expect(ReleaseStatus.safeParse(base).success).toBe(true);
    expect(ReleaseStatus.safeParse({ ...base, phase: 'Degraded' }).success).toBe(false);
    expect(ReleaseStatus.safeParse({ ...base, step: -1 }).success).toBe(false);
    expect(ReleaseStatus.safeParse({ ...base, stepStartedAt: 'yesterday' }).success).toBe(false);
    expect(GateEvaluation.safeParse({ at, verdict: 'maybe', checks: [], message: '' }).success).toBe(false);
    expect(DecisionLogEntry.safeParse({ at, step: 0, outcome: 'exploded', message: '' }).success).toBe(false);
  });

  it('names the phases, verdicts, outcomes and actions of the API', () => {
    expect(ReleasePhase.options).toEqual(['Progressing', 'Paused', 'Succeeded', 'RolledBack']);
    expect(ReleaseAction.options).toEqual(['pause', 'resume', 'promote', 'abort']);
    expect(GateVerdict.options).toEqual(['pass', 'wait', 'fail']);
    expect(DecisionOutcome.options).toContain('passed');
    expect(GateCheck.parse(check)).toEqual(check);
  });
});
