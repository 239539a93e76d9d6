import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderContractText } from '../contract/messages';
import type { ContractText } from '../contract/messages';
import { ReleaseForm, ReleaseStatus } from '../contract/releases';
import type { ReleaseFormInput, ReleaseGates, ReleasePhase, ReleaseSpec } from '../contract/releases';
import { DECISION_LOG_LIMIT, evaluateGates, nextState, releasePlan, startRelease } from './release';
import type {
  GateReadings,
  Release,
  ReleaseEffect,
  ReleaseEvent,
  Transition,
  VersionReading,
} from './release';

const GATES: ReleaseGates = { maxErrorRate: 1, maxP99Ms: 400, minRequests: 1000 };
const HELD = { elapsedSeconds: 60, holdSeconds: 60 };
const T0 = new Date('2026-12-06T01:00:00.000Z');
const later = (seconds: number, from: Date = T0) => new Date(from.getTime() + seconds * 1000);

const version = (requests: number, errors: number, p99Ms: number | null): VersionReading => ({
  requests,
  errors,
  p99Ms,
});
const HEALTHY_STABLE = version(20_000, 20, 150);
const readings = (canary: VersionReading, stable: VersionReading = HEALTHY_STABLE): GateReadings => ({
  canary,
  stable,
});
/** Traffic that passes GATES. */
const GOOD = readings(version(1240, 5, 180));
/** Traffic that fails GATES on the error rate. */
const BAD = readings(version(2000, 100, 180));
/** Too little traffic to judge. */
const QUIET = readings(version(10, 0, 100));

const spec = (over: Partial<ReleaseFormInput> = {}): ReleaseSpec =>
  ReleaseForm.parse({
    name: 'reviews-v3',
    stable: 'v2',
    canary: 'v3',
    steps: [5, 10, 25, 50, 100].map((weight) => ({ weight, holdSeconds: 60 })),
    gates: GATES,
    ...over,
  });

describe('evaluateGates', () => {
  it('passes with enough requests, both values under their thresholds and the hold over', () => {
    const result = evaluateGates(GOOD, GATES, HELD);
    expect(result.verdict).toBe('pass');
    expect(result.message).toBe('error rate 0.4% < 1%, p99 180 ms < 400 ms, 1,240 requests');
    expect(result.checks.map((c) => [c.gate, c.outcome])).toEqual([
      ['requests', 'pass'],
      ['errorRate', 'pass'],
      ['p99', 'pass'],
    ]);
  });

  it('passes at exactly the thresholds (inclusive, as Flagger’s thresholdRange) and fails just over', () => {
    const exact = evaluateGates(readings(version(1000, 10, 400)), GATES, HELD);
    expect(exact.verdict).toBe('pass');
    expect(exact.message).toBe('error rate 1% ≤ 1%, p99 400 ms ≤ 400 ms, 1,000 requests');
    expect(evaluateGates(readings(version(1000, 11, 400)), GATES, HELD).verdict).toBe('fail');
    expect(evaluateGates(readings(version(1000, 10, 400.5)), GATES, HELD).verdict).toBe('fail');
  });

  it('shows enough decimals that a value and its threshold never look equal when they differ', () => {
    expect(evaluateGates(readings(version(100_000, 999, 399.6)), GATES, HELD).message).toBe(
      'error rate 0.999% < 1%, p99 399.6 ms < 400 ms, 100,000 requests',
    );
  });

  it('waits below minRequests, even when every request failed (too few to judge)', () => {
    const result = evaluateGates(readings(version(999, 999, 5000)), GATES, HELD);
    expect(result.verdict).toBe('wait');
    expect(result.message).toBe('999 of 1,000 requests');
  });

  it('waits with zero requests, and with minRequests 0 passes an idle canary once held', () => {
    expect(evaluateGates(readings(version(0, 0, null)), GATES, HELD).message).toBe('0 of 1,000 requests');
    const idle = { ...GATES, minRequests: 0 };
    expect(evaluateGates(readings(version(0, 0, null)), idle, HELD).verdict).toBe('pass');
    expect(
      evaluateGates(readings(version(0, 0, null)), idle, { elapsedSeconds: 1, holdSeconds: 60 }).verdict,
    ).toBe('wait');
  });

  it('waits while the p99 is unknown, but fails on the error rate without it', () => {
    const unknown = evaluateGates(readings(version(1240, 5, null)), GATES, HELD);
    expect(unknown.verdict).toBe('wait');
    expect(unknown.message).toBe('p99 not known yet, 1,240 requests');
    expect(evaluateGates(readings(version(1240, 100, null)), GATES, HELD).verdict).toBe('fail');
  });

  it('waits for the hold time, and fails at once without waiting for it', () => {
    const early = { elapsedSeconds: 30.7, holdSeconds: 60 };
    const waiting = evaluateGates(GOOD, GATES, early);
    expect(waiting.verdict).toBe('wait');
    expect(waiting.message).toBe(
      'held 30 s of 60 s (error rate 0.4% < 1%, p99 180 ms < 400 ms, 1,240 requests)',
    );
    expect(evaluateGates(BAD, GATES, early).verdict).toBe('fail');
  });

  it('fails on the canary’s own values, showing the stable version’s beside them', () => {
    const result = evaluateGates(readings(version(2000, 50, 520), version(20_000, 60, 200)), GATES, HELD);
    expect(result.verdict).toBe('fail');
    expect(result.message).toBe('error rate 2.5% > 1% (stable 0.3%), p99 520 ms > 400 ms (stable 200 ms)');
    expect(result.checks.every((c) => !c.stableAlsoBreaches)).toBe(true);
  });

  it('still fails when the stable version breaches too, and says so', () => {
    const result = evaluateGates(readings(version(2000, 50, 180), version(20_000, 400, 150)), GATES, HELD);
    expect(result.verdict).toBe('fail');
    expect(result.message).toBe('error rate 2.5% > 1% (the stable version too: 2%)');
    expect(result.checks.find((c) => c.gate === 'errorRate')?.stableAlsoBreaches).toBe(true);
  });

  it('fails without a stable comparison when the stable version had no traffic', () => {
    const result = evaluateGates(readings(version(2000, 0, 900), version(0, 0, null)), GATES, HELD);
    expect(result.message).toBe('p99 900 ms > 400 ms');
    expect(result.checks.find((c) => c.gate === 'errorRate')?.stable).toBeNull();
  });

  it('with a 0% threshold, passes only without any 5xx', () => {
    const strict = { ...GATES, maxErrorRate: 0 };
    expect(evaluateGates(readings(version(1000, 0, 10)), strict, HELD).verdict).toBe('pass');
    expect(evaluateGates(readings(version(1000, 1, 10)), strict, HELD).message).toBe(
      'error rate 0.1% > 0% (the stable version too: 0.1%)',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The state machine.

/** Runs events one after another, each `seconds` after the previous one. */
function run(release: Release, events: ReleaseEvent[], seconds = 61, from = T0): Transition & { now: Date } {
  let current: Transition = { status: release.status, effects: [] };
  let now = from;
  for (const event of events) {
    now = later(seconds, now);
    current = nextState({ spec: release.spec, status: current.status }, event, now);
  }
  return { ...current, now };
}

const tick = (r: GateReadings = GOOD): ReleaseEvent => ({ kind: 'tick', readings: r });
const started = (s: ReleaseSpec = spec()): Release => ({ spec: s, status: startRelease(s, T0).status });

/** A release in each phase, reached through the machine itself, at step 3 (index 2). */
function inPhase(phase: ReleasePhase): Release {
  const s = spec();
  const atStep3 = run(started(s), [tick(), tick()]).status;
  const to: Record<ReleasePhase, ReleaseEvent[]> = {
    Progressing: [],
    Paused: [{ kind: 'pause', reason: 'lunch', by: 'alice' }],
    Succeeded: [{ kind: 'promote', by: 'alice' }],
    RolledBack: [{ kind: 'abort', by: 'alice' }],
  };
  return { spec: s, status: run({ spec: s, status: atStep3 }, to[phase], 1, later(200)).status };
}

const EVENTS: Record<string, ReleaseEvent> = {
  'tick pass': tick(GOOD),
  'tick wait': tick(QUIET),
  'tick fail': tick(BAD),
  pause: { kind: 'pause', reason: 'lunch', by: 'bob' },
  resume: { kind: 'resume', by: 'bob' },
  promote: { kind: 'promote', by: 'bob' },
  abort: { kind: 'abort', by: 'bob' },
  manualEdit: { kind: 'manualEdit', detail: 'weights 30/70 by carol' },
  writeFailed: { kind: 'writeFailed', error: '409 Conflict' },
  restart: { kind: 'restart' },
};

type Row = [ReleasePhase, keyof typeof EVENTS, ReleasePhase, string[], 'refused' | 'same status' | 'changed'];
/** Every event from every phase: the phase after, the effects' kinds, and whether the status moved. */
const TRANSITIONS: Row[] = [
  ['Progressing', 'tick pass', 'Progressing', ['setWeights'], 'changed'],
  ['Progressing', 'tick wait', 'Progressing', [], 'changed'],
  ['Progressing', 'tick fail', 'RolledBack', ['rollback', 'audit'], 'changed'],
  ['Progressing', 'pause', 'Paused', ['audit'], 'changed'],
  ['Progressing', 'resume', 'Progressing', [], 'same status'],
  ['Progressing', 'promote', 'Succeeded', ['setWeights', 'audit'], 'changed'],
  ['Progressing', 'abort', 'RolledBack', ['rollback', 'audit'], 'changed'],
  ['Progressing', 'manualEdit', 'Paused', ['audit'], 'changed'],
  ['Progressing', 'writeFailed', 'Paused', ['audit'], 'changed'],
  ['Progressing', 'restart', 'Progressing', ['setWeights'], 'same status'],
  ['Paused', 'tick pass', 'Paused', [], 'same status'],
  ['Paused', 'tick wait', 'Paused', [], 'same status'],
  ['Paused', 'tick fail', 'Paused', [], 'same status'],
  ['Paused', 'pause', 'Paused', [], 'same status'],
  ['Paused', 'resume', 'Progressing', ['setWeights', 'audit'], 'changed'],
  ['Paused', 'promote', 'Succeeded', ['setWeights', 'audit'], 'changed'],
  ['Paused', 'abort', 'RolledBack', ['rollback', 'audit'], 'changed'],
  ['Paused', 'manualEdit', 'Paused', [], 'same status'],
  ['Paused', 'writeFailed', 'Paused', [], 'same status'],
  ['Paused', 'restart', 'Paused', [], 'same status'],
  ...(['Succeeded', 'RolledBack'] as const).flatMap((phase): Row[] => {
    const finalWrite = phase === 'Succeeded' ? 'setWeights' : 'rollback';
    return [
      [phase, 'tick pass', phase, [], 'same status'],
      [phase, 'tick wait', phase, [], 'same status'],
      [phase, 'tick fail', phase, [], 'same status'],
      [phase, 'pause', phase, [], 'refused'],
      [phase, 'resume', phase, [], 'refused'],
      [phase, 'promote', phase, [], 'refused'],
      [phase, 'abort', phase, [], 'refused'],
      [phase, 'manualEdit', phase, [], 'same status'],
      [phase, 'writeFailed', phase, [finalWrite], 'same status'],
      [phase, 'restart', phase, [finalWrite], 'same status'],
    ];
  }),
];

describe('nextState: every event from every phase', () => {
  it('covers every phase × event pair', () => {
    expect(TRANSITIONS).toHaveLength(4 * Object.keys(EVENTS).length);
  });

  it.each(TRANSITIONS)('%s + %s → %s %j (%s)', (from, eventName, to, effects, change) => {
    const release = inPhase(from);
    expect(release.status.phase).toBe(from);
    const t = nextState(release, EVENTS[eventName] as ReleaseEvent, later(1000));
    expect(t.status.phase).toBe(to);
    expect(t.effects.map((e) => e.kind)).toEqual(effects);
    if (change === 'changed') expect(t.status).not.toEqual(release.status);
    else expect(t.status).toEqual(release.status);
    expect(t.refused !== undefined).toBe(change === 'refused');
    // Whatever is recorded must be what the object's status schema accepts.
    expect(ReleaseStatus.parse(JSON.parse(JSON.stringify(t.status)))).toEqual(t.status);
  });
});

describe('nextState: progressing through the steps', () => {
  it('starts at step 1 with its weights and the audit text of the change flow', () => {
    const t = startRelease(spec(), T0);
    expect(t.status).toMatchObject({ phase: 'Progressing', step: 0, stepStartedAt: T0.toISOString() });
    expect(t.effects).toEqual([
      { kind: 'setWeights', step: 0, stable: 95, canary: 5, comment: 'canary step 1 by release reviews-v3' },
    ]);
  });

  it('logs a passed step in the issue’s words and writes the next step’s weights', () => {
    const atStep3 = run(started(), [tick(), tick()]);
    const t = run({ spec: spec(), status: atStep3.status }, [tick(GOOD)], 61, atStep3.now);
    expect(t.status.log.at(-2)?.message).toBe(
      'step 3 passed: error rate 0.4% < 1%, p99 180 ms < 400 ms, 1,240 requests',
    );
    expect(t.status.log.at(-1)?.message).toBe('step 4 started: 50% to v3, 50% to v2');
    expect(t.effects).toEqual([
      { kind: 'setWeights', step: 3, stable: 50, canary: 50, comment: 'canary step 4 by release reviews-v3' },
    ]);
    expect(t.status.stepStartedAt).toBe(t.now.toISOString());
  });

  it('waits without logging: the latest readings are recorded, the log does not grow', () => {
    const before = started();
    const t = nextState(before, tick(QUIET), later(61));
    expect(t.status.log).toEqual(before.status.log);
    expect(t.status.gates).toMatchObject({ verdict: 'wait', message: '10 of 1,000 requests' });
  });

  it('holds each step for its time before passing it', () => {
    const before = started();
    expect(nextState(before, tick(), later(59)).status.step).toBe(0);
    expect(nextState(before, tick(), later(60)).status.step).toBe(1);
  });

  it('succeeds after the last step passes, with no further write (the canary already has 100%)', () => {
    const t = run(started(), [tick(), tick(), tick(), tick(), tick()]);
    expect(t.status.phase).toBe('Succeeded');
    expect(t.status.log.at(-1)?.message).toBe('release reviews-v3 succeeded: v3 serves 100%');
    expect(t.effects.filter((e) => e.kind !== 'audit')).toEqual([]);
  });

  it('rolls back at once on a failed gate, saying why in the log and the reason (the banner)', () => {
    const t = run(started(), [tick(), tick(BAD)]);
    expect(t.status.phase).toBe('RolledBack');
    const reason = 'step 2 failed: error rate 5% > 1% (stable 0.1%); rolled back to 100% v2';
    expect(t.status.reason).toBe(reason);
    expect(t.status.log.at(-1)).toMatchObject({ step: 1, outcome: 'failed', message: reason });
    expect(t.effects[0]).toEqual({
      kind: 'rollback',
      step: 1,
      stable: 100,
      canary: 0,
      comment: 'rollback by release reviews-v3',
    });
  });

  it('goes through a header stage first, keeping 100% stable for requests without the header', () => {
    const s = spec({ headerCanary: { name: 'x-canary', value: 'yes', holdSeconds: 30 } });
    expect(releasePlan(s).map((stage) => stage.canaryWeight)).toEqual([0, 5, 10, 25, 50, 100]);
    const first = startRelease(s, T0);
    expect(first.effects[0]).toMatchObject({ step: 0, stable: 100, canary: 0, header: { name: 'x-canary' } });
    expect(first.status.log[0]?.message).toBe(
      'release reviews-v3 started: requests with header x-canary: yes go to v3',
    );
    const t = run({ spec: s, status: first.status }, [tick()], 31);
    expect(t.effects).toEqual([
      { kind: 'setWeights', step: 1, stable: 95, canary: 5, comment: 'canary step 2 by release reviews-v3' },
    ]);
  });
});

describe('nextState: the operator’s actions', () => {
  it('pauses on a manual edit and says why; resuming starts the step’s hold over and rewrites its weights', () => {
    const s = spec();
    const paused = run(started(s), [tick(), EVENTS.manualEdit as ReleaseEvent]);
    expect(paused.status.reason).toBe(
      'paused: the route was edited outside the release (weights 30/70 by carol)',
    );
    const resumed = nextState(
      { spec: s, status: paused.status },
      EVENTS.resume as ReleaseEvent,
      later(5, paused.now),
    );
    expect(resumed.status).toMatchObject({ phase: 'Progressing', step: 1 });
    expect(resumed.status.reason).toBeUndefined();
    expect(resumed.status.stepStartedAt).toBe(later(5, paused.now).toISOString());
    expect(resumed.effects[0]).toMatchObject({ kind: 'setWeights', step: 1, canary: 10 });
  });

  it('pauses when a write fails, naming the step and the error', () => {
    const t = run(started(), [tick(), tick(), EVENTS.writeFailed as ReleaseEvent]);
    expect(t.status.reason).toBe('paused: writing the weights of step 3 failed (409 Conflict)');
  });

  it('promotes to 100% canary, audited with who did it', () => {
    const t = run(started(), [tick(), EVENTS.promote as ReleaseEvent]);
    expect(t.status).toMatchObject({ phase: 'Succeeded', step: 4 });
    expect(t.effects).toEqual([
      {
        kind: 'setWeights',
        step: 4,
        stable: 0,
        canary: 100,
        comment: 'canary promoted by bob (release reviews-v3)',
      },
      { kind: 'audit', message: 'release reviews-v3 promoted at step 2 by bob' },
    ]);
  });

  it('aborts to 100% stable with who did it as the reason', () => {
    const t = run(started(), [tick(), EVENTS.abort as ReleaseEvent]);
    expect(t.status.reason).toBe('aborted at step 2 by bob; rolled back to 100% v2');
  });

  it('keeps the decision log bounded, latest entries last', () => {
    const cycle = [EVENTS.pause, EVENTS.resume] as ReleaseEvent[];
    const t = run(started(), Array.from({ length: DECISION_LOG_LIMIT }, () => cycle).flat());
    expect(t.status.log).toHaveLength(DECISION_LOG_LIMIT);
    expect(t.status.log.at(-1)?.outcome).toBe('resumed');
  });
});

/** A driver's view of the route: it writes only what differs from what is live. */
function driver(initial: ReleaseEffect[]) {
  const live = { stable: 100, canary: 0, step: -1 };
  let writes = 0;
  const apply = (effects: ReleaseEffect[]) => {
    for (const e of effects) {
      if (e.kind === 'audit') continue;
      if (e.stable === live.stable && e.canary === live.canary && e.step === live.step) continue;
      Object.assign(live, { stable: e.stable, canary: e.canary, step: e.step });
      writes++;
    }
  };
  apply(initial);
  return { live, apply, writes: () => writes };
}

describe('nextState: a new driver picks up the recorded state', () => {
  const header = spec({ headerCanary: { name: 'x-canary', value: 'yes', holdSeconds: 30 } });
  const steps = releasePlan(header).map((_, i) => i);

  it.each(steps)('at stage %i: same step, same hold clock, and nothing written twice', (stage) => {
    const first = startRelease(header, T0);
    const d = driver(first.effects);
    const before = run(
      { spec: header, status: first.status },
      Array.from({ length: stage }, () => tick()),
    );
    d.apply(before.effects);
    const writes = d.writes();
    // What another replica reads back from the object.
    const recorded = ReleaseStatus.parse(JSON.parse(JSON.stringify(before.status)));
    const after = nextState({ spec: header, status: recorded }, { kind: 'restart' }, later(5, before.now));
    expect(after.status).toEqual(before.status);
    d.apply(after.effects);
    expect(d.writes()).toBe(writes);
    expect(d.live.step).toBe(stage);
  });

  it('writes the step’s weights when the previous driver died between recording and writing', () => {
    const s = spec();
    const step2 = run(started(s), [tick()]);
    const d = driver(startRelease(s, T0).effects); // step 1 is live, step 2 never written
    d.apply(nextState({ spec: s, status: step2.status }, { kind: 'restart' }, step2.now).effects);
    expect(d.live).toEqual({ stable: 90, canary: 10, step: 1 });
  });

  it('does not restart the hold: the step passes when its original hold is over', () => {
    const s = started();
    const restarted = nextState(s, { kind: 'restart' }, later(50)).status;
    expect(nextState({ spec: s.spec, status: restarted }, tick(), later(60)).status.step).toBe(1);
  });

  it.each(['Paused', 'Succeeded', 'RolledBack'] as const)(
    'in %s: the recorded status is kept as it is',
    (phase) => {
      const release = inPhase(phase);
      const recorded = ReleaseStatus.parse(JSON.parse(JSON.stringify(release.status)));
      expect(
        nextState({ spec: release.spec, status: recorded }, { kind: 'restart' }, later(999)).status,
      ).toEqual(release.status);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// The texts as contract messages (the SPA translates them).

/** Every structured text of a status beside its English: log entries, gate summary, reason. */
function textsOf(status: ReleaseStatus): [string, readonly ContractText[] | undefined][] {
  return [
    ...status.log.map((e): [string, readonly ContractText[] | undefined] => [e.message, e.text]),
    ...(status.gates ? [[status.gates.message, status.gates.text] as [string, readonly ContractText[]]] : []),
    ...(status.reason
      ? [[status.reason, status.reasonText] as [string, readonly ContractText[] | undefined]]
      : []),
  ];
}

const keysOf = (text: readonly ContractText[] | undefined): string[] =>
  (text ?? []).flatMap(({ key, values = {} }) => [
    key,
    ...Object.values(values).flatMap((v) => (typeof v === 'object' ? keysOf(v) : [])),
  ]);

describe('decision log, gate summary and reason as contract messages', () => {
  it('render to exactly the English message, for each kind of entry', () => {
    const s = spec({ headerCanary: { name: 'x-canary', value: 'yes', holdSeconds: 60 } });
    const statuses: ReleaseStatus[] = [];
    const through = (release: Release, events: ReleaseEvent[]) => {
      let status = release.status;
      statuses.push(status);
      let now = T0;
      for (const event of events) {
        now = later(61, now);
        status = nextState({ spec: release.spec, status }, event, now).status;
        statuses.push(status);
      }
      return status;
    };
    const both = readings(version(2000, 100, 900), version(20_000, 600, 150));
    // Header stage, weight stage, pass, wait (too few, p99 unknown, held), pause, resume, manual
    // edit, failed write, promote.
    through({ spec: s, status: startRelease(s, T0).status }, [
      tick(),
      tick(QUIET),
      tick(readings(version(1240, 5, null))),
      { kind: 'pause', reason: 'lunch', by: 'alice' },
      { kind: 'resume', by: 'alice' },
      { kind: 'manualEdit', detail: 'weights 30/70 by carol' },
      { kind: 'resume', by: 'alice' },
      { kind: 'writeFailed', error: '409 Conflict' },
      { kind: 'resume', by: 'alice' },
      { kind: 'promote', by: 'bob' },
    ]);
    const held = nextState(started(), tick(), later(10)).status;
    statuses.push(held);
    // Every step passed to the end; a failure on both gates (stable too on the error rate); an abort;
    // no traffic at all with minRequests 0.
    through(started(), [tick(), tick(), tick(), tick(), tick()]);
    through(started(), [tick(both)]);
    through(started(), [tick(readings(version(2000, 40, 900), version(20_000, 0, 500)))]);
    through(started(), [tick(), { kind: 'abort', by: 'bob' }]);
    through(started(spec({ gates: { ...GATES, minRequests: 0 } })), [tick(readings(version(0, 0, null)))]);

    const texts = statuses.flatMap(textsOf);
    for (const [message, text] of texts) {
      expect(text, message).toBeDefined();
      expect(renderContractText(text ?? [])).toBe(message);
    }
    const messages = texts.map(([m]) => m);
    expect(messages).toEqual(
      expect.arrayContaining([
        'release reviews-v3 started: requests with header x-canary: yes go to v3',
        'step 2 started: 5% to v3, 95% to v2',
        'held 10 s of 60 s (error rate 0.4% < 1%, p99 180 ms < 400 ms, 1,240 requests)',
        'step 1 failed: error rate 5% > 1% (the stable version too: 3%), p99 900 ms > 400 ms (stable 150 ms); rolled back to 100% v2',
        'paused by alice: lunch',
        'paused: the route was edited outside the release (weights 30/70 by carol)',
        'aborted at step 2 by bob; rolled back to 100% v2',
        'step 1 failed: error rate 2% > 1% (stable 0%), p99 900 ms > 400 ms (the stable version too: 500 ms); rolled back to 100% v2',
        'release reviews-v3 succeeded: v3 serves 100%',
        'step 1 passed: no requests, p99 unknown, 0 requests',
      ]),
    );
    // Every message the state machine says is among them.
    const said = new Set(texts.flatMap(([, text]) => keysOf(text)));
    const written = [
      ...readFileSync(new URL('./release.ts', import.meta.url), 'utf8').matchAll(/'(release\.\w+)'/g),
    ].map((m) => m[1]);
    expect(written.length).toBeGreaterThan(20);
    expect([...new Set(written)].filter((key) => !said.has(key as string))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties.

const specs = fc
  .record({
    weights: fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 6 }),
    hold: fc.integer({ min: 5, max: 300 }),
    header: fc.boolean(),
    gates: fc.record({
      maxErrorRate: fc.double({ min: 0, max: 100, noNaN: true }),
      maxP99Ms: fc.integer({ min: 1, max: 2000 }),
      minRequests: fc.integer({ min: 0, max: 500 }),
    }),
  })
  .map(({ weights, hold, header, gates }) =>
    spec({
      steps: [...weights.sort((a, b) => a - b), 100].map((weight) => ({ weight, holdSeconds: hold })),
      gates,
      ...(header ? { headerCanary: { name: 'x-canary', value: 'yes', holdSeconds: hold } } : {}),
    }),
  );

const versionReadings = fc.integer({ min: 0, max: 3000 }).chain((requests) =>
  fc.record({
    requests: fc.constant(requests),
    errors: fc.integer({ min: 0, max: requests }),
    p99Ms: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }),
  }),
);

const events: fc.Arbitrary<ReleaseEvent> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ canary: versionReadings, stable: versionReadings }).map(tick) },
  fc.constant(EVENTS.pause as ReleaseEvent),
  fc.constant(EVENTS.resume as ReleaseEvent),
  fc.constant(EVENTS.promote as ReleaseEvent),
  fc.constant(EVENTS.abort as ReleaseEvent),
  fc.constant(EVENTS.manualEdit as ReleaseEvent),
  fc.constant(EVENTS.writeFailed as ReleaseEvent),
  fc.constant(EVENTS.restart as ReleaseEvent),
);

describe('properties of any sequence of events', () => {
  it('weights stay within 0..100 and total 100; a failed gate ends RolledBack with 100% stable', () => {
    fc.assert(
      fc.property(
        specs,
        fc.array(fc.tuple(events, fc.integer({ min: 0, max: 400 })), { maxLength: 40 }),
        (s, sequence) => {
          const first = startRelease(s, T0);
          const d = driver(first.effects);
          let status = first.status;
          let now = T0;
          let sawFail = false;
          const check = (effects: ReleaseEffect[]) => {
            for (const e of effects) {
              if (e.kind === 'audit') continue;
              expect(e.stable).toBeGreaterThanOrEqual(0);
              expect(e.canary).toBeGreaterThanOrEqual(0);
              expect(e.stable).toBeLessThanOrEqual(100);
              expect(e.stable + e.canary).toBe(100);
            }
          };
          check(first.effects);
          for (const [event, seconds] of sequence) {
            now = later(seconds, now);
            const wasTerminal = status.phase === 'Succeeded' || status.phase === 'RolledBack';
            const t = nextState({ spec: s, status }, event, now);
            if (wasTerminal) expect(t.status).toEqual(status);
            for (const [message, text] of textsOf(t.status))
              expect(renderContractText(text ?? [])).toBe(message);
            if (t.status.gates?.verdict === 'fail' && status.phase === 'Progressing') sawFail = true;
            check(t.effects);
            d.apply(t.effects);
            status = t.status;
          }
          if (sawFail) {
            expect(status.phase).toBe('RolledBack');
            expect(d.live).toMatchObject({ stable: 100, canary: 0 });
          }
          if (status.phase === 'Succeeded') expect(d.live).toMatchObject({ stable: 0, canary: 100 });
        },
      ),
      { numRuns: 300 },
    );
  });
});
