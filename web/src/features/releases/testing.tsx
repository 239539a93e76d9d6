import { render, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import type { UserEvent } from '@testing-library/user-event';
import { waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { AppProviders } from '../../app/AppProviders';
import type { ServiceDetail } from '../../lib/contract';
import { createTestQueryClient } from '../../test/render';
import { server } from '../../test/server';
import { sessionHandler } from '../../test/session';
import type { Session } from '../auth/contract';
import type { ReleaseList, ReleasePhase, ReleaseSample, ReleaseView } from './contract';
import { ReleasesSection } from './ReleasesSection';

// Test helpers for progressive delivery: fixtures in the contract's shapes and an in-memory API.

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

export const RELEASES = '*/api/v1/services/:id/releases';
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

/** Serves the releases API from `list`; returns the writes it received. */
export function serveReleases(list: ReleaseList | (() => ReleaseList)) {
  const writes: { path: string; body: unknown }[] = [];
  const current = () => (typeof list === 'function' ? list() : list);
  server.use(
    http.get(RELEASES, () => HttpResponse.json(current())),
    http.get(`${RELEASES}/:name`, ({ params }) => {
      const found = current().items.find((r) => r.name === params.name);
      return found
        ? HttpResponse.json(found)
        : HttpResponse.json({ code: 'NotFound', message: 'No such release' }, { status: 404 });
    }),
  );
  return { writes };
}

export function renderSection(ui: ReactElement | null = null, session?: Session, service = reviews) {
  if (session) server.use(sessionHandler(session));
  const queryClient = createTestQueryClient(session ? { session } : {});
  return {
    ...render(
      <AppProviders queryClient={queryClient}>
        <MemoryRouter>{ui ?? <ReleasesSection service={service} />}</MemoryRouter>
      </AppProviders>,
    ),
    queryClient,
  };
}

export const setupUser = () => userEvent.setup({ pointerEventsCheck: PointerEventsCheckLevel.Never });

export function must<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('Expected a value');
  return value;
}

/** Chooses an option of an antd Select by its text. */
export async function choose(user: UserEvent, select: HTMLElement, label: string) {
  await user.click(select);
  const option = await waitFor(() =>
    must(
      // The dropdown open now (an earlier select's stays in the DOM, hidden).
      [
        ...(
          [
            ...document.querySelectorAll<HTMLElement>(
              '.ant-select-dropdown:not(.ant-select-dropdown-hidden)',
            ),
          ].at(-1) ?? document
        ).querySelectorAll<HTMLElement>('.ant-select-item-option'),
      ].find((o) => o.textContent === label && o.getAttribute('aria-disabled') !== 'true'),
    ),
  );
  await user.click(option);
}

/** Replaces a number field's value with one input event. */
export async function typeNumber(user: UserEvent, input: HTMLElement, value: number | string) {
  await user.clear(input);
  if (value !== '') {
    await user.click(input);
    await user.paste(String(value));
  }
}

export const footerOf = (drawer: HTMLElement) =>
  within(must(drawer.querySelector<HTMLElement>('.ant-drawer-footer')));
