import type { ServiceDetail } from '../../lib/contract';
import type { ReleasePhase, ReleaseSample, ReleaseView } from './contract';

// Fixtures of progressive delivery in the contract's shapes (data only: no test library).

/** reviews in bookinfo, versions v1..v3 all ready (the e2e's service). */
export const reviews: ServiceDetail = {
  id: 'reviews.bookinfo.svc.cluster.local',
  name: 'reviews',
  application: 'reviews',
  namespace: 'bookinfo',
  protocol: 'http',
  host: 'reviews.bookinfo.svc.cluster.local',
  platforms: ['kubernetes'],
  versions: ['v1', 'v2', 'v3'],
  instances: { total: 3, ready: 3 },
  ports: [{ name: 'http', port: 9080, protocol: 'http' }],
  versionDetails: ['v1', 'v2', 'v3'].map((version) => ({
    version,
    instances: 1,
    ready: 1,
    platforms: ['kubernetes' as const],
  })),
  providers: [],
  sources: [{ kind: 'Service', namespace: 'bookinfo', name: 'reviews' }],
};

const START = Date.parse('2026-12-06T03:00:00.000Z');
const iso = (seconds: number) => new Date(START + seconds * 1000).toISOString();

export function sample(seconds: number, overrides: Partial<ReleaseSample> = {}): ReleaseSample {
  return {
    at: iso(seconds),
    step: 0,
    canary: { requests: 120, errorRate: 0.4, p99Ms: 180 },
    stable: { requests: 480, errorRate: 0.2, p99Ms: 150 },
    targetCanaryWeight: 20,
    observedCanaryShare: 19.6,
    ...overrides,
  };
}

/** A release of reviews v3 over v1, steps 20/50/100 held 10 s, at `step` in `phase`. */
export function release(
  phase: ReleasePhase = 'Progressing',
  overrides: Partial<ReleaseView> = {},
): ReleaseView {
  const step = phase === 'Succeeded' ? 2 : 1;
  return {
    name: 'reviews-v3',
    namespace: 'bookinfo',
    serviceId: reviews.id,
    spec: {
      name: 'reviews-v3',
      stable: 'v1',
      canary: 'v3',
      steps: [
        { weight: 20, holdSeconds: 10 },
        { weight: 50, holdSeconds: 10 },
        { weight: 100, holdSeconds: 10 },
      ],
      gates: { maxErrorRate: 1, maxP99Ms: 400, minRequests: 20 },
      onFailure: 'rollback',
    },
    status: {
      phase,
      step,
      startedAt: iso(0),
      stepStartedAt: iso(12),
      gates: {
        at: iso(20),
        verdict: phase === 'RolledBack' ? 'fail' : 'pass',
        checks: [
          {
            gate: 'errorRate',
            outcome: phase === 'RolledBack' ? 'fail' : 'pass',
            canary: phase === 'RolledBack' ? 29.5 : 0.4,
            stable: 0.2,
            threshold: 1,
            stableAlsoBreaches: false,
          },
          {
            gate: 'p99',
            outcome: 'pass',
            canary: 180,
            stable: 150,
            threshold: 400,
            stableAlsoBreaches: false,
          },
          {
            gate: 'requests',
            outcome: 'pass',
            canary: 120,
            stable: 480,
            threshold: 20,
            stableAlsoBreaches: false,
          },
        ],
        message: 'error rate 0.4% < 1%, p99 180 ms < 400 ms, 120 requests',
      },
      log: [
        { at: iso(0), step: 0, outcome: 'started', message: 'started by operator-user' },
        {
          at: iso(12),
          step: 0,
          outcome: 'passed',
          message: 'step 1 passed: error rate 0.4% < 1%, p99 180 ms < 400 ms, 120 requests',
        },
      ],
      ...(phase === 'RolledBack'
        ? { reason: 'step 2 failed: error rate 29.5% > 1% (stable 0.2%)' }
        : phase === 'Paused'
          ? { reason: 'The route reviews was edited by admin during the release' }
          : {}),
    },
    route: { kind: 'VirtualService', name: 'reviews' },
    createdBy: 'operator-user',
    createdAt: iso(0),
    resourceVersion: '7',
    samples: [
      sample(5),
      sample(10),
      sample(15, { step: 1, targetCanaryWeight: 50, observedCanaryShare: 48 }),
    ],
    ...overrides,
  };
}
